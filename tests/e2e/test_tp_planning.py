"""Planning at TP puts flow 2 in the outbox: the Zitting first, then a Deelname per participant with
the Person embedded and the student's needs for this test (PDF 3.2.3, Tabel 4.3.A)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from oke.auth.caller import ClientRole
from oke.errors import InvalidContent
from oke.ooapi.common import INT32_MAX, in_dutch
from oke.roles.toetsafname.rules import check_zitting
from oke.roles.toetsplanning.flow2 import zitting_message
from oke.store.tables.outbox import OutboxMessage
from oke.store.tables.toetsplanning import Deelname, TpComponent
from tests.api_client import (
    TP,
    dr_enrols,
    dr_sends_toets,
    new_id,
    person,
    pointers,
    problem_of,
    ta_with_student,
    zitting_offering,
)


def outbox_of(tp: TP, zitting_id: str) -> list[OutboxMessage]:
    with tp.session_factory() as session:
        query = select(OutboxMessage).where(OutboxMessage.key == zitting_id).order_by(OutboxMessage.id)
        return list(session.scalars(query))


def dr_sends_a_student_with_extra_time(tp: TP) -> tuple[str, str]:
    """Flow 1: a student with 25% extra time in math, enrolled for attempt 2 with one more allowed; their ids."""
    sent = dr_enrols(tp, attempt=2, attempt_left=1, needs=("ExtraTimeOnlyMath25%",))
    return sent.student, sent.enrolment


def plan(tp: TP, participants: list[dict[str, Any]], ta_peer: str | None = None, **offering: Any) -> Any:
    planner = tp.peer(ClientRole.planner)
    body = {
        "taPeer": ta_peer or tp.configure_ta("ta-x"),
        "offering": zitting_offering(**offering),  # "Rekenen 2F", PT40M
        "participants": participants,
    }
    return planner.post_planning("/zittingen", body)


def test_a_zitting_for_a_toetsinschrijving_goes_to_ta_in_order(tp: TP) -> None:
    student, enrolment = dr_sends_a_student_with_extra_time(tp)
    coordinator = new_id()
    response = plan(
        tp,
        [
            {"toetsinschrijvingId": enrolment},
            {"personId": coordinator, "role": "coordinator", "person": person(coordinator, student=False)},
        ],
    )
    assert response.status_code == 201, response.text
    planned = response.json()
    zitting = planned["zittingId"]
    deelname, staff = (d["deelnameId"] for d in planned["deelnames"])
    assert planned["deelnames"][0]["personId"] == student

    messages = outbox_of(tp, zitting)
    assert [(m.method, m.path) for m in messages] == [
        ("PUT", f"/offerings/{zitting}"),
        ("PUT", f"/associations/{deelname}"),
        ("PUT", f"/associations/{staff}"),
    ]
    assert {m.peer for m in messages} == {tp.peer_name("ta-x")}
    sent = messages[1].body
    assert sent["person"]["personId"] == student
    assert "assignedNeeds" not in sent["person"]["consumers"][0]
    assert sent["consumers"] == [
        {"consumerKey": "nl-test-admin", "additionalTimeInMin": 10, "personalNeeds": ["extraTime"]}
    ]
    assert "consumers" not in messages[2].body
    assert messages[0].body["consumers"][0]["offeringState"] == "active"


def test_the_attempt_comes_from_the_toetsinschrijving(tp: TP) -> None:
    _, enrolment = dr_sends_a_student_with_extra_time(tp)
    planned = plan(tp, [{"toetsinschrijvingId": enrolment}]).json()
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    deelname = planned["deelnames"][0]["deelnameId"]
    assert ta.get(f"/associations/{deelname}").status_code == 200
    with tp.session_factory() as session:
        row = session.get(Deelname, deelname)
        assert row is not None
        assert (row.toetsinschrijving_id, row.attempt) == (enrolment, 2)


def test_assigned_needs_tp_cannot_translate_are_told_to_the_planner_not_dropped(tp: TP) -> None:
    """The reference DR's "Voorlezen" reached TA as extra time only, and nothing said so. It is `spoken` now; a
    code without a flow 2 equivalent is in the planner's answer and the Deelname's history, when planned, added
    and moved."""
    sent = dr_enrols(tp, needs=("Voorlezen", "ExtraTime25%", "Koptelefoon"))
    response = plan(tp, [{"toetsinschrijvingId": sent.enrolment}])
    assert response.status_code == 201, response.text
    zitting, [planned] = response.json()["zittingId"], response.json()["deelnames"]
    warning = f"student {sent.student}: assigned need 'Koptelefoon' has no flow 2 equivalent: not sent to TA"
    assert planned["warnings"] == [warning]
    [put] = [m for m in outbox_of(tp, zitting) if m.path == f"/associations/{planned['deelnameId']}"]
    assert put.body["consumers"] == [
        {"consumerKey": "nl-test-admin", "additionalTimeInMin": 10, "personalNeeds": ["extraTime", "spoken"]}
    ]
    [noted] = tp.history(planned["deelnameId"])
    assert (noted.flow, noted.path, noted.object_type, noted.notes) == (
        "planning",
        "/planning/zittingen",
        "deelname",
        [warning],
    )

    other = plan(tp, []).json()["zittingId"]
    moved = move(tp, planned["deelnameId"], other).json()
    assert moved["warnings"] == [warning]
    assert [row.notes for row in tp.history(moved["deelnameId"])] == [[warning]]
    second = dr_enrols(tp, needs=("Spelling",))
    [added] = add(tp, zitting, [{"toetsinschrijvingId": second.enrolment}]).json()
    assert added["warnings"] == [
        f"student {second.student}: assigned need 'Spelling' has no flow 2 equivalent: not sent to TA"
    ]
    assert [row.path for row in tp.history(added["deelnameId"])] == [f"/planning/zittingen/{zitting}/deelnames"]


def test_an_unknown_ta_is_400(tp: TP) -> None:
    problem = problem_of(plan(tp, [], ta_peer="nowhere"), 400)
    assert pointers(problem) == ["/taPeer"]


def test_a_mode_of_delivery_oke_does_not_use_is_400_and_nothing_goes_to_ta(tp: TP) -> None:
    """OOAPI has `on campus` and `hybrid`, OKE not: TA would refuse the session and park what follows it."""
    problem = problem_of(plan(tp, [], modeOfDelivery=["situated", "on campus", "hybrid"]), 400)
    assert pointers(problem) == ["/offering/modeOfDelivery/1", "/offering/modeOfDelivery/2"]
    assert "distance-learning, online, situated" in problem["invalidParams"][0]["reason"]
    with tp.session_factory() as session:
        assert session.scalars(select(OutboxMessage).where(OutboxMessage.peer == tp.peer_name("ta-x"))).first() is None


def test_a_student_without_person_data_is_400(tp: TP) -> None:
    problem = problem_of(plan(tp, [{"personId": new_id()}]), 400)
    assert pointers(problem) == ["/participants/0/person"]


def test_a_person_ta_would_refuse_is_400_and_nothing_goes_to_ta(tp: TP) -> None:
    """TA refuses a Deelname whose Person is not active (`activeEnrollment` is always true, Tabel 4.10.A), or a
    student's without the names it checks, and parks what follows it in the session."""
    coordinator = new_id()
    not_in_service = person(coordinator, student=False, activeEnrollment=False)
    problem = problem_of(plan(tp, [{"personId": coordinator, "role": "coordinator", "person": not_in_service}]), 400)
    assert pointers(problem) == ["/participants/0/person/activeEnrollment"]

    zitting = plan(tp, []).json()["zittingId"]
    staff_as_student = {"personId": coordinator, "role": "student", "person": person(coordinator, student=False)}
    assert pointers(problem_of(add(tp, zitting, [staff_as_student]), 400)) == ["/participants/0/person/consumers"]
    assert [m.path for m in outbox_of(tp, zitting)] == [f"/offerings/{zitting}"]


