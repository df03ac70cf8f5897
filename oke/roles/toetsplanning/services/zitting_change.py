"""PDF 3.2.2 "Zitting wijzigen": a planner changes a planned session, and TA gets the whole session again, and
the Deelnames whose extra time or needs change with it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from oke.errors import FieldError, InvalidContent
from oke.ooapi.common import NL_TEST_ADMIN, nl_test_admin_block
from oke.ooapi.merge_patch import merge_patch
from oke.roles.toetsplanning import flow2, rules
from oke.roles.toetsplanning.services._planned import (
    active_zitting,
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


#: What a change leaves as planned: the Zitting's id and test, its state (cancelling is `cancel_zitting`) and the
#: session report TA writes (flow 4). A change may repeat their values, as a whole offering does.
FIXED_FIELDS = ("offeringId", "offeringType", "component")
FIXED_CONSUMER_FIELDS = ("offeringState", *rules.REPORT_FIELDS)


def change_zitting(
    uow: ToetsplanningUnitOfWork, *, tenant: str, zitting_id: str, patch: dict[str, Any]
) -> ChangedZitting:
    """PDF 3.2.2 "Zitting wijzigen": merge the planner's change (RFC 7396, consumers by key) into the Zitting,
    validated as a new one is, and send TA the whole changed session (`PUT /offerings/{id}`, a snapshot), then
    each planned Deelname whose extra time or needs change with it ("Deelname wijzigen").

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
        zitting.data, zitting.start_at = document, start_of(document)
        message = flow2.zitting_message(document, zitting.state)
        send(uow, zitting, "PUT", f"/offerings/{zitting_id}", message)
        sent = _send_changed_needs(uow, zitting)
        uow.commit()
    return ChangedZitting(zitting_id, True, sent)


def _require_changeable(planned: dict[str, Any], patch: dict[str, Any]) -> None:
    """A 400 naming each field the change may not change (`FIXED_FIELDS`, `FIXED_CONSUMER_FIELDS`)."""
    errors = [
        FieldError(f"/{name}", f"is fixed once the session is planned ({planned.get(name)!r})")
        for name in FIXED_FIELDS
        if name in patch and patch[name] != planned.get(name)
    ]
    blocks = patch.get("consumers")
    current = nl_test_admin_block(planned.get("consumers")) or {}
    for i, block in enumerate(blocks if isinstance(blocks, list) else []):
        if not isinstance(block, dict) or block.get("consumerKey") != NL_TEST_ADMIN:
            continue
        for name in FIXED_CONSUMER_FIELDS:
            if name in block and block[name] != current.get(name):
                why = "cancel the session instead" if name == "offeringState" else "TA reports it (flow 4)"
                errors.append(FieldError(f"/consumers/{i}/{name}", f"is not the planner's to change: {why}"))
    if errors:
        raise InvalidContent(errors)


def _send_changed_needs(uow: ToetsplanningUnitOfWork, zitting: Zitting) -> list[str]:
    """Send TA again each of the session's planned students whose extra time or needs the changed session changes
    (its duration, date, test or mode): as `send_changed_person` does for a changed person.

    Only Deelnames of DR's Toetsinschrijvingen whose Person TP holds: an ad-hoc student's Person (read from a DR
    group) is not kept, and its Deelname keeps what TA got.
    """
    toets, sent = toets_of(zitting.data), []
    for deelname in uow.repo.planned_deelnames_of(zitting.zitting_id):
        person = uow.repo.dr_person(zitting.tenant, deelname.person_id)
        if deelname.role != "student" or deelname.toetsinschrijving_id is None or person is None or not person.data:
            continue
        if send_again(uow, zitting, deelname, person.data, toets, person_changed=False):
            sent.append(deelname.deelname_id)
    return sent
