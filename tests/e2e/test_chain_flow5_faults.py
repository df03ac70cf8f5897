"""Flow 5 when DR misbehaves: TP's outbox delivers results to the real reference DR through a fault proxy.

DR down for a while, answering 500, 429 or 400, answering too late, and TP restarting in the middle of
delivery: every result TP accepted from TA reaches DR exactly in its newest state, never overtaken by an
older one, or waits visibly parked with DR's problem (issue 4; docs/standard.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from oke.outbox import operations
from oke.store.tables.outbox import OutboxMessage
from oke.store.tables.toetsplanning import Deelname, DrResult
from tests.api_client import TP
from tests.dr_client import DR, FATIMA_REKENEN, JACOB_REKENEN
from tests.e2e import test_chain_faults as faults
from tests.e2e.test_chain_faults import SLOW, TpServer
from tests.e2e.test_chain_flow2 import eventually
from tests.e2e.test_chain_flow5 import REKENEN, Chain, attempts_at_dr, chain, plan, sent_to_dr, ta_reports
from tests.e2e.test_chain_results import delivered, run
from tests.fault_proxy import FaultProxy, error, slow
from tests.ta_client import TA

#: DR refusing a result, as the reference DR does: the JSON pointer of the field and the rule.
PROBLEM = faults.PROBLEM | {
    "detail": "the score is not a value of the planbare toets's resultValueType",
    "invalidParams": [{"pointer": "/result/score", "reason": "must be one of 0.0-10.0"}],
}
#: TP with a short timeout and a quick backoff, on a database of its own, which a test may restart.
tp_database, tp_server, tp = faults.tp_database, faults.tp_server, faults.tp
BLOCK = {"consumerKey": "nl-test-admin", "attendance": "present", "testDate": "2026-12-01T09:40:00+01:00"}


@pytest.fixture
def proxy(dr: DR) -> Iterator[FaultProxy]:
    """The fault proxy in front of the reference DR (TP's DR base URL is the proxy's)."""
    with FaultProxy(dr.url).serving() as proxy:
        yield proxy


def attendance(c: Chain, deelname: str) -> None:
    ta_reports(c, deelname, {"state": "in progress", "resultDate": "2026-12-01", "weight": 100, "consumers": [BLOCK]})


def score(c: Chain, deelname: str, value: str) -> None:
    result = {"state": "completed", "pass": "passed", "score": value, "resultDate": "2026-12-01", "weight": 100}
    ta_reports(c, deelname, result | {"consumers": [BLOCK | {"rawScore": 30}]})


def correction(c: Chain, deelname: str, value: str) -> None:
    ta_reports(c, deelname, {"score": value, "comment": "Gecorrigeerd: een vraag is vervallen."})


def deelnames_of(c: Chain, enrolments: list[str]) -> list[str]:
    """A session at TA for these Toetsinschrijvingen (each its own attempt): the Deelname ids, in that order."""
    planned = plan(c, [{"toetsinschrijvingId": e} for e in enrolments])
    return [d["deelnameId"] for d in planned["deelnames"]]


def sitting(c: Chain, deelnames: list[str]) -> dict[str, str]:
    """TA reports attendance, a score and a correction for every student, interleaved as a sitting goes;
    returns each Deelname's newest (corrected) score."""
    for deelname in deelnames:
        attendance(c, deelname)
    for index, deelname in enumerate(deelnames):
        score(c, deelname, f"{5 + index}.5")
    newest = {deelname: f"{5 + index}.8" for index, deelname in enumerate(deelnames)}
    for deelname, value in newest.items():
        correction(c, deelname, value)
    return newest


def flow5(c: Chain, key: str | None = None) -> list[OutboxMessage]:
    """TP's flow 5 outbox messages (of one association, when given), oldest first."""
    query = select(OutboxMessage).where(OutboxMessage.tenant == c.tp.tenant, OutboxMessage.kind == "flow5")
    if key is not None:
        query = query.where(OutboxMessage.key == key)
    with c.tp.session_factory() as session:
        return list(session.scalars(query.order_by(OutboxMessage.id)))