def test_a_test_not_in_tas_catalogue_or_withdrawn_is_400_once_tp_has_read_it(tp: TP) -> None:
    """TA refuses a session of a test its catalogue lacks, or of a withdrawn one, and parks what follows it
    (flow 0). Without TA's catalogue TP cannot tell, and plans it (docs/planning.md)."""
    listed, withdrawn, unknown = zitting_offering()["component"], new_id(), new_id()
    assert plan(tp, [], component=unknown).status_code == 201  # TP has never read TA's catalogue
    with tp.session_factory() as session:
        for test, status in ((listed, "active"), (withdrawn, "inactive")):
            session.add(TpComponent(ta_peer=tp.peer_name("ta-x"), component_id=test, status=status, data={}))
        session.commit()

    not_listed = problem_of(plan(tp, [], component=unknown), 400)
    assert pointers(not_listed) == ["/offering/component"]
    assert "not in the catalogue" in not_listed["invalidParams"][0]["reason"]
    assert "withdrawn" in problem_of(plan(tp, [], component=withdrawn), 400)["invalidParams"][0]["reason"]
    toets = dr_sends_toets(tp, component=unknown)
    session = {k: v for k, v in zitting_offering().items() if k != "component"}
    body = {"taPeer": tp.configure_ta("ta-x"), "planbareToetsId": toets, "offering": session}
    assert pointers(problem_of(tp.peer(ClientRole.planner).post_planning("/zittingen", body), 400)) == [
        "/planbareToetsId"
    ]
    assert plan(tp, []).status_code == 201


