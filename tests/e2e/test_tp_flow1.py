"""Flow 1 push at TP: DR sends its planbare toetsen, Toetsinschrijvingen, persons and their context.

Rules checked, with their sources:
- `PUT /offerings|/associations|/persons/{id}` creates (201) or replaces (200); `PATCH` sends the changed
  fields plus the discriminator and merges; an unknown id is an error: PDF §3.1.2.1, §3.1.4 (Tabel 3.1.1),
  ch. 4 (PATCH).
- A PUT body id that differs from the path may be rejected: PDF 5.2.
- Cancelling a Toetsinschrijving (`state: canceled`) removes the person data TP no longer needs;
  cancelling a planbare toets (`offeringState: canceled`) also cancels its enrolments: PDF §3.1.2.1,
  §3.1.4.
- TP then cancels the enrolment's Deelnames at TA (PATCH TA /associations/D1), once, and results that arrive
  later are still accepted: docs/planning.md ("When DR cancels"). One TA reported on is a taken attempt and stays.
- A cancelled planbare toets's sessions that no student is left in are cancelled at TA (PDF 3.2.2, "Zitting
  verwijderen"), after their Deelnames and once; one with a taken attempt or another student is kept and noted:
  docs/planning.md ("When DR cancels").
- TP does not take DR's optional group push (PUT /groups/{id}, PUT /groups/{id}/members/{personId}, PDF 3.1.2.2):
  a 405 (PDF 5.2) saying it reads groups by pull: docs/vendors.md.
- Program offerings and program enrolments are flow 1 context: PDF §3.1.4; docs/standard.md.
- Paging: `pageSize` one of 10/20/50/100/250, `pageNumber` ≥ 1: Tabel 5.0.C, the YAML's Pagination.yaml.
- Only DR pushes flow 1; Zitting ids belong to TP (Tabel 4.0.F), scopes of PDF ch. 5.
- What TP needs later is required at intake, with a 400 naming the field: a planbare toets's `resultExpected`
  (Tabel 4.2.A), a student's `preferredName` and `idCheckName` (Tabel 4.10.A), a student's Toetsinschrijving's
  nl-test-admin block (Tabel 4.3.A; `attempt` is optional there and taken as 1). A Person TA would refuse in
  flow 2 is refused too: `activeEnrollment` always true, the nl-test-admin fields in their block, `idCheckName`
  as on the ID (Tabel 4.10.A). When DR turns `resultExpected` on, the results TA already gave go to DR
  (docs/planning.md, "What a flow 1 document must carry").
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from oke.auth.caller import ClientRole
from oke.store.tables.messages import ReceivedMessage
from oke.store.tables.outbox import OutboxMessage
from oke.store.tables.toetsplanning import Deelname
from tests import api_client
from tests.api_client import (
    TP,
    Peer,
    dr_enrols,
    dr_person,
    dr_sends_toets,
    new_id,
    pointers,
    problem_of,
    ta_with_student,
    zitting_offering,
)
from tests.e2e.test_tp_flow5 import attendance, planned, reports, score, to_dr

NAME = [{"language": "nl-NL", "value": "Rekenen 2F"}]


def planbare_toets(offering_id: str, **overrides: Any) -> dict[str, Any]:
    """A ComponentOffering as DR plans it (PDF figure 3.1.13)."""
    return {
        "offeringId": offering_id,
        "offeringType": "component",
        "primaryCode": {"codeType": "offeringCode", "code": "REK-2F-2026-P2"},
        "name": NAME,
        "description": [{"language": "nl-NL", "value": "Rekenen 2F, periode 2"}],
        "teachingLanguage": "nld",
        "resultExpected": True,
        "resultValueType": "0.0-10.0",
        "startDateTime": "2026-11-01T08:00:00+01:00",
        "endDateTime": "2026-12-20T17:00:00+01:00",
        "component": new_id(),
        "consumers": [{"consumerKey": "nl-test-admin", "finalResultsAllowed": False}],
        **overrides,
    }


def toetsinschrijving(association_id: str, person_id: str, offering_id: str, **consumer: Any) -> dict[str, Any]:
    """A ComponentOfferingAssociation as DR enrols a student (PDF figure 3.1.9)."""
    return {
        "associationId": association_id,
        "associationType": "componentOfferingAssociation",
        "role": "student",
        "state": "associated",
        "consumers": [{"consumerKey": "nl-test-admin", "attempt": 1, "attemptLeft": 1, **consumer}],
        "person": person_id,
        "offering": offering_id,
    }


def person(person_id: str) -> dict[str, Any]:
    """A student as DR sends it (PDF figure 3.1.12)."""
    return {
        "personId": person_id,
        "primaryCode": {"codeType": "studentNumber", "code": "s1234567"},
        "givenName": "Jacob",
        "surnamePrefix": "van der",
        "surname": "Graaf",
        "displayName": "Graaf, Jacob van der",
        "activeEnrollment": True,
        "affiliations": ["student"],
        "mail": "s1234567@student.example.nl",
        "consumers": [{"consumerKey": "nl-test-admin", "preferredName": "Jaap", "idCheckName": "Graaf, Jacob van der"}],
    }


def put(dr: Peer, path: str, body: dict[str, Any], status: int = 201) -> None:
    response = dr.put(path, body)
    assert response.status_code == status, response.text


def enrolled(dr: Peer) -> tuple[str, str, str]:
    """A planbare toets with one enrolled student: (offering id, person id, association id)."""
    offering, student, enrolment = new_id(), new_id(), new_id()
    put(dr, f"/offerings/{offering}", planbare_toets(offering))
    put(dr, f"/persons/{student}", person(student))
    put(dr, f"/associations/{enrolment}", toetsinschrijving(enrolment, student, offering))
    return offering, student, enrolment


CANCEL_ENROLMENT = {"associationType": "componentOfferingAssociation", "state": "canceled"}
CANCEL_OFFERING = {
    "offeringType": "component",
    "consumers": [{"consumerKey": "nl-test-admin", "offeringState": "canceled"}],
}


def test_put_of_a_planbare_toets_creates_then_replaces(tp: TP) -> None:
    dr = tp.peer(ClientRole.dr)
    offering = new_id()

    put(dr, f"/offerings/{offering}", planbare_toets(offering), 201)
    replacement = planbare_toets(
        offering, resultValueType="pass-or-fail", name=[{"language": "nl-NL", "value": "Nieuw"}]
    )
    put(dr, f"/offerings/{offering}", replacement, 200)

    assert dr.get(f"/offerings/{offering}").json() == replacement


def test_put_of_a_person_creates_then_replaces(tp: TP) -> None:
    dr = tp.peer(ClientRole.dr)
    student = new_id()

    put(dr, f"/persons/{student}", person(student), 201)
    put(dr, f"/persons/{student}", {**person(student), "givenName": "Jacobus"}, 200)

    row = dr_person(tp, student)
    assert row is not None and row.data is not None
    assert row.data["givenName"] == "Jacobus"


def test_one_assigned_need_as_an_object_is_read_as_a_list_of_one(tp: TP) -> None:
    """The standard's own person example gives `assignedNeeds` as one object: TP is liberal in
    (docs/standard.md), keeps it as the list it is, and says so in the history."""
    student = new_id()
    need = {"code": "ExtraTimeOnlyMath25%", "description": [{"language": "nl-NL", "value": "25% extra tijd"}]}
    body = person(student)
    body["consumers"][0]["assignedNeeds"] = need
    put(tp.peer(ClientRole.dr), f"/persons/{student}", body, 201)
    row = dr_person(tp, student)
    assert row is not None and row.data is not None
    assert row.data["consumers"][0]["assignedNeeds"] == [need]
    [received] = tp.history(student, flow="1")
    assert received.notes == ["/consumers/0/assignedNeeds: one need given as an object; read as a list of one"]


def test_put_of_a_toetsinschrijving_creates_it(tp: TP) -> None:
    dr = tp.peer(ClientRole.dr)
    offering, student, enrolment = enrolled(dr)

    assert dr.get(f"/associations/{enrolment}").json() == toetsinschrijving(enrolment, student, offering)


def test_patch_of_a_toetsinschrijving_merges(tp: TP) -> None:
    dr = tp.peer(ClientRole.dr)
    _, _, enrolment = enrolled(dr)
    change = {
        "associationType": "componentOfferingAssociation",
        "consumers": [{"consumerKey": "nl-test-admin", "attemptLeft": 0}],
    }

    response = dr.patch(f"/associations/{enrolment}", change)

    assert response.status_code == 200, response.text
    read = dr.get(f"/associations/{enrolment}").json()
    assert read["consumers"] == [{"consumerKey": "nl-test-admin", "attempt": 1, "attemptLeft": 0}]
    assert read["state"] == "associated"


def test_cancelling_the_only_enrolment_removes_the_person_data(tp: TP) -> None:
    dr = tp.peer(ClientRole.dr)
    _, student, enrolment = enrolled(dr)

    response = dr.patch(f"/associations/{enrolment}", {**CANCEL_ENROLMENT, "role": "ignored"})

    assert response.status_code == 200, response.text
    assert dr.get(f"/associations/{enrolment}").json()["state"] == "canceled"
    row = dr_person(tp, student)
    assert row is not None  # the id stays: results may still arrive for it
    assert row.data is None and row.removed_at is not None


def test_cancelling_one_of_two_enrolments_keeps_the_person_data(tp: TP) -> None:
    dr = tp.peer(ClientRole.dr)
    offering, student, enrolment = enrolled(dr)
    second = new_id()
    put(dr, f"/associations/{second}", toetsinschrijving(second, student, offering, attempt=2, attemptLeft=0))

    assert dr.patch(f"/associations/{enrolment}", CANCEL_ENROLMENT).status_code == 200

    row = dr_person(tp, student)
    assert row is not None and row.data == person(student)


def test_cancelling_the_planbare_toets_cancels_its_enrolments(tp: TP) -> None:
    dr = tp.peer(ClientRole.dr)
    offering, _, enrolment = enrolled(dr)

    response = dr.patch(f"/offerings/{offering}", CANCEL_OFFERING)

    assert response.status_code == 200, response.text
    assert dr.get(f"/associations/{enrolment}").json()["state"] == "canceled"
    listed = dr.get(f"/offerings/{offering}/associations", state="canceled").json()
    assert [a["associationId"] for a in listed["items"]] == [enrolment]


def test_cancelling_the_planbare_toets_removes_the_person_data(tp: TP) -> None:
    # The enrolments must be cancelled in the database before TP asks whether the person has others.
    dr = tp.peer(ClientRole.dr)
    offering, student, _ = enrolled(dr)

    assert dr.patch(f"/offerings/{offering}", CANCEL_OFFERING).status_code == 200

    row = dr_person(tp, student)
    assert row is not None and row.data is None


def cancels_to_ta(tp: TP) -> list[tuple[str, str, Any]]:
    """The flow 2 cancellations of Deelnames queued for the test's school: (TA, path, body), oldest first."""
    with tp.session_factory() as session:
        query = select(OutboxMessage).where(
            OutboxMessage.tenant == tp.tenant, OutboxMessage.kind == "flow2.cancel", OutboxMessage.method == "PATCH"
        )
        return [(m.peer, m.path, m.body) for m in session.scalars(query.order_by(OutboxMessage.id))]


