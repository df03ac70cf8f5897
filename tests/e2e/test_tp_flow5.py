"""Flow 5 at TP: after each accepted flow 3 change TP queues what DR should know, or holds it for an operator
(PDF 3.5). DR is configured at no address here, so the messages stay in TP's
outbox where the tests read them; test_chain_flow5.py sends them to the reference DR."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import suppress
from typing import Any

import orjson
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from oke.auth.caller import Caller, ClientRole
from oke.cli import app as oke
from oke.roles.toetsplanning.repository import ToetsplanningRepository
from oke.roles.toetsplanning.services import forwarding, planning, results
from oke.roles.toetsplanning.services.planning import Participant
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.history import Inbound
from oke.store.tables.outbox import OutboxMessage
from oke.store.tables.toetsplanning import Deelname, DrResult, TpComponent
from tests.api_client import (
    TP,
    Enrolment,
    Peer,
    dr_enrols,
    dr_sends_toets,
    new_id,
    person,
    pointers,
    problem_of,
    zitting_offering,
)
from tests.databases import waiting_for_a_lock
from tests.e2e.test_chain_flow2 import eventually

COMPONENT = zitting_offering()["component"]


def planned(tp: TP, enrolment: Enrolment, *, extra: bool = False, **offering: Any) -> str:
    """A Zitting at TA ta-x for the enrolment (its own attempt, or the next one), of the test its planbare toets
    names unless `offering` gives one; the Deelname's id."""
    planner = tp.peer(ClientRole.planner)
    session = {k: v for k, v in zitting_offering(**offering).items() if k != "component" or k in offering}
    body = {
        "taPeer": tp.configure_ta("ta-x"),
        "planbareToetsId": enrolment.toets,
        "offering": session,
        "participants": [{"toetsinschrijvingId": enrolment.enrolment, "extraAttempt": extra}],
    }
    response = planner.post_planning("/zittingen", body)
    assert response.status_code == 201, response.text
    return str(response.json()["deelnames"][0]["deelnameId"])


def reports(ta: Peer, deelname: str, result: dict[str, Any]) -> None:
    response = ta.patch(
        f"/associations/{deelname}", {"associationType": "componentOfferingAssociation", "result": result}
    )
    assert response.status_code == 200, response.text


def attendance(value: str = "present", **block: Any) -> dict[str, Any]:
    consumer = {"consumerKey": "nl-test-admin", "attendance": value, **block}
    return {"state": "in progress", "resultDate": "2026-12-01", "weight": 100, "consumers": [consumer]}


def score(value: str, **block: Any) -> dict[str, Any]:
    consumer = {"consumerKey": "nl-test-admin", "attendance": "present", "rawScore": 30, "maxRawScore": 40, **block}
    return {
        "state": "completed",
        "pass": "passed",
        "score": value,
        "resultDate": "2026-12-01",
        "weight": 100,
        "consumers": [consumer],
    }


def to_dr(tp: TP) -> list[OutboxMessage]:
    """Every flow 5 message queued for the test's school, oldest first."""
    with tp.session_factory() as session:
        query = select(OutboxMessage).where(OutboxMessage.tenant == tp.tenant, OutboxMessage.kind == "flow5")
        return list(session.scalars(query.order_by(OutboxMessage.id)))


def dr_result(tp: TP, deelname: str) -> DrResult:
    with tp.session_factory() as session:
        row = session.get(DrResult, deelname)
        assert row is not None
        return row


def ta_scores_on(tp: TP, value_type: str, pass_from: str | None = None) -> None:
    """TA's catalogue (flow 0), as TP read it: the test of `zitting_offering()` is scored on `value_type`."""
    block = {"consumerKey": "nl-test-admin"} | ({"passFrom": pass_from} if pass_from is not None else {})
    data = {"componentId": COMPONENT, "resultValueType": value_type, "consumers": [block]}
    with tp.session_factory() as session:
        session.add(TpComponent(ta_peer=tp.peer_name("ta-x"), component_id=COMPONENT, data=data))
        session.commit()


def oke_results_score(tp: TP, database_url: str, deelname: str, value: str, *options: str) -> Any:
    return CliRunner().invoke(
        oke, ["results", "score", deelname, value, "--school", tp.tenant, "--database-url", database_url, *options]
    )


