"""Flow 2 end to end: a session planned at TP reaches the reference TA by itself, through TP's outbox,
with TA's own tokens (PDF 3.2; the return route equals the outbound route, PDF 2.3)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import select, update

from oke.auth.caller import ClientRole
from oke.outbox import operations
from oke.roles.toetsafname.catalogue import REKENEN_2F
from oke.store.tables.outbox import OutboxMessage
from oke.store.tables.toetsafname import TaComponent
from tests.api_client import TP, Peer, new_id
from tests.servers import fake_peer, free_port, running
from tests.ta_client import TA


def eventually(check: Callable[[], Any], seconds: float = 30) -> Any:
    """The first truthy answer of `check`, polled until `seconds` pass (a deadline costs time only when the test
    fails: it is long enough for the relays' backoff on a loaded machine)."""
    deadline = time.monotonic() + seconds
    while not (answer := check()):
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.1)
    return answer


def connect(tp: TP, ta: TA, name: str = "ta-real", base_url: str | None = None, tp_url: str | None = None) -> Peer:
    """Register TP and TA as clients of each other and tell each where the other is (flows 2 and 3, 4);
    returns a TP-client view of TA for reading. TP calls TA at `base_url`, TA calls TP at `tp_url`, when given
    (e.g. a fault proxy)."""
    tp_peer = tp_peer_name(ta)
    client = ta.register(ClientRole.tp, peer=tp_peer)
    tp.configure_ta(name, base_url or ta.url, client=client)
    back = tp.register(ClientRole.ta, peer=name)  # its peer is `tp.peer_name(name)`, the TA TP plans at
    ta.configure_peer(tp_peer, "tp", tp_url or tp.url, back)
    return Peer(ta.http, ta.token(*client))


def tp_peer_name(ta: TA) -> str:
    """The peer TA records for the test's TP client, and the name of TA's `peers` row for calling it back."""
    return f"tp-real@{ta.tenant}"


def states(tp: TP, zitting: str) -> list[str]:
    with tp.session_factory() as session:
        query = select(OutboxMessage.state).where(OutboxMessage.key == zitting).order_by(OutboxMessage.id)
        return list(session.scalars(query))


def test_a_planned_session_arrives_at_ta_with_its_participants(tp: TP, ta: TA) -> None:
    at_ta = connect(tp, ta)
    planned = tp.plan("ta-real", students=3, staff=("coordinator",), component=REKENEN_2F)
    zitting = planned["zittingId"]

    offering = eventually(lambda: (r := at_ta.get(f"/offerings/{zitting}")).status_code == 200 and r.json())
    assert offering["component"] == REKENEN_2F
    assert offering["consumers"][0]["offeringState"] == "active"
    eventually(lambda: states(tp, zitting) == ["delivered"] * 5)
    page = at_ta.get(f"/offerings/{zitting}/associations", pageSize=10).json()
    assert sorted(item["associationId"] for item in page["items"]) == sorted(
        d["deelnameId"] for d in planned["deelnames"]
    )
    student = next(d for d in planned["deelnames"] if d["role"] == "student")["deelnameId"]
    read = at_ta.get(f"/associations/{student}", expand="person").json()
    assert read["person"]["displayName"] == "Damme, Maartje van"


def test_cancelling_at_tp_cancels_at_ta(tp: TP, ta: TA) -> None:
    at_ta = connect(tp, ta)
    planned = tp.plan("ta-real", students=2, component=REKENEN_2F)
    zitting, first = planned["zittingId"], planned["deelnames"][0]["deelnameId"]
    eventually(lambda: states(tp, zitting) == ["delivered"] * 3)

    planner = tp.peer(ClientRole.planner)
    assert planner.post_planning(f"/deelnames/{first}/cancel").status_code == 204
    eventually(lambda: at_ta.get(f"/associations/{first}").json()["state"] == "canceled")
    assert planner.post_planning(f"/zittingen/{zitting}/cancel").status_code == 204
    offering = eventually(
        lambda: (o := at_ta.get(f"/offerings/{zitting}").json())["consumers"][0]["offeringState"] == "canceled" and o
    )
    assert offering["offeringId"] == zitting