def deelname_state(tp: TP, deelname: str) -> tuple[str, str]:
    """TP's state of a Deelname: its column and its document's."""
    with tp.session_factory() as session:
        row = session.get(Deelname, deelname)
        assert row is not None
        return row.state, row.data["state"]


def cancelled_by_dr(tp: TP) -> list[ReceivedMessage]:
    """The history rows of Deelnames that DR's flow 1 changed in the test's school, oldest first."""
    with tp.session_factory() as session:
        query = select(ReceivedMessage).where(
            ReceivedMessage.tenant == tp.tenant,
            ReceivedMessage.object_type == "deelname",
            ReceivedMessage.flow == "1",
        )
        return list(session.scalars(query.order_by(ReceivedMessage.id)))


def test_cancelling_a_planned_toetsinschrijving_cancels_its_deelname_at_ta_once(tp: TP) -> None:
    tp.configure_dr()
    enrolment = dr_enrols(tp)
    deelname = planned(tp, enrolment)
    dr = tp.peer(ClientRole.dr)

    assert dr.patch(f"/associations/{enrolment.enrolment}", CANCEL_ENROLMENT).status_code == 200
    assert dr.patch(f"/associations/{enrolment.enrolment}", CANCEL_ENROLMENT).status_code == 200  # DR repeats it

    cancel = {"associationType": "componentOfferingAssociation", "state": "canceled"}
    assert cancels_to_ta(tp) == [(tp.peer_name("ta-x"), f"/associations/{deelname}", cancel)]
    assert deelname_state(tp, deelname) == ("canceled", "canceled")
    [row] = cancelled_by_dr(tp)
    assert (row.object_id, row.flow, row.method, row.path) == (
        deelname,
        "1",
        "PATCH",
        f"/ooapi/associations/{enrolment.enrolment}",
    )
    assert row.notes == [f"cancelled at TA: DR cancelled Toetsinschrijving {enrolment.enrolment}"]
    # TA's result may still come, and still goes to DR
    reports(tp.peer(ClientRole.ta, peer="ta-x"), deelname, score("8.0"))
    assert "received while the participation is canceled" in tp.history(deelname, flow="3")[0].notes
    assert [m.path for m in to_dr(tp)] == [f"/associations/{enrolment.enrolment}"]


