"""Pure rules of the reference Toetsafname: flow 2 messages, judged as strictly as the standard writes them.

The reference TA exists to show a vendor's TP where its messages break OKE 1.0.1 (docs/standard.md), so
it refuses what the TP product would tolerate: misspelt fields of the md examples, fields of
other flows, a months duration. Every error names its field by JSON pointer and says which rule it breaks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter

from oke.errors import FieldError, FieldErrors, InvalidContent, require_discriminator
from oke.ooapi.associations import ComponentOfferingAssociation
from oke.ooapi.common import NL_TEST_ADMIN, SEND_ONE, nl_test_admin_index, repeated_nl_test_admin
from oke.ooapi.components import Component
from oke.ooapi.enums import (
    PARTICIPANT_ROLES,
    STAFF_ROLES,
    STRUCK_ROLES,
    AssociationState,
    AssociationType,
    modes_outside_oke,
)
from oke.ooapi.offerings import ComponentOffering, fixed_value_faults, session_time_faults
from oke.ooapi.persons import STUDENT_BLOCK_FIELDS, person_faults

ZITTING = TypeAdapter(ComponentOffering)
DEELNAME = TypeAdapter(ComponentOfferingAssociation)
COMPONENT = TypeAdapter(Component)

#: The states of a Deelname in flow 2: `associated` to add, `canceled` to remove; the others are refused.
DEELNAME_STATES = (AssociationState.associated, AssociationState.canceled)
_NOT_IN_FLOW_2 = tuple(state for state in AssociationState if state not in DEELNAME_STATES)

#: Fields of other flows (PDF 3.2.3): the strict TA refuses them in flow 2, naming the flow they belong to.
OTHER_FLOWS_OFFERING = {"resultValueType": "flow 1 (DR's planbare toets)"}
OTHER_FLOWS_OFFERING_BLOCK = {
    "testsToBeUsed": "flow 1 (DR's planbare toets)",
    "irregularities": "flow 4 (TA's session report)",
    "documents": "flow 4 (TA's session report)",
}
OTHER_FLOWS_DEELNAME = {"result": "flow 3 (TA sends results; a Deelname of flow 2 has none)"}
OTHER_FLOWS_DEELNAME_BLOCK = {
    "attempt": "flows 1 and 5",
    "attemptLeft": "flow 1",
    "programOfferingAssociationId": "flow 1",
    "courseOfferingAssociationId": "flow 1",
    "orgAssociationId": "flow 5",
}
#: What the OpenAPI's ComponentOffering requires beyond oke's wire model, which DR's planbare toetsen share and TP
#: reads liberally: PDF Tabel 4.2.A makes them mandatory in a Zitting too ("altijd nld", "altijd true").
ZITTING_REQUIRED = ("description", "teachingLanguage", "resultExpected")
#: Names the md examples use where 1.0.1 has another (docs/standard.md, "Names in the examples").
MISNAMED_DEELNAME_BLOCK = {"extraTimeInMin": "additionalTimeInMin"}


@dataclass(frozen=True)
class ZittingPlan:
    """A valid Zitting (flow 2.1): the document as received, its test and its state."""

    document: dict[str, Any]
    component_id: str
    state: str


@dataclass(frozen=True)
class DeelnamePlan:
    """A valid Deelname (flow 2.2/2.3): the document as received and what TA keys it on."""

    document: dict[str, Any]
    offering_id: str
    person_id: str
    role: str
    state: str


def require_id(body: dict[str, Any], field: str, path_id: str) -> None:
    """A PUT body carries the object's id (PDF 3.2.3), and it is the id of the path."""
    if field not in body:
        raise InvalidContent(FieldError(f"/{field}", "is required: a PUT body carries the object's id"))
    if body[field] != path_id:
        raise InvalidContent(FieldError(f"/{field}", f"{body[field]!r} differs from the id in the path {path_id!r}"))


