"""Flow 2 at the reference TA: every malformed message the standard forbids is a 400 naming its field.

Rules checked, with their sources:
- PUT bodies carry the object's id, equal to the path; `offeringType`/`associationType` in every PUT and
  PATCH: PDF 3.2.3, 5.3 and the 1.0.1 change list.
- Zitting (PDF figure 3.2.10, Tabel 4.2.A): `primaryCode`, `name`, `startDateTime`/`endDateTime` with a
  zone offset (Tabel 4.0.A), `component` a test of this TA's catalogue (flow 0), `offeringState` required
  (Tabel 4.2.A), the YAML's enums, `duration` ISO 8601 and not `P60M` (Tabel 4.2.A; docs/standard.md),
  `lastPossibleStartDateTime` inside the session (Tabel 4.2.C); the fields of other flows
  (`resultValueType`, `testsToBeUsed`, `irregularities`, `documents`) refused.
- Deelname (PDF figures 3.2.7, 3.2.8, Tabel 4.3.A): roles student, coordinator, invigilator, assessor,
  guest; state associated or canceled; `offering` a Zitting this TP sent; `person` always the full
  embedded Person; students have an nl-test-admin block and their Person `preferredName` and
  `idCheckName`; staff carry no consumers; `attempt`, `attemptLeft`, `programOfferingAssociationId`,
  `courseOfferingAssociationId` and `result` are not used in flow 2; `extraTimeInMin` is
  `additionalTimeInMin` (docs/standard.md); `assignedNeeds` is flow 1 only (Tabel 4.10.A).
- Cancel PATCHes (PDF figures 3.2.9, 3.2.11, Aanvullende eis of 3.2.3): only `offeringType` +
  `offeringState: canceled`, or `associationType` + `state: canceled`; TA removes the person data
  (PDF 3.2.2). An unknown id is 404.
- The reference TA is strict (docs/standard.md): problem+json naming each field by JSON pointer.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from oke.roles.toetsafname.catalogue import REKENEN_2F, demo_id
from tests.api_client import new_id, pointers, problem_of
from tests.ta_client import TA, deelname, plan, zitting

Change = Callable[[dict[str, Any]], None]
BLOCK = "/consumers/0"
WITHDRAWN = demo_id("REK-2F-2023")


def _set(path: str, value: Any) -> Change:
    """Set (or, with `...`, delete) the member at a `/`-separated path of the message."""

    def change(message: dict[str, Any]) -> None:
        *parents, last = path.strip("/").split("/")
        node: Any = message
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if value is ...:
            del node[last]
        else:
            node[last] = value

    return change


ZITTING_FAULTS = [
    ("offeringType", _set("offeringType", ...), ["/offeringType"]),
    ("offeringType program", _set("offeringType", "program"), ["/offeringType"]),
    ("offeringId missing", _set("offeringId", ...), ["/offeringId"]),
    ("offeringId other", _set("offeringId", "other"), ["/offeringId"]),
    ("primaryCode", _set("primaryCode", ...), ["/primaryCode"]),
    ("primaryCode code", _set("primaryCode/code", ...), ["/primaryCode/code"]),
    ("name", _set("name", ...), ["/name"]),
    ("name empty", _set("name", []), ["/name"]),
    ("start without offset", _set("startDateTime", "2026-12-01T09:00:00"), ["/startDateTime"]),
    ("end a date", _set("endDateTime", "2026-12-01"), ["/endDateTime"]),
    ("end before start", _set("endDateTime", "2026-12-01T08:00:00+01:00"), ["/endDateTime"]),
    ("end at start", _set("endDateTime", "2026-12-01T09:00:00+01:00"), ["/endDateTime"]),
    ("component missing", _set("component", ...), ["/component"]),
    ("component unknown", _set("component", "11111111-2222-3333-4444-555555555555"), ["/component"]),
    ("component withdrawn", _set("component", WITHDRAWN), ["/component"]),
    ("component object", _set("component", {"componentId": REKENEN_2F}), ["/component"]),
    ("consumers missing", _set("consumers", ...), ["/consumers"]),
    ("only another consumer", _set("consumers", [{"consumerKey": "x-other", "a": 1}]), ["/consumers"]),
    ("offeringState missing", _set(f"{BLOCK}/offeringState", ...), [f"{BLOCK}/offeringState"]),
    ("offeringState unknown", _set(f"{BLOCK}/offeringState", "planned"), [f"{BLOCK}/offeringState"]),
    ("duration P60M", _set(f"{BLOCK}/duration", "P60M"), [f"{BLOCK}/duration"]),
    ("duration minutes", _set(f"{BLOCK}/duration", 60), [f"{BLOCK}/duration"]),
    ("duration text", _set(f"{BLOCK}/duration", "40 minuten"), [f"{BLOCK}/duration"]),
    ("startOptions", _set(f"{BLOCK}/startOptions", "anytime"), [f"{BLOCK}/startOptions"]),
    ("durationFrom", _set(f"{BLOCK}/durationFrom", "start"), [f"{BLOCK}/durationFrom"]),
    ("durationUntil", _set(f"{BLOCK}/durationUntil", "end"), [f"{BLOCK}/durationUntil"]),
    ("safety", _set(f"{BLOCK}/safety", ["fixedLocation", "Surveillance"]), [f"{BLOCK}/safety/1"]),
    ("last start before", _set(f"{BLOCK}/lastPossibleStartDateTime", "2026-12-01T08:59:00+01:00"), []),
    ("last start after", _set(f"{BLOCK}/lastPossibleStartDateTime", "2026-12-01T10:01:00+01:00"), []),
    ("last start no offset", _set(f"{BLOCK}/lastPossibleStartDateTime", "2026-12-01T09:15:00"), []),
    ("resultValueType", _set("resultValueType", "0.0-10.0"), ["/resultValueType"]),
    ("testsToBeUsed", _set(f"{BLOCK}/testsToBeUsed", [{"componentId": REKENEN_2F}]), [f"{BLOCK}/testsToBeUsed"]),
    ("irregularities", _set(f"{BLOCK}/irregularities", "geen"), [f"{BLOCK}/irregularities"]),
    ("documents", _set(f"{BLOCK}/documents", []), [f"{BLOCK}/documents"]),
    ("modeOfDelivery hybrid", _set("modeOfDelivery", ["situated", "hybrid"]), ["/modeOfDelivery/1"]),
    ("teachingLanguage", _set("teachingLanguage", "eng"), ["/teachingLanguage"]),
    ("resultExpected", _set("resultExpected", False), ["/resultExpected"]),
    ("description missing", _set("description", ...), ["/description"]),
    ("description empty", _set("description", []), ["/description"]),
    ("teachingLanguage missing", _set("teachingLanguage", ...), ["/teachingLanguage"]),
    ("resultExpected missing", _set("resultExpected", ...), ["/resultExpected"]),
]


@pytest.mark.parametrize(("change", "expected"), [f[1:] for f in ZITTING_FAULTS], ids=[f[0] for f in ZITTING_FAULTS])
def test_a_malformed_zitting_is_refused_naming_its_field(ta: TA, change: Change, expected: list[str]) -> None:
    tp = ta.client()
    offering_id = new_id()
    message = zitting(offering_id)
    change(message)
    expected = expected or [f"{BLOCK}/lastPossibleStartDateTime"]

    problem = problem_of(tp.put(f"/offerings/{offering_id}", message), 400)

    assert pointers(problem) == expected, problem
    problem_of(tp.get(f"/offerings/{offering_id}"), 404)  # nothing was kept
    assert ta.history(offering_id) == []


def test_a_second_nl_test_admin_block_is_refused(ta: TA) -> None:
    tp = ta.client()
    offering_id = new_id()
    message = zitting(offering_id)
    message["consumers"].append({"consumerKey": "nl-test-admin", "offeringState": "canceled"})

    assert pointers(problem_of(tp.put(f"/offerings/{offering_id}", message), 400)) == ["/consumers/1"]


def test_a_zitting_is_created_then_replaced_and_read_back_as_sent(ta: TA) -> None:
    tp = ta.client()
    offering_id = new_id()
    message = zitting(offering_id, academicSession="937983ad-cc0f-45a6-95ca-a8f60b7cf125")  # unknown: kept

    assert tp.put(f"/offerings/{offering_id}", message).status_code == 201
    message["consumers"][0]["locationCode"] = "B-12"
    assert tp.put(f"/offerings/{offering_id}", message).status_code == 200

    assert tp.get(f"/offerings/{offering_id}").json() == message
    assert [(row.flow, row.method, row.object_type) for row in ta.history(offering_id)] == [("2", "PUT", "zitting")] * 2


def test_every_timing_scenario_of_tabel_4_2_c_is_accepted(ta: TA) -> None:
    tp = ta.client()
    scenarios = [
        ("09:00", "10:00", None, "individualStart", "individualStartDateTime", "endDateTime"),
        ("09:00", "10:00", "09:15", "individualStart", "individualStartDateTime", "endDateTime"),
        ("09:00", "10:00", "09:30", "individualStart", "individualStartDateTime", "testDuration"),
        ("09:00", "10:00", None, "individualStart", "startDateTime", None),
        ("09:00", "10:00", None, "triggeredStart", "triggeredStartDateTime", "testDuration"),
        ("08:00", "22:00", "21:00", "individualStart", "individualStartDateTime", "testDuration"),
    ]
    for start, end, last, options, start_from, until in scenarios:
        offering_id = new_id()
        block = {"consumerKey": "nl-test-admin", "offeringState": "active", "duration": "PT40M"}
        block |= {"startOptions": options, "durationFrom": start_from, "durationUntil": until}
        if last:
            block["lastPossibleStartDateTime"] = f"2022-11-15T{last}:00.000Z"
        message = zitting(
            offering_id,
            startDateTime=f"2022-11-15T{start}:00.000Z",
            endDateTime=f"2022-11-15T{end}:00.000Z",
            consumers=[block],
        )
        assert tp.put(f"/offerings/{offering_id}", message).status_code == 201, (start, last)


DEELNAME_FAULTS = [
    ("associationType", _set("associationType", ...), ["/associationType"]),
    ("associationType program", _set("associationType", "programOfferingAssociation"), ["/associationType"]),
    ("associationId missing", _set("associationId", ...), ["/associationId"]),
    ("associationId other", _set("associationId", "other"), ["/associationId"]),
    ("role lecturer", _set("role", "lecturer"), ["/role"]),
    ("role unknown", _set("role", "boss"), ["/role"]),
    ("role a list", _set("role", ["student"]), ["/role"]),  # found by fuzzing: it was a 500
    ("state finished", _set("state", "finished"), ["/state"]),
    ("state unknown", _set("state", "enrolled"), ["/state"]),
    ("offering missing", _set("offering", ...), ["/offering"]),
    ("offering object", _set("offering", {"offeringId": "x"}), ["/offering"]),
    ("offering unknown", _set("offering", "11111111-2222-3333-4444-555555555555"), ["/offering"]),
    ("person missing", _set("person", ...), ["/person"]),
    ("person id", _set("person", "111-2222-33-4444-222"), ["/person"]),
    ("person givenName", _set("person/givenName", ...), ["/person/givenName"]),
    ("person surname", _set("person/surname", ...), ["/person/surname"]),
    ("person displayName", _set("person/displayName", ...), ["/person/displayName"]),
    ("person mail", _set("person/mail", ...), ["/person/mail"]),
    ("person primaryCode", _set("person/primaryCode", ...), ["/person/primaryCode"]),
    ("person activeEnrollment", _set("person/activeEnrollment", ...), ["/person/activeEnrollment"]),
    ("person not enrolled", _set("person/activeEnrollment", False), ["/person/activeEnrollment"]),
    ("person enrolled text", _set("person/activeEnrollment", "true"), ["/person/activeEnrollment"]),
    ("person preferredName", _set("person/preferredName", "Maar"), ["/person/preferredName"]),
    ("person consumers", _set("person/consumers", ...), ["/person/consumers"]),
    ("person no idCheckName", _set("person/consumers/0/idCheckName", ...), ["/person/consumers/0/idCheckName"]),
    ("person idCheckName", _set("person/consumers/0/idCheckName", "Maartje"), ["/person/consumers/0/idCheckName"]),
    ("person no preferredName", _set("person/consumers/0/preferredName", ...), ["/person/consumers/0/preferredName"]),
    (
        "person assignedNeeds",
        _set("person/consumers/0/assignedNeeds", [{"code": "x", "description": [{"language": "nl-NL", "value": "x"}]}]),
        ["/person/consumers/0/assignedNeeds"],
    ),
    ("consumers missing", _set("consumers", ...), ["/consumers"]),
    ("additionalTimeInMin negative", _set(f"{BLOCK}/additionalTimeInMin", -5), [f"{BLOCK}/additionalTimeInMin"]),
    ("additionalTimeInMin text", _set(f"{BLOCK}/additionalTimeInMin", "30"), [f"{BLOCK}/additionalTimeInMin"]),
    ("extraTimeInMin", _set(f"{BLOCK}/extraTimeInMin", 30), [f"{BLOCK}/extraTimeInMin"]),
    ("personalNeeds", _set(f"{BLOCK}/personalNeeds", ["extraTime", "braille"]), [f"{BLOCK}/personalNeeds/1"]),
    ("attempt", _set(f"{BLOCK}/attempt", 1), [f"{BLOCK}/attempt"]),
    ("attemptLeft", _set(f"{BLOCK}/attemptLeft", 0), [f"{BLOCK}/attemptLeft"]),
    ("programOfferingAssociationId", _set(f"{BLOCK}/programOfferingAssociationId", new_id()), []),
    ("courseOfferingAssociationId", _set(f"{BLOCK}/courseOfferingAssociationId", new_id()), []),
    ("result", _set("result", {"state": "in progress"}), ["/result"]),
]


@pytest.mark.parametrize(("change", "expected"), [f[1:] for f in DEELNAME_FAULTS], ids=[f[0] for f in DEELNAME_FAULTS])
def test_a_malformed_deelname_is_refused_naming_its_field(ta: TA, change: Change, expected: list[str]) -> None:
    tp = ta.client()
    offering_id, _ = plan(tp, students=0)
    association_id = new_id()
    message = deelname(association_id, offering_id)
    change(message)
    if not expected:  # the flow 1 context ids: the pointer is the field's own
        expected = [f"{BLOCK}/{next(k for k in message['consumers'][0] if k.endswith('AssociationId'))}"]

    problem = problem_of(tp.put(f"/associations/{association_id}", message), 400)

    assert pointers(problem) == expected, problem
    problem_of(tp.get(f"/associations/{association_id}"), 404)


@pytest.mark.parametrize("role", ["coordinator", "invigilator", "assessor", "guest"])
def test_staff_take_part_without_consumers_but_never_with_them(ta: TA, role: str) -> None:
    tp = ta.client()
    offering_id, _ = plan(tp, students=0)
    association_id = new_id()
    message = deelname(association_id, offering_id, role)
    assert "consumers" not in message and "consumers" not in message["person"]

    assert tp.put(f"/associations/{association_id}", message).status_code == 201

    message["consumers"] = [{"consumerKey": "nl-test-admin", "additionalTimeInMin": 10}]
    problem = problem_of(tp.put(f"/associations/{association_id}", message), 400)
    assert pointers(problem) == ["/consumers"]


def test_a_deelname_names_a_zitting_of_its_own_tp(ta: TA) -> None:
    mine, other = ta.client(peer="tp-a"), ta.client(peer="tp-b")
    offering_id, _ = plan(other, students=0)
    association_id = new_id()

    problem = problem_of(mine.put(f"/associations/{association_id}", deelname(association_id, offering_id)), 400)

    assert pointers(problem) == ["/offering"]


def test_the_ids_of_another_tp_cannot_be_taken_over(ta: TA) -> None:
    mine, other = ta.client(peer="tp-a"), ta.client(tenant=f"{ta.tenant}-b")
    offering_id, (association_id,) = plan(other)
    own_offering, _ = plan(mine, students=0)

    problem_of(mine.put(f"/offerings/{offering_id}", zitting(offering_id)), 409)
    problem_of(mine.put(f"/associations/{association_id}", deelname(association_id, own_offering)), 409)
    assert other.get(f"/associations/{association_id}", expand="person").json()["person"]["personId"]


def test_a_deelname_is_created_then_replaced_and_read_back(ta: TA) -> None:
    tp = ta.client()
    offering_id, _ = plan(tp, students=0)
    association_id = new_id()
    message = deelname(association_id, offering_id)

    assert tp.put(f"/associations/{association_id}", message).status_code == 201
    message["consumers"][0]["additionalTimeInMin"] = 30
    assert tp.put(f"/associations/{association_id}", message).status_code == 200

    plain = tp.get(f"/associations/{association_id}").json()
    assert plain == {**message, "person": message["person"]["personId"]}
    assert tp.get(f"/associations/{association_id}", expand="person").json() == message
    expanded = tp.get(f"/associations/{association_id}", expand="person,offering").json()
    assert expanded["offering"] == tp.get(f"/offerings/{offering_id}").json()
    assert pointers(problem_of(tp.get(f"/associations/{association_id}", expand="result"), 400)) == ["/query/expand"]


def test_cancelling_a_deelname_removes_its_person(ta: TA) -> None:
    tp = ta.client()
    _, (association_id, other_id) = plan(tp, students=2)
    cancel = {"associationType": "componentOfferingAssociation", "state": "canceled"}

    response = tp.patch(f"/associations/{association_id}", cancel)

    assert response.status_code == 200, response.text
    assert response.json()["state"] == "canceled"
    read = tp.get(f"/associations/{association_id}", expand="person").json()
    assert read["state"] == "canceled"
    assert isinstance(read["person"], str)  # the id is kept, the person data is gone
    assert tp.patch(f"/associations/{association_id}", cancel).status_code == 200  # repeatable
    assert tp.get(f"/associations/{other_id}").json()["state"] == "associated"
    assert [row.method for row in ta.history(association_id)] == ["PUT", "PATCH", "PATCH"]


def test_a_deelname_put_as_canceled_keeps_no_person(ta: TA) -> None:
    tp = ta.client()
    offering_id, _ = plan(tp, students=0)
    association_id = new_id()

    message = deelname(association_id, offering_id, state="canceled")
    assert tp.put(f"/associations/{association_id}", message).status_code == 201

    assert isinstance(tp.get(f"/associations/{association_id}", expand="person").json()["person"], str)


def test_cancelling_a_zitting_cancels_its_deelnames_and_removes_their_persons(ta: TA) -> None:
    tp = ta.client()
    offering_id, association_ids = plan(tp, students=2, staff=("invigilator",))
    cancel = {"offeringType": "component", "consumers": [{"consumerKey": "nl-test-admin", "offeringState": "canceled"}]}

    assert tp.patch(f"/offerings/{offering_id}", cancel).status_code == 200

    assert tp.get(f"/offerings/{offering_id}").json()["consumers"][0]["offeringState"] == "canceled"
    listing = tp.get(f"/offerings/{offering_id}/associations", expand="person").json()["items"]
    assert {item["associationId"] for item in listing} == set(association_ids)
    assert all(item["state"] == "canceled" and isinstance(item["person"], str) for item in listing)
    assert tp.patch(f"/offerings/{offering_id}", cancel).status_code == 200  # repeatable
    new = new_id()
    problem = problem_of(tp.put(f"/associations/{new}", deelname(new, offering_id)), 400)
    assert pointers(problem) == ["/offering"]


def test_a_zitting_put_again_after_cancelling_is_active_again(ta: TA) -> None:
    tp = ta.client()
    offering_id, (association_id,) = plan(tp)
    cancelled = zitting(offering_id)
    cancelled["consumers"][0]["offeringState"] = "canceled"

    assert tp.put(f"/offerings/{offering_id}", cancelled).status_code == 200
    assert tp.get(f"/associations/{association_id}").json()["state"] == "canceled"
    assert tp.put(f"/offerings/{offering_id}", zitting(offering_id)).status_code == 200

    assert tp.get(f"/offerings/{offering_id}").json()["consumers"][0]["offeringState"] == "active"
    message = deelname(association_id, offering_id)
    assert tp.put(f"/associations/{association_id}", message).status_code == 200  # TP sends it again


CANCEL_ZITTING_FAULTS = [
    ("offeringType", {"consumers": [{"consumerKey": "nl-test-admin", "offeringState": "canceled"}]}, "/offeringType"),
    ("no consumers", {"offeringType": "component"}, "/consumers"),
    ("no block", {"offeringType": "component", "consumers": [{"consumerKey": "x-other"}]}, "/consumers"),
    (
        "active",
        {"offeringType": "component", "consumers": [{"consumerKey": "nl-test-admin", "offeringState": "active"}]},
        "/consumers/0/offeringState",
    ),
    ("a change", {"offeringType": "component", "name": [{"language": "nl-NL", "value": "x"}]}, "/consumers"),
]


@pytest.mark.parametrize(
    ("body", "pointer"), [f[1:] for f in CANCEL_ZITTING_FAULTS], ids=[f[0] for f in CANCEL_ZITTING_FAULTS]
)
def test_a_zitting_patch_only_cancels(ta: TA, body: dict[str, Any], pointer: str) -> None:
    tp = ta.client()
    offering_id, _ = plan(tp, students=0)

    assert pointers(problem_of(tp.patch(f"/offerings/{offering_id}", body), 400)) == [pointer]
    assert tp.get(f"/offerings/{offering_id}").json()["consumers"][0]["offeringState"] == "active"


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"state": "canceled"}, "/associationType"),
        ({"associationType": "componentOfferingAssociation"}, "/state"),
        ({"associationType": "componentOfferingAssociation", "state": "associated"}, "/state"),
        ({"associationType": "componentOfferingAssociation", "role": "assessor"}, "/state"),
    ],
)
def test_a_deelname_patch_only_cancels(ta: TA, body: dict[str, Any], pointer: str) -> None:
    tp = ta.client()
    _, (association_id,) = plan(tp)

    assert pointers(problem_of(tp.patch(f"/associations/{association_id}", body), 400)) == [pointer]
    assert tp.get(f"/associations/{association_id}").json()["state"] == "associated"


def test_patching_an_unknown_id_is_404(ta: TA) -> None:
    tp = ta.client()
    cancel_offering = {
        "offeringType": "component",
        "consumers": [{"consumerKey": "nl-test-admin", "offeringState": "canceled"}],
    }

    problem_of(tp.patch(f"/offerings/{new_id()}", cancel_offering), 404)
    problem_of(tp.patch(f"/associations/{new_id()}", {"associationType": "componentOfferingAssociation"}), 404)


def test_put_is_json_and_patch_is_merge_patch(ta: TA) -> None:
    tp = ta.client()
    offering_id, (association_id,) = plan(tp)
    cancel = b'{"associationType": "componentOfferingAssociation", "state": "canceled"}'

    problem_of(tp.send("PATCH", f"/associations/{association_id}", cancel, "application/json"), 415)
    body = copy.deepcopy(zitting(offering_id))
    problem_of(tp.send("PUT", f"/offerings/{offering_id}", repr(body).encode(), "application/merge-patch+json"), 415)
    problem_of(tp.send("PUT", f"/offerings/{offering_id}", b"[1, 2]"), 400)
    problem_of(tp.send("PUT", f"/offerings/{offering_id}", b"{not json"), 400)
    assert tp.get(f"/associations/{association_id}").json()["state"] == "associated"


def test_the_participations_are_listed_with_filters_and_pages(ta: TA) -> None:
    tp = ta.client()
    offering_id, ids = plan(tp, students=12, staff=("coordinator", "invigilator"))
    students, (coordinator, invigilator) = ids[:12], ids[12:]
    tp.patch(f"/associations/{students[0]}", {"associationType": "componentOfferingAssociation", "state": "canceled"})
    result = {
        "state": "completed",
        "resultDate": "2026-12-01",
        "weight": 100,
        "consumers": [{"consumerKey": "nl-test-admin", "attendance": "present"}],
    }
    ta.save_result(students[1], result)
    path = f"/offerings/{offering_id}/associations"

    first = tp.get(path).json()
    second = tp.get(path, pageNumber=2).json()
    assert (first["pageSize"], first["totalPages"], first["hasPreviousPage"]) == (10, 2, False)
    assert first["hasNextPage"]
    assert (len(first["items"]), len(second["items"]), second["hasNextPage"]) == (10, 4, False)
    assert {i["associationId"] for i in first["items"] + second["items"]} == set(ids)
    assert all(isinstance(i["person"], str) for i in first["items"])

    def listed(**query: Any) -> set[str]:
        return {item["associationId"] for item in tp.get(path, pageSize=50, **query).json()["items"]}

    assert listed(role="student") == set(students)
    assert listed(role="coordinator") == {coordinator}
    assert listed(role="invigilator", state="associated") == {invigilator}
    assert listed(state="canceled") == {students[0]}
    assert listed(**{"result-state": "completed"}) == {students[1]}
    assert listed(**{"result-state": "in progress"}) == set()
    with_result = tp.get(f"/associations/{students[1]}").json()
    assert with_result["result"] == result
    expanded = tp.get(path, pageSize=50, expand="person", role="coordinator").json()["items"]
    assert expanded[0]["person"]["givenName"] == "Maartje"
    for query, pointer in [
        ({"role": "boss"}, "/query/role"),
        ({"state": "gone"}, "/query/state"),
        ({"result-state": "done"}, "/query/result-state"),
        ({"pageSize": 15}, "/query/pageSize"),
        ({"pageNumber": 0}, "/query/pageNumber"),
        ({"expand": "offering"}, "/query/expand"),
    ]:
        assert pointers(problem_of(tp.get(path, **query), 400)) == [pointer], query


def test_only_valid_messages_enter_the_history(ta: TA) -> None:
    tp = ta.client()
    offering_id = new_id()
    message = zitting(offering_id)
    tp.put(f"/offerings/{offering_id}", {**message, "resultValueType": "0-10"})
    tp.put(f"/offerings/{offering_id}", message)

    rows = ta.history(offering_id)
    assert len(rows) == 1
    assert rows[0].flow == "2" and rows[0].object_type == "zitting"
    assert '"resultValueType"' not in rows[0].body
