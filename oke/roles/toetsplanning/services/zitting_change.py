"""PDF 3.2.2 "Zitting wijzigen": a planner changes a planned session, and TA gets the whole session again, and
the Deelnames whose extra time or needs change with it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from oke.errors import FieldError, InvalidContent
from oke.ooapi.common import NL_TEST_ADMIN, nl_test_admin_block
from oke.ooapi.merge_patch import merge_patch
from oke.roles.toetsplanning import flow2, rules
from oke.roles.toetsplanning.needs import Toets
from oke.roles.toetsplanning.services._planned import (
    active_zitting,
    needs_of,
    require_valid_zitting,
    send,
    send_again,
    start_of,
    toets_of,
)
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.tables.toetsplanning import Zitting


@dataclass(frozen=True)
class ChangedZitting:
    zitting_id: str
    #: Whether the change changed the Zitting: nothing is sent to TA when it did not.
    changed: bool
    #: The Deelnames sent to TA again, as their extra time or needs changed with the session.
    deelnames: list[str]
    #: For the planner: assigned needs TA does not get in full, sent again or newly so (`Needs.warnings_since`).
    warnings: list[str] = field(default_factory=list)


#: What a change leaves as planned: the Zitting's id and test, its state (cancelling is `cancel_zitting`) and the
#: session report TA writes (flow 4). A change may repeat their values, as a whole offering does.
FIXED_FIELDS = ("offeringId", "offeringType", "component")
FIXED_CONSUMER_FIELDS = ("offeringState", *rules.REPORT_FIELDS)


def change_zitting(
    uow: ToetsplanningUnitOfWork, *, tenant: str, zitting_id: str, patch: dict[str, Any]
) -> ChangedZitting:
    """PDF 3.2.2 "Zitting wijzigen": merge the planner's change (RFC 7396, consumers by key) into the Zitting,
    validated as a new one is, and send TA the whole changed session (`PUT /offerings/{id}`, a snapshot), then
    each planned Deelname whose extra time or needs change with it ("Deelname wijzigen"). A need TA then does not
    get in full is told to the planner, and noted in the Deelname's history.

    The session's PUT replaces one still waiting or that TA refused (parked), in its place: that may be the PUT
    that creates the session at TA, and the Deelnames queued behind it still reach TA after their session
    (`oke.outbox.writer`). So a change repairs a session TA refused, and the Deelnames waiting on it go on. A
    change that changes nothing sends nothing.
    """
    with uow:
        zitting = active_zitting(uow, tenant, zitting_id)
        _require_changeable(zitting.data, patch)
        document = merge_patch(zitting.data, patch)
        if document == zitting.data:
            return ChangedZitting(zitting_id, False, [])
        require_valid_zitting(document, "")
        was = toets_of(uow, zitting)
        zitting.data, zitting.start_at = document, start_of(document)
        message = flow2.zitting_message(document, zitting.state)
        send(uow, zitting, "PUT", f"/offerings/{zitting_id}", message)
        sent, warnings = _send_changed_needs(uow, zitting, was)
        uow.commit()
    return ChangedZitting(zitting_id, True, sent, warnings)


def _require_changeable(planned: dict[str, Any], patch: dict[str, Any]) -> None:
    """A 400 naming each field the change may not change (`FIXED_FIELDS`, `FIXED_CONSUMER_FIELDS`)."""
    errors = [
        FieldError(f"/{name}", f"is fixed once the session is planned ({planned.get(name)!r})")
        for name in FIXED_FIELDS
        if name in patch and patch[name] != planned.get(name)
    ]
    blocks = patch.get("consumers")
    current = {**(nl_test_admin_block(planned.get("consumers")) or {}), "offeringState": "active"}  # not cancelled
    for i, block in enumerate(blocks if isinstance(blocks, list) else []):
        if not isinstance(block, dict) or block.get("consumerKey") != NL_TEST_ADMIN:
            continue
        for name in FIXED_CONSUMER_FIELDS:
            if name in block and block[name] != current.get(name):
                why = "cancel the session instead" if name == "offeringState" else "TA reports it (flow 4)"
                errors.append(FieldError(f"/consumers/{i}/{name}", f"is not the planner's to change: {why}"))
    if errors:
        raise InvalidContent(errors)


def _send_changed_needs(uow: ToetsplanningUnitOfWork, zitting: Zitting, was: Toets) -> tuple[list[str], list[str]]:
    """Send TA again each of the session's planned students whose extra time or needs the changed session changes
    (its duration, date, test or mode; `was` the session's test before): as `send_changed_person` does for a
    changed person. Returns the Deelnames sent, and the warnings, each also a note in its Deelname's history.

    Only Deelnames of DR's Toetsinschrijvingen whose Person TP holds: an ad-hoc student's Person (read from a DR
    group) is not kept, and its Deelname keeps what TA got.
    """
    toets = toets_of(uow, zitting)
    sent: list[str] = []
    warnings: list[str] = []
    for deelname in uow.repo.planned_deelnames_of(zitting.zitting_id):
        person = uow.repo.dr_person(zitting.tenant, deelname.person_id)
        if deelname.role != "student" or deelname.toetsinschrijving_id is None or person is None or not person.data:
            continue
        again = send_again(
            uow, zitting, deelname, person.data, toets, person_changed=False, was=needs_of(person.data, was)
        )
        if again.sent:
            sent.append(deelname.deelname_id)
        if again.warnings:
            uow.history.note(object_type="deelname", object_id=deelname.deelname_id, notes=list(again.warnings))
            warnings.extend(again.warnings)
    return sent, warnings
