"""Flow 5 at TP where several Deelnames meet at one DR association: an attempt planned, cancelled (or moved) and
planned again, and an enrolment DR moved to another planbare toets (docs/planning.md, "Results for DR"). DR holds
at an association what the last PATCH there left, whichever Deelname sent it; the messages stay in TP's outbox."""

from __future__ import annotations

import uuid
from typing import Any

from oke.auth.caller import ClientRole
from tests.api_client import TP, Enrolment, dr_enrols, dr_sends_toets, problem_of, zitting_offering
from tests.e2e.test_tp_flow5 import attendance, dr_moves, dr_result, planned, reports, score, to_dr
from tests.e2e.test_tp_plan_cli import END, START, ids, oke_plan

#: The test of another planbare toets than `zitting_offering()`'s.
OTHER_TEST = str(uuid.UUID(int=2))


def cancel(tp: TP, deelname: str) -> None:
    assert tp.peer(ClientRole.planner).post_planning(f"/deelnames/{deelname}/cancel").status_code == 204


def moved(tp: TP, deelname: str, toets: str) -> str:
    """The planner moves the Deelname to a new session of `toets`; the new Deelname's id."""
    planner = tp.peer(ClientRole.planner)
    body = {"taPeer": tp.configure_ta("ta-x"), "planbareToetsId": toets, "offering": zitting_offering()}
    zitting = planner.post_planning("/zittingen", body)
    assert zitting.status_code == 201, zitting.text
    move = planner.post_planning(f"/deelnames/{deelname}/move", {"zittingId": zitting.json()["zittingId"]})
    assert move.status_code == 201, move.text
    return str(move.json()["deelnameId"])


def test_a_late_result_of_a_participation_whose_attempt_was_planned_again_is_held(tp: TP) -> None:
    """The planner moved the student to another session: the new Deelname is the attempt now, and DR's
    enrolment holds its result. TA's late result of the cancelled one (the student sat it after all, or TA
    reports the absence) would replace it at DR: it is held for an operator, naming the Deelname DR gets."""
    tp.configure_dr()
    enrolment = dr_enrols(tp)
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    first = planned(tp, enrolment)
    again = moved(tp, first, enrolment.toets)
    reports(ta, again, score("7.5") | {"comment": "Goed gedaan"})

    reports(ta, first, attendance("notPresent"))

    assert [m.body["result"].get("score") for m in to_dr(tp)] == ["7.5"]
    row = dr_result(tp, first)
    assert row.state == "held"
    assert f"participation {again}" in (row.reason or "") and "attempt 1" in (row.reason or "")
    assert dr_result(tp, again).state == "sent"
    forwarded = tp.peer(ClientRole.planner).post_planning(f"/results/{first}/forward")
    assert forwarded.status_code == 200 and forwarded.json()["state"] == "held"  # decided afresh: the same
    assert len(to_dr(tp)) == 1


def test_a_held_result_of_an_attempt_planned_again_is_sent_once_the_newer_one_is_cancelled_unreported(tp: TP) -> None:
    """The Deelname planned again is cancelled before TA reported on it: the attempt is the older one's again, and
    the operator's `forward` sends its result."""
    tp.configure_dr()
    enrolment = dr_enrols(tp)
    first = planned(tp, enrolment)
    again = moved(tp, first, enrolment.toets)
    reports(tp.peer(ClientRole.ta, peer="ta-x"), first, score("7.5"))
    assert dr_result(tp, first).state == "held" and to_dr(tp) == []
    cancel(tp, again)

    forwarded = tp.peer(ClientRole.planner).post_planning(f"/results/{first}/forward")

    assert forwarded.status_code == 200 and forwarded.json()["state"] == "sent", forwarded.text
    assert [(m.path, m.body["result"]["score"]) for m in to_dr(tp)] == [(f"/associations/{enrolment.enrolment}", "7.5")]


def test_a_patch_removes_what_another_participation_sent_to_the_same_association(tp: TP) -> None:
    """Both Deelnames of attempt 1 cancelled before TA reported on them, then TA reports on both: each in turn is
    the attempt's result (the newest planned last), and DR's enrolment must hold the newest alone. A PATCH
    removes what DR holds there from the other Deelname too, not only what its own Deelname sent before."""
    tp.configure_dr()
    enrolment = dr_enrols(tp)
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    first = planned(tp, enrolment)
    cancel(tp, first)
    again = planned(tp, enrolment)
    cancel(tp, again)

    reports(ta, first, score("7.5", assessorCode="JAJE") | {"comment": "Goed gedaan"})
    reports(ta, again, attendance("notPresent"))

    *_, sent = to_dr(tp)
    assert sent.path == f"/associations/{enrolment.enrolment}"
    result = sent.body["result"]
    assert (result["state"], result["score"], result["pass"], result["comment"]) == ("in progress", None, None, None)
    block = result["consumers"][0]
    assert block["attendance"] == "notPresent"
    assert (block["assessorCode"], block["rawScore"], block["maxRawScore"]) == (None, None, None)