def newest_at_dr(c: Chain, deelnames: list[str]) -> dict[str, str | None]:
    """Assert that DR holds, per Deelname, exactly the result TP decided from TA's newest one, and that DR
    received TP's snapshots in their order (repeats allowed, never an older one after a newer one);
    returns the score DR holds per Deelname."""
    scores: dict[str, str | None] = {}
    for deelname in deelnames:
        with c.tp.session_factory() as session:
            row, taken = session.get_one(DrResult, deelname), session.get_one(Deelname, deelname)
            session.expunge_all()
        assert row.state == "sent" and row.result_version == taken.result_version  # decided on TA's newest
        assert taken.result is not None and row.ta_score == taken.result.get("score")
        assert row.body is not None
        [attempt] = [a for a in attempts_at_dr(c, row.toetsinschrijving_id) if a["associationId"] == row.association_id]
        assert attempt["result"] == row.body["result"]
        assert attempt["result"].get("score") == row.score  # TA's score as fitted to DR's scale
        snapshots = [message.body for message in flow5(c, row.association_id)]
        order = [snapshots.index(json.loads(message.body)) for message in c.dr.history(row.association_id)]
        assert order == sorted(order) and order[-1] == len(snapshots) - 1, order
        scores[deelname] = row.score
    return scores


def test_dr_down_for_a_while_gets_each_students_newest_result_once_back(
    tp: TP, ta: TA, dr: DR, proxy: FaultProxy
) -> None:
    """While DR is down, an untried older snapshot is replaced by the newer one: DR gets fewer messages than TA
    sent, and never an older state after a newer one."""
    c = chain(tp, ta, dr, dr_url=proxy.url)
    deelnames = deelnames_of(c, REKENEN)
    proxy.down = True
    newest = sitting(c, deelnames)
    eventually(lambda: len(proxy.seen()) >= 2 * len(deelnames))  # tried and tried again, answered 503
    assert all(seen.answered == 503 for seen in proxy.seen())

    proxy.down = False
    eventually(lambda: sent_to_dr(c), seconds=30)
    assert newest_at_dr(c, deelnames) == newest
    received = sum(len(c.dr.history(enrolment)) for enrolment in REKENEN)
    assert received < 3 * len(deelnames)  # TA's attendance, score and correction of each student
    for enrolment in REKENEN:
        assert [m.state for m in flow5(c, enrolment)].count("superseded") >= 1


def test_dr_answering_500_then_429_gets_a_run_sessions_newest_results(
    tp: TP, ta: TA, dr: DR, proxy: FaultProxy
) -> None:
    """The reference TA runs the session; DR's 500 is retried quickly, its 429 no sooner than Retry-After says."""
    c = chain(tp, ta, dr, dr_url=proxy.url)
    planned = plan(c, [{"toetsinschrijvingId": e} for e in REKENEN])
    proxy.next(error(500), error(429, retry_after="1"))
    ran = run(ta, planned["zittingId"], seed=5)
    eventually(lambda: delivered(ta), seconds=30)
    eventually(lambda: sent_to_dr(c), seconds=30)

    first, refused, *later = proxy.seen()
    assert (first.answered, refused.answered) == (500, 429)
    again = next(seen for seen in later if seen.path == refused.path)
    assert again.at - refused.at >= 1.0  # the quick backoff alone would have tried again after 0.2 s
    scores = newest_at_dr(c, [outcome["association_id"] for outcome in ran["outcomes"]])
    assert scores == {o["association_id"]: o["corrected_score"] or o["score"] for o in ran["outcomes"]}


