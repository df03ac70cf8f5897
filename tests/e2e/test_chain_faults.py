"""Flow 2 when TA misbehaves: TP's outbox delivers through a fault proxy in front of the real reference TA.

TA answering 500 or 429, answering too late, dropping the connection, refusing a message, and TP
restarting in the middle of delivery: nothing is lost, a message sent twice does not change TA's
outcome, and the order per session holds (issue 3; docs/standard.md). TA hanging, answering garbage
or a status no OOAPI peer should: the relay retries or parks with the reason, another peer's deliveries
go on, and a planner's call that reads TA answers 502/503 with a problem, never 500 or a hang (issue 6).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from oke.auth.caller import ClientRole
from oke.config import Settings
from oke.outbox import operations
from oke.roles.toetsafname.catalogue import REKENEN_2F
from oke.roles.toetsplanning.app import create_app
from oke.store.tables.outbox import OutboxMessage
from oke.store.tables.toetsplanning import Deelname
from tests.api_client import TP, Peer
from tests.databases import fresh_database
from tests.e2e.test_chain_flow2 import connect, eventually, states, tp_peer_name
from tests.fault_proxy import DROP, HANG, PASS, FaultProxy, error, garbage, slow
from tests.servers import free_port, running
from tests.ta_client import TA

#: TP's outbound settings here: a short timeout and a quick backoff keep each test within seconds.
FAST = {"outbound_timeout_seconds": 1.0, "retry_base_seconds": 0.2, "retry_max_seconds": 1.0}
#: A slow answer: TA applies the call, but answers after TP has given up waiting.
SLOW = 2.0
PROBLEM = {
    "type": "https://oke.example/problems/invalid",
    "title": "Invalid content",
    "status": "400",
    "detail": "the person has no primaryCode",
    "invalidParams": [{"pointer": "/person/primaryCode", "reason": "is required"}],
}


class TpServer:
    """A TP of these tests' own, which a test may stop and start again (same database, same port); `settings`
    add to or override the quick outbound ones."""

    def __init__(self, database_url: str, **settings: Any) -> None:
        self.settings = Settings(role="tp", port=free_port(), database_url=database_url, **(FAST | settings))
        self._serving = ExitStack()

    def start(self) -> None:
        self._serving.enter_context(running(create_app(self.settings), self.settings.url_port))

    def stop(self) -> None:
        """Stop as an operator would: the relay finishes the call it is making, then the server exits."""
        self._serving.close()

    def __enter__(self) -> TpServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture(scope="module")
def tp_database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """TP's database here: its own, so that the relay of the session's TP (with the default, slow backoff
    and timeout) never takes these tests' messages."""
    with fresh_database(backend, tmp_path_factory.mktemp("tp-faults")) as url:
        yield url


@pytest.fixture
def tp_server(tp_database: str) -> Iterator[TpServer]:
    with TpServer(tp_database) as server:
        yield server


@pytest.fixture
def tp(tp_server: TpServer) -> Iterator[TP]:
    """TP with the quick outbound settings, for one test (overrides the session's TP of conftest)."""
    with TP(tp_server.settings.url, tp_server.settings.database) as client:
        yield client


@pytest.fixture
def proxy(ta: TA) -> Iterator[FaultProxy]:
    with FaultProxy(ta.url).serving() as proxy:
        yield proxy


def plan(tp: TP, students: int) -> tuple[str, list[str]]:
    """A session planned at the proxied TA: its id and the Deelname ids."""
    planned = tp.plan("ta-real", students=students, component=REKENEN_2F)
    return planned["zittingId"], [d["deelnameId"] for d in planned["deelnames"]]


def sent(proxy: FaultProxy) -> list[tuple[str, str, int | None]]:
    """Every OOAPI call TP made, in order: method, path without `/ooapi`, what it was answered (None: no answer)."""
    eventually(lambda: proxy.in_flight() == 0)  # a slow answer is still on its way
    return [(seen.method, seen.path.removeprefix("/ooapi"), seen.answered) for seen in proxy.seen()]


def applied(proxy: FaultProxy) -> list[tuple[str, str]]:
    """The calls TA applied, in order (including those whose answer TP never got)."""
    eventually(lambda: proxy.in_flight() == 0)
    return [
        (seen.method, seen.path.removeprefix("/ooapi"))
        for seen in proxy.seen()
        if seen.forwarded and seen.answered is not None and seen.answered < 300
    ]