def test_a_deelname_ta_reported_on_stays_when_dr_cancels_and_its_retake_is_cancelled(tp: TP) -> None:
    tp.configure_dr()
    enrolment = dr_enrols(tp)
    taken = planned(tp, enrolment)
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    reports(ta, taken, attendance())
    retake = planned(tp, enrolment, extra=True)

    cancelled = tp.peer(ClientRole.dr).patch(f"/associations/{enrolment.enrolment}", CANCEL_ENROLMENT)

    assert cancelled.status_code == 200, cancelled.text
    assert [path for _ta, path, _body in cancels_to_ta(tp)] == [f"/associations/{retake}"]
    assert deelname_state(tp, taken) == ("associated", "associated")
    reports(ta, taken, score("7.0"))  # the attempt taken still reaches DR
    assert [m.body["result"]["state"] for m in to_dr(tp)] == ["in progress", "completed"]


def test_cancelling_a_toetsinschrijving_not_planned_sends_nothing_to_ta(tp: TP) -> None:
    tp.configure_ta("ta-x")
    enrolment = dr_enrols(tp)
    assert tp.peer(ClientRole.dr).patch(f"/associations/{enrolment.enrolment}", CANCEL_ENROLMENT).status_code == 200
    assert cancels_to_ta(tp) == [] and cancelled_by_dr(tp) == []
    assert len(tp.history(enrolment.enrolment)) == 2  # DR's PUT and its cancel