def test_attendance_then_score_then_a_correction_go_to_drs_enrolment_as_snapshots(tp: TP) -> None:
    dr = tp.configure_dr()
    enrolment = dr_enrols(tp)
    deelname = planned(tp, enrolment, name=[{"language": "nl-NL", "value": "Rekenen 2F, ochtend"}])
    ta = tp.peer(ClientRole.ta, peer="ta-x")

    reports(ta, deelname, attendance())
    reports(ta, deelname, score("7.5"))
    reports(ta, deelname, {"score": "7.0", "comment": "Gecorrigeerd"})

    messages = to_dr(tp)
    assert [(m.peer, m.method, m.path, m.key) for m in messages] == [
        (dr, "PATCH", f"/associations/{enrolment.enrolment}", enrolment.enrolment)
    ] * 3
    first, newest = messages[0].body, messages[-1].body
    assert first["consumers"] == [
        {"consumerKey": "nl-test-admin", "orgAssociationId": enrolment.enrolment, "attempt": 1}
    ]
    assert first["result"]["state"] == "in progress" and "score" not in first["result"]
    assert first["result"]["consumers"][0]["executedOfferingName"] == "Rekenen 2F, ochtend"
    assert newest["result"]["score"] == "7.0" and newest["result"]["comment"] == "Gecorrigeerd"
    assert newest["result"]["consumers"][0]["rawScore"] == 30
    assert {m.state for m in messages[1:-1]} <= {"superseded", "pending"}  # an untried older state is dropped
    assert dr_result(tp, deelname).state == "sent"


def test_an_extra_attempt_is_a_put_of_a_new_association_that_keeps_its_id(tp: TP) -> None:
    tp.configure_dr()
    enrolment = dr_enrols(tp, attempt_left=2)
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    reports(ta, planned(tp, enrolment), score("4.0", **{"final": False}))
    retake = planned(tp, enrolment, extra=True)
    reports(ta, retake, attendance())
    reports(ta, retake, score("6.5"))

    own, *extra = to_dr(tp)
    assert own.method == "PATCH"
    attempt_id = dr_result(tp, retake).association_id
    assert attempt_id != enrolment.enrolment
    assert [(m.method, m.path) for m in extra] == [("PUT", f"/associations/{attempt_id}")] * 2
    body = extra[-1].body
    assert body["associationId"] == attempt_id
    assert (body["role"], body["state"], body["person"], body["offering"]) == (
        "student",
        "associated",
        enrolment.student,
        enrolment.toets,
    )
    assert body["consumers"] == [
        {"consumerKey": "nl-test-admin", "orgAssociationId": enrolment.enrolment, "attempt": 2}
    ]
    assert body["result"]["score"] == "6.5"


def test_an_ad_hoc_participation_and_a_toets_without_result_expected_are_not_forwarded(tp: TP) -> None:
    tp.configure_dr()
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    ad_hoc = tp.plan("ta-x", students=1)["deelnames"][0]["deelnameId"]  # no Toetsinschrijving from DR
    reports(ta, ad_hoc, score("8.0"))
    silent = planned(tp, dr_enrols(tp, result_expected=False))
    reports(ta, silent, score("8.0"))
    assert to_dr(tp) == []


def test_an_operator_is_told_an_ad_hoc_participation_is_never_reported_to_dr(tp: TP, tp_database_url: str) -> None:
    """`forward` or `score` on a group member's Deelname said only "no result for DR of participation …"."""
    tp.configure_dr()
    student = new_id()
    member = {"personId": student, "person": person(student)}  # as a member of DR's group (flow 1b) is planned
    body = {"taPeer": tp.configure_ta("ta-x"), "offering": zitting_offering(), "participants": [member]}
    planner = tp.peer(ClientRole.planner)
    ad_hoc = planner.post_planning("/zittingen", body).json()["deelnames"][0]["deelnameId"]
    reports(tp.peer(ClientRole.ta, peer="ta-x"), ad_hoc, score("8.0"))
    for call in (f"/results/{ad_hoc}/forward", f"/results/{ad_hoc}/score"):
        detail = problem_of(planner.post_planning(call, {"score": "8.0"}), 404)["detail"]
        assert ad_hoc in detail and "ad hoc" in detail and "never reported to DR" in detail
    ran = CliRunner().invoke(
        oke, ["results", "forward", ad_hoc, "--school", tp.tenant, "--database-url", tp_database_url]
    )
    assert ran.exit_code == 1 and "ad hoc" in ran.output, ran.output


