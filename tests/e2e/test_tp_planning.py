"""Planning at TP puts flow 2 in the outbox: the Zitting first, then a Deelname per participant with
the Person embedded and the student's needs for this test (spec reference flow 2; PDF Tabel 4.3.A)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from oke.auth.caller import ClientRole
from oke.store.tables.outbox import OutboxMessage
from oke.store.tables.toetsplanning import Deelname
from tests.api_client import TP, new_id, person, pointers, problem_of, zitting_offering


def outbox_of(tp: TP, zitting_id: str) -> list[OutboxMessage]:
    with tp.session_factory() as session:
        query = select(OutboxMessage).where(OutboxMessage.key == zitting_id).order_by(OutboxMessage.id)
        return list(session.scalars(query))


def dr_sends_a_student_with_extra_time(tp: TP) -> tuple[str, str]:
    """Flow 1: a person with an assigned need, a planbare toets and the Toetsinschrijving; returns their ids."""
    dr = tp.peer(ClientRole.dr)
    student, toets, enrolment = new_id(), new_id(), new_id()
    needs = [{"code": "ExtraTimeOnlyMath25%", "description": [{"language": "nl-NL", "value": "25% extra"}]}]
    body = person(student, student=True)
    body["consumers"][0]["assignedNeeds"] = needs
    assert dr.put(f"/persons/{student}", body).status_code == 201
    offering = zitting_offering(resultExpected=True, resultValueType="0.0-10.0", offeringId=toets)
    assert dr.put(f"/offerings/{toets}", offering).status_code == 201
    enrolment_body = {
        "associationId": enrolment,
        "associationType": "componentOfferingAssociation",
        "role": "student",
        "state": "associated",
        "person": student,
        "offering": toets,
        "consumers": [{"consumerKey": "nl-test-admin", "attempt": 2, "attemptLeft": 1}],
    }
    assert dr.put(f"/associations/{enrolment}", enrolment_body).status_code == 201
    return student, enrolment


def plan(tp: TP, participants: list[dict[str, Any]], ta_peer: str | None = None) -> Any:
    planner = tp.peer(ClientRole.planner)
    body = {
        "taPeer": ta_peer or tp.configure_ta("ta-x"),
        "offering": zitting_offering(),  # "Rekenen 2F", PT40M
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


def test_an_unknown_ta_is_400(tp: TP) -> None:
    problem = problem_of(plan(tp, [], ta_peer="nowhere"), 400)
    assert pointers(problem) == ["/taPeer"]


def test_a_student_without_person_data_is_400(tp: TP) -> None:
    problem = problem_of(plan(tp, [{"personId": new_id()}]), 400)
    assert pointers(problem) == ["/participants/0/person"]


def test_cancelling_a_participation_and_a_session_goes_to_ta(tp: TP) -> None:
    planned = tp.plan("ta-x", students=2)
    zitting = planned["zittingId"]
    first = planned["deelnames"][0]["deelnameId"]
    planner = tp.peer(ClientRole.planner)
    assert planner.post_planning(f"/deelnames/{first}/cancel").status_code == 204
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
