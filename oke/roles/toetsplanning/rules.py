"""Pure rules of the Toetsplanning role: what makes a message valid, and what is remarkable about it."""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import TypeAdapter, ValidationError

from oke.errors import FieldError, InvalidContent, PayloadTooLarge
from oke.ooapi.associations import Association
from oke.ooapi.common import (
    INT32_MAX,
    NL_TEST_ADMIN,
    SEND_ONE,
    component_id,
    nl_test_admin_block,
    nl_test_admin_index,
    repeated_nl_test_admin,
)
from oke.ooapi.enums import PARTICIPANT_ROLES, STAFF_ROLES, AssociationType, modes_outside_oke
from oke.ooapi.offerings import NlTestAdminOffering, Offering, fixed_value_faults, session_time_faults
from oke.ooapi.persons import STUDENT_BLOCK_FIELDS, Person, person_faults
from oke.ooapi.problems import field_errors, field_errors_of
from oke.ooapi.results import Result

ASSOCIATION = TypeAdapter(Association)
OFFERING = TypeAdapter(Offering)
PERSON = TypeAdapter(Person)
RESULT = TypeAdapter(Result)
OFFERING_CONSUMER = TypeAdapter(NlTestAdminOffering)

#: The fields of a Zitting that TA modifies with its session report (flow 4); TP ignores the others.
REPORT_FIELDS = ("irregularities", "documents")

#: The largest result TP holds (as JSON): its flow 5 message, the result with the association around it, must
#: fit in the 1 MiB (1,048,576 bytes) every OKE role takes in one message (docs/vendors.md), DR included.
MAX_RESULT_BYTES = 1_000_000


def require_valid(adapter: TypeAdapter[Any], document: Any, prefix: str = "") -> Any:
    """The validated model, or a 400 naming every offending field."""
    try:
        return adapter.validate_python(document)
    except ValidationError as error:
        raise InvalidContent([FieldError(p, r) for p, r in field_errors(error, prefix)]) from None


def require_what_ta_takes(zitting: dict[str, Any], prefix: str = "") -> None:
    """A Zitting's modeOfDelivery, times and duration, `teachingLanguage` and `resultExpected` are ones a TA of OKE
    takes (the faults are found by the functions the reference TA refuses them with): TA would refuse others, and
    the session's later messages would wait behind it in the outbox. Judged in that order; the first that finds
    faults is the 400, naming each of them."""
    for faults_of in (modes_outside_oke, session_time_faults, fixed_value_faults):
        if faults := faults_of(zitting, prefix):
            raise InvalidContent([FieldError(p, r) for p, r in faults])


def require_active(zitting: dict[str, Any], prefix: str = "") -> None:
    """A session is planned active: TA would get a session already cancelled while TP holds it active. Cancelling
    is the planner's `POST /planning/zittingen/{id}/cancel`, which cancels its participations too."""
    index = nl_test_admin_index(zitting.get("consumers"))
    state = zitting["consumers"][index].get("offeringState") if index is not None else None
    if state not in (None, "active"):
        reason = f"{state!r}: a session is planned active; cancel it with POST /planning/zittingen/{{id}}/cancel"
        raise InvalidContent(FieldError(f"{prefix}/consumers/{index}/offeringState", reason))


def require_same_id(body: dict[str, Any], field: str, path_id: str) -> None:
    """A PUT body carries the object's id, and it must be the id of the path."""
    if field in body and body[field] != path_id:
        raise InvalidContent(FieldError(f"/{field}", f"{body[field]!r} differs from the id in the path {path_id!r}"))


def require_result_expected(offering: dict[str, Any]) -> None:
    """A planbare toets says whether DR expects its results (Tabel 4.2.A: mandatory, always true): without it
    TP could only guess, and would send DR none."""
    if offering.get("offeringType") == "component" and offering.get("resultExpected") is None:
        reason = "is required on a planbare toets (PDF Tabel 4.2.A: always true); TP sends DR results only when true"
        raise InvalidContent(FieldError("/resultExpected", reason))