def test_a_session_waits_in_the_outbox_while_ta_is_unreachable(tp: TP) -> None:
    zitting = tp.plan("ta-down", students=1, component=REKENEN_2F)["zittingId"]

    def tried() -> bool:
        with tp.session_factory() as session:
            return any(session.scalars(select(OutboxMessage.attempts).where(OutboxMessage.key == zitting)))

    eventually(tried)
    assert set(states(tp, zitting)) == {"pending"}
    assert httpx.get(f"{tp.url}/ooapi/").status_code == 200  # TP answers on, whatever its peers do


def test_a_planner_gets_the_access_link_from_ta_through_tp(tp: TP, ta: TA) -> None:
    at_ta = connect(tp, ta)
    planned = tp.plan("ta-real", students=1, component=REKENEN_2F)
    deelname = planned["deelnames"][0]["deelnameId"]
    eventually(lambda: at_ta.get(f"/associations/{deelname}").status_code == 200)
    planner = tp.peer(ClientRole.planner)

    response = planner.get_planning(f"/deelnames/{deelname}/url")
    assert response.status_code == 200, response.text
    link = response.json()["url"]
    assert link == at_ta.get(f"/associations/{deelname}/url").json()
    assert httpx.get(link).status_code == 200  # the student's start page at TA

    assert planner.get_planning(f"/deelnames/{new_id()}/url").status_code == 404
    assert planner.post_planning(f"/deelnames/{deelname}/cancel").status_code == 204
    assert planner.get_planning(f"/deelnames/{deelname}/url").status_code == 409


def test_no_access_link_while_ta_is_down_is_a_503(tp: TP) -> None:
    deelname = tp.plan("ta-down", students=1)["deelnames"][0]["deelnameId"]  # TA configured at no address
    planner = tp.peer(ClientRole.planner)
    response = planner.get_planning(f"/deelnames/{deelname}/url")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"


def test_an_access_link_that_is_no_http_url_is_tas_invalid_answer(tp: TP) -> None:
    """TA's link is put before a student: a `javascript:` URL (or a relative one) was passed on as it came."""
    app = fake_peer()
    links = ["javascript:alert(document.cookie)", "/start/1", "https://ta.example/start/1"]

    @app.get("/ooapi/associations/{associationId}/url")
    async def link(associationId: str) -> str:
        return links.pop(0)

    with running(app, free_port()) as base:
        tp.configure_ta("ta-links", base)
        deelname = tp.plan("ta-links", students=1)["deelnames"][0]["deelnameId"]
        planner = tp.peer(ClientRole.planner)
        for _ in range(2):
            response = planner.get_planning(f"/deelnames/{deelname}/url")
            assert response.status_code == 502, response.text
            assert response.headers["content-type"] == "application/problem+json"
            assert "no http(s) URL" in response.json()["detail"]
        assert planner.get_planning(f"/deelnames/{deelname}/url").json()["url"] == "https://ta.example/start/1"


def test_a_changed_session_reaches_ta_with_the_same_participations(tp: TP, ta: TA) -> None:
    """PDF 3.2.2 "Zitting wijzigen": TA gets the changed session as a whole, its Deelnames (and their access
    links) stay; the same change again sends nothing, and a cancelled session is not changed."""
    at_ta = connect(tp, ta)
    planned = tp.plan("ta-real", students=2, component=REKENEN_2F)
    zitting = planned["zittingId"]
    eventually(lambda: states(tp, zitting) == ["delivered"] * 3)
    planner = tp.peer(ClientRole.planner)
    change = {
        "endDateTime": "2026-12-01T10:30:00+01:00",
        "consumers": [{"consumerKey": "nl-test-admin", "locationCode": "B1.12", "startOptions": "triggeredStart"}],
    }

    assert planner.patch_planning(f"/zittingen/{zitting}", change).json()["changed"] is True

    eventually(lambda: states(tp, zitting) == ["delivered"] * 4)
    offering = at_ta.get(f"/offerings/{zitting}").json()
    assert offering["endDateTime"] == "2026-12-01T10:30:00+01:00"
    assert offering["consumers"][0]["locationCode"] == "B1.12"
    assert offering["consumers"][0]["startOptions"] == "triggeredStart"
    page = at_ta.get(f"/offerings/{zitting}/associations", pageSize=10).json()
    assert sorted(item["associationId"] for item in page["items"]) == sorted(
        d["deelnameId"] for d in planned["deelnames"]
    )
    assert planner.patch_planning(f"/zittingen/{zitting}", change).json()["changed"] is False
    assert planner.post_planning(f"/zittingen/{zitting}/cancel").status_code == 204
    assert planner.patch_planning(f"/zittingen/{zitting}", change).status_code == 409
    eventually(lambda: states(tp, zitting) == ["delivered"] * 5)