def test_a_result_dr_refuses_is_parked_with_drs_problem_until_a_newer_one_or_an_operator_replaces_it(
    tp: TP, ta: TA, dr: DR, proxy: FaultProxy
) -> None:
    """A 400 parks only its own association's messages; TA's newer result replaces the parked snapshot."""
    c = chain(tp, ta, dr, dr_url=proxy.url)
    jacob, fatima, daan = deelnames_of(c, REKENEN)
    proxy.next(error(400, problem=PROBLEM))
    score(c, jacob, "6.0")
    eventually(lambda: [m.state for m in flow5(c, JACOB_REKENEN)] == ["parked"])
    with c.tp.session_factory() as session:  # what `oke outbox list --state parked` shows
        [parked] = operations.list_messages(session, state="parked", peer=c.tp.peer_name("dr-real"))
        assert (parked.path, parked.last_status, parked.problem) == (f"/associations/{JACOB_REKENEN}", 400, PROBLEM)
        assert parked.last_error is not None and "/result/score" in parked.last_error

    score(c, fatima, "7.0")  # other enrolments are not held back
    score(c, daan, "8.0")
    eventually(lambda: all(attempts_at_dr(c, e)[0]["result"] for e in REKENEN[1:]), seconds=30)
    assert len(proxy.seen(containing=JACOB_REKENEN)) == 1  # not tried again by itself
    assert attempts_at_dr(c, JACOB_REKENEN)[0]["result"] is None

    correction(c, jacob, "6.2")  # the newer snapshot replaces the parked one
    eventually(lambda: [m.state for m in flow5(c, JACOB_REKENEN)] == ["superseded", "delivered"])
    assert [json.loads(m.body)["result"]["score"] for m in c.dr.history(JACOB_REKENEN)] == ["6.2"]

    proxy.next(error(400, problem=PROBLEM))
    correction(c, fatima, "7.2")
    eventually(lambda: [m.state for m in flow5(c, FATIMA_REKENEN)] == ["delivered", "parked"])
    with c.tp.session_factory() as session:  # what `oke outbox retry ID` does
        [parked] = operations.list_messages(session, state="parked", peer=c.tp.peer_name("dr-real"))
        operations.retry(session, parked.id)
        session.commit()
    eventually(lambda: sent_to_dr(c), seconds=30)
    assert newest_at_dr(c, [jacob, fatima, daan]) == {jacob: "6.2", fatima: "7.2", daan: "8.0"}


def test_tp_restarted_while_dr_is_down_loses_no_result(
    tp: TP, ta: TA, dr: DR, proxy: FaultProxy, tp_server: TpServer
) -> None:
    """TP stops with flow 5 messages pending and one in flight (applied at DR, unanswered); the new TP app on
    the same database delivers them all, newest state last."""
    c = chain(tp, ta, dr, dr_url=proxy.url)
    deelnames = deelnames_of(c, REKENEN)
    proxy.next(slow(SLOW))  # the first message: DR applies it, the answer comes after TP stopped waiting
    proxy.down = True  # then DR is away
    for deelname in deelnames:
        attendance(c, deelname)
    for index, deelname in enumerate(deelnames):
        score(c, deelname, f"{6 + index}.0")
    eventually(lambda: proxy.in_flight() == 1)
    tp_server.stop()
    assert {m.state for m in flow5(c)} <= {"pending", "superseded"}
    eventually(lambda: proxy.in_flight() == 0)
    assert proxy.seen()[0].forwarded  # DR applied the first message; TP never learnt it did
    before_restart = len(proxy.seen())

    tp_server.start()
    newest = {deelname: f"{6 + index}.4" for index, deelname in enumerate(deelnames)}
    for deelname, value in newest.items():
        correction(c, deelname, value)  # accepted by the new TP while DR is still down
    eventually(lambda: any(seen.answered == 503 for seen in proxy.seen()[before_restart:]), seconds=30)  # tried
    proxy.down = False
    eventually(lambda: sent_to_dr(c), seconds=30)
    assert newest_at_dr(c, deelnames) == newest


def test_a_result_dr_applied_but_answered_too_late_is_sent_again_without_changing_the_outcome(
    tp: TP, ta: TA, dr: DR, proxy: FaultProxy
) -> None:
    """The repeated PATCH of the own attempt, and the repeated PUT of a retake, leave DR with one result each."""
    c = chain(tp, ta, dr, dr_url=proxy.url)
    [first] = deelnames_of(c, [JACOB_REKENEN])
    retake = plan(c, [{"toetsinschrijvingId": JACOB_REKENEN, "extraAttempt": True}])["deelnames"][0]["deelnameId"]
    for deelname, value in ((first, "5.5"), (retake, "6.5")):
        proxy.next(slow(SLOW))  # DR applies it, TP stops waiting after 1 s and sends it again
        score(c, deelname, value)
        eventually(lambda: sent_to_dr(c), seconds=30)

    eventually(lambda: proxy.in_flight() == 0)
    own, extra = attempts_at_dr(c, JACOB_REKENEN)
    assert (own["attempt"], extra["attempt"], extra["createdBy"]) == (1, 2, "tp")
    for association in (JACOB_REKENEN, extra["associationId"]):
        slow_one, again = proxy.seen(containing=f"/associations/{association}")
        assert slow_one.forwarded and again.forwarded and slow_one.body == again.body
        received = [message.body for message in c.dr.history(association)]
        assert len(received) == 2 and received[0] == received[1]  # DR applied the same message twice
    assert newest_at_dr(c, [first, retake]) == {first: "5.5", retake: "6.5"}
