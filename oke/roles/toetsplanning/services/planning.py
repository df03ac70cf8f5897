"""Planning: how a Zitting and its Deelnames come to exist at TP.

This is the small planning call the flows 3 and 4 need; sending the plan to TA (flow 2) builds on it.
TP creates the ids of its Zitting and Deelnames, and keeps the link Deelname -> Toetsinschrijving + attempt.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from oke.errors import FieldError, InvalidContent, NotFound
from oke.ooapi.common import NL_TEST_ADMIN
from oke.ooapi.merge_patch import merge_patch
from oke.roles.toetsplanning import rules
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.tables.toetsplanning import Deelname, Zitting

CANCELED_OFFERING = {"consumers": [{"consumerKey": NL_TEST_ADMIN, "offeringState": "canceled"}]}


@dataclass(frozen=True)
class Participant:
    """Who takes part: a student for one of DR's Toetsinschrijvingen, or staff (no enrolment, no consumers)."""

    person_id: str
    role: str = "student"
    toetsinschrijving_id: str | None = None
    attempt: int | None = None
    consumers: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class PlannedZitting:
    zitting_id: str
    deelname_ids: list[str]


def plan_zitting(
    uow: ToetsplanningUnitOfWork,
    *,
    tenant: str,
    ta_peer: str,
    offering: dict[str, Any],
    participants: list[Participant],
    planbare_toets_id: str | None = None,
) -> PlannedZitting:
    """Create a Zitting at TA `ta_peer` (a ComponentOffering without its id) and a Deelname per participant."""
    zitting_id = str(uuid.uuid4())
    document = {**offering, "offeringId": zitting_id, "offeringType": "component"}
    rules.require_valid(rules.OFFERING, document, "/offering")
    with uow:
        zitting = Zitting(
            zitting_id=zitting_id, tenant=tenant, ta_peer=ta_peer, planbare_toets_id=planbare_toets_id, data=document
        )
        uow.repo.add(zitting)
        deelname_ids = [_add_deelname(uow, zitting, p) for p in participants]
        uow.commit()
    return PlannedZitting(zitting_id, deelname_ids)


def cancel_zitting(uow: ToetsplanningUnitOfWork, *, tenant: str, zitting_id: str) -> None:
    """Cancel a session and every participation in it."""
    with uow:
        zitting = uow.repo.zitting(zitting_id, for_update=True)
        if zitting is None or zitting.tenant != tenant:
            raise NotFound(f"no session {zitting_id}")
        zitting.state = "canceled"
        zitting.data = merge_patch(zitting.data, CANCELED_OFFERING)
        uow.repo.cancel_deelnames_of(zitting_id)
        uow.commit()


def cancel_deelname(uow: ToetsplanningUnitOfWork, *, tenant: str, deelname_id: str) -> None:
    """Cancel one participation; results that arrive for it later are still accepted."""
    with uow:
        deelname = uow.repo.deelname(deelname_id, for_update=True)
        if deelname is None or deelname.tenant != tenant:
            raise NotFound(f"no participation {deelname_id}")
        deelname.state = "canceled"
        deelname.data = {**deelname.data, "state": "canceled"}
        uow.commit()


def _add_deelname(uow: ToetsplanningUnitOfWork, zitting: Zitting, participant: Participant) -> str:
    if participant.role not in rules.PARTICIPANT_ROLES:
        allowed = ", ".join(sorted(rules.PARTICIPANT_ROLES))
        raise InvalidContent(FieldError("/participants", f"role {participant.role!r} is not one of {allowed}"))
    deelname_id = str(uuid.uuid4())
    student = participant.role == "student"
    data: dict[str, Any] = {
        "associationId": deelname_id,
        "associationType": "componentOfferingAssociation",
        "role": participant.role,
        "state": "associated",
        "person": participant.person_id,
        "offering": zitting.zitting_id,
    }
    if student:
        data["consumers"] = participant.consumers or [{"consumerKey": NL_TEST_ADMIN}]
    uow.repo.add(
        Deelname(
            deelname_id=deelname_id,
            zitting=zitting,
            tenant=zitting.tenant,
            person_id=participant.person_id,
            role=participant.role,
            toetsinschrijving_id=participant.toetsinschrijving_id,
            attempt=participant.attempt,
            data=data,
        )
    )
    return deelname_id