def tp_states(tp: TP, deelnames: list[str]) -> list[str]:
    with tp.session_factory() as session:
        return [session.get_one(Deelname, deelname).state for deelname in deelnames]


def ta_states(at_ta: Peer, deelnames: list[str]) -> list[str]:
    return [at_ta.get(f"/associations/{deelname}").json()["state"] for deelname in deelnames]


def offering_state(at_ta: Peer, zitting: str) -> str:
    return str(at_ta.get(f"/offerings/{zitting}").json()["consumers"][0]["offeringState"])


def test_errors_and_dropped_connections_are_retried_until_everything_arrives_in_order(
    tp: TP, ta: TA, proxy: FaultProxy
) -> None:
    at_ta = connect(tp, ta, base_url=proxy.url)
    proxy.next(error(500), DROP, error(502), error(500))
    zitting, (first, second) = plan(tp, students=2)
    planner = tp.peer(ClientRole.planner)
    assert planner.post_planning(f"/deelnames/{first}/cancel").status_code == 204  # while TA still fails

    eventually(lambda: states(tp, zitting) == ["delivered"] * 4)
    offering, patch = f"/offerings/{zitting}", ("PATCH", f"/associations/{first}")
    assert [call[:2] for call in sent(proxy)] == [("PUT", offering)] * 5 + [
        ("PUT", f"/associations/{first}"),
        ("PUT", f"/associations/{second}"),
        patch,
    ]
    assert [call[2] for call in sent(proxy)][:4] == [500, None, 502, 500]
    assert applied(proxy) == [
        ("PUT", offering),
        ("PUT", f"/associations/{first}"),
        ("PUT", f"/associations/{second}"),
        patch,
    ]
    assert offering_state(at_ta, zitting) == "active"
    assert ta_states(at_ta, [first, second]) == tp_states(tp, [first, second]) == ["canceled", "associated"]


def test_a_429_is_tried_again_no_sooner_than_retry_after_says(tp: TP, ta: TA, proxy: FaultProxy) -> None:
    at_ta = connect(tp, ta, base_url=proxy.url)
    proxy.next(error(429, retry_after="1"))
    zitting, [deelname] = plan(tp, students=1)

    eventually(lambda: states(tp, zitting) == ["delivered"] * 2)
    refused, again = proxy.seen()[:2]
    assert refused.path == again.path == f"/ooapi/offerings/{zitting}"
    assert (refused.answered, again.answered) == (429, 201)
    assert again.at - refused.at >= 1.0  # the quick backoff alone would have tried again after 0.2 s
    assert ta_states(at_ta, [deelname]) == ["associated"]


def test_an_answer_later_than_the_timeout_is_sent_again_without_changing_the_outcome(
    tp: TP, ta: TA, proxy: FaultProxy
) -> None:
    at_ta = connect(tp, ta, base_url=proxy.url)
    proxy.next(slow(SLOW))  # the Zitting: TA creates it, TP stops waiting after 1 s and sends it again
    zitting, [deelname] = plan(tp, students=1)
    eventually(lambda: states(tp, zitting) == ["delivered"] * 2)
    offering = f"/offerings/{zitting}"
    assert applied(proxy) == [("PUT", offering), ("PUT", offering), ("PUT", f"/associations/{deelname}")]
    first, again = proxy.seen(containing=offering)
    assert (first.answered, again.answered, first.body == again.body) == (201, 200, True)  # created, then replaced
    received = [message.body for message in ta.history(zitting)]
    assert len(received) == 2 and received[0] == received[1]

    proxy.next(slow(SLOW))  # the cancellation: merged twice at TA, to the same state
    assert tp.peer(ClientRole.planner).post_planning(f"/deelnames/{deelname}/cancel").status_code == 204
    eventually(lambda: states(tp, zitting) == ["delivered"] * 3)
    patch = ("PATCH", f"/associations/{deelname}")
    assert applied(proxy)[-2:] == [patch, patch]
    assert offering_state(at_ta, zitting) == "active"
    assert ta_states(at_ta, [deelname]) == tp_states(tp, [deelname]) == ["canceled"]