def test_a_change_repairs_a_session_ta_refused_and_its_participations_follow(tp: TP, ta: TA) -> None:
    """TA refuses the session's PUT (its test was withdrawn at TA, which TP had not read yet): it is parked and
    the participations wait behind it. TA takes the test back and the planner changes the session: its new PUT
    takes the refused one's place, so TA gets the session first, then the participations; nothing stays parked."""
    at_ta = connect(tp, ta)
    planned, zitting = refused_session(tp, ta)
    change = {"consumers": [{"consumerKey": "nl-test-admin", "locationCode": "B1.12"}]}

    assert tp.peer(ClientRole.planner).patch_planning(f"/zittingen/{zitting}", change).json()["changed"] is True

    eventually(lambda: states(tp, zitting) == ["delivered"] * 3 + ["superseded"])
    assert_at_ta(at_ta, zitting, planned, "B1.12")


def test_a_change_of_a_refused_session_leaves_the_operator_no_stale_put_to_give_up(tp: TP, ta: TA) -> None:
    """The session's PUT is refused and parked, the participations wait behind it; TA takes the test back and the
    planner changes the session. An operator then gives up what is parked, as for a refused PUT made stale by a
    newer one. Had the change been queued after the participations, they would now reach TA before any session,
    and TA would refuse them as of an unknown session. In the refused PUT's place, the change goes first: nothing
    is parked, and each participation is accepted at its first attempt."""
    at_ta = connect(tp, ta)
    planned, zitting = refused_session(tp, ta)
    change = {"consumers": [{"consumerKey": "nl-test-admin", "locationCode": "B1.12"}]}
    assert tp.peer(ClientRole.planner).patch_planning(f"/zittingen/{zitting}", change).json()["changed"] is True

    with tp.session_factory() as session:  # `oke outbox list --state parked`, then `oke outbox discard ID`
        for message in operations.list_messages(session, state="parked", peer=tp.peer_name("ta-real")):
            operations.discard(session, message.id)
        session.commit()

    eventually(lambda: states(tp, zitting) == ["delivered"] * 3 + ["superseded"])
    assert_at_ta(at_ta, zitting, planned, "B1.12")
    assert [attempts for path, attempts in tried(tp, zitting) if path.startswith("/associations/")] == [1, 1]


def test_a_change_ta_refuses_too_waits_in_the_refused_ones_place_until_ta_accepts_it_on_retry(tp: TP, ta: TA) -> None:
    """The planner changes a session TA refused while TA still refuses it: the change, refused too, is parked at
    the head of the session's queue, and the participations still wait behind it. Once TA takes the test back, the
    operator's retry sends the changed session, then the participations: none refused as of an unknown session."""
    at_ta = connect(tp, ta)
    try:
        planned, zitting = refused_session(tp, ta, take_back=False)
        change = {"consumers": [{"consumerKey": "nl-test-admin", "locationCode": "C2.01"}]}
        assert tp.peer(ClientRole.planner).patch_planning(f"/zittingen/{zitting}", change).json()["changed"] is True
        eventually(lambda: states(tp, zitting) == ["parked", "pending", "pending", "superseded"])
    finally:
        withdrawn(ta, REKENEN_2F, False)

    with tp.session_factory() as session:  # `oke outbox retry ID`
        [parked] = operations.list_messages(session, state="parked", peer=tp.peer_name("ta-real"))
        assert (parked.path, parked.body["consumers"][0]["locationCode"]) == (f"/offerings/{zitting}", "C2.01")
        operations.retry(session, parked.id)
        session.commit()

    eventually(lambda: states(tp, zitting) == ["delivered"] * 3 + ["superseded"])
    assert_at_ta(at_ta, zitting, planned, "C2.01")
    assert [attempts for path, attempts in tried(tp, zitting) if path.startswith("/associations/")] == [1, 1]