def test_cancelling_a_planbare_toets_cancels_the_deelnames_of_its_enrolments_at_ta(tp: TP) -> None:
    toets = dr_sends_toets(tp)
    first, second, elsewhere = dr_enrols(tp, toets), dr_enrols(tp, toets), dr_enrols(tp)
    cancelled, taken, kept = planned(tp, first), planned(tp, second), planned(tp, elsewhere)
    reports(tp.peer(ClientRole.ta, peer="ta-x"), taken, attendance())

    assert tp.peer(ClientRole.dr).patch(f"/offerings/{toets}", CANCEL_OFFERING).status_code == 200

    assert [path for _ta, path, _body in cancels_to_ta(tp) if "/associations/" in path] == [
        f"/associations/{cancelled}"
    ]
    assert [deelname_state(tp, d)[0] for d in (cancelled, taken, kept)] == ["canceled", "associated", "associated"]
    [row] = cancelled_by_dr(tp)
    assert row.path == f"/ooapi/offerings/{toets}"
    assert row.notes == [
        f"cancelled at TA: DR cancelled Toetsinschrijving {first.enrolment} with its planbare toets {toets}"
    ]


def session_of(tp: TP, toets: str, participants: list[dict[str, Any]]) -> dict[str, Any]:
    """A Zitting of planbare toets `toets` at TA ta-x: what the planning API answers."""
    body = {
        "taPeer": tp.configure_ta("ta-x"),
        "planbareToetsId": toets,
        "offering": zitting_offering(),
        "participants": participants,
    }
    response = tp.peer(ClientRole.planner).post_planning("/zittingen", body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def session_calls(tp: TP, zitting: str) -> list[tuple[str, str]]:
    """The flow 2 calls queued for one session, in its order: (method, path)."""
    with tp.session_factory() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind.startswith("flow2"), OutboxMessage.key == zitting)
        return [(m.method, m.path) for m in session.scalars(query.order_by(OutboxMessage.id))]


def session_states(tp: TP, zitting: str) -> tuple[str, list[str]]:
    """The session's state and its Deelnames', as a planner reads them."""
    detail = tp.peer(ClientRole.planner).get_planning(f"/zittingen/{zitting}").json()
    return detail["state"], [d["state"] for d in detail["deelnames"]]


def cancelled_toets(dr: Peer, toets: str) -> dict[str, Any]:
    """The planbare toets as DR sends it whole once it cancelled it."""
    document = dr.get(f"/offerings/{toets}").json()
    return {**document, "consumers": [{"consumerKey": "nl-test-admin", "offeringState": "canceled"}]}