def test_a_score_on_another_scale_is_converted_and_both_are_kept(tp: TP) -> None:
    tp.configure_dr()
    ta_scores_on(tp, "0-100")
    deelname = planned(tp, dr_enrols(tp, value_type="0.0-10.0"))
    reports(tp.peer(ClientRole.ta, peer="ta-x"), deelname, score("75"))
    assert to_dr(tp)[-1].body["result"]["score"] == "7.5"
    row = dr_result(tp, deelname)
    assert (row.ta_score, row.score) == ("75", "7.5")


def test_the_catalogue_is_read_for_a_score_only(tp: TP, monkeypatch: pytest.MonkeyPatch) -> None:
    """Flow 3 runs for every message: attendance has no score to fit to DR's scale, so TA's catalogue is not read."""
    tp.configure_dr()
    deelname = planned(tp, dr_enrols(tp))
    read: list[Any] = []
    catalogue_entry = ToetsplanningRepository.catalogue_entry

    def counted(repository: ToetsplanningRepository, ta_peer: str, component: Any) -> Any:
        read.append(component)
        return catalogue_entry(repository, ta_peer, component)

    monkeypatch.setattr(ToetsplanningRepository, "catalogue_entry", counted)
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    reports(ta, deelname, attendance())
    assert read == [] and len(to_dr(tp)) == 1
    reports(ta, deelname, score("7.5"))
    assert len(read) == 1 and to_dr(tp)[-1].body["result"]["score"] == "7.5"


def test_a_score_that_does_not_fit_is_held_until_an_operator_gives_it(tp: TP) -> None:
    tp.configure_dr()
    deelname = planned(tp, dr_enrols(tp, value_type="insufficient-satisfactory-good"))
    reports(tp.peer(ClientRole.ta, peer="ta-x"), deelname, score("7.5"))
    assert to_dr(tp) == []
    planner = tp.peer(ClientRole.planner)
    [held] = planner.get_planning("/results", state="held").json()["items"]
    assert held["deelnameId"] == deelname and held["taScore"] == "7.5"
    assert "insufficient-satisfactory-good" in held["reason"]

    problem = problem_of(planner.post_planning(f"/results/{deelname}/score", {"score": "9"}), 400)
    assert pointers(problem) == ["/score"]
    problem = problem_of(planner.post_planning(f"/results/{deelname}/score", {"score": "good", "pass": "maybe"}), 400)
    assert pointers(problem) == ["/pass"]  # a pointer into the body, as the score's is
    given = planner.post_planning(f"/results/{deelname}/score", {"score": "good"})
    assert given.status_code == 200, given.text
    assert given.json()["state"] == "sent"
    sent = to_dr(tp)[-1].body["result"]
    assert sent["score"] == "good"
    assert sent["pass"] == "unknown"  # TA's "passed" judged TA's 7.5; TP cannot tell whether it holds for "good"
    assert planner.get_planning("/results", state="held").json() == {"items": [], "next": None}

    corrected = planner.post_planning(f"/results/{deelname}/score", {"score": "satisfactory"})
    assert corrected.status_code == 200, corrected.text  # the operator's own score may be corrected
    assert to_dr(tp)[-1].body["result"]["score"] == "satisfactory"


def test_an_operators_verdict_on_pass_or_fail_is_also_the_results_pass(tp: TP) -> None:
    """TA's 4.0 with pass "passed" where its passFrom is 5.5: held. The operator's verdict goes to DR as the score
    and as `pass` both; TA's "passed" next to the operator's "failed" would contradict it."""
    tp.configure_dr()
    ta_scores_on(tp, "0.0-10.0", pass_from="5.5")
    deelname = planned(tp, dr_enrols(tp, value_type="pass-or-fail"))
    reports(tp.peer(ClientRole.ta, peer="ta-x"), deelname, score("4.0"))
    assert "passFrom" in (dr_result(tp, deelname).reason or "")

    given = tp.peer(ClientRole.planner).post_planning(f"/results/{deelname}/score", {"score": "failed"})
    assert given.status_code == 200, given.text
    sent = to_dr(tp)[-1].body["result"]
    assert (sent["score"], sent["pass"]) == ("failed", "failed")