def test_tp_restarted_in_the_middle_of_delivery_loses_nothing_and_keeps_the_order(
    tp: TP, ta: TA, proxy: FaultProxy, tp_server: TpServer
) -> None:
    at_ta = connect(tp, ta, base_url=proxy.url)
    proxy.next(PASS, PASS, slow(SLOW))  # the Zitting and a Deelname arrive, the next is in flight at the stop
    proxy.down = True  # and then TA is away
    zitting, deelnames = plan(tp, students=3)
    eventually(lambda: len(proxy.seen()) == 2 and proxy.in_flight() == 1)  # the third call is at TA, unanswered
    tp_server.stop()
    assert states(tp, zitting) == ["delivered", "delivered", "pending", "pending"]
    eventually(lambda: proxy.in_flight() == 0)
    during = len(proxy.seen())

    tp_server.start()  # a new TP app on the same database picks the outbox up
    eventually(lambda: len(proxy.seen()) > during, seconds=30)  # and tries while TA is away
    proxy.down = False
    eventually(lambda: states(tp, zitting) == ["delivered"] * 4)
    offering, paths = f"/offerings/{zitting}", [f"/associations/{d}" for d in deelnames]
    assert applied(proxy) == [
        ("PUT", offering),
        ("PUT", paths[0]),
        ("PUT", paths[1]),
        ("PUT", paths[1]),
        ("PUT", paths[2]),
    ]
    assert all(answered == 503 for _method, _path, answered in sent(proxy)[during:-2])  # held down, retried
    assert ta_states(at_ta, deelnames) == tp_states(tp, deelnames) == ["associated"] * 3


def test_a_refused_message_is_parked_with_tas_problem_until_an_operator_retries_it(
    tp: TP, ta: TA, proxy: FaultProxy
) -> None:
    at_ta = connect(tp, ta, base_url=proxy.url)
    proxy.next(PASS, PASS, error(400, problem=PROBLEM))  # the second student's Deelname
    zitting, deelnames = plan(tp, students=2)
    eventually(lambda: states(tp, zitting) == ["delivered", "delivered", "parked"])
    time.sleep(0.5)
    assert len(proxy.seen()) == 3  # not tried again by itself

    with tp.session_factory() as session:  # what `oke outbox list --state parked` and `oke outbox retry ID` do
        [parked] = operations.list_messages(session, state="parked", peer=tp.peer_name("ta-real"))
        assert (parked.path, parked.last_status, parked.problem) == (f"/associations/{deelnames[1]}", 400, PROBLEM)
        assert parked.last_error is not None and "the person has no primaryCode" in parked.last_error
        operations.retry(session, parked.id)
        session.commit()
    eventually(lambda: states(tp, zitting) == ["delivered"] * 3)
    assert sent(proxy)[-1] == ("PUT", f"/associations/{deelnames[1]}", 201)
    assert ta_states(at_ta, deelnames) == ["associated"] * 2


def test_later_messages_of_a_session_wait_behind_a_parked_one(tp: TP, ta: TA, proxy: FaultProxy) -> None:
    at_ta = connect(tp, ta, base_url=proxy.url)
    proxy.next(error(400, problem=PROBLEM))  # the Zitting: its Deelnames cannot go before it
    zitting, deelnames = plan(tp, students=2)
    eventually(lambda: states(tp, zitting)[0] == "parked")
    time.sleep(1)  # time enough for the relay to send what it would
    assert states(tp, zitting) == ["parked", "pending", "pending"]
    assert len(proxy.seen()) == 1

    with tp.session_factory() as session:
        operations.retry(session, operations.list_messages(session, state="parked", peer=tp.peer_name("ta-real"))[0].id)
        session.commit()
    eventually(lambda: states(tp, zitting) == ["delivered"] * 3)
    assert ta_states(at_ta, deelnames) == ["associated"] * 2


HTML = b"<html><body><h1>502 Bad Gateway</h1></body></html>"


def first_message(tp: TP, zitting: str) -> OutboxMessage:
    with tp.session_factory() as session:
        query = select(OutboxMessage).where(OutboxMessage.key == zitting).order_by(OutboxMessage.id)
        return session.scalars(query).first()  # type: ignore[return-value]


