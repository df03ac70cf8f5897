"""What a Zitting always carries to TA (PDF Tabel 4.2.A), what the planner may not set in it, and a staff member
planned by their Toetsinschrijving (PDF 3.2): each found by a reviewer playing a TA vendor."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from oke.auth.caller import ClientRole
from oke.roles.toetsafname.rules import check_zitting
from oke.store.tables.toetsplanning import Deelname, Zitting
from tests.api_client import TP, dr_sends_toets, new_id, person, pointers, problem_of, zitting_offering
from tests.e2e.test_tp_planning import outbox_of, plan

TIMES = {key: zitting_offering()[key] for key in ("startDateTime", "endDateTime", "consumers")}


def session_put(tp: TP, zitting: str) -> dict[str, Any]:
    """The `PUT /offerings/{zitting}` queued for TA (the newest: a change takes the place of the one it replaces)."""
    queued = outbox_of(tp, zitting)
    return [m.body for m in queued if m.path == f"/offerings/{zitting}" and m.state != "superseded"][-1]


def plan_for_toets(tp: TP, toets: str) -> str:
    """A session of planbare toets `toets` whose offering gives only its times: TP takes the rest from the toets."""
    body = {"taPeer": tp.configure_ta("ta-x"), "planbareToetsId": toets, "offering": TIMES, "participants": []}
    answer = tp.peer(ClientRole.planner).post_planning("/zittingen", body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["zittingId"])


def test_ta_gets_the_toets_description_language_and_result_expected_that_the_standard_requires(tp: TP) -> None:
    """TA got no `description`, `teachingLanguage` or `resultExpected` (mandatory in PDF Tabel 4.2.A and the
    OpenAPI's ComponentOffering), which the reference TA now refuses. The description is the planbare toets's, as
    the name is; a toets without one gives the session's name."""
    described = "Kennistoets mechatronica, te plannen in december 2026"
    toets = dr_sends_toets(tp, description=[{"language": "nl-NL", "value": described}])
    sent = session_put(tp, zitting := plan_for_toets(tp, toets))
    assert sent["description"] == [{"language": "nl-NL", "value": described}]
    assert (sent["teachingLanguage"], sent["resultExpected"]) == ("nld", True)
    check_zitting(sent, zitting)  # the reference TA takes it

    bare = dr_sends_toets(tp, description=None)
    sent = session_put(tp, zitting := plan_for_toets(tp, bare))
    assert sent["description"] == sent["name"] == zitting_offering()["name"]
    check_zitting(sent, zitting)
    read = tp.peer(ClientRole.ta, peer="ta-x").get(f"/offerings/{zitting}").json()  # as TA reads it back
    assert (read["description"], read["teachingLanguage"], read["resultExpected"]) == (sent["name"], "nld", True)


def test_a_session_planned_before_tp_sent_them_is_sent_complete_when_changed(tp: TP) -> None:
    planned = plan(tp, []).json()["zittingId"]
    with tp.session_factory() as session:  # as TP stored it before: no description, language or resultExpected
        old = {k: v for k, v in zitting_offering().items() if k not in ("description", "teachingLanguage")}
        session.execute(
            update(Zitting).where(Zitting.zitting_id == planned).values(data={**old, "offeringId": planned})
        )
        session.commit()
    room = {"consumers": [{"consumerKey": "nl-test-admin", "locationCode": "B1.12"}]}
    assert tp.peer(ClientRole.planner).patch_planning(f"/zittingen/{planned}", room).json()["changed"] is True
    sent = session_put(tp, planned)
    assert (sent["description"], sent["teachingLanguage"], sent["resultExpected"]) == (sent["name"], "nld", True)
    check_zitting(sent, planned)


REFUSED = [
    ("teachingLanguage", {"teachingLanguage": "eng"}, "/teachingLanguage"),
    ("resultExpected", {"resultExpected": False}, "/resultExpected"),
    (
        "offeringState",
        {"consumers": [{"consumerKey": "nl-test-admin", "offeringState": "canceled", "duration": "PT40M"}]},
        "/consumers/0/offeringState",
    ),
]


@pytest.mark.parametrize(("given", "pointer"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_what_an_oke_ta_refuses_is_400_when_planned_and_when_changed(
    tp: TP, given: dict[str, Any], pointer: str
) -> None:
    """TP took them (201) and TA then refused the session, holding up its participations, or got it cancelled
    while TP held it active. Cancelling is `POST .../cancel`."""
    problem = problem_of(plan(tp, [], **given), 400)
    assert pointers(problem) == [f"/offering{pointer}"]
    zitting = plan(tp, []).json()["zittingId"]
    before = outbox_of(tp, zitting)
    changed = tp.peer(ClientRole.planner).patch_planning(f"/zittingen/{zitting}", given)
    assert pointers(problem_of(changed, 400)) == [pointer]
    assert [m.id for m in outbox_of(tp, zitting)] == [m.id for m in before]


def test_repeating_the_active_state_in_a_change_is_no_change(tp: TP) -> None:
    """A session planned without `offeringState` is active: a change may say so."""
    offering = zitting_offering(consumers=[{"consumerKey": "nl-test-admin", "duration": "PT40M"}])
    zitting = plan(tp, [], **offering).json()["zittingId"]
    active = {"consumers": [{"consumerKey": "nl-test-admin", "offeringState": "active"}]}
    changed = tp.peer(ClientRole.planner).patch_planning(f"/zittingen/{zitting}", active)
    assert changed.status_code == 200, changed.text


def dr_enrols_staff(tp: TP, toets: str, role: str) -> str:
    """Flow 1: a staff member linked to planbare toets `toets` in `role` (no consumers, PDF Tabel 4.3.A)."""
    dr, staff, enrolment = tp.peer(ClientRole.dr), new_id(), new_id()
    assert dr.put(f"/persons/{staff}", person(staff, student=False)).status_code == 201
    association = {
        "associationId": enrolment,
        "associationType": "componentOfferingAssociation",
        "role": role,
        "state": "associated",
        "person": staff,
        "offering": toets,
    }
    assert dr.put(f"/associations/{enrolment}", association).status_code == 201
    return enrolment


def test_staff_planned_by_their_toetsinschrijving_take_dr_s_role_and_no_attempt(tp: TP) -> None:
    """TP took every participant without a role for a student: a coordinator's Toetsinschrijving was a 400 asking
    for a student's nl-test-admin block, unless the planner repeated the role; and staff were answered attempt 1."""
    toets = dr_sends_toets(tp)
    enrolment = dr_enrols_staff(tp, toets, "coordinator")
    planned = plan(tp, [{"toetsinschrijvingId": enrolment}])
    assert planned.status_code == 201, planned.text
    [staff] = planned.json()["deelnames"]
    assert (staff["role"], staff["attempt"]) == ("coordinator", None)
    sent = [m.body for m in outbox_of(tp, planned.json()["zittingId"]) if m.path.startswith("/associations/")]
    assert sent[0]["role"] == "coordinator" and "consumers" not in sent[0]
    again = plan(tp, [{"toetsinschrijvingId": enrolment, "role": "coordinator"}])
    assert again.status_code == 201 and again.json()["deelnames"][0]["attempt"] is None


@pytest.mark.parametrize(
    "given", [{"role": "student"}, {"role": "invigilator"}, {"extraAttempt": True}, {"attempt": 2}]
)
def test_a_role_that_contradicts_dr_s_or_an_attempt_of_staff_is_400(tp: TP, given: dict[str, Any]) -> None:
    enrolment = dr_enrols_staff(tp, dr_sends_toets(tp), "coordinator")
    problem = problem_of(plan(tp, [{"toetsinschrijvingId": enrolment, **given}]), 400)
    assert pointers(problem) == [f"/participants/0/{next(iter(given))}"]
    assert "coordinator" in problem["invalidParams"][0]["reason"]


def test_staff_planned_with_an_attempt_before_move_without_one(tp: TP) -> None:
    """A staff Deelname planned by its Toetsinschrijving before TP knew staff take no attempt holds attempt 1."""
    enrolment = dr_enrols_staff(tp, dr_sends_toets(tp), "coordinator")
    deelname = plan(tp, [{"toetsinschrijvingId": enrolment}]).json()["deelnames"][0]["deelnameId"]
    with tp.session_factory() as session:
        session.execute(update(Deelname).where(Deelname.deelname_id == deelname).values(attempt=1))
        session.commit()
    other = plan(tp, []).json()["zittingId"]
    moved = tp.peer(ClientRole.planner).post_planning(f"/deelnames/{deelname}/move", {"zittingId": other})
    assert moved.status_code == 201, moved.text
    assert (moved.json()["role"], moved.json()["attempt"]) == ("coordinator", None)


def test_a_start_in_the_year_0_in_utc_is_400(tp: TP) -> None:
    """Found by the fuzzer (in the listing's `until`): `0001-01-01T00:30:00+01:00` is a moment of the year 0 in UTC,
    which no column stores, and converting it failed with 500."""
    problem = problem_of(plan(tp, [], startDateTime="0001-01-01T00:30:00+01:00"), 400)
    assert pointers(problem) == ["/offering/startDateTime"]