def test_an_operator_gives_the_pass_with_a_score_on_a_scale_that_has_none(tp: TP, tp_database_url: str) -> None:
    """A held 7.5 given as "good": DR got `pass: unknown`, and the operator had no way to say "passed"."""
    tp.configure_dr()
    deelname = planned(tp, dr_enrols(tp, value_type="insufficient-satisfactory-good"))
    reports(tp.peer(ClientRole.ta, peer="ta-x"), deelname, score("7.5"))
    planner = tp.peer(ClientRole.planner)

    given = planner.post_planning(f"/results/{deelname}/score", {"score": "good", "pass": "passed"})
    assert given.status_code == 200, given.text
    assert (given.json()["overrideScore"], given.json()["overridePass"]) == ("good", "passed")
    assert (to_dr(tp)[-1].body["result"]["score"], to_dr(tp)[-1].body["result"]["pass"]) == ("good", "passed")

    corrected = oke_results_score(tp, tp_database_url, deelname, "insufficient", "--pass", "failed")
    assert corrected.exit_code == 0, corrected.output
    assert (to_dr(tp)[-1].body["result"]["score"], to_dr(tp)[-1].body["result"]["pass"]) == ("insufficient", "failed")


def test_scoring_and_forwarding_are_audited_under_the_deelname_by_api_and_cli_alike(
    tp: TP, tp_database_url: str
) -> None:
    """The planning API recorded them as object "result", `oke results` as "deelname", the Deelname's other rows'."""
    tp.configure_dr()
    deelname = planned(tp, dr_enrols(tp, value_type="insufficient-satisfactory-good"))
    reports(tp.peer(ClientRole.ta, peer="ta-x"), deelname, score("7.5"))
    planner = tp.peer(ClientRole.planner)
    assert planner.post_planning(f"/results/{deelname}/forward").status_code == 200
    assert planner.post_planning(f"/results/{deelname}/score", {"score": "good"}).status_code == 200
    forwarded = CliRunner().invoke(
        oke, ["results", "forward", deelname, "--school", tp.tenant, "--database-url", tp_database_url]
    )
    assert forwarded.exit_code == 0, forwarded.output
    assert oke_results_score(tp, tp_database_url, deelname, "satisfactory").exit_code == 0

    audited = [(row.flow, row.object_type) for row in tp.history(deelname) if row.flow in ("planning", "operator")]
    assert audited == [("planning", "deelname")] * 2 + [("operator", "deelname")] * 2


def test_an_operators_pass_that_contradicts_a_pass_or_fail_score_is_refused(tp: TP) -> None:
    tp.configure_dr()
    ta_scores_on(tp, "0.0-10.0", pass_from="5.5")
    deelname = planned(tp, dr_enrols(tp, value_type="pass-or-fail"))
    reports(tp.peer(ClientRole.ta, peer="ta-x"), deelname, score("4.0"))
    planner = tp.peer(ClientRole.planner)
    problem = problem_of(
        planner.post_planning(f"/results/{deelname}/score", {"score": "failed", "pass": "passed"}), 400
    )
    assert pointers(problem) == ["/pass"]
    assert to_dr(tp) == [] and dr_result(tp, deelname).state == "held"


def test_an_operators_score_is_refused_for_a_result_sent_as_ta_gave_it(tp: TP, tp_database_url: str) -> None:
    """One wrong id changed a student's grade: TA's 4.0 (failed, with its comment) was sent, and an operator's 7.0
    for it went to DR at once. Only a held result (or an operator's own score) takes an operator's score."""
    tp.configure_dr()
    deelname = planned(tp, dr_enrols(tp))
    failed = score("4.0") | {"pass": "failed", "comment": "Onvoldoende"}
    reports(tp.peer(ClientRole.ta, peer="ta-x"), deelname, failed)
    queued = [m.id for m in to_dr(tp)]
    assert dr_result(tp, deelname).state == "sent"

    given = tp.peer(ClientRole.planner).post_planning(f"/results/{deelname}/score", {"score": "7.0"})
    problem = problem_of(given, 409)
    assert deelname in problem["detail"] and "not held" in problem["detail"]
    refused = oke_results_score(tp, tp_database_url, deelname, "7.0")
    assert refused.exit_code == 1, refused.output
    assert refused.output.startswith("error: ") and refused.output.count("\n") == 1, refused.output
    assert "not held" in refused.output and "Traceback" not in refused.output

    assert [m.id for m in to_dr(tp)] == queued  # DR gets nothing new
    row = dr_result(tp, deelname)
    assert (row.state, row.score, row.override_score) == ("sent", "4.0", None)
    assert tp.history(deelname, flow="operator") == []  # a refused command changes nothing, so it is not audited