@pytest.mark.slow
def test_a_hanging_peer_costs_one_timeout_and_another_peers_deliveries_go_on(tp: TP, ta: TA, proxy: FaultProxy) -> None:
    connect(tp, ta, base_url=proxy.url)  # "ta-real": behind the proxy, which hangs
    tp.configure_ta("ta-direct", ta.url, client=ta.register(ClientRole.tp, peer=tp_peer_name(ta)))
    proxy.hanging = True  # until the test lets go: its every call costs the relay a timeout
    hanging = [plan(tp, students=1)[0] for _ in range(6)]
    eventually(lambda: len(proxy.seen()) >= 1)  # the relay is waiting for the hanging TA

    direct = tp.plan("ta-direct", students=1, component=REKENEN_2F)["zittingId"]
    planned = time.monotonic()  # a loaded machine is slow to plan: that is not the relay's time
    assert httpx.get(f"{tp.url}/ooapi/", timeout=10).status_code == 200  # TP answers meanwhile
    eventually(lambda: states(tp, direct) == ["delivered"] * 2, seconds=30)
    # One timeout (1 s) for the hanging TA per round, not one per message waiting for it.
    assert time.monotonic() - planned < 3.5
    # Its own timeout may end after the other TA's delivery; it is kept until the hanging TA answers again.
    eventually(lambda: "Timeout" in (first_message(tp, hanging[0]).last_error or ""), seconds=30)

    proxy.hanging = False  # it woke up
    eventually(lambda: all(states(tp, z) == ["delivered"] * 2 for z in hanging), seconds=30)


@pytest.mark.slow
def test_garbage_drops_and_wrong_statuses_are_retried_or_parked_with_the_reason(
    tp: TP, ta: TA, proxy: FaultProxy
) -> None:
    connect(tp, ta, base_url=proxy.url)
    truncated = garbage(b'{"offeringId": "x", "na', status=503)
    proxy.next(garbage(HTML, "text/html", status=502), DROP, truncated, error(501), error(302, location="/x"))
    zitting, [deelname] = plan(tp, students=1)
    eventually(lambda: first_message(tp, zitting).state == "parked")
    parked = first_message(tp, zitting)
    assert parked.last_status == 302 and (parked.last_error or "").startswith("HTTP 302")
    assert [answered for _method, _path, answered in sent(proxy)] == [502, None, 503, 501, 302]

    proxy.next(error(418))
    retry_parked(tp, parked.id)
    eventually(lambda: (m := first_message(tp, zitting)).state == "parked" and m.last_status == 418)
    assert (first_message(tp, zitting).last_error or "").startswith("HTTP 418")
    retry_parked(tp, parked.id)  # TA answers properly again
    eventually(lambda: states(tp, zitting) == ["delivered"] * 2)
    assert [answered for _method, _path, answered in sent(proxy)][-3:] == [418, 201, 201]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("answer", "status"),
    [
        (garbage(HTML, "text/html"), 502),  # a login page of a proxy
        (garbage(b'{"offeringId": "x", "consumers": [', "application/json"), 502),  # truncated
        (garbage(b"[1, 2, 3]"), 502),  # JSON, but not an offering
        (garbage(b'"an offering"'), 502),
        (DROP, 503),
        (HANG, 503),
        (error(302, location="/elsewhere"), 502),
        (error(418), 502),
        (error(501), 503),
    ],
    ids=["html", "truncated", "array", "string", "drop", "hang", "302", "418", "501"],
)
def test_a_planners_call_that_reads_ta_answers_a_problem_whatever_ta_answers(
    tp: TP, ta: TA, proxy: FaultProxy, answer: Any, status: int
) -> None:
    connect(tp, ta, base_url=proxy.url)
    zitting, _deelnames = plan(tp, students=1)
    eventually(lambda: states(tp, zitting) == ["delivered"] * 2)
    proxy.next(answer)  # the offering: the first read fails, nothing else is read
    planner = tp.peer(ClientRole.planner)
    started = time.monotonic()
    response = planner.post_planning(f"/zittingen/{zitting}/reconcile")
    # A hanging TA costs TP's timeout (1 s here): not its default (10 s), nor the planner's patience.
    assert time.monotonic() - started < 5
    assert (response.status_code, response.headers["content-type"]) == (status, "application/problem+json")
    assert zitting in response.json()["detail"]
    assert planner.post_planning(f"/zittingen/{zitting}/reconcile").status_code == 200  # TA answers again


def retry_parked(tp: TP, message_id: int) -> None:
    with tp.session_factory() as session:  # `oke outbox retry ID`
        operations.retry(session, message_id)
        session.commit()