def plan_toets(tp: TP, toets: str, participants: list[dict[str, Any]] | None = None, **offering: Any) -> Any:
    """A Zitting of DR's planbare toets `toets`: its test, name and code come from the toets unless given."""
    session = {k: v for k, v in zitting_offering(**offering).items() if k not in ("primaryCode", "name", "component")}
    session |= {k: v for k, v in offering.items() if k == "component"}
    body = {"taPeer": tp.configure_ta("ta-x"), "planbareToetsId": toets, "offering": session}
    return tp.peer(ClientRole.planner).post_planning("/zittingen", body | {"participants": participants or []})


def test_a_test_the_planbare_toets_does_not_name_is_400(tp: TP) -> None:
    """A session of planbare toets "Rekenen 2F" running another test: TA ran another exam, and flow 5 gave its score
    to DR as the toets's result. A `component` is one of the toets's tests, and chosen when it names several."""
    rekenen, other = zitting_offering()["component"], new_id()
    toets = dr_enrols(tp).toets  # its component is `rekenen`
    problem = problem_of(plan_toets(tp, toets, component=other), 400)
    assert pointers(problem) == ["/offering/component"]
    reason = problem["invalidParams"][0]["reason"]
    assert other in reason and rekenen in reason and toets in reason and "Rekenen 2F" in reason
    assert plan_toets(tp, toets, component=rekenen).status_code == 201

    digital, paper = new_id(), new_id()
    tests = [{"consumerKey": "nl-test-admin", "testsToBeUsed": [{"componentId": digital}, {"componentId": paper}]}]
    either = new_id()
    toets_of_two = zitting_offering(offeringId=either, resultExpected=True, consumers=tests)
    del toets_of_two["component"]
    assert tp.peer(ClientRole.dr).put(f"/offerings/{either}", toets_of_two).status_code == 201
    chooses = problem_of(plan_toets(tp, either), 400)
    assert pointers(chooses) == ["/offering/component"] and f"{digital} or {paper}" in chooses["detail"]
    assert pointers(problem_of(plan_toets(tp, either, component=rekenen), 400)) == ["/offering/component"]
    planned = plan_toets(tp, either, component=paper)
    assert planned.status_code == 201, planned.text
    assert outbox_of(tp, planned.json()["zittingId"])[0].body["component"] == paper


def test_a_session_without_a_test_is_400(tp: TP) -> None:
    """TA refuses a Zitting without `component` (PDF figure 3.2.10), and the session's later messages wait."""
    problem = problem_of(plan(tp, [], component=None), 400)
    assert pointers(problem) == ["/offering/component"]


