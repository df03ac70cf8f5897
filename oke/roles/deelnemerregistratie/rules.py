"""Pure rules of the reference Deelnemerregistratie: flow 5 messages judged as strictly as the standard writes
them, in 1.0.1 or in the draft 1.1 shape (docs/standard.md); query parameters of flows 1 and 6.

The reference DR exists to show a vendor's TP where its results break the standard (docs/standard.md),
so every error names its field by JSON pointer and says which rule it breaks. What the standard allows, DR
accepts: a valid result on a cancelled or finished enrolment, and an attempt beyond `attemptLeft`
(PDF 3.5.2, 3.5.3 and 5.1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import Field, TypeAdapter, ValidationError

from oke.errors import FieldError, FieldErrors, InvalidContent
from oke.ooapi.common import (
    MOMENT,
    NL_TEST_ADMIN,
    SEND_ONE,
    DateTime,
    OoapiModel,
    consumers_of,
    moment_or_none,
    nl_test_admin_index,
    repeated_nl_test_admin,
)
from oke.ooapi.enums import AssociationType, Attendance
from oke.ooapi.results import NlTestAdminResult, Result
from oke.ooapi.scales import takes

V1_0_1 = "1.0.1"
V1_1 = "1.1"
#: Enrolment states OKE uses (PDF Tabel 4.3.C).
STATES = ("associated", "canceled", "finished")
#: planningState of the draft 1.1 (docs/standard.md).
PLANNING_STATES = ("associated", "canceled", "pending", "finished")


class TestMomentEnrollmentDetails(OoapiModel):
    """Draft 1.1 (docs/standard.md): where the sitting, attendance and executedOfferingName of an attempt live."""

    startDateTime: DateTime | None = None
    endDateTime: DateTime | None = None
    roomName: str | None = None
    executedOfferingName: str
    attendance: Attendance
    testDateTime: DateTime | None = None
    irregularities: str | None = None
    coordinatorId: str | None = None
    coordinatorCode: str | None = None


class NlTestAdminResultV11(NlTestAdminResult):
    """Draft 1.1: attendance moved to testMomentEnrollmentDetails."""

    attendance: Attendance | None = None  # type: ignore[assignment]


class ResultV11(Result):
    consumers: consumers_of(NlTestAdminResultV11) = Field(min_length=1)  # type: ignore[valid-type]


RESULT: dict[str, TypeAdapter[Any]] = {V1_0_1: TypeAdapter(Result), V1_1: TypeAdapter(ResultV11)}
DETAILS = TypeAdapter(TestMomentEnrollmentDetails)


@dataclass(frozen=True)
class Flow5:
    """A flow 5 message that is valid on its own: its result, and the nl-test-admin block TP sent with it."""

    org_association_id: str
    attempt: int
    block: dict[str, Any]
    block_at: str
    result: dict[str, Any] | None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AttemptPut:
    """A valid PUT of an extra attempt (flow 5.2): the message and the enrolment fields of its body."""

    message: Flow5
    state: str
    person_id: str
    offering_id: str


@dataclass(frozen=True)
class Enrolment:
    """What the rules need of a DR enrolment."""

    association_id: str
    association_type: str
    role: str
    state: str
    enrolment_id: str
    attempt: int | None
    person_id: str
    offering_id: str
    created_by: str
    attempt_left: int | None = None


@dataclass(frozen=True)
class PlanbareToets:
    """What the rules need of DR's planbare toets: whether it expects results, and of which kind."""

    offering_id: str
    result_expected: bool
    value_type: str | None
    final_allowed: bool


def check_result_message(body: dict[str, Any], version: str, *, put_id: str | None = None) -> Flow5:
    """A flow 5 PATCH (5.1) or, with `put_id`, the flow 5 part of an extra attempt's PUT (5.2): the fields
    PDF 3.5.3 makes mandatory, the wire model, and the version's shape; a 400 naming every fault."""
    errors = FieldErrors()
    if body.get("associationType") is None:
        errors.add("/associationType", "is required in every PUT and PATCH (PDF 1.0.1 changes)")
    elif body["associationType"] != AssociationType.componentOfferingAssociation:
        reason = (
            f"must be {AssociationType.componentOfferingAssociation}: flow 5 returns results of Toetsinschrijvingen"
        )
        errors.add("/associationType", reason)
    block_at, block = _association_block(body, errors)
    notes: list[str] = []
    if block is not None:
        _check_block(block, block_at, version, errors, notes)
    details = block.get("testMomentEnrollmentDetails") if block else None
    result = body.get("result")
    if result is None:
        if version == V1_0_1 or (details is None and put_id is not None):
            errors.add("/result", "is required in flow 5 (PDF 3.5.3): the result or attendance being returned")
    elif not isinstance(result, dict):
        errors.add("/result", "must be a Result object")
    else:
        _check_result(result, version, errors)
    errors.raise_any()
    assert block is not None
    return Flow5(
        org_association_id=str(block["orgAssociationId"]),
        attempt=int(block["attempt"]),
        block=block,
        block_at=block_at,
        result=result,
        notes=notes,
    )