def require_person(person: dict[str, Any], *, student: bool, prefix: str = "", whose: str = "") -> None:
    """A Person TA would take embedded in a Deelname (flow 2), or a 400 naming every field TA would refuse
    (`person_faults`, shared with the reference TA): a Deelname TA refuses holds up every later message of its
    session, so TP refuses it where it gets the Person (flow 1, planning). `whose` says where the Person came from.

    A student's Person carries its nl-test-admin block with `preferredName` and `idCheckName` (Tabel 4.10.A).
    """
    faults = person_faults(person, prefix) + (_student_block_faults(person, prefix) if student else [])
    if faults:
        raise InvalidContent([FieldError(pointer, f"{reason}{whose}") for pointer, reason in faults])


def taken_for_student(person: dict[str, Any]) -> bool:
    """A person DR sends (flow 1) is taken for a student unless its `affiliations` (optional in the PDF) leave
    student out."""
    affiliations = person.get("affiliations")
    return not isinstance(affiliations, list) or "student" in affiliations


def _student_block_faults(person: dict[str, Any], prefix: str) -> list[tuple[str, str]]:
    why = "is required for a student (PDF Tabel 4.10.A)"
    index = nl_test_admin_index(person.get("consumers"))
    if index is None:
        fields = " and ".join(STUDENT_BLOCK_FIELDS)
        return [(f"{prefix}/consumers", f"an {NL_TEST_ADMIN} block with {fields} {why}")]
    block = person["consumers"][index]
    return [(f"{prefix}/consumers/{index}/{name}", why) for name in STUDENT_BLOCK_FIELDS if block.get(name) is None]


def toetsinschrijving_notes(association: dict[str, Any]) -> list[str]:
    """A student's Toetsinschrijving has its nl-test-admin block (Tabel 4.3.A: mandatory for a student); its
    `attempt` is optional there, and TP takes it as attempt 1. Returns the note saying so."""
    toetsinschrijving = association.get("associationType") == AssociationType.componentOfferingAssociation
    if association.get("role") != "student" or not toetsinschrijving:
        return []
    block = nl_test_admin_block(association.get("consumers"))
    if block is None:
        reason = f"an {NL_TEST_ADMIN} block (with attempt and attemptLeft) is required for a student (PDF Tabel 4.3.A)"
        raise InvalidContent(FieldError("/consumers", reason))
    return [] if block.get("attempt") is not None else ["no attempt given: taken as attempt 1"]


def own_attempt(association: dict[str, Any]) -> int:
    """The attempt a Toetsinschrijving is for: its nl-test-admin `attempt`, and 1 where DR gave none
    (`toetsinschrijving_notes`)."""
    return (nl_test_admin_block(association.get("consumers")) or {}).get("attempt") or 1


def check_result(change: dict[str, Any], merged: dict[str, Any], role: str) -> None:
    """Flow 3: a student's Deelname gets a valid, complete Result with an nl-test-admin block.

    The merged result must be valid and complete (the first message brings state, resultDate and
    attendance); when it is not, an error in what the message sends is named where it stands in the message.
    """
    if role in STAFF_ROLES:
        raise InvalidContent(FieldError("/result", f"a participation as {role} carries no result"))
    refuse_repeated_block(change, "/result")
    try:
        RESULT.validate_python(merged)
    except ValidationError as error:
        _require_valid_as_sent(RESULT, change, "/result")  # an error in the message, named where it stands there
        raise InvalidContent([FieldError(p, r) for p, r in field_errors(error, "/result")]) from None
    if nl_test_admin_index(merged["consumers"]) is None:
        raise InvalidContent(FieldError("/result/consumers", f"needs a {NL_TEST_ADMIN} block with attendance"))


def require_forwardable(merged: dict[str, Any]) -> None:
    """Flow 3: the merged result fits in one message to DR. Each of TA's partial messages may be small while
    what they add up to is not (new fields are kept), and DR would refuse the result for good (413)."""
    if (size := len(orjson.dumps(merged))) > MAX_RESULT_BYTES:
        raise PayloadTooLarge(
            f"with this message the result would be {size} bytes, over the {MAX_RESULT_BYTES} TP can forward "
            "to DR in one message: send it smaller (a merge patch keeps every field the result holds)"
        )