def test_an_operators_score_is_refused_where_ta_gave_none(tp: TP) -> None:
    """Without a DR every result is held, attendance too; a score TA never gave is not the operator's to invent."""
    deelname = planned(tp, dr_enrols(tp))
    reports(tp.peer(ClientRole.ta, peer="ta-x"), deelname, attendance())
    assert dr_result(tp, deelname).state == "held"
    given = tp.peer(ClientRole.planner).post_planning(f"/results/{deelname}/score", {"score": "7.0"})
    assert "no score" in problem_of(given, 409)["detail"]
    assert dr_result(tp, deelname).override_score is None


def test_tas_integer_score_on_0_0_10_0_reaches_dr_with_its_decimal(tp: TP) -> None:
    """The standard's flow 3 examples score "9"; on DR's 0.0-10.0 that is 9.0, not a value to hold."""
    tp.configure_dr()
    deelname = planned(tp, dr_enrols(tp, value_type="0.0-10.0"))
    reports(tp.peer(ClientRole.ta, peer="ta-x"), deelname, score("9"))
    assert to_dr(tp)[-1].body["result"]["score"] == "9.0"
    row = dr_result(tp, deelname)
    assert (row.state, row.ta_score, row.score) == ("sent", "9", "9.0")


def test_final_is_never_sent_where_dr_does_not_allow_it(tp: TP) -> None:
    tp.configure_dr()
    deelname = planned(tp, dr_enrols(tp, final_allowed=False))
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    reports(ta, deelname, score("8.0", final=True))
    assert to_dr(tp)[-1].body["result"]["consumers"][0]["final"] is False
    # TA learns why, also when nothing else changed (walkthrough: the answer said only "unchanged for DR")
    result = {"consumers": [{"consumerKey": "nl-test-admin", "final": True}]}
    body = {"associationType": "componentOfferingAssociation", "result": result}
    answer = ta.patch(f"/associations/{deelname}", body)
    notes = [m["value"] for m in answer.json()["message"]]
    assert notes[-1] == "final: true not sent to DR: DR's planbare toets does not allow final results", notes


def test_without_a_dr_a_result_is_held_and_forwarded_once_one_is_configured(tp: TP) -> None:
    deelname = planned(tp, dr_enrols(tp))
    reports(tp.peer(ClientRole.ta, peer="ta-x"), deelname, score("8.0"))
    row = dr_result(tp, deelname)
    assert row.state == "held" and "no DR is configured" in (row.reason or "")
    dr = tp.configure_dr()
    forwarded = tp.peer(ClientRole.planner).post_planning(f"/results/{deelname}/forward")
    assert forwarded.status_code == 200, forwarded.text
    assert [m.peer for m in to_dr(tp)] == [dr]


def dr_moves(tp: TP, enrolment: Enrolment, toets: str, *, attempt: int = 1, attempt_left: int = 0) -> None:
    """DR's PUT of the Toetsinschrijving, now for planbare toets `toets` (flow 1)."""
    body = {
        "associationId": enrolment.enrolment,
        "associationType": "componentOfferingAssociation",
        "role": "student",
        "state": "associated",
        "person": enrolment.student,
        "offering": toets,
        "consumers": [{"consumerKey": "nl-test-admin", "attempt": attempt, "attemptLeft": attempt_left}],
    }
    assert tp.peer(ClientRole.dr).put(f"/associations/{enrolment.enrolment}", body).status_code == 200


def test_a_result_for_an_enrolment_dr_moved_to_another_toets_is_held(tp: TP) -> None:
    """DR moved a planned enrolment to a planbare toets TP does not have (DR's PUT of it was refused, or is
    still on its way): TA's result (of the old toets's session, cancelled by the move) is accepted and held for an
    operator; once the toets is there, still held, as it is no result of that toets."""
    tp.configure_dr()
    enrolment, toets = dr_enrols(tp), new_id()
    deelname = planned(tp, enrolment)
    dr_moves(tp, enrolment, toets, attempt_left=1)
    reports(tp.peer(ClientRole.ta, peer="ta-x"), deelname, score("8.0"))
    row = dr_result(tp, deelname)
    assert row.state == "held" and f"planbare toets {toets}" in (row.reason or "")
    assert to_dr(tp) == []
    dr_sends_toets(tp, toets)
    forwarded = tp.peer(ClientRole.planner).post_planning(f"/results/{deelname}/forward")
    assert forwarded.status_code == 200, forwarded.text
    assert forwarded.json()["state"] == "held" and "(DR moved it)" in forwarded.json()["reason"]
    assert to_dr(tp) == []