BLOCK = "/offering/consumers/0"
SESSION_TIMES = [
    ("end before start", {"endDateTime": "2026-12-01T08:00:00+01:00"}, "/offering/endDateTime"),
    ("end at start", {"endDateTime": "2026-12-01T09:00:00+01:00"}, "/offering/endDateTime"),
    (
        "last start before",
        {"lastPossibleStartDateTime": "2026-12-01T08:59:00+01:00"},
        f"{BLOCK}/lastPossibleStartDateTime",
    ),
    (
        "last start after",
        {"lastPossibleStartDateTime": "2026-12-01T10:01:00+01:00"},
        f"{BLOCK}/lastPossibleStartDateTime",
    ),
    ("duration in weeks", {"duration": "P1W"}, f"{BLOCK}/duration"),
    ("duration in months", {"duration": "P60M"}, f"{BLOCK}/duration"),
    ("duration not ISO", {"duration": "40 minuten"}, f"{BLOCK}/duration"),
]


@pytest.mark.parametrize(("change", "pointer"), [t[1:] for t in SESSION_TIMES], ids=[t[0] for t in SESSION_TIMES])
def test_session_times_ta_refuses_are_400_and_nothing_goes_to_ta(tp: TP, change: dict[str, str], pointer: str) -> None:
    """TA refused such a session (its `check_zitting`), the offering PUT parked and every later message of the
    session waited behind it. TP applies TA's own rule (`session_time_faults`) before anything is queued."""
    offering = zitting_offering()
    block = offering["consumers"][0]
    for name, value in change.items():
        (offering if name.endswith("DateTime") and name != "lastPossibleStartDateTime" else block)[name] = value
    problem = problem_of(plan(tp, [], **offering), 400)
    assert pointers(problem) == [pointer]
    with tp.session_factory() as session:
        assert session.scalars(select(OutboxMessage).where(OutboxMessage.peer == tp.peer_name("ta-x"))).first() is None
    with pytest.raises(InvalidContent) as refused:  # the reference TA refuses it, as TP would send it, at that field
        check_zitting(zitting_message({**offering, "offeringId": (zitting := new_id())}, "active"), zitting)
    assert [e.pointer for e in refused.value.errors] == [pointer.removeprefix("/offering")]


def test_cancelling_a_participation_and_a_session_goes_to_ta(tp: TP) -> None:
    planned = tp.plan("ta-x", students=2)
    zitting = planned["zittingId"]
    first = planned["deelnames"][0]["deelnameId"]
    planner = tp.peer(ClientRole.planner)
    cancelled = planner.post_planning(f"/deelnames/{first}/cancel")
    assert (cancelled.status_code, cancelled.content, cancelled.headers.get("content-type")) == (204, b"", None)
    assert planner.post_planning(f"/zittingen/{zitting}/cancel").status_code == 204

    calls = [(m.method, m.path, m.body) for m in outbox_of(tp, zitting)][-2:]
    assert calls == [
        ("PATCH", f"/associations/{first}", {"associationType": "componentOfferingAssociation", "state": "canceled"}),
        (
            "PATCH",
            f"/offerings/{zitting}",
            {"offeringType": "component", "consumers": [{"consumerKey": "nl-test-admin", "offeringState": "canceled"}]},
        ),
    ]


def add(tp: TP, zitting: str, participants: list[dict[str, Any]]) -> Any:
    return tp.peer(ClientRole.planner).post_planning(f"/zittingen/{zitting}/deelnames", {"participants": participants})


def test_an_extra_attempt_follows_the_attempt_policy_of_dr(tp: TP) -> None:
    _, enrolment = dr_sends_a_student_with_extra_time(tp)  # attempt 2, attemptLeft 1
    first = plan(tp, [{"toetsinschrijvingId": enrolment}]).json()
    assert first["deelnames"][0]["attempt"] == 2
    retake = plan(tp, []).json()["zittingId"]

    twice = problem_of(add(tp, retake, [{"toetsinschrijvingId": enrolment}]), 409)
    assert "attempt 2 is already planned" in twice["detail"] and "extraAttempt" in twice["detail"]
    response = add(tp, retake, [{"toetsinschrijvingId": enrolment, "extraAttempt": True}])
    assert response.status_code == 201, response.text
    [extra] = response.json()
    assert extra["attempt"] == 3
    assert [(m.method, m.path) for m in outbox_of(tp, retake)][-1] == ("PUT", f"/associations/{extra['deelnameId']}")

    beyond = problem_of(add(tp, retake, [{"toetsinschrijvingId": enrolment, "extraAttempt": True}]), 409)
    assert "attemptLeft 1" in beyond["detail"] and "/participants/0" in beyond["detail"]
    with tp.session_factory() as session:
        rows = session.scalars(select(Deelname).where(Deelname.toetsinschrijving_id == enrolment)).all()
        assert sorted(row.attempt for row in rows) == [2, 3]  # the refused calls left nothing behind