def check_attempt_put(body: dict[str, Any], association_id: str, version: str) -> AttemptPut:
    """Flow 5.2: the full association of an extra attempt (PDF figure 3.5.6) with its result."""
    errors = FieldErrors()
    if "associationId" not in body:
        errors.add("/associationId", "is required: a PUT body carries the object's id")
    elif body["associationId"] != association_id:
        errors.add("/associationId", f"{body['associationId']!r} differs from the id in the path {association_id!r}")
    if body.get("role") != "student":
        errors.add("/role", "must be student: an extra attempt is a student's Toetsinschrijving (PDF figure 3.5.6)")
    if body.get("state") not in STATES:
        errors.add("/state", f"is required, one of {', '.join(STATES)} (OKE uses only these; PDF figure 3.5.6)")
    person, offering = body.get("person"), body.get("offering")
    person_id = person.get("personId") if isinstance(person, dict) else person
    if not isinstance(person_id, str):
        errors.add("/person", "is required: DR's personId of the student (PDF figure 3.5.6)")
    if not isinstance(offering, str):
        errors.add("/offering", "is required: the offeringId of DR's planbare toets (PDF figure 3.5.6)")
    try:
        message = check_result_message(body, version, put_id=association_id)
    except InvalidContent as invalid:
        errors.extend(e for e in invalid.errors if e not in errors)
    errors.raise_any()
    return AttemptPut(message, str(body["state"]), str(person_id), str(offering))


def _association_block(body: dict[str, Any], errors: FieldErrors) -> tuple[str, dict[str, Any] | None]:
    consumers = body.get("consumers")
    index = nl_test_admin_index(consumers)
    if index is None:
        wanted = f"an {NL_TEST_ADMIN} block with orgAssociationId and attempt (PDF 3.5.3)"
        errors.add("/consumers", f"needs {wanted}" if consumers is not None else f"is required: {wanted}")
        return "/consumers", None
    assert isinstance(consumers, list)
    for extra in repeated_nl_test_admin(consumers):
        errors.add(f"/consumers/{extra}", SEND_ONE)
    return f"/consumers/{index}", consumers[index]


def _check_block(block: dict[str, Any], at: str, version: str, errors: FieldErrors, notes: list[str]) -> None:
    org = block.get("orgAssociationId")
    if org is None:
        errors.add(f"{at}/orgAssociationId", "is required in flow 5: DR's Toetsinschrijving id (PDF 3.5.2, 3.5.3)")
    elif not isinstance(org, str) or not org:
        errors.add(f"{at}/orgAssociationId", "must be the id (a string) of DR's Toetsinschrijving")
    attempt = block.get("attempt")
    if attempt is None:
        errors.add(f"{at}/attempt", "is required in flow 5: the attempt this result is of (PDF 3.5.3)")
    elif not isinstance(attempt, int) or isinstance(attempt, bool) or attempt < 1:
        errors.add(f"{at}/attempt", "must be an integer of 1 or more")
    if "attemptLeft" in block:
        notes.append(f"{at}/attemptLeft: ignored; the attempt policy is DR's (flow 1)")
    draft = [name for name in ("planningState", "testMomentEnrollmentDetails") if name in block]
    if version == V1_0_1:
        notes += [f"{at}/{name}: ignored; the draft 1.1 shape, not 1.0.1 (oke's docs/standard.md)" for name in draft]
        return
    state = block.get("planningState")
    if state is not None and state not in PLANNING_STATES:
        errors.add(f"{at}/planningState", f"{state!r} is not one of {', '.join(PLANNING_STATES)} (1.1)")
    details = block.get("testMomentEnrollmentDetails")
    if details is None:
        reason = "is required in 1.1: it carries the attendance and executedOfferingName of the attempt"
        errors.add(f"{at}/testMomentEnrollmentDetails", reason)
    else:
        errors.add_model(DETAILS, details, f"{at}/testMomentEnrollmentDetails")
        if isinstance(details, dict):
            _check_period(details, f"{at}/testMomentEnrollmentDetails", errors)