def refuse_repeated_block(sent: dict[str, Any], pointer: str) -> None:
    """A message of TA has one nl-test-admin block: which of two to take would be a guess (merged, the last
    would win field by field)."""
    if repeated := repeated_nl_test_admin(sent.get("consumers")):
        raise InvalidContent([FieldError(f"{pointer}/consumers/{i}", SEND_ONE) for i in repeated])


def _require_valid_as_sent(adapter: TypeAdapter[Any], change: dict[str, Any], prefix: str) -> None:
    """The fields a merge patch sends are valid; what it leaves out or removes is judged after the merge.

    A consumer block always names its `consumerKey`: without it, it can be merged with nothing.
    """
    try:
        adapter.validate_python(change)
    except ValidationError as error:
        sent = [
            item
            for item in error.errors(include_url=False)
            if item.get("input") not in (None, [])
            and (item["type"] != "missing" or item["loc"][-1:] == ("consumerKey",))
        ]
        if sent:
            raise InvalidContent([FieldError(p, r) for p, r in field_errors_of(sent, prefix)]) from None


def check_report(report: dict[str, Any], pointer: str) -> list[str]:
    """Flow 4: the merged report is valid; returns remarks on what it still lacks (it may come in parts)."""
    require_valid(OFFERING_CONSUMER, {"consumerKey": NL_TEST_ADMIN, **report}, pointer)
    return [f"the session report has no {name} yet" for name in REPORT_FIELDS if name not in report]


def ignored_in_report(body: dict[str, Any], index: int) -> list[str]:
    """Flow 4 takes only the nl-test-admin block's irregularities and documents; TP ignores all else in the offering
    (PDF 3.4.3, Aanvullende eis). Returns a note per field ignored, so that TA learns it set nothing there."""
    why = "ignored; a session report sets only irregularities and documents (PDF 3.4.3)"
    top = [f"/{name}: {why}" for name in body if name not in ("offeringType", "offeringId", "consumers")]
    block = body["consumers"][index]
    inside = [f"/consumers/{index}/{name}: {why}" for name in block if name not in ("consumerKey", *REPORT_FIELDS)]
    others = [f"/consumers/{i}: {why}" for i in range(len(body["consumers"])) if i != index]
    return top + inside + others


def late_notes(*, deelname_state: str | None, zitting_state: str) -> list[str]:
    """Results and reports are accepted on a cancelled or finished participation or session, and marked so."""
    notes = []
    if deelname_state in ("canceled", "finished"):
        notes.append(f"received while the participation is {deelname_state}")
    if zitting_state in ("canceled", "finished"):
        notes.append(f"received while the session is {zitting_state}")
    return notes


def reopened_notes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    """A message that turns a completed result back to `in progress` is taken as sent (messages apply in order, and
    a completed result may be replaced), and marked: more often it is a late message than a test reopened."""
    if (before or {}).get("state") == "completed" and after.get("state") == "in progress":
        return ["the result went back from completed to in progress, as this message says"]
    return []


def components_of_toets(toets: dict[str, Any]) -> list[str]:
    """The TA tests (componentIds) a planbare toets names: its `component`, else its `testsToBeUsed` (flow 1)."""
    if (component := component_id(toets)) is not None:
        return [component]
    tests = (nl_test_admin_block(toets.get("consumers")) or {}).get("testsToBeUsed") or []
    return [str(test["componentId"]) for test in tests]


def session_takes_toets(
    *, toets_id: str, toets_tests: list[str], session_toets_id: str | None, session_test: str | None
) -> bool:
    """Whether a Zitting takes a Toetsinschrijving of planbare toets `toets_id` (whose tests are `toets_tests`).

    Flow 5 tells DR the session's name as the test taken (`executedOfferingName`), so an enrolment in a session
    of another test is reported as an attempt at that test. A session of a planbare toets takes the enrolments of
    that toets only; one without, those whose toets names the session's test (or where either names none, as
    TP then cannot tell).
    """
    if session_toets_id is not None:
        return toets_id == session_toets_id
    return session_test is None or not toets_tests or session_test in toets_tests