def test_attempts_over_int32_are_400_at_their_pointer_and_none_is_planned_past_it(tp: TP) -> None:
    """Found on PostgreSQL: DR's `attempt` 2**31 was taken in flow 1, and planning it failed with 500 (the column
    is an integer). `attempt` and `attemptLeft` are int32 (nl-test-admin-Association.yaml)."""
    dr = tp.peer(ClientRole.dr)
    sent = dr_enrols(tp, attempt=INT32_MAX, attempt_left=None)  # the largest is taken
    consumer = {"consumerKey": "nl-test-admin", "attempt": INT32_MAX + 1, "attemptLeft": INT32_MAX + 1}
    change = {"associationType": "componentOfferingAssociation", "consumers": [consumer]}

    problem = problem_of(dr.patch(f"/associations/{sent.enrolment}", change), 400)
    asked = problem_of(plan(tp, [{"toetsinschrijvingId": sent.enrolment, "attempt": INT32_MAX + 1}]), 400)
    zitting = plan(tp, [{"toetsinschrijvingId": sent.enrolment}]).json()["zittingId"]
    past = problem_of(add(tp, zitting, [{"toetsinschrijvingId": sent.enrolment, "extraAttempt": True}]), 409)

    assert pointers(problem) == ["/consumers/0/attempt", "/consumers/0/attemptLeft"]
    assert pointers(asked) == ["/participants/0/attempt"]
    assert f"attempt {INT32_MAX + 1} is past the largest" in past["detail"]


def test_a_person_takes_part_in_a_session_once(tp: TP) -> None:
    """Found by a DR vendor: `oke plan add --extra-attempt` twice put attempts 2 and 3 of one student side by side
    in one session."""
    sent = dr_enrols(tp, attempt_left=3)
    zitting = plan(tp, [{"toetsinschrijvingId": sent.enrolment}]).json()["zittingId"]
    again = {"toetsinschrijvingId": sent.enrolment, "extraAttempt": True}
    retake = plan(tp, []).json()["zittingId"]

    beside = problem_of(add(tp, zitting, [again]), 409)
    twice = problem_of(add(tp, retake, [again, again]), 409)

    assert f"person {sent.student} already takes part in session {zitting}" in beside["detail"]
    assert twice["detail"].startswith(f"/participants/1: person {sent.student} already takes part in session {retake}")
    assert add(tp, retake, [again]).status_code == 201  # the retake in a session of its own


def test_a_cancelled_participation_without_a_result_frees_its_attempt(tp: TP) -> None:
    _, enrolment = dr_sends_a_student_with_extra_time(tp)
    deelname = plan(tp, [{"toetsinschrijvingId": enrolment}]).json()["deelnames"][0]["deelnameId"]
    assert tp.peer(ClientRole.planner).post_planning(f"/deelnames/{deelname}/cancel").status_code == 204
    again = plan(tp, [{"toetsinschrijvingId": enrolment}])
    assert again.status_code == 201, again.text
    assert again.json()["deelnames"][0]["attempt"] == 2


def test_a_taken_attempt_stays_taken_when_its_participation_is_cancelled(tp: TP) -> None:
    _, enrolment = dr_sends_a_student_with_extra_time(tp)
    deelname = plan(tp, [{"toetsinschrijvingId": enrolment}]).json()["deelnames"][0]["deelnameId"]
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    result = {"state": "in progress", "resultDate": "2026-12-01", "weight": 100}
    attendance = [{"consumerKey": "nl-test-admin", "attendance": "notPresent"}]
    reported = ta.patch(
        f"/associations/{deelname}",
        {"associationType": "componentOfferingAssociation", "result": {**result, "consumers": attendance}},
    )
    assert reported.status_code == 200, reported.text
    assert tp.peer(ClientRole.planner).post_planning(f"/deelnames/{deelname}/cancel").status_code == 204
    assert "already planned" in problem_of(plan(tp, [{"toetsinschrijvingId": enrolment}]), 409)["detail"]
    retake = plan(tp, [{"toetsinschrijvingId": enrolment, "extraAttempt": True}]).json()
    assert retake["deelnames"][0]["attempt"] == 3