def _check_period(details: dict[str, Any], at: str, errors: FieldErrors) -> None:
    start, end = moment_or_none(details.get("startDateTime")), moment_or_none(details.get("endDateTime"))
    if start is not None and end is not None and end < start:
        errors.add(f"{at}/endDateTime", "must not be before startDateTime")


def _check_result(result: dict[str, Any], version: str, errors: FieldErrors) -> None:
    index = nl_test_admin_index(result.get("consumers"))
    block = result["consumers"][index] if index is not None else None
    at = f"/result/consumers/{index}"
    if version == V1_0_1:
        if block is None:
            errors.add("/result/consumers", f"needs an {NL_TEST_ADMIN} block with attendance (Tabel 4.3.D)")
        elif block.get("executedOfferingName") is None:
            errors.add(f"{at}/executedOfferingName", "is required in flow 5 (PDF 3.5.3): the session's name")
    if result.get("weight") not in (None, 100):
        errors.add("/result/weight", "is always 100 in OKE (unused; PDF Tabel 4.3.D)")
    errors.add_model(RESULT[version], result, "/result")


def check_against_enrolment(message: Flow5, enrolment: Enrolment, toets: PlanbareToets | None) -> list[str]:
    """A flow 5.1 PATCH fits the Toetsinschrijving (or TP's extra attempt) it is sent to; returns notes.

    A cancelled or finished enrolment still takes a valid result (PDF 3.5.3).
    """
    errors = FieldErrors()
    _receives_results(enrolment, toets, errors)
    at = message.block_at
    if message.org_association_id != enrolment.enrolment_id:
        reason = f"must be {enrolment.enrolment_id!r}, DR's Toetsinschrijving this association belongs to"
        errors.add(
            f"{at}/orgAssociationId", reason + " (PDF 3.5.2, 3.5.3, not Tabel 4.3.A: see oke's docs/standard.md)"
        )
    own = enrolment.attempt or 1
    if message.attempt != own:
        reason = f"this association is attempt {own}; an extra attempt is a new association (PUT, flow 5.2)"
        errors.add(f"{at}/attempt", reason + " (PDF 3.5.3)")
    if toets is not None and message.result is not None:
        _check_score(message.result, toets, errors)
    errors.raise_any()
    notes = list(message.notes)
    if enrolment.state != "associated":
        notes.append(f"/: accepted for a {enrolment.state} enrolment (PDF 3.5.3)")
    return notes


def check_against_original(
    put: AttemptPut,
    association_id: str,
    existing: Enrolment | None,
    original: Enrolment | None,
    toets: PlanbareToets | None,
    taken: dict[int, str],
) -> list[str]:
    """A flow 5.2 PUT: a new (or TP's own) association for an extra attempt of an existing Toetsinschrijving.

    `taken` maps the attempts already known for that Toetsinschrijving to their associations. An attempt
    beyond `attemptLeft` is accepted and noted (PDF 3.5.3: DR may not refuse an unforeseen attempt).
    """
    errors = FieldErrors()
    at = put.message.block_at
    if existing is not None and existing.created_by == "dr":
        reason = "names DR's own enrolment: its results are sent by PATCH (5.1); PUT is for a new extra attempt"
        raise InvalidContent(FieldError("/associationId", reason + " with a new id made by TP (5.2)"))
    org = put.message.org_association_id
    if (
        original is None
        or original.created_by != "dr"
        or original.association_type != AssociationType.componentOfferingAssociation
    ):
        raise InvalidContent(FieldError(f"{at}/orgAssociationId", f"no Toetsinschrijving {org!r} at this DR"))
    if existing is not None and existing.enrolment_id != org:
        reason = f"attempt {association_id} belongs to Toetsinschrijving {existing.enrolment_id!r}"
        errors.add(f"{at}/orgAssociationId", reason)
    _receives_results(original, toets, errors)
    if put.person_id != original.person_id:
        errors.add("/person", f"must be {original.person_id!r}, the student of Toetsinschrijving {org!r}")
    if put.offering_id != original.offering_id:
        errors.add("/offering", f"must be {original.offering_id!r}, the planbare toets of Toetsinschrijving {org!r}")
    first = original.attempt or 1
    attempt = put.message.attempt
    if attempt <= first:
        errors.add(f"{at}/attempt", f"must be above {first}: attempt {first} is the Toetsinschrijving itself (PATCH)")
    elif taken.get(attempt, association_id) != association_id:
        errors.add(f"{at}/attempt", f"attempt {attempt} of {org!r} is already association {taken[attempt]!r}")
    if toets is not None and put.message.result is not None:
        _check_score(put.message.result, toets, errors)
    errors.raise_any()
    notes = list(put.message.notes)
    if original.attempt_left is not None and attempt > first + original.attempt_left:
        notes.append(f"{at}/attempt: an unforeseen attempt, beyond attemptLeft {original.attempt_left}; accepted")
    if original.state != "associated":
        notes.append(f"/: accepted for attempt of a {original.state} Toetsinschrijving (PDF 3.5.3)")
    return notes