def test_a_session_of_a_cancelled_toets_no_student_is_left_in_is_cancelled_at_ta_once(tp: TP) -> None:
    toets = dr_sends_toets(tp)
    first, second = dr_enrols(tp, toets), dr_enrols(tp, toets)
    staff = new_id()
    coordinator = {"personId": staff, "role": "coordinator", "person": api_client.person(staff, student=False)}
    answer = session_of(tp, toets, [{"toetsinschrijvingId": e.enrolment} for e in (first, second)] + [coordinator])
    zitting = answer["zittingId"]
    students = [f"/associations/{d['deelnameId']}" for d in answer["deelnames"][:2]]
    dr = tp.peer(ClientRole.dr)

    assert dr.patch(f"/offerings/{toets}", CANCEL_OFFERING).status_code == 200
    sent = session_calls(tp, zitting)
    assert dr.patch(f"/offerings/{toets}", CANCEL_OFFERING).status_code == 200  # DR repeats its cancel
    assert dr.put(f"/offerings/{toets}", cancelled_toets(dr, toets)).status_code == 200  # or sends it whole

    assert session_calls(tp, zitting) == sent  # nothing new
    assert sorted(path for _method, path in sent[-3:-1]) == sorted(students)  # the students' first
    assert sent[-1] == ("PATCH", f"/offerings/{zitting}")  # then the session, in its order
    with tp.session_factory() as session:
        query = select(OutboxMessage).where(OutboxMessage.key == zitting, OutboxMessage.method == "PATCH")
        query = query.where(OutboxMessage.path == sent[-1][1])
        assert [m.body for m in session.scalars(query)] == [CANCEL_OFFERING]
    assert session_states(tp, zitting) == ("canceled", ["canceled"] * 3)  # the coordinator with it
    [row] = tp.history(zitting, flow="1")
    assert (row.method, row.path) == ("PATCH", f"/ooapi/offerings/{toets}")
    assert row.notes == [f"cancelled at TA: DR cancelled planbare toets {toets}, no student is left in it"]


def test_a_session_of_a_cancelled_toets_keeps_a_taken_attempt_and_a_student_of_no_enrolment(tp: TP) -> None:
    toets = dr_sends_toets(tp)
    taken, other = dr_enrols(tp, toets), dr_enrols(tp, toets)
    sat = session_of(tp, toets, [{"toetsinschrijvingId": taken.enrolment}])
    reports(tp.peer(ClientRole.ta, peer="ta-x"), sat["deelnames"][0]["deelnameId"], attendance())
    ad_hoc = new_id()
    mixed = session_of(
        tp, toets, [{"toetsinschrijvingId": other.enrolment}, {"personId": ad_hoc, "person": api_client.person(ad_hoc)}]
    )
    dr = tp.peer(ClientRole.dr)

    assert dr.put(f"/offerings/{toets}", cancelled_toets(dr, toets)).status_code == 200
    assert dr.put(f"/offerings/{toets}", cancelled_toets(dr, toets)).status_code == 200  # DR repeats it

    cancelled = f"/associations/{mixed['deelnames'][0]['deelnameId']}"
    assert [call for call in session_calls(tp, mixed["zittingId"]) if call[0] == "PATCH"] == [("PATCH", cancelled)]
    assert [call for call in session_calls(tp, sat["zittingId"]) if call[0] == "PATCH"] == []
    assert session_states(tp, sat["zittingId"]) == ("active", ["associated"])
    assert session_states(tp, mixed["zittingId"]) == ("active", ["canceled", "associated"])
    for kept, left in ((sat, "TA reported on 1 participation(s)"), (mixed, "1 student(s) still planned")):
        [row] = tp.history(kept["zittingId"], flow="1")
        assert (row.method, row.path) == ("PUT", f"/ooapi/offerings/{toets}")
        assert row.notes == [
            f"kept: DR cancelled planbare toets {toets}, but {left} in it; cancelling it is the planner's call "
            f"(POST /planning/zittingen/{kept['zittingId']}/cancel)"
        ]