def refused_session(tp: TP, ta: TA, *, take_back: bool = True) -> tuple[dict[str, Any], str]:
    """A session of two students whose PUT TA refused (its test withdrawn at TA, which TP had not read): parked,
    the participations waiting behind it. TA takes the test back unless told. The plan and the Zitting's id."""
    withdrawn(ta, REKENEN_2F, True)
    try:
        planned = tp.plan("ta-real", students=2, component=REKENEN_2F)
        zitting = planned["zittingId"]
        eventually(lambda: states(tp, zitting) == ["parked", "pending", "pending"])
    finally:
        withdrawn(ta, REKENEN_2F, not take_back)
    return planned, zitting


def assert_at_ta(at_ta: Peer, zitting: str, planned: dict[str, Any], room: str) -> None:
    """TA holds the changed session (in `room`) and every participation of the plan."""
    assert at_ta.get(f"/offerings/{zitting}").json()["consumers"][0]["locationCode"] == room
    page = at_ta.get(f"/offerings/{zitting}/associations", pageSize=10).json()
    assert sorted(item["associationId"] for item in page["items"]) == sorted(
        d["deelnameId"] for d in planned["deelnames"]
    )


def tried(tp: TP, zitting: str) -> list[tuple[str, int]]:
    """The path and attempts of each call of the session TP sent, in the order sent."""
    query = select(OutboxMessage.path, OutboxMessage.attempts).where(
        OutboxMessage.key == zitting, OutboxMessage.state == "delivered"
    )
    with tp.session_factory() as session:
        return [(path, attempts) for path, attempts in session.execute(query.order_by(OutboxMessage.id))]


def answered(tp: TP, zitting: str) -> list[tuple[str, int | None]]:
    """The path and TA's last answer of each call of the session, in the order queued."""
    query = select(OutboxMessage.path, OutboxMessage.last_status).where(OutboxMessage.key == zitting)
    with tp.session_factory() as session:
        return [(path, status) for path, status in session.execute(query.order_by(OutboxMessage.id))]


def withdrawn(ta: TA, component_id: str, withdrawn: bool) -> None:
    """Withdraw a test from TA's catalogue, or take it back."""
    with ta.session_factory() as session:
        session.execute(
            update(TaComponent)
            .where(TaComponent.component_id == component_id)
            .values(status="inactive" if withdrawn else "active")
        )
        session.commit()


def test_cancelling_a_session_ta_never_got_is_done_without_an_operator(tp: TP, ta: TA) -> None:
    """The operator discarded a session PUT that TA refused, and the participations TA then refused as of an unknown
    session. The planner cancels the session: TA answers 404 to each cancel, which means what a cancel wants (TA
    holds nothing of it), so no cancel is parked for the operator."""
    connect(tp, ta)
    planned, zitting = refused_session(tp, ta)
    operator = tp.session_factory

    def discard_parked() -> None:  # `oke outbox list --state parked`, then `oke outbox discard ID`
        with operator() as session:
            for message in operations.list_messages(session, state="parked", peer=tp.peer_name("ta-real")):
                operations.discard(session, message.id)
            session.commit()

    for discarded in range(3):  # TA refuses each participation in turn: the next waits behind a parked one
        parked = ["discarded"] * discarded + ["parked"] + ["pending"] * (2 - discarded)
        eventually(lambda: states(tp, zitting) == parked)  # noqa: B023 (awaited within the round)
        discard_parked()
    planner = tp.peer(ClientRole.planner)
    assert planner.post_planning(f"/deelnames/{planned['deelnames'][0]['deelnameId']}/cancel").status_code == 204
    assert planner.post_planning(f"/zittingen/{zitting}/cancel").status_code == 204

    eventually(lambda: states(tp, zitting)[3:] == ["delivered", "delivered"])
    assert [status for _, status in answered(tp, zitting)[3:]] == [404, 404]