def _receives_results(enrolment: Enrolment, toets: PlanbareToets | None, errors: FieldErrors) -> None:
    if enrolment.association_type != AssociationType.componentOfferingAssociation:
        reason = f"is a {enrolment.association_type}: flow 5 returns results of Toetsinschrijvingen only"
        errors.add("/associationType", reason)
    elif enrolment.role != "student":
        errors.add("/result", f"{enrolment.association_id!r} enrols a {enrolment.role}: staff receive no results")
    elif toets is not None and not toets.result_expected:
        errors.add("/result", f"planbare toets {toets.offering_id!r} expects no results (resultExpected false)")


def _check_score(result: dict[str, Any], toets: PlanbareToets, errors: FieldErrors) -> None:
    """TP fits the score to DR's resultValueType and obeys finalResultsAllowed (PDF Tabel 4.3.D, 4.2.A)."""
    score = result.get("score")
    if isinstance(score, str) and toets.value_type and not takes(score, toets.value_type):
        reason = f"{score!r} does not fit resultValueType {toets.value_type!r} of the planbare toets (PDF Tabel 4.3.D)"
        errors.add("/result/score", reason)
    index = nl_test_admin_index(result.get("consumers"))
    if index is not None and result["consumers"][index].get("final") is True and not toets.final_allowed:
        reason = "may not be true: the planbare toets has finalResultsAllowed false (PDF Tabel 4.2.A)"
        errors.add(f"/result/consumers/{index}/final", reason)


def attempt_left_of(association: dict[str, Any]) -> int | None:
    """`attemptLeft` of a Toetsinschrijving as DR wrote it: absent or null is unlimited."""
    index = nl_test_admin_index(association.get("consumers"))
    value = association["consumers"][index].get("attemptLeft") if index is not None else None
    return value if isinstance(value, int) else None


def planbare_toets(offering: dict[str, Any]) -> PlanbareToets:
    """The flow 5 facts of a planbare toets: `finalResultsAllowed` (PDF) or `finalResultAllowed` (YAML),
    true unless said otherwise."""
    index = nl_test_admin_index(offering.get("consumers"))
    block = offering["consumers"][index] if index is not None else {}
    allowed = block.get("finalResultAllowed", block.get("finalResultsAllowed", True))
    return PlanbareToets(
        offering_id=str(offering.get("offeringId")),
        result_expected=offering.get("resultExpected") is True,
        value_type=offering.get("resultValueType"),
        final_allowed=allowed is not False,
    )


# Query parameters


def window_day(value: str | None, name: str) -> date | None:
    """`since`/`until` of flow 1: a date (YAML), or a date-time whose date counts (flow1.md; docs/standard.md)."""
    if value is None or value == "":
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        return MOMENT.validate_python(value).date()
    except (ValueError, ValidationError):
        reason = f"must be a date (YYYY-MM-DD) or a date-time with a zone offset, not {value[:40]!r}"
        if " " in value:  # a "+01:00" sent as is reads as " 01:00"
            reason += ": a + in a query is sent as %2B"
        raise InvalidContent(FieldError(f"/query/{name}", reason)) from None


def window(since: str | None, until: str | None) -> tuple[date | None, date | None]:
    """Flow 1a's `since`..`until` as days (`window_day`), either open; an `until` before `since` is refused."""
    first, last = window_day(since, "since"), window_day(until, "until")
    if first and last and last < first:
        raise InvalidContent(FieldError("/query/until", "must not be before since"))
    return first, last


def period_of(offering: dict[str, Any]) -> tuple[date, date]:
    """An offering's period in dates: startDateTime/endDateTime (component) or startDate/endDate."""
    if offering.get("offeringType") == "component":
        start = MOMENT.validate_python(offering["startDateTime"])
        end = MOMENT.validate_python(offering["endDateTime"])
        return start.date(), end.date()
    return date.fromisoformat(offering["startDate"]), date.fromisoformat(offering["endDate"])
