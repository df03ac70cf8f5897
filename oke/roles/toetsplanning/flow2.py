"""The messages of flow 2 (TP -> TA), built from TP's state: pure, so the outbox holds exact snapshots.

TA gets a Zitting as a ComponentOffering (PUT /offerings/{id}), then one Deelname per participant
(PUT /associations/{id}) with the whole Person embedded; students carry their extra time and
personal needs, staff carry no consumers (PDF 3.2, Tabel 4.2.A and 4.3.A).
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from oke.ooapi.common import NL_TEST_ADMIN, nl_test_admin_block
from oke.ooapi.enums import AssociationType, OkeModeOfDelivery, Safety, StartOptions
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


@dataclass(frozen=True)
class SessionFields:
    """A planner's fields of a session, each None when not given (`oke plan zitting` and `oke plan change`): where
    each goes in the ComponentOffering, or in its nl-test-admin block, is the wire's, not the command line's."""

    start: str | None = None
    end: str | None = None
    name: str | None = None
    code: str | None = None
    mode: OkeModeOfDelivery | None = None
    duration: str | None = None
    last_start: str | None = None
    start_option: StartOptions | None = None
    safety: tuple[Safety, ...] = ()
    location: str | None = None

    def offering(self) -> dict[str, Any]:
        """The ComponentOffering to plan a new session with: an active one for nl-test-admin."""
        block = {"consumerKey": NL_TEST_ADMIN, "offeringState": "active", **self._block()}
        return self._fields() | {"consumers": [block]}

    def patch(self) -> dict[str, Any]:
        """The merge patch of a planned session: the fields given, and its nl-test-admin block only if one of that
        block's fields is given (the block is then merged by its `consumerKey`)."""
        block = self._block()
        return self._fields() | ({"consumers": [{"consumerKey": NL_TEST_ADMIN, **block}]} if block else {})

    def _fields(self) -> dict[str, Any]:
        fields = {
            "startDateTime": self.start,
            "endDateTime": self.end,
            "name": [{"language": "nl-NL", "value": self.name}] if self.name else None,
            "primaryCode": {"codeType": "offeringCode", "code": self.code} if self.code else None,
            "modeOfDelivery": [self.mode.value] if self.mode else None,
        }
        return {key: value for key, value in fields.items() if value is not None}

    def _block(self) -> dict[str, Any]:
        block = {
            "duration": self.duration,
            "lastPossibleStartDateTime": self.last_start,
            "startOptions": self.start_option.value if self.start_option else None,
            "safety": [s.value for s in self.safety] if self.safety else None,
            "locationCode": self.location,
        }
        return {key: value for key, value in block.items() if value is not None}


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