def test_an_attempt_of_the_toets_dr_moved_the_enrolment_from_does_not_count(tp: TP) -> None:
    """DR moved the enrolment after TA reported on its attempt 1 in a session of the old toets, and says it is
    attempt 1 of the new one, with no attempt left: DR's attempt policy decides, so TP plans attempt 1 of the
    new toets (it refused it as planned already). Its PATCH removes what the old toets's result left at DR."""
    tp.configure_dr()
    enrolment = dr_enrols(tp, attempt_left=0)
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    old = planned(tp, enrolment)
    reports(ta, old, score("4.0") | {"comment": "Onvoldoende"})
    other = dr_sends_toets(tp, component=OTHER_TEST)
    dr_moves(tp, enrolment, other)

    new = planned(tp, Enrolment(other, enrolment.enrolment, enrolment.student), component=OTHER_TEST)
    reports(ta, new, score("8.0"))

    assert dr_result(tp, new).attempt == 1
    first, sent = to_dr(tp)
    assert first.body["result"]["comment"] == "Onvoldoende"
    assert sent.path == f"/associations/{enrolment.enrolment}"
    assert (sent.body["result"]["score"], sent.body["result"]["comment"]) == ("8.0", None)


def test_a_result_sent_before_dr_moved_the_enrolment_is_held_and_the_operator_told_it_stays_at_dr(tp: TP) -> None:
    """The standard has no message that withdraws a result from DR: TP holds the old toets's result at once, and
    says (in its reason and the Deelname's history) that what it sent before stays at DR until a result of that
    attempt of the moved enrolment replaces it."""
    tp.configure_dr()
    enrolment = dr_enrols(tp)
    old = planned(tp, enrolment)
    reports(tp.peer(ClientRole.ta, peer="ta-x"), old, score("4.0"))
    other = dr_sends_toets(tp, component=OTHER_TEST)

    dr_moves(tp, enrolment, other)

    row = dr_result(tp, old)
    assert row.state == "held" and "(DR moved it)" in (row.reason or "")
    assert f"stays at DR (association {enrolment.enrolment}, attempt 1)" in (row.reason or "")
    [note] = tp.history(old, flow="1")[-1].notes
    assert note.startswith(f"DR moved Toetsinschrijving {enrolment.enrolment} to planbare toets {other}: held")
    assert len(to_dr(tp)) == 1  # nothing more went to DR


def test_a_planned_attempt_of_the_old_toets_is_cancelled_and_frees_the_attempt(tp: TP) -> None:
    """Before TA reported, the move cancels the old session's Deelname (docs/planning.md): attempt 1 is planned
    again for the new toets; a second one is still refused, as DR allows no attempt more."""
    tp.configure_dr()
    enrolment = dr_enrols(tp, attempt_left=0)
    planned(tp, enrolment)
    other = dr_sends_toets(tp, component=OTHER_TEST)
    dr_moves(tp, enrolment, other)
    at_new = Enrolment(other, enrolment.enrolment, enrolment.student)
    planned(tp, at_new, component=OTHER_TEST)
    body: dict[str, Any] = {
        "taPeer": tp.configure_ta("ta-x"),
        "planbareToetsId": other,
        "offering": zitting_offering(component=OTHER_TEST),
        "participants": [{"toetsinschrijvingId": enrolment.enrolment, "extraAttempt": True}],
    }
    problem_of(tp.peer(ClientRole.planner).post_planning("/zittingen", body), 409)


def test_all_enrolments_plans_one_dr_moved_after_ta_reported_on_the_old_toets(tp: TP, tp_database_url: str) -> None:
    """`oke plan zitting --all-enrolments` plans the open enrolments with no attempt planned of the toets: the old
    toets's attempt TA reported on is none of the new one's."""
    tp.configure_dr()
    enrolment = dr_enrols(tp)
    reports(tp.peer(ClientRole.ta, peer="ta-x"), planned(tp, enrolment), score("4.0"))
    other = dr_sends_toets(tp, component=OTHER_TEST)
    dr_moves(tp, enrolment, other)
    ta = tp.configure_ta("ta-x")
    times = ["--start", START, "--end", END, "--duration", "PT40M"]

    output = oke_plan(tp, tp_database_url, "zitting", "--ta", ta, "--toets", other, *times, "--all-enrolments")

    assert len(ids(output, "deelname")) == 1 and "attempt 1" in output