def check_zitting(body: dict[str, Any], offering_id: str) -> ZittingPlan:
    """Flow 2.1: a complete Zitting (PDF figure 3.2.10), or a 400 naming every offending field."""
    require_discriminator(body, "offeringType", ("component",))
    require_id(body, "offeringId", offering_id)
    errors = FieldErrors()
    _refuse(body, OTHER_FLOWS_OFFERING, "", errors)
    block = _the_block(body, "", errors, needed="with offeringState (YAML nl-test-admin-Offering, PDF 3.2.3)")
    if block is not None:
        at, fields = block
        _refuse(fields, OTHER_FLOWS_OFFERING_BLOCK, at, errors)
        if fields.get("offeringState") is None:
            errors.add(f"{at}/offeringState", "is required (YAML nl-test-admin-Offering, PDF figure 3.2.10)")
    component = body.get("component")
    if component is None:
        errors.add("/component", "is required: the componentId of the test in this TA's catalogue (flow 0)")
    elif not isinstance(component, str):
        errors.add("/component", "must be the componentId (a string) of a test in this TA's catalogue")
    for name in ZITTING_REQUIRED:
        if body.get(name) in (None, []):
            errors.add(f"/{name}", "is required (PDF Tabel 4.2.A, OpenAPI ComponentOffering)")
    _check_common_offering(body, errors)
    for pointer, reason in session_time_faults(body):  # shared with TP, which refuses them when planned
        errors.add(pointer, reason)
    errors.add_model(ZITTING, body)
    errors.raise_any()
    state = str(block[1]["offeringState"]) if block else "active"
    return ZittingPlan(document=body, component_id=str(component), state=state)


def check_zitting_cancel(body: dict[str, Any]) -> None:
    """Flow 2.5: `offeringType` and the nl-test-admin `offeringState: canceled`; TA ignores the rest."""
    require_discriminator(body, "offeringType", ("component",))
    errors = FieldErrors()
    block = _the_block(body, "", errors, needed="with offeringState: canceled (PDF figure 3.2.11)")
    errors.raise_any()
    assert block is not None
    at, fields = block
    if fields.get("offeringState") != "canceled":
        reason = "must be 'canceled': a flow 2 PATCH only cancels a session; send a PUT to change it"
        raise InvalidContent(FieldError(f"{at}/offeringState", reason))


def check_deelname(body: dict[str, Any], association_id: str) -> DeelnamePlan:
    """Flow 2.2/2.3: a Deelname with its full Person (PDF figures 3.2.7, 3.2.8), or a 400 naming every fault."""
    require_discriminator(body, "associationType", (AssociationType.componentOfferingAssociation,))
    require_id(body, "associationId", association_id)
    errors = FieldErrors()
    role, state = body.get("role"), body.get("state")
    if isinstance(role, str) and role in STRUCK_ROLES:
        reason = f"{role!r} is struck in OKE: a Deelname's role is one of {', '.join(sorted(PARTICIPANT_ROLES))}"
        errors.add("/role", reason)
    if state in _NOT_IN_FLOW_2:
        errors.add("/state", f"{state!r} is not used in flow 2: send associated to add, canceled to remove")
    _refuse(body, OTHER_FLOWS_DEELNAME, "", errors)
    if "offering" in body and not isinstance(body["offering"], str):
        errors.add("/offering", "must be the offeringId of the Zitting, which TP sends first (PDF 3.2.3)")
    person = body.get("person")
    if isinstance(person, str):
        errors.add("/person", "must be the full Person: flow 2 always embeds it, never only its id (PDF 3.2.3)")
    elif isinstance(person, dict):
        _check_person(person, student=role == "student", errors=errors)
    if isinstance(role, str) and role in STAFF_ROLES and body.get("consumers"):  # a list is no role (the model says)
        errors.add("/consumers", f"staff ({role}) carry no consumers; they are for students only (PDF figure 3.2.7)")
    elif role == "student":
        _check_student_block(body, errors)
    errors.add_model(DEELNAME, body)
    errors.raise_any()
    assert isinstance(person, dict)
    return DeelnamePlan(body, str(body["offering"]), str(person["personId"]), str(role), str(state))


def check_deelname_cancel(body: dict[str, Any]) -> None:
    """Flow 2.4: `associationType` and `state: canceled` (PDF figure 3.2.9); TA ignores the rest."""
    require_discriminator(body, "associationType", (AssociationType.componentOfferingAssociation,))
    if body.get("state") != "canceled":
        reason = "must be 'canceled': a flow 2 PATCH only removes a participation; send a PUT to change it"
        raise InvalidContent(FieldError("/state", reason))