def test_a_group_dr_pushes_is_a_405_saying_tp_reads_groups_by_pull(tp: TP) -> None:
    dr = tp.peer(ClientRole.dr)
    group, member = new_id(), new_id()
    pushed = {
        f"/groups/{group}": {
            "groupId": group,
            "primaryCode": {"codeType": "groupCode", "code": "RE-2F-A"},
            "groupType": "learning group",
            "name": [{"language": "nl-NL", "value": "Rekenen 2F groep A"}],
        },
        f"/groups/{group}/members/{member}": {"personId": member, "role": "student", "state": "active"},
    }
    for path, body in pushed.items():
        response = dr.put(path, body)
        problem = problem_of(response, 405)
        assert response.headers["allow"] == ""  # no method: TP does not take groups at all
        assert "PDF 3.1.2.2" in problem["detail"] and "GET /groups/{groupId}/members" in problem["detail"]
        assert problem_of(dr.get(path), 405)["detail"] == problem["detail"]
    problem_of(tp.peer(ClientRole.ta, peer="ta-x").put(f"/groups/{group}", pushed[f"/groups/{group}"]), 403)


def test_patch_of_an_unknown_id_is_404(tp: TP) -> None:
    dr = tp.peer(ClientRole.dr)

    problem_of(dr.patch(f"/associations/{new_id()}", CANCEL_ENROLMENT), 404)
    problem_of(dr.patch(f"/offerings/{new_id()}", CANCEL_OFFERING), 404)


def test_put_with_another_id_in_the_body_is_400(tp: TP) -> None:
    dr = tp.peer(ClientRole.dr)
    offering = new_id()

    problem = problem_of(dr.put(f"/offerings/{offering}", planbare_toets(new_id())), 400)

    assert pointers(problem) == ["/offeringId"]
    problem_of(dr.get(f"/offerings/{offering}"), 404)


def test_patch_with_the_wrong_discriminator_is_400(tp: TP) -> None:
    dr = tp.peer(ClientRole.dr)
    offering, _, _ = enrolled(dr)
    before = dr.get(f"/offerings/{offering}").json()

    problem = problem_of(dr.patch(f"/offerings/{offering}", {"offeringType": "program", "name": NAME}), 400)

    assert pointers(problem) == ["/offeringType"]
    assert dr.get(f"/offerings/{offering}").json() == before


def test_program_offering_and_program_enrolment_are_accepted(tp: TP) -> None:
    dr = tp.peer(ClientRole.dr)
    opleiding, inschrijving, student, offering, enrolment = (new_id() for _ in range(5))
    program_offering = {
        "offeringId": opleiding,
        "offeringType": "program",
        "primaryCode": {"codeType": "offeringCode", "code": "25651-BOL-2026"},
        "name": [{"language": "nl-NL", "value": "Software Developer BOL"}],
        "description": [{"language": "nl-NL", "value": "crebo 25651, cohort 26-27"}],
        "teachingLanguage": "nld",
        "resultExpected": False,
        "startDate": "2026-09-01",
        "endDate": "2029-07-31",
        "program": new_id(),
        "consumers": [{"consumerKey": "nl-test-admin", "cohort": "2026-2027", "location": "Utrecht"}],
    }
    program_enrolment = {
        "associationId": inschrijving,
        "associationType": "programOfferingAssociation",
        "role": "student",
        "state": "associated",
        "consumers": [{"consumerKey": "nl-test-admin", "startDate": "2026-09-01", "expectedEndDate": "2029-07-31"}],
        "person": student,
        "offering": opleiding,
    }

    put(dr, f"/offerings/{opleiding}", program_offering)
    put(dr, f"/associations/{inschrijving}", program_enrolment)
    put(dr, f"/offerings/{offering}", planbare_toets(offering))
    put(
        dr,
        f"/associations/{enrolment}",
        toetsinschrijving(enrolment, student, offering, programOfferingAssociationId=inschrijving),
    )

    assert dr.get(f"/offerings/{opleiding}").json() == program_offering
    assert dr.get(f"/associations/{inschrijving}").json() == program_enrolment
    consumers = dr.get(f"/associations/{enrolment}").json()["consumers"]
    assert consumers[0]["programOfferingAssociationId"] == inschrijving


def enrolments_on_one_offering(dr: Peer, count: int) -> tuple[str, set[str]]:
    offering = new_id()
    put(dr, f"/offerings/{offering}", planbare_toets(offering))
    enrolments = {new_id() for _ in range(count)}
    for enrolment in enrolments:
        put(dr, f"/associations/{enrolment}", toetsinschrijving(enrolment, new_id(), offering))
    return offering, enrolments


