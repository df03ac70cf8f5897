"""The wire-format models against the standard's examples and the 1.0.1 rules.

Sources: the examples of NED-OOAPI (`shared/ned-ooapi/examples/`, each `{"operation", "example", "value"}`)
and the PDF's chapter 4 (formats, the objects and their nl-test-admin consumer blocks, PATCH) and enums,
the examples' known errors and TP's liberal reading (docs/standard.md).

Each example is checked twice: as published, it must be rejected exactly at its known quirks (with a JSON
pointer naming the field) or accepted with the quirk kept as sent; once the quirks are corrected — and a
PATCH has been read by `oke.ooapi.legacy`, as TP reads it — it must validate. A `partialUpdate*` example
is a PATCH: its fields are checked one by one, `result` with `Result` and the offering's consumers with
the nl-test-admin offering model.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Annotated, Any

import pytest
from pydantic import TypeAdapter, ValidationError

from oke.ooapi import enums, legacy
from oke.ooapi.associations import Association, ComponentOfferingAssociation, NlTestAdminAssociation
from oke.ooapi.common import Date, DateTime, OoapiModel, consumers_of
from oke.ooapi.components import Component
from oke.ooapi.groups import Group, MembershipItem
from oke.ooapi.offerings import ComponentOffering, NlTestAdminOffering
from oke.ooapi.persons import Person
from oke.ooapi.problems import field_errors
from oke.ooapi.results import Result
from tests.api_client import STANDARD

EXAMPLES = STANDARD / "examples"
RECEIVED = date(2024, 1, 15)

FULL_MODELS: dict[str, TypeAdapter[Any]] = {
    "component": TypeAdapter(Component),
    "offering": TypeAdapter(ComponentOffering),
    "association": TypeAdapter(Association),
    "person": TypeAdapter(Person),
    "group": TypeAdapter(Group),
    "membership": TypeAdapter(MembershipItem),
}
RESULT = TypeAdapter(Result)
ASSOCIATION_CONSUMERS = TypeAdapter(consumers_of(NlTestAdminAssociation))
OFFERING_CONSUMERS = TypeAdapter(consumers_of(NlTestAdminOffering))


# --- JSON pointers into example documents -------------------------------------------------------------------


def _steps(pointer: str) -> list[str]:
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/")]


def _resolve(document: Any, pointer: str) -> Any:
    for part in _steps(pointer):
        document = document[int(part)] if isinstance(document, list) else document[part]
    return document


def _parent(document: Any, pointer: str) -> tuple[Any, Any]:
    *path, last = _steps(pointer)
    parent = _resolve(document, "".join("/" + p for p in path)) if path else document
    return parent, int(last) if isinstance(parent, list) else last


# --- the known quirks of the examples ------------------------------------------------------------------------


@dataclass(frozen=True)
class Quirk:
    """Where an example breaks the 1.0.1 rules, why, and how the models see it."""

    pointer: str
    why: str
    fix: Callable[[Any], None] | None  #: corrects a copy of the example; None when oke.ooapi.legacy rewrites it
    rejected: tuple[str, ...] = ()  #: pointers at which the models reject it; () when it is tolerated as sent


def set_to(pointer: str, value: Any) -> Callable[[Any], None]:
    def fix(document: Any) -> None:
        parent, key = _parent(document, pointer)
        parent[key] = value

    return fix


def wrap_in_list(pointer: str) -> Callable[[Any], None]:
    def fix(document: Any) -> None:
        parent, key = _parent(document, pointer)
        parent[key] = [parent[key]]

    return fix


def rename(pointer: str, name: str, value: Any) -> Callable[[Any], None]:
    def fix(document: Any) -> None:
        parent, key = _parent(document, pointer)
        del parent[key]
        parent[name] = value

    return fix


def move_into_consumer_block(pointer: str) -> Callable[[Any], None]:
    def fix(document: Any) -> None:
        parent, key = _parent(document, pointer)
        parent.setdefault("consumers", [{"consumerKey": "nl-test-admin"}])[0][key] = parent.pop(key)

    return fix


RESULT_VALUE_TYPE = Quirk(
    "/consumers/0/resultValueType",
    "PDF Tabel 4.1.D: '1-10' is no resultValueType; the integer scale is '0-10'",
    set_to("/consumers/0/resultValueType", "0-10"),
    rejected=("/consumers/0/resultValueType",),
)
EXTRA_TIME = Quirk(
    "/consumers/0/extraTime",
    "PDF Tabel 4.1.A: the field is additionalTestingTime, int minutes (not 'P60M')",
    rename("/consumers/0/extraTime", "additionalTestingTime", 60),
)
COMPONENT_CODE = Quirk(
    "/primaryCode/codeType",
    "PDF Tabel 4.1.A: a Component's primaryCode is a componentCode (codeType is extensible)",
    set_to("/primaryCode/codeType", "componentCode"),
)
OFFERING_ID = Quirk(
    "/offeringId",
    "PDF 5.1: GET responses carry the object id",
    set_to("/offeringId", "123e4567-e89b-12d3-a456-134564174000"),
    rejected=("/offeringId",),
)
SAFETY = Quirk(
    "/consumers/0/safety",
    "PDF Tabel 4.1.C: safety values are exact ('fixedLocation', 'surveillance')",
    set_to("/consumers/0/safety", ["fixedLocation", "surveillance"]),
    rejected=("/consumers/0/safety/0", "/consumers/0/safety/1"),
)
DURATION = Quirk(
    "/consumers/0/duration",
    "PDF Tabel 4.2.A: 'P60M' is 60 months; 60 minutes is 'PT60M'",
    set_to("/consumers/0/duration", "PT60M"),
)
ASSIGNED_NEEDS = Quirk(
    "/consumers/0/assignedNeeds",
    "PDF Tabel 4.10.A: assignedNeeds is an array",
    wrap_in_list("/consumers/0/assignedNeeds"),
    rejected=("/consumers/0/assignedNeeds",),
)
STUDENT_NUMBER = Quirk(
    "/primaryCode/codeType",
    "PDF Tabel 4.10.A: a student's primaryCode is a studentNumber (codeType is extensible)",
    set_to("/primaryCode/codeType", "studentNumber"),
)
GROUP_CODE = Quirk(
    "/primaryCode/codeType",
    "PDF Tabel 4.7.A: a Group's primaryCode is a groupCode (codeType is extensible)",
    set_to("/primaryCode/codeType", "groupCode"),
)
EXTRA_TIME_IN_MIN = Quirk(
    "/consumers/0/extraTimeInMin",
    "PDF Tabel 4.3.A: the field is additionalTimeInMin",
    rename("/consumers/0/extraTimeInMin", "additionalTimeInMin", 30),
)
PREFERRED_NAME = Quirk(
    "/person/preferredName",
    "PDF Tabel 4.10.A: preferredName belongs in the Person's nl-test-admin block",
    move_into_consumer_block("/person/preferredName"),
)
NUMERIC_DOCUMENT_ID = Quirk(
    "/result/consumers/0/documents/0/documentId",
    "PDF Tabel 4.6.A: documentId is a string; TP reads a number as its string (docs/standard.md)",
    None,
    rejected=("/result/consumers/0/documents/0/documentId",),
)


@dataclass(frozen=True)
class Example:
    kind: str  #: a key of FULL_MODELS, "association-patch", "offering-patch" or "file"
    quirks: tuple[Quirk, ...] = ()
    notes: tuple[str, ...] = ()  #: pointers of the notes oke.ooapi.legacy leaves when it reads a PATCH

    @property
    def rejected(self) -> set[str]:
        return {pointer for quirk in self.quirks for pointer in quirk.rejected}


EXAMPLE_CASES: dict[str, Example] = {
    "listComponentById--response-200--request-details-of-one-test-flow-0-2-minimal": Example(
        "component", (RESULT_VALUE_TYPE, EXTRA_TIME, COMPONENT_CODE)
    ),
    "listComponentById--response-200--request-details-of-one-test-flow-0-2": Example(
        "component", (RESULT_VALUE_TYPE, EXTRA_TIME, COMPONENT_CODE)
    ),
    "listDocumentById--response-200--file-download": Example("file"),
    "listOfferingById--response-200--read-current-state-of-offering-flow-2-6-minimal": Example(
        "offering", (OFFERING_ID,)
    ),
    "listOfferingById--response-200--read-current-state-of-offering-flow-2-6": Example(
        "offering", (OFFERING_ID, SAFETY, DURATION)
    ),
    "listPersonById--response-200--person-values": Example("person", (ASSIGNED_NEEDS, STUDENT_NUMBER)),
    "partialUpdateAssociationById--request--delete-student-from-offering-flow-2-4": Example("association-patch"),
    "partialUpdateAssociationById--request--send-attendance-and-result-directly-flow-3-1": Example(
        "association-patch", (NUMERIC_DOCUMENT_ID,), notes=(NUMERIC_DOCUMENT_ID.pointer,)
    ),
    "partialUpdateAssociationById--request--send-attendance-for-student-directly-flow-3-2-a": Example(
        "association-patch"
    ),
    "partialUpdateAssociationById--request--send-result-for-student-flow-3-2-b": Example(
        "association-patch", (NUMERIC_DOCUMENT_ID,), notes=(NUMERIC_DOCUMENT_ID.pointer,)
    ),
    "partialUpdateOfferingById--request--delete-offering-flow-2-5": Example("offering-patch"),
    "partialUpdateOfferingById--request--send-attendance-and-offering-report-directly-flow-4-1": Example(
        "offering-patch"
    ),
    "replaceAssociationById--request--add-student-to-created-offering-zitting-flow-2-2-b-and-2-3": Example(
        "association", (EXTRA_TIME_IN_MIN, PREFERRED_NAME)
    ),
    "replaceAssociationById--request--change-student-enrollment-to-offering-zitting-flow-2-x": Example(
        "association", (EXTRA_TIME_IN_MIN,)
    ),
    "replaceGroupById--request--create-a-group-in-remote-system": Example("group", (GROUP_CODE,)),
    "replaceOfferingById--request--create-offering-zitting-without-students-flow-2-1-minimal": Example("offering"),
    "replaceOfferingById--request--create-offering-zitting-without-students-flow-2-1": Example(
        "offering", (SAFETY, DURATION)
    ),
    "replacePersonById--request--create-person-in-remote-system": Example("person", (ASSIGNED_NEEDS, STUDENT_NUMBER)),
    "replacePersoninGroupById--request--create-a-new-group-member-in-remote-system": Example("membership"),
}

TOLERATED = [
    pytest.param(name, quirk, id=f"{name}:{quirk.pointer}")
    for name, example in EXAMPLE_CASES.items()
    for quirk in example.quirks
    if not quirk.rejected
]


def _example(name: str) -> Any:
    path = EXAMPLES / f"{name}.json"
    if not path.is_file():
        pytest.skip(f"the standard's examples are not here: {EXAMPLES}")
    return json.loads(path.read_text(encoding="utf-8"))["value"]


def _errors(adapter: TypeAdapter[Any], value: Any, prefix: str = "") -> list[tuple[str, str]]:
    try:
        adapter.validate_python(value)
    except ValidationError as error:
        return field_errors(error, prefix)
    return []


def _field(model: type[OoapiModel], name: str) -> TypeAdapter[Any]:
    info = model.model_fields[name]
    return TypeAdapter(Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation)


def _patch_errors(model: type[OoapiModel], body: dict[str, Any], discriminator: str) -> list[tuple[str, str]]:
    """A PATCH carries its discriminator and only changed fields; `null` and `[]` remove (PDF ch. 4)."""
    found = [] if discriminator in body else [(f"/{discriminator}", "is required")]
    for name, value in body.items():
        if value is None or value == []:
            continue
        if name == "result":
            found += _errors(RESULT, value, "/result")
        elif name == "consumers":
            consumers = OFFERING_CONSUMERS if model is ComponentOffering else ASSOCIATION_CONSUMERS
            found += _errors(consumers, value, "/consumers")
        elif name in model.model_fields:
            found += _errors(_field(model, name), value, f"/{name}")
    return found


def _validate(kind: str, body: Any) -> list[tuple[str, str]]:
    if kind == "association-patch":
        return _patch_errors(ComponentOfferingAssociation, body, "associationType")
    if kind == "offering-patch":
        return _patch_errors(ComponentOffering, body, "offeringType")
    return _errors(FULL_MODELS[kind], body)


def _read_as_tp(kind: str, body: Any) -> legacy.Normalised:
    if kind == "association-patch":
        return legacy.normalise_result_patch(body, RECEIVED)
    if kind == "offering-patch":
        return legacy.normalise_report_patch(body)
    return legacy.Normalised(body)


def _corrected(name: str, *, only_rejected: bool = False) -> Any:
    document = copy.deepcopy(_example(name))
    for quirk in EXAMPLE_CASES[name].quirks:
        if quirk.fix is not None and (quirk.rejected or not only_rejected):
            quirk.fix(document)
    return document


def _same_fields(sent: Any, wire: Any, at: str = "") -> None:
    """Every field sent is in the wire form (values may be reformatted, e.g. date-times)."""
    if isinstance(sent, dict):
        assert isinstance(wire, dict) and set(wire) == set(sent), at
        for key, value in sent.items():
            _same_fields(value, wire[key], f"{at}/{key}")
    elif isinstance(sent, list):
        assert isinstance(wire, list) and len(wire) == len(sent), at
        for i, (item, wired) in enumerate(zip(sent, wire, strict=True)):
            _same_fields(item, wired, f"{at}/{i}")


# --- the examples ------------------------------------------------------------------------------------------


def test_every_example_of_the_standard_has_a_case() -> None:
    if not EXAMPLES.is_dir():
        pytest.skip(f"the standard's examples are not here: {EXAMPLES}")
    assert {path.stem for path in EXAMPLES.glob("*.json")} == set(EXAMPLE_CASES)


@pytest.mark.parametrize("name", EXAMPLE_CASES)
def test_as_published_an_example_is_rejected_only_at_its_known_quirks(name: str) -> None:
    example = EXAMPLE_CASES[name]
    if example.kind == "file":
        assert isinstance(_example(name), str)  # application/octet-stream: no model to check
        return
    errors = _validate(example.kind, _example(name))
    assert {pointer for pointer, _ in errors} == example.rejected, errors
    assert all(reason for _, reason in errors)


@pytest.mark.parametrize("name", [name for name, example in EXAMPLE_CASES.items() if example.kind != "file"])
def test_an_example_validates_once_its_quirks_are_normalised(name: str) -> None:
    example = EXAMPLE_CASES[name]
    read = _read_as_tp(example.kind, _corrected(name))
    assert _validate(example.kind, read.body) == []
    assert [note.split(":", 1)[0] for note in read.notes] == list(example.notes)


@pytest.mark.parametrize(("name", "quirk"), TOLERATED)
def test_a_tolerated_quirk_is_accepted_and_kept_as_sent(name: str, quirk: Quirk) -> None:
    example = EXAMPLE_CASES[name]
    model = FULL_MODELS[example.kind].validate_python(_corrected(name, only_rejected=True))
    assert _resolve(model.wire(), quirk.pointer) == _resolve(_example(name), quirk.pointer)


@pytest.mark.parametrize("name", [name for name, example in EXAMPLE_CASES.items() if example.kind in FULL_MODELS])
def test_an_example_keeps_every_field_in_its_wire_form(name: str) -> None:
    document = _corrected(name)
    model = FULL_MODELS[EXAMPLE_CASES[name].kind].validate_python(document)
    _same_fields(document, model.wire())


def test_a_patch_example_is_not_changed_by_reading_it() -> None:
    name = "partialUpdateAssociationById--request--send-attendance-and-result-directly-flow-3-1"
    published = _example(name)
    before = copy.deepcopy(published)
    _read_as_tp("association-patch", published)
    assert published == before


# --- exact enum strings (the OpenAPI's) -----------------------------------------------------------------------

ENUMS: list[tuple[type[StrEnum], list[str]]] = [
    (
        enums.ResultValueType,
        [
            "pass-or-fail",
            "insufficient-satisfactory-good",
            "US letter",
            "UK letter",
            "DE grade",
            "0-100",
            "0-10",
            "0.0-10.0",
            "referenceLevelRKTR",
            "referenceLevelERK",
        ],
    ),
    (enums.ResultState, ["in progress", "postponed", "completed", "queued"]),
    (enums.PassState, ["unknown", "passed", "failed"]),
    (enums.AssociationState, ["pending", "canceled", "denied", "associated", "queued", "finished"]),
    (
        enums.AssociationRole,
        ["student", "lecturer", "teaching assistant", "coordinator", "guest", "invigilator", "assessor"],
    ),
    (enums.Attendance, ["notKnown", "notPresent", "notStarted", "notFinished", "present"]),
    (enums.ResultDocumentType, ["assessmentForm", "assessmentFormWithAnswers", "assessmentModel", "other"]),
    (enums.OfferingDocumentType, ["sessionReport", "attendanceReport", "assessmentModel", "other"]),
    (enums.PersonalNeed, ["extraTime", "spoken", "spell-checker-on-screen"]),
    (enums.Safety, ["securedComputer", "fixedLocation", "surveillance"]),
    (enums.TestStatus, ["active", "inactive"]),
    (enums.OfferingState, ["active", "canceled"]),
    (enums.StartOptions, ["individualStart", "triggeredStart"]),
    (enums.DurationFrom, ["startDateTime", "individualStartDateTime", "triggeredStartDateTime"]),
    (enums.DurationUntil, ["testDuration", "endDateTime"]),
    (enums.OfferingType, ["program", "course", "component"]),
    (
        enums.AssociationType,
        ["programOfferingAssociation", "courseOfferingAssociation", "componentOfferingAssociation"],
    ),
    (enums.ModeOfDelivery, ["distance-learning", "on campus", "online", "hybrid", "situated"]),
    (enums.ModeOfStudy, ["full-time", "part-time", "dual training", "self-paced", "extraneous"]),
    (enums.LevelOfQualification, ["1", "2", "3", "4", "4+", "5", "6", "7", "8"]),
    (enums.GroupType, ["learning group", "class", "team"]),
    (enums.MembershipState, ["active", "canceled"]),
    (enums.OrganizationType, ["root", "institute", "department", "faculty", "branch", "academy", "school"]),
    (enums.PersonAffiliation, ["student", "employee", "guest"]),
    (enums.ProgramType, ["program"]),
    (enums.Version, ["v4", "v5"]),
]


@pytest.mark.parametrize(("enum", "values"), ENUMS, ids=[enum.__name__ for enum, _ in ENUMS])
def test_enum_strings_are_exactly_those_of_the_standard(enum: type[StrEnum], values: list[str]) -> None:
    assert [member.value for member in enum] == values


def test_component_types_are_the_eleven_of_the_yaml() -> None:
    assert len(enums.ComponentType) == 11
    assert "test" in set(enums.ComponentType) and "independent study" in set(enums.ComponentType)


def _result(**changes: Any) -> dict[str, Any]:
    result = {
        "state": "completed",
        "resultDate": "2022-09-28",
        "weight": 100,
        "consumers": [{"consumerKey": "nl-test-admin", "attendance": "present"}],
    }
    return result | changes


def test_in_progress_is_spelt_with_a_space() -> None:
    assert Result.model_validate(_result(state="in progress")).wire()["state"] == "in progress"
    assert _errors(RESULT, _result(state="in_progress"))[0][0] == "/state"
    assert _errors(RESULT, _result(state="In Progress"))[0][0] == "/state"


@pytest.mark.parametrize("value", ["US letter", "UK letter", "0.0-10.0", "0-10", "referenceLevelRKTR"])
def test_result_value_types_are_accepted_as_spelt(value: str) -> None:
    assert _errors(FULL_MODELS["component"], _component(resultValueType=value)) == []
    assert _errors(_field(ComponentOffering, "resultValueType"), value) == []


@pytest.mark.parametrize("value", ["1-10", "1.0-10.0", "US Letter", "0.0 - 10.0"])
def test_result_value_types_of_the_examples_are_rejected(value: str) -> None:
    assert [p for p, _ in _errors(FULL_MODELS["component"], _component(resultValueType=value))] == [
        "/consumers/0/resultValueType"
    ]


def _component(**block: Any) -> dict[str, Any]:
    return {
        "componentId": "c1",
        "primaryCode": {"codeType": "componentCode", "code": "REK2F"},
        "componentType": "test",
        "name": [{"language": "nl-NL", "value": "Rekenen 2F"}],
        "abbreviation": "REK2F",
        "teachingLanguage": "nld",
        "consumers": [{"consumerKey": "nl-test-admin", **block}],
    }


# --- unknown fields and consumer blocks ----------------------------------------------------------------------

PERSON = {
    "personId": "p1",
    "primaryCode": {"codeType": "studentNumber", "code": "1234567"},
    "givenName": "Maartje",
    "surnamePrefix": "van",
    "surname": "Damme",
    "displayName": "Damme, Maartje van",
    "initials": "MCW",
    "activeEnrollment": True,
    "affiliations": ["student"],
    "mail": "m@example.org",
    "consumers": [
        {"consumerKey": "x-vendor", "colour": "red", "nested": {"list": [1, 2]}},
        {"consumerKey": "nl-test-admin", "preferredName": "Maar", "idCheckName": "Damme, Maartje van", "x-own": 1},
    ],
}


def test_unknown_fields_and_generic_consumer_blocks_are_kept_in_the_wire_form() -> None:
    assert Person.model_validate(PERSON).wire() == PERSON


def test_a_deelname_with_its_result_survives_a_round_trip() -> None:
    deelname = {
        "associationId": "a1",
        "associationType": "componentOfferingAssociation",
        "role": "student",
        "state": "associated",
        "person": PERSON,
        "offering": "o1",
        "consumers": [{"consumerKey": "nl-test-admin", "additionalTimeInMin": 30, "personalNeeds": ["extraTime"]}],
        "result": _result(
            **{"pass": "passed", "score": "9"},
            consumers=[
                {
                    "consumerKey": "nl-test-admin",
                    "attendance": "present",
                    "testDate": "2022-09-28T09:00:00Z",
                    "documents": [{"documentId": "d1", "documentType": "assessmentForm", "documentName": "a.pdf"}],
                }
            ],
        ),
        "x-unknown": {"kept": True},
    }
    assert FULL_MODELS["association"].validate_python(deelname).wire() == deelname


@pytest.mark.parametrize(
    ("adapter", "document", "pointer"),
    [
        (TypeAdapter(Person), {**PERSON, "consumers": [{"preferredName": "Maar"}]}, "/consumers/0/consumerKey"),
        (RESULT, _result(consumers=[{"attendance": "present"}]), "/consumers/0/consumerKey"),
        (OFFERING_CONSUMERS, [{"consumerKey": "nl-test-admin"}, {"offeringState": "canceled"}], "/1/consumerKey"),
    ],
    ids=["person", "result", "offering-consumers"],
)
def test_a_consumer_block_without_consumer_key_is_rejected(
    adapter: TypeAdapter[Any], document: Any, pointer: str
) -> None:
    assert _errors(adapter, document) == [(pointer, "is required")]


def test_an_nl_test_admin_block_is_checked_and_a_generic_one_is_not() -> None:
    generic = {"consumerKey": "x-vendor", "attendance": "whatever"}
    assert _errors(RESULT, _result(consumers=[generic])) == []
    assert [p for p, _ in _errors(RESULT, _result(consumers=[{**generic, "consumerKey": "nl-test-admin"}]))] == [
        "/consumers/0/attendance"
    ]


def test_attendance_is_required_in_the_nl_test_admin_result_block() -> None:
    assert _errors(RESULT, _result(consumers=[{"consumerKey": "nl-test-admin"}])) == [
        ("/consumers/0/attendance", "is required")
    ]


# --- discriminators -----------------------------------------------------------------------------------------

ASSOCIATION_WITHOUT_TYPE = {
    "associationId": "a1",
    "role": "student",
    "state": "associated",
    "person": "p1",
    "offering": "o1",
}


def test_a_missing_association_type_is_reported_at_its_pointer() -> None:
    [(pointer, reason)] = _errors(FULL_MODELS["association"], ASSOCIATION_WITHOUT_TYPE)
    assert pointer == "/associationType"
    assert "componentOfferingAssociation" in reason


@pytest.mark.parametrize(
    ("association_type", "model"),
    [
        ("componentOfferingAssociation", "ComponentOfferingAssociation"),
        ("programOfferingAssociation", "ProgramOfferingAssociation"),
        ("courseOfferingAssociation", "CourseOfferingAssociation"),
    ],
)
def test_association_type_chooses_the_model(association_type: str, model: str) -> None:
    document = {**ASSOCIATION_WITHOUT_TYPE, "associationType": association_type}
    assert type(FULL_MODELS["association"].validate_python(document)).__name__ == model


# --- date and date-time (PDF Tabel 4.0.A) ----------------------------------------------------------------------

DATE = TypeAdapter(Date)
DATE_TIME = TypeAdapter(DateTime)


def test_a_date_is_year_month_day() -> None:
    assert DATE.validate_python("2020-09-28") == date(2020, 9, 28)


@pytest.mark.parametrize("value", ["2020-09-28T00:00:00Z", "2020-09-28T00:00:00.000Z", "20200928", "2020-9-28"])
def test_a_date_is_nothing_else(value: str) -> None:
    assert _errors(DATE, value) == [("", "must be a date in the form YYYY-MM-DD")]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020-09-28T08:30:00Z", datetime(2020, 9, 28, 8, 30, tzinfo=UTC)),
        ("2020-09-28T08:30:00+01:00", datetime(2020, 9, 28, 8, 30, tzinfo=timezone(timedelta(hours=1)))),
        ("2020-09-28 08:30:00+01:00", datetime(2020, 9, 28, 8, 30, tzinfo=timezone(timedelta(hours=1)))),
    ],
)
def test_a_date_time_has_a_zone_offset(value: str, expected: datetime) -> None:
    assert DATE_TIME.validate_python(value) == expected


@pytest.mark.parametrize("value", ["2020-09-28T08:30:00", "2020-09-28 08:30", "2020-09-28"])
def test_a_date_time_without_offset_is_rejected(value: str) -> None:
    assert _errors(DATE_TIME, value) == [("", "must be an RFC 3339 date-time with a zone offset")]


def test_a_date_time_is_a_string() -> None:
    assert [p for p, _ in _errors(DATE_TIME, 1601281800)] == [""]


def test_a_session_takes_a_student_and_staff_of_roletype_but_no_struck_role() -> None:
    """PDF Tabel 4.3.B: lecturer and teaching assistant are listed without a meaning; the others take part."""
    assert {"coordinator", "invigilator", "assessor", "guest"} == enums.STAFF_ROLES
    assert enums.STAFF_ROLES | {"student"} == enums.PARTICIPANT_ROLES
    assert {role.value for role in enums.AssociationRole} == enums.STRUCK_ROLES | enums.PARTICIPANT_ROLES
    assert all(type(role) is str for role in enums.PARTICIPANT_ROLES | enums.STRUCK_ROLES)