def test_an_attempt_before_the_enrolments_own_is_refused(tp: TP) -> None:
    _, enrolment = dr_sends_a_student_with_extra_time(tp)
    problem = problem_of(plan(tp, [{"toetsinschrijvingId": enrolment, "attempt": 1}]), 409)
    assert "before this enrolment's own attempt 2" in problem["detail"]


def test_an_extra_attempt_needs_a_toetsinschrijving_from_dr(tp: TP) -> None:
    student = new_id()
    body = [{"personId": student, "person": person(student), "toetsinschrijvingId": new_id(), "extraAttempt": True}]
    assert pointers(problem_of(plan(tp, body), 400)) == ["/participants/0/extraAttempt"]


def test_a_cancelled_toetsinschrijving_is_not_planned(tp: TP) -> None:
    _, enrolment = dr_sends_a_student_with_extra_time(tp)
    cancel = {"associationType": "componentOfferingAssociation", "state": "canceled"}
    assert tp.peer(ClientRole.dr).patch(f"/associations/{enrolment}", cancel).status_code == 200
    assert "cancelled by DR" in problem_of(plan(tp, [{"toetsinschrijvingId": enrolment}]), 409)["detail"]


def test_participants_join_a_planned_session_but_not_a_cancelled_or_unknown_one(tp: TP) -> None:
    zitting = tp.plan("ta-x", students=1)["zittingId"]
    coordinator = new_id()
    staff = {"personId": coordinator, "role": "coordinator", "person": person(coordinator, student=False)}
    [joined] = add(tp, zitting, [staff]).json()
    assert (joined["personId"], joined["role"], joined["attempt"]) == (coordinator, "coordinator", None)
    assert tp.peer(ClientRole.planner).post_planning(f"/zittingen/{zitting}/cancel").status_code == 204
    assert "is cancelled" in problem_of(add(tp, zitting, [staff]), 409)["detail"]
    problem_of(add(tp, new_id(), [staff]), 404)


def move(tp: TP, deelname: str, zitting: str, **body: Any) -> Any:
    return tp.peer(ClientRole.planner).post_planning(f"/deelnames/{deelname}/move", {"zittingId": zitting, **body})


def test_moving_a_student_cancels_the_old_participation_and_plans_the_same_attempt_in_the_new_session(
    tp: TP,
) -> None:
    student, enrolment = dr_sends_a_student_with_extra_time(tp)
    old = plan(tp, [{"toetsinschrijvingId": enrolment}]).json()
    other = plan(tp, []).json()["zittingId"]
    deelname = old["deelnames"][0]["deelnameId"]

    response = move(tp, deelname, other)
    assert response.status_code == 201, response.text
    moved = response.json()
    assert (moved["personId"], moved["attempt"]) == (student, 2)
    assert [(m.method, m.path) for m in outbox_of(tp, old["zittingId"])][-1] == (
        "PATCH",
        f"/associations/{deelname}",
    )
    put = outbox_of(tp, other)[-1]
    assert (put.method, put.path) == ("PUT", f"/associations/{moved['deelnameId']}")
    assert put.body["person"]["personId"] == student and put.body["offering"] == other
    with tp.session_factory() as session:
        old_row, new_row = session.get(Deelname, deelname), session.get(Deelname, moved["deelnameId"])
        assert old_row is not None and new_row is not None
        assert old_row.state == "canceled"
        assert (new_row.toetsinschrijving_id, new_row.attempt, new_row.state) == (enrolment, 2, "associated")

    assert "is cancelled" in problem_of(move(tp, deelname, other), 409)["detail"]
    assert "already" in problem_of(move(tp, moved["deelnameId"], other), 409)["detail"]
    assert pointers(problem_of(move(tp, moved["deelnameId"], new_id()), 400)) == ["/zittingId"]
    problem_of(move(tp, new_id(), other), 404)