def test_a_cancelled_enrolment_still_gets_its_result(tp: TP) -> None:
    tp.configure_dr()
    enrolment = dr_enrols(tp)
    deelname = planned(tp, enrolment)
    cancel = {"associationType": "componentOfferingAssociation", "state": "canceled"}
    assert tp.peer(ClientRole.dr).patch(f"/associations/{enrolment.enrolment}", cancel).status_code == 200
    reports(tp.peer(ClientRole.ta, peer="ta-x"), deelname, score("8.0"))
    assert [m.path for m in to_dr(tp)] == [f"/associations/{enrolment.enrolment}"]


def test_a_held_result_is_unknown_to_another_school(tp: TP) -> None:
    deelname = planned(tp, dr_enrols(tp))
    reports(tp.peer(ClientRole.ta, peer="ta-x"), deelname, score("8.0"))
    other = tp.peer(ClientRole.planner, tenant="another-school")
    problem_of(other.post_planning(f"/results/{deelname}/forward"), 404)
    assert other.get_planning("/results").json() == {"items": [], "next": None}


def test_an_operators_score_and_a_flow_3_message_for_one_result_at_once_do_not_deadlock(
    tp: TP, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Flow 3 locks the Deelname, then its result for DR; an operator's score (or a forward again) locked them the
    other way round, so the two at once deadlocked on PostgreSQL (one of them failed). Both now lock the Deelname
    first. SQLite has one writer: there is nothing to interleave."""
    if backend != "postgresql":
        pytest.skip("row locks: PostgreSQL only")
    tp.configure_dr()
    deelname = planned(tp, dr_enrols(tp, value_type="insufficient-satisfactory-good"))
    reports(tp.peer(ClientRole.ta, peer="ta-x"), deelname, score("7.5"))  # held: 7.5 is not on DR's scale
    ta = Caller("ta-client", ClientRole.ta, tp.tenant, tp.peer_name("ta-x"), frozenset())
    body = {"associationType": "componentOfferingAssociation", "result": {"comment": "Nagekeken"}}
    inbound = Inbound("PATCH", f"/associations/{deelname}", body, orjson.dumps(body).decode())
    flow_3_holds_the_deelname = threading.Event()
    errors: list[BaseException] = []
    result_target = ToetsplanningRepository.result_target

    def pausing(repository: ToetsplanningRepository, deelname_id: str) -> Any:
        target = result_target(repository, deelname_id)
        if threading.current_thread().name == "flow-3":  # until the operator's call waits for one of its locks
            flow_3_holds_the_deelname.set()
            eventually(lambda: waiting_for_a_lock(tp.session_factory), seconds=30)
        return target

    def run(name: str, call: Callable[[ToetsplanningUnitOfWork], Any]) -> threading.Thread:
        def guarded() -> None:
            try:
                call(ToetsplanningUnitOfWork(tp.session_factory))
            except BaseException as error:
                errors.append(error)

        thread = threading.Thread(target=guarded, name=name)
        thread.start()
        return thread

    monkeypatch.setattr(ToetsplanningRepository, "result_target", pausing)
    flow_3 = run("flow-3", lambda uow: results.receive_result(uow, ta, deelname, inbound))
    assert flow_3_holds_the_deelname.wait(30)
    operator = run(
        "operator", lambda uow: forwarding.supply_score(uow, tenant=tp.tenant, deelname_id=deelname, score="good")
    )
    flow_3.join(60)
    operator.join(60)
    assert errors == []
    row = dr_result(tp, deelname)
    assert (row.state, row.score, row.override_score) == ("sent", "good", "good")
    assert to_dr(tp)[-1].body["result"]["comment"] == "Nagekeken"


DOCUMENT = {"documentId": "doc-1", "documentType": "assessmentForm", "documentName": "Beoordeling.pdf"}
#: TA's correction to a no-show: the score, its pass, and all that went with them removed (flow 3 merge patch).
NO_SHOW = {
    "score": None,
    "pass": None,
    "comment": None,
    "consumers": [
        {
            "consumerKey": "nl-test-admin",
            "attendance": "notPresent",
            "assessorCode": None,
            "rawScore": None,
            "maxRawScore": None,
            "documents": [],
        }
    ],
}


def test_what_ta_removes_is_removed_at_dr_by_null_or_an_empty_list(tp: TP) -> None:
    """DR merges a PATCH, so a field the snapshot leaves out stays at DR: a no-show kept its grade. A single value
    is removed by `null`, a list by `[]` (PDF 4.0, the text after Tabel 4.0.B)."""
    tp.configure_dr()
    deelname = planned(tp, dr_enrols(tp))
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    reports(ta, deelname, score("7.5", assessorCode="JAJE", documents=[DOCUMENT]) | {"comment": "Goed gedaan"})
    reports(ta, deelname, NO_SHOW)

    sent = to_dr(tp)[-1].body["result"]
    assert (sent["state"], sent["score"], sent["pass"], sent["comment"]) == ("completed", None, None, None)
    block = sent["consumers"][0]
    assert block["attendance"] == "notPresent"
    assert (block["assessorCode"], block["rawScore"], block["maxRawScore"]) == (None, None, None)
    assert block["documents"] == []
    assert block["executedOfferingName"] == "Rekenen 2F, ochtend" and block["final"] is False


def test_a_removal_is_sent_again_in_every_later_patch(tp: TP) -> None:
    """The outbox replaces a snapshot not yet sent by a newer one, so the PATCH that removed the score may never
    reach DR: every later PATCH of the association removes it again. The first one removes nothing."""
    tp.configure_dr()
    deelname = planned(tp, dr_enrols(tp))
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    reports(ta, deelname, score("7.5"))
    reports(ta, deelname, {"score": None, "pass": None})
    reports(ta, deelname, {"comment": "Afwezig"})

    first, *_, newest = [m.body["result"] for m in to_dr(tp)]
    assert None not in first.values()
    assert (newest["score"], newest["pass"], newest["comment"]) == (None, None, "Afwezig")
    assert newest["consumers"][0]["rawScore"] == 30  # what TA kept is sent as it is


def test_a_removal_made_while_a_result_is_held_reaches_dr_once_it_is_sent(tp: TP) -> None:
    """A held result sends nothing, so DR still has the last result sent: the next one TP sends removes from
    that one what TA has removed since."""
    tp.configure_dr()
    deelname = planned(tp, dr_enrols(tp))
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    reports(ta, deelname, score("7.5") | {"comment": "Goed gedaan"})
    reports(ta, deelname, {"score": "B1", "comment": None})  # not on DR's 0.0-10.0: held
    assert dr_result(tp, deelname).state == "held" and len(to_dr(tp)) == 1
    reports(ta, deelname, {"score": "6.0"})
    assert to_dr(tp)[-1].body["result"]["comment"] is None


def test_an_extra_attempts_put_replaces_the_whole_result_and_carries_no_null(tp: TP) -> None:
    """A PUT replaces the association at DR (flow 5.2): what TA removed is simply left out."""
    tp.configure_dr()
    enrolment = dr_enrols(tp, attempt_left=2)
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    reports(ta, planned(tp, enrolment), score("4.0"))
    retake = planned(tp, enrolment, extra=True)
    reports(ta, retake, score("6.5", assessorCode="JAJE", documents=[DOCUMENT]) | {"comment": "Herkansing"})
    reports(ta, retake, NO_SHOW)

    put = to_dr(tp)[-1]
    assert put.method == "PUT"
    assert "null" not in orjson.dumps(put.body).decode() and "[]" not in orjson.dumps(put.body).decode()
    assert "score" not in put.body["result"] and "documents" not in put.body["result"]["consumers"][0]


def test_an_attendance_without_test_date_gets_the_sessions_start(tp: TP) -> None:
    """PDF 3.5.3: attendance to DR certainly carries testDate; TP knows when the session began. TA's own wins."""
    tp.configure_dr()
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    deelname = planned(tp, dr_enrols(tp), startDateTime="2026-12-01T09:00:00+01:00")
    reports(ta, deelname, attendance())
    assert to_dr(tp)[-1].body["result"]["consumers"][0]["testDate"] == "2026-12-01T09:00:00+01:00"
    reports(ta, deelname, attendance(testDate="2026-12-01T09:12:00+01:00"))
    assert to_dr(tp)[-1].body["result"]["consumers"][0]["testDate"] == "2026-12-01T09:12:00+01:00"


def test_tas_answer_says_the_result_is_queued_for_dr(tp: TP) -> None:
    """At TA's 200 the message for DR is in TP's outbox, not at DR yet."""
    dr = tp.configure_dr()
    deelname = planned(tp, dr_enrols(tp))
    body = {"associationType": "componentOfferingAssociation", "result": score("7.5")}
    answer = tp.peer(ClientRole.ta, peer="ta-x").patch(f"/associations/{deelname}", body)
    assert answer.status_code == 200, answer.text
    assert [m["value"] for m in answer.json()["message"]] == [f"queued for DR {dr} as attempt 1"]


def test_ta_repeating_a_message_queues_nothing_new_for_dr_but_an_operators_forward_does(tp: TP) -> None:
    """TA may send a message twice (its retry after a lost answer): DR gets one PATCH of it, not two. An operator
    who gave the first up (`oke outbox discard`) still has it sent again with `oke results forward`."""
    dr = tp.configure_dr()
    deelname = planned(tp, dr_enrols(tp))
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    body = {"associationType": "componentOfferingAssociation", "result": score("7.5")}
    assert ta.patch(f"/associations/{deelname}", body).status_code == 200

    again = ta.patch(f"/associations/{deelname}", body)

    assert again.status_code == 200, again.text
    assert [m["value"] for m in again.json()["message"]] == [
        f"unchanged for DR {dr} since TP last queued attempt 1: nothing queued"
    ]
    assert len(to_dr(tp)) == 1
    assert dr_result(tp, deelname).state == "sent"
    forwarded = tp.peer(ClientRole.planner).post_planning(f"/results/{deelname}/forward")
    assert forwarded.status_code == 200, forwarded.text
    assert [m.body for m in to_dr(tp)] == [to_dr(tp)[0].body] * 2


def test_two_processes_planning_an_extra_attempt_of_one_enrolment_at_once_plan_two_attempts(
    tp: TP, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two API processes on PostgreSQL each counted the enrolment's attempts before the other's commit: both planned
    attempt 2, and DR got two results for one attempt. Planning now locks the enrolment first. SQLite has one
    writer: there is nothing to interleave."""
    if backend != "postgresql":
        pytest.skip("row locks: PostgreSQL only")
    enrolment = dr_enrols(tp, attempt_left=3)
    planned(tp, enrolment)  # its own attempt, 1
    sessions = [planned(tp, dr_enrols(tp, enrolment.toets)) for _ in range(2)]  # two more sessions of the toets
    with tp.session_factory() as session:
        zittingen = [session.get_one(Deelname, deelname).zitting_id for deelname in sessions]
    first_counted = threading.Event()
    attempts_held = ToetsplanningRepository.attempts_held

    def pausing(repository: ToetsplanningRepository, tenant: str, enrolment_id: str) -> Any:
        held = attempts_held(repository, tenant, enrolment_id)
        if threading.current_thread().name == "first":  # until the second waits for its lock (at most 5 s)
            first_counted.set()
            with suppress(AssertionError):
                eventually(lambda: waiting_for_a_lock(tp.session_factory), seconds=5)
        return held

    monkeypatch.setattr(ToetsplanningRepository, "attempts_held", pausing)
    extra = [Participant(toetsinschrijving_id=enrolment.enrolment, extra_attempt=True)]
    outcomes: list[Any] = []

    def plans(zitting: str) -> None:
        uow = ToetsplanningUnitOfWork(tp.session_factory)
        outcomes.append(planning.add_deelnames(uow, tenant=tp.tenant, zitting_id=zitting, participants=extra)[0])

    first = threading.Thread(target=plans, args=(zittingen[0],), name="first")
    first.start()
    assert first_counted.wait(30)
    second = threading.Thread(target=plans, args=(zittingen[1],), name="second")
    second.start()
    first.join(60)
    second.join(60)
    assert sorted(deelname.attempt for deelname in outcomes) == [2, 3]