def assert_three_pages_of_25(pages: list[Any], enrolments: set[str]) -> None:
    assert [page.status_code for page in pages] == [200, 200, 200], pages[0].text
    first, second, third = (page.json() for page in pages)
    assert {k: v for k, v in second.items() if k != "items"} == {
        "pageSize": 10,
        "pageNumber": 2,
        "hasPreviousPage": True,
        "hasNextPage": True,
        "totalPages": 3,
    }
    assert (first["hasPreviousPage"], first["hasNextPage"]) == (False, True)
    assert (third["hasPreviousPage"], third["hasNextPage"]) == (True, False)
    assert [len(page["items"]) for page in (first, second, third)] == [10, 10, 5]
    assert {item["associationId"] for page in (first, second, third) for item in page["items"]} == enrolments


def test_the_enrolments_of_an_offering_come_in_pages_of_the_default_size(tp: TP) -> None:
    dr = tp.peer(ClientRole.dr)
    offering, enrolments = enrolments_on_one_offering(dr, 25)

    pages = [dr.get(f"/offerings/{offering}/associations", pageNumber=n) for n in (1, 2, 3)]

    assert_three_pages_of_25(pages, enrolments)


def test_the_enrolments_of_an_offering_come_in_pages_of_the_asked_size(tp: TP) -> None:
    # pageSize arrives as the text "10": it must be read as the number before it is checked.
    dr = tp.peer(ClientRole.dr)
    offering, enrolments = enrolments_on_one_offering(dr, 25)

    pages = [dr.get(f"/offerings/{offering}/associations", pageSize=10, pageNumber=n) for n in (1, 2, 3)]

    assert_three_pages_of_25(pages, enrolments)


def test_a_page_size_outside_the_enum_is_400(tp: TP) -> None:
    dr = tp.peer(ClientRole.dr)
    offering, _, _ = enrolled(dr)

    problem = problem_of(dr.get(f"/offerings/{offering}/associations", pageSize=7), 400)

    assert any(p.endswith("/pageSize") for p in pointers(problem))


def test_dr_cannot_change_a_zitting_by_its_id(tp: TP) -> None:
    ta, _ = ta_with_student(tp)
    zitting = tp.plan("ta-x", students=1)["zittingId"]
    planned = ta.get(f"/offerings/{zitting}").json()
    dr = tp.peer(ClientRole.dr)

    dr.put(f"/offerings/{zitting}", planbare_toets(zitting, name=[{"language": "nl-NL", "value": "Overschreven"}]))
    dr.patch(f"/offerings/{zitting}", CANCEL_OFFERING)

    assert ta.get(f"/offerings/{zitting}").json() == planned


def test_dr_cannot_put_an_offering_with_the_id_of_a_zitting(tp: TP) -> None:
    # Zitting ids are TP's (Tabel 4.0.F): DR must not get a planbare toets of its own under one.
    zitting = tp.plan("ta-x", students=1)["zittingId"]
    dr = tp.peer(ClientRole.dr)

    response = dr.put(f"/offerings/{zitting}", planbare_toets(zitting))

    assert response.status_code in (400, 403, 409), response.status_code


def test_a_ta_cannot_put_offerings(tp: TP) -> None:
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    offering = new_id()

    problem_of(ta.put(f"/offerings/{offering}", planbare_toets(offering)), 403)
    problem_of(ta.put(f"/associations/{offering}", toetsinschrijving(offering, new_id(), new_id())), 403)


def test_a_planbare_toets_without_result_expected_is_400(tp: TP) -> None:
    # Without it TP never forwarded the toets's results to DR, nor held or listed them.
    dr = tp.peer(ClientRole.dr)
    offering = new_id()
    body = planbare_toets(offering)
    del body["resultExpected"]

    assert pointers(problem_of(dr.put(f"/offerings/{offering}", body), 400)) == ["/resultExpected"]
    problem_of(dr.get(f"/offerings/{offering}"), 404)
    put(dr, f"/offerings/{offering}", planbare_toets(offering))
    removal = {"offeringType": "component", "resultExpected": None}
    assert pointers(problem_of(dr.patch(f"/offerings/{offering}", removal), 400)) == ["/resultExpected"]


def test_results_given_before_dr_expects_them_go_to_dr_once_it_does(tp: TP) -> None:
    tp.configure_dr()
    enrolment = dr_enrols(tp, result_expected=False)
    deelname = planned(tp, enrolment)
    reports(tp.peer(ClientRole.ta, peer="ta-x"), deelname, score("8.0"))
    assert to_dr(tp) == []
    expects_none = f"not sent to DR: DR's planbare toets {enrolment.toets} expects no result (resultExpected false)"
    assert [row.notes for row in tp.history(deelname, flow="3")] == [[expects_none]]

    expects = {"offeringType": "component", "resultExpected": True}
    assert tp.peer(ClientRole.dr).patch(f"/offerings/{enrolment.toets}", expects).status_code == 200

    [sent] = to_dr(tp)
    assert sent.path == f"/associations/{enrolment.enrolment}"
    assert sent.body["result"]["score"] == "8.0"
    assert [row.notes for row in tp.history(deelname, flow="1")] == [
        [f"DR now expects results of planbare toets {enrolment.toets}: queued for DR {sent.peer} as attempt 1"]
    ]