def test_a_toetsinschrijving_is_planned_only_in_a_session_of_its_planbare_toets(tp: TP) -> None:
    """A Rekenen 2F enrolment planned in a session of "Kennistoets mechatronica" reached DR as an attempt at that
    test (flow 5 names the session: executedOfferingName). Refused when the session is planned, when participants
    are added and when a student is moved there: a 409 naming the enrolment and both planbare toetsen."""
    mechatronica = dr_sends_toets(tp, name=in_dutch("Kennistoets mechatronica"), component=new_id())
    rekenen = dr_enrols(tp)
    planner = tp.peer(ClientRole.planner)
    session = {k: v for k, v in zitting_offering().items() if k not in ("primaryCode", "name", "component")}
    body = {"taPeer": tp.configure_ta("ta-x"), "planbareToetsId": mechatronica, "offering": session}
    student = {"toetsinschrijvingId": rekenen.enrolment}

    refused = problem_of(planner.post_planning("/zittingen", body | {"participants": [student]}), 409)["detail"]
    for named in ("/participants/0", rekenen.enrolment, rekenen.toets, "Rekenen 2F", mechatronica, "mechatronica"):
        assert named in refused
    zitting = planner.post_planning("/zittingen", body).json()["zittingId"]
    added = problem_of(add(tp, zitting, [student | {"extraAttempt": True}]), 409)["detail"]
    assert rekenen.enrolment in added and rekenen.toets in added and mechatronica in added and zitting in added
    own = plan(tp, [student]).json()["deelnames"][0]["deelnameId"]
    moved = problem_of(move(tp, own, zitting), 409)["detail"]
    assert rekenen.enrolment in moved and mechatronica in moved

    assert [(m.method, m.path) for m in outbox_of(tp, zitting)] == [("PUT", f"/offerings/{zitting}")]
    with tp.session_factory() as session_:
        planned = session_.scalars(select(Deelname).where(Deelname.toetsinschrijving_id == rekenen.enrolment)).all()
        assert [(d.deelname_id, d.state) for d in planned] == [(own, "associated")]  # the refused move changed nothing


def test_a_session_without_a_planbare_toets_takes_the_enrolments_of_its_test_only(tp: TP) -> None:
    rekenen = dr_enrols(tp)  # its toets names the test of zitting_offering()
    other_test = new_id()
    planner = tp.peer(ClientRole.planner)
    body = {"taPeer": tp.configure_ta("ta-x"), "offering": zitting_offering(component=other_test)}
    response = planner.post_planning(
        "/zittingen", body | {"participants": [{"toetsinschrijvingId": rekenen.enrolment}]}
    )
    refused = problem_of(response, 409)["detail"]
    assert rekenen.enrolment in refused and rekenen.toets in refused and other_test in refused
    assert plan(tp, [{"toetsinschrijvingId": rekenen.enrolment}]).status_code == 201  # a session of its test


def test_a_student_planned_by_person_in_a_session_of_their_toets_is_planned_for_their_toetsinschrijving(
    tp: TP,
) -> None:
    """A group's member (flow 1b) with a Toetsinschrijving for the session's planbare toets was planned ad hoc: past
    DR's attempt policy, and with results DR never got. Ad hoc is for students without one (PDF 3.1.2): the member
    is planned for it, under the attempt policy; in a session of no planbare toets, the student stays ad hoc."""
    once = dr_enrols(tp, attempt_left=0)
    member = {"personId": once.student, "person": person(once.student)}  # as a group's member is planned
    first = plan_toets(tp, once.toets, [member])
    assert first.status_code == 201, first.text
    assert first.json()["deelnames"][0]["attempt"] == 1
    again = problem_of(plan_toets(tp, once.toets, [member]), 409)["detail"]
    assert once.enrolment in again and once.student in again and "attempt 1 is already planned" in again
    with tp.session_factory() as session:
        rows = session.scalars(select(Deelname).where(Deelname.person_id == once.student)).all()
        assert [(row.toetsinschrijving_id, row.attempt) for row in rows] == [(once.enrolment, 1)]

    ad_hoc = plan(tp, [member]).json()["deelnames"][0]  # no planbare toets: TP cannot tell which toets it is
    assert ad_hoc["attempt"] is None
    coordinator = {"personId": once.student, "role": "coordinator", "person": person(once.student, student=False)}
    assert plan_toets(tp, once.toets, [coordinator]).json()["deelnames"][0]["attempt"] is None  # staff: no enrolment