def session_takes(
    session: dict[str, Any], session_toets_id: str | None, toets_id: str, toets: dict[str, Any] | None
) -> bool:
    """`session_takes_toets` for a Zitting's document and that of the enrolment's planbare toets (None: TP lacks
    it)."""
    return session_takes_toets(
        toets_id=toets_id,
        toets_tests=components_of_toets(toets) if toets is not None else [],
        session_toets_id=session_toets_id,
        session_test=component_id(session),
    )


def require_role(role: str, at: str, whose: str = "") -> None:
    """A participant's role is one of a session (PDF Tabel 4.3.B): a 400 naming `{at}/role` otherwise."""
    if role not in PARTICIPANT_ROLES:
        allowed = ", ".join(sorted(PARTICIPANT_ROLES))
        raise InvalidContent(FieldError(f"{at}/role", f"{role!r}{whose} is not one of {allowed}"))


def role_to_plan(*, given: str | None, dr_role: str, at: str) -> str:
    """The role of a participant planned for one of DR's Toetsinschrijvingen: DR's (PDF 3.1.2.1: DR links staff to a
    planbare toets in their role), which a role the planner gives must repeat. A 400 naming `{at}/role` otherwise."""
    if given not in (None, dr_role):
        reason = f"{given!r} contradicts DR's Toetsinschrijving, which is of a {dr_role}: leave role out to plan DR's"
        raise InvalidContent(FieldError(f"{at}/role", reason))
    require_role(dr_role, at, " (the role of DR's Toetsinschrijving)")
    return dr_role


def require_no_attempt(role: str, *, attempt: int | None, extra_attempt: bool, at: str) -> None:
    """Staff take no attempt (PDF 3.2: no consumers, never a result): a 400 naming the `attempt` or `extraAttempt`
    asked for one."""
    if role not in STAFF_ROLES:
        return
    asked = {"attempt": attempt is not None, "extraAttempt": extra_attempt}
    errors = [FieldError(f"{at}/{name}", f"a {role} takes no attempt") for name, given in asked.items() if given]
    if errors:
        raise InvalidContent(errors)


def attempt_to_plan(
    *, own_attempt: int, attempt_left: int | None, planned: set[int], asked: int | None, extra: bool
) -> int:
    """Which attempt of a Toetsinschrijving a new Deelname is, within DR's attempt policy (PDF 3.1.2.1, 3.5.2).

    DR's enrolment is attempt `own_attempt`; `attemptLeft` more may follow (`None`: no limit). `planned`
    holds the attempts already taken or planned of the enrolment's planbare toets (not of one DR moved it from).
    Without `asked` or `extra`, a Deelname is the enrolment's own attempt, so planning a student twice by mistake
    is refused rather than turned into a retake.
    Raises `AttemptRefused` with the reason.
    """
    if asked is not None:
        attempt = asked
    elif extra:
        attempt = max(planned | {own_attempt}) + 1
    else:
        attempt = own_attempt
    if attempt > INT32_MAX:
        raise AttemptRefused(f"attempt {attempt} is past the largest the standard has ({INT32_MAX}, an int32)")
    if attempt in planned:
        hint = "" if extra or asked is not None else "; an extra attempt is planned with extraAttempt"
        raise AttemptRefused(f"attempt {attempt} is already planned{hint}")
    if attempt < own_attempt:
        raise AttemptRefused(f"attempt {attempt} is before this enrolment's own attempt {own_attempt}")
    if attempt_left is not None and attempt - own_attempt > attempt_left:
        raise AttemptRefused(
            f"attempt {attempt} exceeds DR's attempt policy: attempt {own_attempt} with attemptLeft {attempt_left}"
        )
    return attempt


class AttemptRefused(ValueError):
    """An attempt DR's policy or TP's planning does not allow."""
