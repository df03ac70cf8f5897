"""A planner changes a planned Zitting (PDF 3.2.2 "Zitting wijzigen": TA gets the whole changed session, and the
Deelnames whose extra time changes with it), and reads the school's Zittingen: listed, paged, one with its
Deelnames. Another school's planner sees none of them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from oke.auth.caller import ClientRole
from oke.store.tables.messages import ReceivedMessage
from oke.store.tables.outbox import OutboxMessage
from oke.store.tables.toetsplanning import Zitting
from tests.api_client import ATTENDANCE, TP, dr_enrols, pointers, problem_of, zitting_offering

ROOM = {"consumers": [{"consumerKey": "nl-test-admin", "locationCode": "B1.12", "duration": "PT60M"}]}


def calls(tp: TP, zitting_id: str) -> list[tuple[str, str, Any]]:
    """The flow 2 calls queued for the session, in order, superseded ones left out."""
    with tp.session_factory() as session:
        query = select(OutboxMessage).where(OutboxMessage.key == zitting_id).order_by(OutboxMessage.id)
        return [(m.method, m.path, m.body) for m in session.scalars(query) if m.state != "superseded"]


def planned(tp: TP, ta_peer: str = "ta-x", **offering: Any) -> tuple[str, str]:
    """A session of a student with 25% extra time in math (40 minutes: 10 more); the Zitting's and Deelname's ids."""
    sent = dr_enrols(tp, needs=("ExtraTimeOnlyMath25%",))
    body = {
        "taPeer": tp.configure_ta(ta_peer),
        "offering": zitting_offering(**offering),
        "participants": [{"toetsinschrijvingId": sent.enrolment}],
    }
    answer = tp.peer(ClientRole.planner).post_planning("/zittingen", body)
    assert answer.status_code == 201, answer.text
    return answer.json()["zittingId"], answer.json()["deelnames"][0]["deelnameId"]


def test_a_change_sends_ta_the_whole_session_and_the_deelnames_whose_extra_time_changes(tp: TP) -> None:
    zitting_id, deelname_id = planned(tp)
    planner = tp.peer(ClientRole.planner)
    before = len(calls(tp, zitting_id))

    changed = planner.patch_planning(f"/zittingen/{zitting_id}", {**ROOM, "endDateTime": "2026-12-01T10:30:00+01:00"})

    assert changed.status_code == 200, changed.text
    assert changed.json() == {"zittingId": zitting_id, "changed": True, "deelnamesSent": [deelname_id], "warnings": []}
    queued = calls(tp, zitting_id)
    # The session's new PUT took its first one's place, unless the relay had tried that one already (TA ta-x
    # gives no answer): then it comes after it. Either way the session comes first: it creates it at TA. The
    # Deelname's new snapshot comes last, and replaced its first one if that was not tried.
    offerings = [body for _, path, body in queued if path == f"/offerings/{zitting_id}"]
    deelnames = [body for _, path, body in queued if path == f"/associations/{deelname_id}"]
    assert len(queued) - before == len(offerings) - 1 + len(deelnames) - 1 and len(offerings) <= 2
    assert queued[0][1] == f"/offerings/{zitting_id}" and queued[-1][1] == f"/associations/{deelname_id}"
    session, deelname = offerings[-1], deelnames[-1]
    block = session["consumers"][0]
    assert (block["locationCode"], block["duration"], block["offeringState"]) == ("B1.12", "PT60M", "active")
    assert session["endDateTime"] == "2026-12-01T10:30:00+01:00" and session["name"] == zitting_offering()["name"]
    assert deelname["consumers"][0]["additionalTimeInMin"] == 15  # a quarter of 60 minutes
    assert deelname["person"]["personId"]  # a whole snapshot, the Person embedded
    with tp.session_factory() as session_:
        zitting = session_.get(Zitting, zitting_id)
        assert zitting is not None and zitting.data["consumers"][0]["locationCode"] == "B1.12"
        query = select(ReceivedMessage).where(ReceivedMessage.object_id == zitting_id).order_by(ReceivedMessage.id)
        audited = session_.scalars(query).all()
        assert [(m.flow, m.method) for m in audited] == [("planning", "POST"), ("planning", "PATCH")]

    again = planner.patch_planning(f"/zittingen/{zitting_id}", ROOM)
    assert again.json() == {"zittingId": zitting_id, "changed": False, "deelnamesSent": [], "warnings": []}
    assert calls(tp, zitting_id) == queued  # nothing more for TA


def test_a_change_of_the_room_only_sends_the_session(tp: TP) -> None:
    zitting_id, deelname_id = planned(tp)
    before = calls(tp, zitting_id)
    room = {"consumers": [{"consumerKey": "nl-test-admin", "locationCode": "C2.01"}]}
    changed = tp.peer(ClientRole.planner).patch_planning(f"/zittingen/{zitting_id}", room)
    assert changed.json()["deelnamesSent"] == []
    after = calls(tp, zitting_id)  # the session's PUT in the place of the first, or after it if it was tried
    assert [body for _, path, body in after if path == f"/associations/{deelname_id}"] == [before[1][2]]
    offerings = [body for _, path, body in after if path == f"/offerings/{zitting_id}"]
    assert after[0][1] == f"/offerings/{zitting_id}" and len(after) - len(before) == len(offerings) - 1
    assert offerings[-1]["consumers"][0]["locationCode"] == "C2.01"


def test_a_change_is_validated_as_a_new_session_and_leaves_the_planned_test_and_state(tp: TP) -> None:
    zitting_id, _ = planned(tp)
    planner = tp.peer(ClientRole.planner)
    before = calls(tp, zitting_id)
    path = f"/zittingen/{zitting_id}"

    hybrid = planner.patch_planning(path, {"modeOfDelivery": ["hybrid"]})
    assert pointers(problem_of(hybrid, 400)) == ["/modeOfDelivery/0"]
    no_start = planner.patch_planning(path, {"startDateTime": None})
    assert pointers(problem_of(no_start, 400)) == ["/startDateTime"]
    ends_before = planner.patch_planning(path, {"endDateTime": "2026-12-01T08:00:00+01:00"})
    assert pointers(problem_of(ends_before, 400)) == ["/endDateTime"]  # TA's rule, as for a new session
    a_week = {"consumers": [{"consumerKey": "nl-test-admin", "duration": "P1W"}]}
    assert pointers(problem_of(planner.patch_planning(path, a_week), 400)) == ["/consumers/0/duration"]
    fixed = {
        "component": "another-test",
        "consumers": [{"consumerKey": "nl-test-admin", "offeringState": "canceled", "irregularities": []}],
    }
    refused = pointers(problem_of(planner.patch_planning(path, fixed), 400))
    assert refused == ["/component", "/consumers/0/offeringState", "/consumers/0/irregularities"]
    same = {"offeringType": "component", "component": zitting_offering()["component"]}
    assert planner.patch_planning(path, same).json()["changed"] is False
    assert calls(tp, zitting_id) == before


def test_a_cancelled_session_is_not_changed_and_another_schools_planner_finds_none(tp: TP) -> None:
    zitting_id, _ = planned(tp)
    planner = tp.peer(ClientRole.planner)
    stranger = tp.client(ClientRole.planner, tenant=f"other-{tp.tenant}")
    problem_of(stranger.patch_planning(f"/zittingen/{zitting_id}", ROOM), 404)
    problem_of(stranger.get_planning(f"/zittingen/{zitting_id}"), 404)
    assert stranger.get_planning("/zittingen").json() == {"items": [], "next": None}

    assert planner.post_planning(f"/zittingen/{zitting_id}/cancel").status_code == 204
    before = calls(tp, zitting_id)
    problem_of(planner.patch_planning(f"/zittingen/{zitting_id}", ROOM), 409)
    assert calls(tp, zitting_id) == before
    problem_of(planner.patch_planning("/zittingen/no-such-session", ROOM), 404)


def test_a_planner_lists_the_schools_sessions_in_order_of_start_a_page_at_a_time(tp: TP) -> None:
    planner = tp.peer(ClientRole.planner)
    days = ["2026-12-03", "2026-12-01", "2026-12-02"]
    ids = {
        day: planned(tp, startDateTime=f"{day}T09:00:00+01:00", endDateTime=f"{day}T10:00:00+01:00")[0] for day in days
    }
    other_ta = planned(tp, "ta-y", startDateTime="2026-12-04T09:00:00+01:00", endDateTime="2026-12-04T10:00:00+01:00")[
        0
    ]
    in_order = [ids["2026-12-01"], ids["2026-12-02"], ids["2026-12-03"], other_ta]

    first = planner.get_planning("/zittingen", limit=3).json()
    assert [z["zittingId"] for z in first["items"]] == in_order[:3] and first["next"]
    rest = planner.get_planning("/zittingen", limit=3, after=first["next"]).json()
    assert [z["zittingId"] for z in rest["items"]] == in_order[3:] and rest["next"] is None
    assert first["items"][0]["offering"]["startDateTime"] == "2026-12-01T09:00:00+01:00"

    def listed(**query: Any) -> list[str]:
        answer = planner.get_planning("/zittingen", **query)
        assert answer.status_code == 200, answer.text
        return [z["zittingId"] for z in answer.json()["items"]]

    # 08:30 UTC is 09:30 in Amsterdam: a bound is a moment, whatever its offset.
    assert listed(**{"from": "2026-12-02T08:00:00Z", "until": "2026-12-03T08:00:00Z"}) == [ids["2026-12-02"]]
    assert listed(taPeer=tp.peer_name("ta-y")) == [other_ta]
    assert planner.post_planning(f"/zittingen/{ids['2026-12-02']}/cancel").status_code == 204
    assert listed(state="canceled") == [ids["2026-12-02"]]
    problem_of(planner.get_planning("/zittingen", after="not a page"), 400)
    problem_of(planner.get_planning("/zittingen", **{"from": "2026-12-02T08:00:00"}), 400)  # no offset
    # found by the fuzzer: in UTC this moment is in the year 0, and the query failed with 500
    year_zero = problem_of(planner.get_planning("/zittingen", until="0001-01-01T00:03:06+01:00"), 400)
    assert pointers(year_zero) == ["/query/until"]


def test_a_planner_reads_a_session_with_its_deelnames_and_what_ta_reported(tp: TP) -> None:
    zitting_id, deelname_id = planned(tp)
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    score = {**ATTENDANCE["result"], "state": "completed", "score": "8.0", "pass": "passed"}
    assert ta.patch(f"/associations/{deelname_id}", {**ATTENDANCE, "result": score}).status_code == 200

    answer = tp.peer(ClientRole.planner).get_planning(f"/zittingen/{zitting_id}")

    assert answer.status_code == 200, answer.text
    read = answer.json()
    assert (read["zittingId"], read["state"], read["taPeer"]) == (zitting_id, "active", tp.peer_name("ta-x"))
    assert read["offering"]["offeringId"] == zitting_id
    [deelname] = read["deelnames"]
    assert (deelname["deelnameId"], deelname["role"], deelname["state"], deelname["attempt"]) == (
        deelname_id,
        "student",
        "associated",
        1,
    )
    assert deelname["result"] == {"state": "completed", "attendance": "present", "score": "8.0", "pass": "passed"}
