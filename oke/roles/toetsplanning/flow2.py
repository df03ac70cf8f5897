"""The messages of flow 2 (TP -> TA), built from TP's state: pure, so the outbox holds exact snapshots.

TA gets a Zitting as a ComponentOffering (PUT /offerings/{id}), then one Deelname per participant
(PUT /associations/{id}) with the whole Person embedded; students carry their extra time and
personal needs, staff carry no consumers (PDF 3.2, Tabel 4.2.A and 4.3.A).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from oke.ooapi.common import NL_TEST_ADMIN, nl_test_admin_block
from oke.ooapi.enums import AssociationType
from oke.ooapi.merge_patch import merge_patch
from oke.ooapi.offerings import FIXED_OFFERING_VALUES
from oke.roles.toetsplanning.needs import Needs

#: The outbox kind of flow 2's calls, and of its cancels apart: a cancel TA answers 404 or 410 finds nothing to
#: cancel at TA (e.g. an operator gave up the PUT TA refused), which is what it wants, so it counts as delivered.
KIND = "flow2"
CANCEL_KIND = "flow2.cancel"
NOTHING_TO_CANCEL = {CANCEL_KIND: frozenset({HTTPStatus.NOT_FOUND, HTTPStatus.GONE})}

#: Offering fields and nl-test-admin fields that flow 2 does not use (PDF Tabel 4.2.A).
NOT_IN_FLOW_2 = ("resultValueType", "testsToBeUsed", "irregularities", "documents")
FLOW_1_CONSUMER_FIELDS = ("finalResultAllowed", "finalResultsAllowed", "testsToBeUsed", "cohort", "location")
CANCEL_OFFERING = {
    "offeringType": "component",
    "consumers": [{"consumerKey": NL_TEST_ADMIN, "offeringState": "canceled"}],
}
CANCEL_ASSOCIATION = {"associationType": AssociationType.componentOfferingAssociation, "state": "canceled"}


def zitting_message(data: dict[str, Any], state: str) -> dict[str, Any]:
    """The Zitting as TA gets it: flow 1 fields left out, with what every Zitting carries (`zitting_document`)."""
    message = {key: value for key, value in zitting_document(data, state).items() if key not in NOT_IN_FLOW_2}
    message["consumers"] = [
        {k: v for k, v in block.items() if k not in (*NOT_IN_FLOW_2, *FLOW_1_CONSUMER_FIELDS)}
        if block.get("consumerKey") == NL_TEST_ADMIN
        else block
        for block in message["consumers"]
    ]
    return message


def zitting_document(data: dict[str, Any], state: str) -> dict[str, Any]:
    """The Zitting with what PDF Tabel 4.2.A (and the OpenAPI) make mandatory in it, derived when TA reads or gets it,
    so that a Zitting stored without them (planned before TP sent them) is complete too: `offeringState` as TP's
    state says (the YAML requires it; cancelling is TP's, never the planner's), a `description` (the planbare
    toets's or the planner's, else the session's name: mandatory, though flow2.md says "not used"),
    `teachingLanguage` `nld` and `resultExpected` `true` (the only values OKE allows)."""
    block = {"consumerKey": NL_TEST_ADMIN, "offeringState": "canceled" if state == "canceled" else "active"}
    consumers = [{**b, **block} if b.get("consumerKey") == NL_TEST_ADMIN else b for b in data.get("consumers") or []]
    if nl_test_admin_block(consumers) is None:
        consumers.append(block)
    fixed = {name: value for name, (value, _) in FIXED_OFFERING_VALUES.items()}
    return {**data, "description": data.get("description") or data.get("name"), **fixed, "consumers": consumers}


def deelname_message(
    data: dict[str, Any], state: str, person: dict[str, Any], needs: Needs | None = None
) -> dict[str, Any]:
    """The Deelname as TA gets it: the Person embedded, without DR's assigned needs (flow 1 only)."""
    message = {key: value for key, value in data.items() if key not in ("result", "consumers")}
    message["state"] = state
    message["person"] = person_message(person)
    if data.get("role") == "student":
        block: dict[str, Any] = {"consumerKey": NL_TEST_ADMIN}
        if needs is not None and needs.additional_time_in_min:
            block["additionalTimeInMin"] = needs.additional_time_in_min
        if needs is not None and needs.personal_needs:
            block["personalNeeds"] = list(needs.personal_needs)
        message["consumers"] = [block]
    return message


def person_message(person: dict[str, Any]) -> dict[str, Any]:
    """A Person for flow 2: `assignedNeeds` is for flow 1 only, TA gets the needs of this participation."""
    removal = {"consumers": [{"consumerKey": NL_TEST_ADMIN, "assignedNeeds": None}]}
    has_block = nl_test_admin_block(person.get("consumers")) is not None
    return merge_patch(person, removal) if has_block else dict(person)