def test_a_student_with_two_toetsinschrijvingen_for_the_toets_is_planned_by_one(tp: TP) -> None:
    first, second = dr_enrols(tp), new_id()
    granted = {  # DR granted an attempt as a second Toetsinschrijving (docs/planning.md)
        "associationId": second,
        "associationType": "componentOfferingAssociation",
        "role": "student",
        "state": "associated",
        "person": first.student,
        "offering": first.toets,
        "consumers": [{"consumerKey": "nl-test-admin", "attempt": 2, "attemptLeft": 0}],
    }
    assert tp.peer(ClientRole.dr).put(f"/associations/{second}", granted).status_code == 201
    refused = problem_of(plan_toets(tp, first.toets, [{"personId": first.student}]), 409)["detail"]
    assert first.enrolment in refused and second in refused and "toetsinschrijvingId" in refused


def test_a_participation_ta_reported_on_is_not_moved(tp: TP) -> None:
    ta, deelname = ta_with_student(tp)
    result = {"state": "in progress", "resultDate": "2026-12-01", "weight": 100}
    attendance = [{"consumerKey": "nl-test-admin", "attendance": "present"}]
    body = {"associationType": "componentOfferingAssociation", "result": {**result, "consumers": attendance}}
    assert ta.patch(f"/associations/{deelname}", body).status_code == 200
    other = tp.plan("ta-x", students=0)["zittingId"]
    assert "extra attempt" in problem_of(move(tp, deelname, other), 409)["detail"]


def test_staff_planned_with_their_person_move_with_it_again(tp: TP) -> None:
    coordinator = new_id()
    staff = {"personId": coordinator, "role": "coordinator", "person": person(coordinator, student=False)}
    planned = plan(tp, [staff]).json()
    other = plan(tp, []).json()["zittingId"]
    deelname = planned["deelnames"][0]["deelnameId"]
    assert pointers(problem_of(move(tp, deelname, other), 400)) == ["/person"]
    moved = move(tp, deelname, other, person=person(coordinator, student=False))
    assert moved.status_code == 201, moved.text
    assert moved.json()["role"] == "coordinator"


def test_one_call_does_not_plan_the_same_attempt_twice(tp: TP) -> None:
    _, enrolment = dr_sends_a_student_with_extra_time(tp)
    twice = [{"toetsinschrijvingId": enrolment}, {"toetsinschrijvingId": enrolment}]
    assert "/participants/1" in problem_of(plan(tp, twice), 409)["detail"]


def test_a_lone_surrogate_or_a_nul_in_a_planning_body_is_400_not_500(tp: TP) -> None:
    # Found by tests/e2e/test_fuzz_writes.py: FastAPI's JSON parser took `"\ud800"`, and the database
    # could not encode it (500); a NUL breaks PostgreSQL's JSONB the same way.
    planner = tp.peer(ClientRole.planner)
    headers = {**planner.headers, "content-type": "application/json"}
    for content in (b'{"taPeer": "\\ud800", "offering": {}}', b'{"taPeer": "x", "offering": {"name": "a\\u0000"}}'):
        response = planner.http.post("/planning/zittingen", content=content, headers=headers)
        problem_of(response, 400)
    assert planner.get_planning("/results").json() == {"items": [], "next": None}


def test_a_number_beyond_64_bits_in_a_planning_body_is_kept_as_json_can_not_500(tp: TP) -> None:
    # Found by tests/e2e/test_fuzz_writes.py: FastAPI's own JSON parser kept 2**67 as a Python int, which
    # the database's JSON encoder (orjson) cannot write: 500. The body is now parsed once, as every other.
    planner = tp.peer(ClientRole.planner)
    headers = {**planner.headers, "content-type": "application/json"}
    offering = zitting_offering(consumers=[{"consumerKey": "x-vendor", "seats": 2**67}])
    content = json.dumps({"taPeer": tp.configure_ta("ta-x"), "offering": offering, "participants": []})
    response = planner.http.post("/planning/zittingen", content=content, headers=headers)
    assert response.status_code in (201, 400), response.text