def check_component(document: dict[str, Any]) -> Component:
    """A test for the catalogue (Tabel 4.1.A): a Component of type test, in Dutch, with its nl-test-admin block."""
    errors = FieldErrors()
    if document.get("componentType") not in (None, "test"):
        errors.add("/componentType", "is always test in OKE")
    if document.get("teachingLanguage") not in (None, "nld"):
        errors.add("/teachingLanguage", "is always nld in OKE")
    _check_modes(document, errors)
    _the_block(document, "", errors, needed="(nl-test-admin-Component)")
    component = errors.add_model(COMPONENT, document)
    errors.raise_any()
    assert isinstance(component, Component)
    return component


def _refuse(fields: dict[str, Any], refused: dict[str, str], at: str, errors: FieldErrors) -> None:
    for name, flow in refused.items():
        if name in fields:
            errors.add(f"{at}/{name}", f"is not used in flow 2; it belongs to {flow}")


def _the_block(
    body: dict[str, Any], at: str, errors: FieldErrors, *, needed: str | None
) -> tuple[str, dict[str, Any]] | None:
    """The one nl-test-admin consumer block of `body` and its pointer; a second one is an error, and so is
    a missing one unless `needed` is None."""
    consumers = body.get("consumers")
    if not isinstance(consumers, list):
        if consumers is None and needed is not None:
            errors.add(f"{at}/consumers", f"is required: an {NL_TEST_ADMIN} block {needed}")
        return None  # any other type is the wire model's error
    for extra in repeated_nl_test_admin(consumers):
        errors.add(f"{at}/consumers/{extra}", SEND_ONE)
    index = nl_test_admin_index(consumers)
    if index is None:
        if needed is not None:
            errors.add(f"{at}/consumers", f"needs an {NL_TEST_ADMIN} block {needed}")
        return None
    return f"{at}/consumers/{index}", consumers[index]


def _check_common_offering(body: dict[str, Any], errors: FieldErrors) -> None:
    _check_modes(body, errors)
    for pointer, reason in fixed_value_faults(body):  # shared with TP, which refuses them when planned
        errors.add(pointer, reason)


def _check_modes(body: dict[str, Any], errors: FieldErrors) -> None:
    for pointer, reason in modes_outside_oke(body):
        errors.add(pointer, reason)


def _check_person(person: dict[str, Any], *, student: bool, errors: FieldErrors) -> None:
    """The Person of flow 2 (PDF figure 3.2.8); a student's consumer block has preferredName and idCheckName."""
    for pointer, reason in person_faults(person, "/person"):
        errors.add(pointer, reason)
    needed = "with preferredName and idCheckName (students)" if student else None
    block = _the_block(person, "/person", errors, needed=needed)
    if block is None:
        return
    at, fields = block
    if "assignedNeeds" in fields:
        errors.add(f"{at}/assignedNeeds", "is flow 1 only: in flow 2 the needs are the Deelname's personalNeeds")
    for name in STUDENT_BLOCK_FIELDS if student else ():
        if fields.get(name) is None:
            errors.add(f"{at}/{name}", "is required for a student (PDF figure 3.2.8)")


def _check_student_block(body: dict[str, Any], errors: FieldErrors) -> None:
    """A student's Deelname has an nl-test-admin block, with flow 2's fields only (Tabel 4.3.A)."""
    block = _the_block(body, "", errors, needed="(mandatory for a student)")
    if block is None:
        return
    at, fields = block
    _refuse(fields, OTHER_FLOWS_DEELNAME_BLOCK, at, errors)
    for wrong, right in MISNAMED_DEELNAME_BLOCK.items():
        if wrong in fields:
            errors.add(f"{at}/{wrong}", f"is not an {NL_TEST_ADMIN} field; 1.0.1 calls it {right} (PDF Tabel 4.3.A)")
    minutes = fields.get("additionalTimeInMin")
    if isinstance(minutes, int) and not isinstance(minutes, bool) and minutes < 0:
        errors.add(f"{at}/additionalTimeInMin", "must be 0 or more minutes (10000 or more is unlimited)")