def test_a_student_without_preferred_name_or_id_check_name_is_400(tp: TP) -> None:
    # TA refuses such a student's Deelname in flow 2, which then held up the whole session.
    dr = tp.peer(ClientRole.dr)
    student = new_id()
    without_block = {k: v for k, v in person(student).items() if k != "consumers"}
    without_names = person(student) | {"consumers": [{"consumerKey": "nl-test-admin"}]}

    assert pointers(problem_of(dr.put(f"/persons/{student}", without_block), 400)) == ["/consumers"]
    assert pointers(problem_of(dr.put(f"/persons/{student}", without_names), 400)) == [
        "/consumers/0/preferredName",
        "/consumers/0/idCheckName",
    ]
    assert dr_person(tp, student) is None


def test_a_person_ta_would_refuse_in_flow_2_is_400(tp: TP) -> None:
    # TA refused the Deelname of such a person (student or staff) in flow 2, which then held up the session.
    dr = tp.peer(ClientRole.dr)
    student, staff = new_id(), new_id()
    not_enrolled = person(student) | {"activeEnrollment": False}
    names_on_the_person = person(student) | {"preferredName": "Jaap"}
    id_name_not_as_on_the_id = person(student)
    id_name_not_as_on_the_id["consumers"][0]["idCheckName"] = "Jacob van der Graaf"
    staff_not_in_service = {k: v for k, v in person(staff).items() if k != "consumers"} | {
        "affiliations": ["employee"],
        "activeEnrollment": False,
    }

    problem = problem_of(dr.put(f"/persons/{student}", not_enrolled), 400)
    assert pointers(problem) == ["/activeEnrollment"]
    assert "always true" in problem["invalidParams"][0]["reason"]
    assert pointers(problem_of(dr.put(f"/persons/{student}", names_on_the_person), 400)) == ["/preferredName"]
    assert pointers(problem_of(dr.put(f"/persons/{student}", id_name_not_as_on_the_id), 400)) == [
        "/consumers/0/idCheckName"
    ]
    assert pointers(problem_of(dr.put(f"/persons/{staff}", staff_not_in_service), 400)) == ["/activeEnrollment"]
    assert dr_person(tp, student) is None and dr_person(tp, staff) is None


def test_a_staff_member_needs_no_consumer_block_and_one_need_as_an_object_is_kept(tp: TP) -> None:
    dr = tp.peer(ClientRole.dr)
    staff, student = new_id(), new_id()
    invigilator = {k: v for k, v in person(staff).items() if k != "consumers"} | {"affiliations": ["employee"]}
    need = {"code": "ExtraTimeOnlyMath25%", "description": [{"language": "nl-NL", "value": "Extra tijd"}]}
    with_one_need = person(student)
    with_one_need["consumers"][0]["assignedNeeds"] = need  # as the standard's own example gives it

    put(dr, f"/persons/{staff}", invigilator)
    put(dr, f"/persons/{student}", with_one_need)

    stored = dr_person(tp, student)
    assert stored is not None and stored.data is not None
    assert stored.data["consumers"][0]["assignedNeeds"] == [need]


def test_a_students_toetsinschrijving_without_its_consumer_block_is_400_and_without_attempt_is_noted(tp: TP) -> None:
    dr = tp.peer(ClientRole.dr)
    offering, student = new_id(), new_id()
    put(dr, f"/offerings/{offering}", planbare_toets(offering))
    without_block, without_attempt = new_id(), new_id()
    body = {k: v for k, v in toetsinschrijving(without_block, student, offering).items() if k != "consumers"}

    assert pointers(problem_of(dr.put(f"/associations/{without_block}", body), 400)) == ["/consumers"]
    noted = toetsinschrijving(without_attempt, student, offering)
    del noted["consumers"][0]["attempt"]
    put(dr, f"/associations/{without_attempt}", noted)
    assert [row.notes for row in tp.history(without_attempt)] == [["no attempt given: taken as attempt 1"]]
