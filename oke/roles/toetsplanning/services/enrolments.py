"""Flow 1 push: DR sends its planbare toetsen, Toetsinschrijvingen and persons (and their context) to TP.

PUT creates or replaces, PATCH merges; cancelling an offering cancels its enrolments, and TP then
removes the person data it no longer needs (PDF 3.1).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from oke.auth.caller import Caller
from oke.errors import Conflict, NotFound
from oke.ooapi.common import nl_test_admin_block
from oke.ooapi.merge_patch import merge_patch
from oke.roles.toetsplanning import rules
from oke.roles.toetsplanning.services._sender import sender_of
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.history import Inbound
from oke.store.tables.toetsplanning import DrAssociation, DrOffering, DrPerson

OFFERING_TYPES = ("component", "program", "course")
ASSOCIATION_TYPES = ("componentOfferingAssociation", "programOfferingAssociation", "courseOfferingAssociation")


def put_offering(uow: ToetsplanningUnitOfWork, caller: Caller, offering_id: str, inbound: Inbound) -> bool:
    """Create or replace an offering; returns whether it was created."""
    body = inbound.body
    kind = rules.require_discriminator(body, "offeringType", OFFERING_TYPES)
    rules.require_same_id(body, "offeringId", offering_id)
    rules.require_valid(rules.OFFERING, {**body, "offeringId": offering_id})
    with uow:
        zitting = uow.repo.zitting(offering_id)
        if zitting is not None and zitting.tenant == caller.tenant:
            raise Conflict(f"offering {offering_id} is a session TP planned; TP creates the ids of its sessions")
        row = uow.repo.dr_offering(caller.tenant, offering_id, for_update=True)
        created = row is None
        if row is None:
            row = DrOffering(tenant=caller.tenant, offering_id=offering_id)
            uow.repo.add(row)
        row.offering_type = kind
        _set_offering(uow, caller, row, {**body, "offeringId": offering_id})
        _record_and_commit(uow, caller, inbound, "dr_offering", offering_id)
        return created


def patch_offering(uow: ToetsplanningUnitOfWork, caller: Caller, offering_id: str, inbound: Inbound) -> None:
    """Change an offering; `offeringState: canceled` withdraws it with its enrolments."""
    with uow:
        row = uow.repo.dr_offering(caller.tenant, offering_id, for_update=True)
        if row is None:
            raise NotFound(f"no offering {offering_id}")
        rules.require_discriminator(inbound.body, "offeringType", (row.offering_type,))
        merged = merge_patch(row.data, inbound.body)
        rules.require_valid(rules.OFFERING, merged)
        _set_offering(uow, caller, row, merged)
        _record_and_commit(uow, caller, inbound, "dr_offering", offering_id)


def put_association(uow: ToetsplanningUnitOfWork, caller: Caller, association_id: str, inbound: Inbound) -> bool:
    """Create or replace an enrolment (also how DR grants an extra attempt); returns whether it was created."""
    body = inbound.body
    rules.require_discriminator(body, "associationType", ASSOCIATION_TYPES)
    rules.require_same_id(body, "associationId", association_id)
    document = {**body, "associationId": association_id}
    rules.require_valid(rules.ASSOCIATION, document)
    with uow:
        row = uow.repo.dr_association(caller.tenant, association_id, for_update=True)
        created = row is None
        if row is None:
            row = DrAssociation(tenant=caller.tenant, association_id=association_id)
            uow.repo.add(row)
        _set_association(uow, caller, row, document)
        _record_and_commit(uow, caller, inbound, "dr_association", association_id)
        return created


def patch_association(uow: ToetsplanningUnitOfWork, caller: Caller, association_id: str, inbound: Inbound) -> None:
    """Change an enrolment; `state: canceled` cancels it, and its other fields are then ignored."""
    with uow:
        row = uow.repo.dr_association(caller.tenant, association_id, for_update=True)
        if row is None:
            raise NotFound(f"no association {association_id}")
        rules.require_discriminator(inbound.body, "associationType", (row.association_type,))
        if inbound.body.get("state") == "canceled":
            merged = {**row.data, "state": "canceled"}
        else:
            merged = merge_patch(row.data, inbound.body)
            rules.require_valid(rules.ASSOCIATION, merged)
        _set_association(uow, caller, row, merged)
        _record_and_commit(uow, caller, inbound, "dr_association", association_id)


def put_person(uow: ToetsplanningUnitOfWork, caller: Caller, person_id: str, inbound: Inbound) -> bool:
    """Create or replace a person; returns whether it was created."""
    rules.require_same_id(inbound.body, "personId", person_id)
    document = {**inbound.body, "personId": person_id}
    rules.require_valid(rules.PERSON, document)
    with uow:
        row = uow.repo.dr_person(caller.tenant, person_id, for_update=True)
        created = row is None
        if row is None:
            row = DrPerson(tenant=caller.tenant, person_id=person_id)
            uow.repo.add(row)
        row.data, row.removed_at = document, None
        _record_and_commit(uow, caller, inbound, "dr_person", person_id)
        return created


def _set_offering(uow: ToetsplanningUnitOfWork, caller: Caller, row: DrOffering, data: dict[str, Any]) -> None:
    block = nl_test_admin_block(data.get("consumers")) or {}
    row.data = data
    row.state = "canceled" if block.get("offeringState") == "canceled" else "active"
    if row.state == "canceled":
        for person_id in uow.repo.cancel_dr_associations_of(caller.tenant, row.offering_id):
            _forget_person_if_unused(uow, caller.tenant, person_id)


def _set_association(uow: ToetsplanningUnitOfWork, caller: Caller, row: DrAssociation, data: dict[str, Any]) -> None:
    person = data["person"]
    offering = data["offering"]
    row.association_type = data["associationType"]
    row.person_id = person if isinstance(person, str) else person["personId"]
    row.offering_id = offering if isinstance(offering, str) else offering["offeringId"]
    row.state = data["state"]
    row.data = data
    if row.state == "canceled":
        uow.session.flush()
        _forget_person_if_unused(uow, caller.tenant, row.person_id)


def _forget_person_if_unused(uow: ToetsplanningUnitOfWork, tenant: str, person_id: str) -> None:
    """Keep the person's id (results may still arrive) but drop the personal data TP no longer needs."""
    person = uow.repo.dr_person(tenant, person_id, for_update=True)
    if person is not None and person.data is not None and not uow.repo.person_is_enrolled(tenant, person_id):
        person.data, person.removed_at = None, datetime.now(UTC)


def _record_and_commit(
    uow: ToetsplanningUnitOfWork, caller: Caller, inbound: Inbound, object_type: str, object_id: str
) -> None:
    uow.history.record(sender_of(caller), inbound, flow="1", object_type=object_type, object_id=object_id, notes=[])
    uow.commit()
