"""Flow 1: DR's planbare toetsen, Toetsinschrijvingen and persons (and their context) at TP.

DR pushes them (PUT creates or replaces, PATCH merges), or TP pulls them (`dr_sync`) and keeps each
document as a PUT would (`keep_*`), leaving unchanged ones alone. Cancelling an offering cancels its
enrolments, and the sessions of it that no student is left in. A cancelled enrolment's Deelnames that TA has not
reported on are cancelled at TA (docs/planning.md, "When DR cancels"), as are those of an enrolment DR moved to
another planbare toets, and TP removes the person data it no longer needs (PDF 3.1). A changed person reaches TA in
each of its planned Deelnames (PDF 3.2, "Deelname wijzigen"). When DR turns `resultExpected` on, the results TA
already gave go to DR; when DR moves a Toetsinschrijving, flow 5 decides afresh for those TA gave (held: of another
toets). What TP needs later is required at intake: `resultExpected`, a student's name fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select

from oke.auth.caller import Caller, sender_of
from oke.errors import Conflict, NotFound, require_discriminator
from oke.ooapi.common import nl_test_admin_block
from oke.ooapi.enums import AssociationType
from oke.ooapi.legacy import normalise_person
from oke.ooapi.merge_patch import merge_patch
from oke.roles.toetsplanning import rules
from oke.roles.toetsplanning.services import dr_changes, forwarding
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.history import Inbound
from oke.store.tables.peers import PeerConfig
from oke.store.tables.toetsplanning import Deelname, DrAssociation, DrOffering, DrPerson

OFFERING_TYPES = ("component", "program", "course")
ASSOCIATION_TYPES = (
    AssociationType.componentOfferingAssociation,
    AssociationType.programOfferingAssociation,
    AssociationType.courseOfferingAssociation,
)


class Kept(StrEnum):
    """What keeping one of DR's documents did to TP's copy."""

    new = "new"
    changed = "changed"
    unchanged = "unchanged"  # nothing written, no history row: a pull that finds nothing new leaves no trace
    cancelled = "cancelled"  # changed, and now cancelled (with its enrolments, for an offering)
    #: An association TP itself created at DR for an extra attempt (flow 5.2), sent or listed back by DR: TP's
    #: own, not a Toetsinschrijving, so nothing is written (a push's history row says so).
    tps_own = "tps_own"


#: The history's note of DR's message for an association TP created at DR for an extra attempt.
TPS_OWN = "not kept: TP created association {} at DR for an extra attempt (flow 5.2); it is no Toetsinschrijving of DR"


def put_offering(uow: ToetsplanningUnitOfWork, caller: Caller, offering_id: str, inbound: Inbound) -> bool:
    """Create or replace an offering; returns whether it was created."""
    return keep_offering(uow, caller, offering_id, inbound, record_unchanged=True) is Kept.new


def keep_offering(
    uow: ToetsplanningUnitOfWork, caller: Caller, offering_id: str, inbound: Inbound, *, record_unchanged: bool = False
) -> Kept:
    """Keep DR's offering `inbound.body` as a PUT does; an unchanged one is written only if `record_unchanged`."""
    body = inbound.body
    kind = require_discriminator(body, "offeringType", OFFERING_TYPES)
    rules.require_same_id(body, "offeringId", offering_id)
    document = {**body, "offeringId": offering_id}
    rules.require_valid(rules.OFFERING, document)
    rules.require_result_expected(document)
    with uow:
        zitting = uow.repo.zitting(offering_id)
        if zitting is not None and zitting.tenant == caller.tenant:
            raise Conflict(f"offering {offering_id} is a session TP planned; TP creates the ids of its sessions")
        row = uow.repo.dr_offering(caller.tenant, offering_id, for_update=True)
        if row is None:
            was: str | None = None
            row = DrOffering(tenant=caller.tenant, offering_id=offering_id)
            uow.repo.add(row)
        elif not record_unchanged and row.offering_type == kind and row.data == document:
            return Kept.unchanged
        else:
            was = row.state
        row.offering_type = kind
        _record(uow, caller, inbound, "dr_offering", offering_id)
        _set_offering(uow, caller, inbound, row, document)
        uow.commit()
        return _kept(was, row.state)


def patch_offering(uow: ToetsplanningUnitOfWork, caller: Caller, offering_id: str, inbound: Inbound) -> None:
    """Change an offering; `offeringState: canceled` withdraws it with its enrolments."""
    with uow:
        row = uow.repo.dr_offering(caller.tenant, offering_id, for_update=True)
        if row is None:
            raise NotFound(f"no offering {offering_id}")
        require_discriminator(inbound.body, "offeringType", (row.offering_type,))
        merged = merge_patch(row.data, inbound.body)
        rules.require_valid(rules.OFFERING, merged)
        if "resultExpected" in inbound.body:  # a null removes it; a cancel of an older copy without it stays possible
            rules.require_result_expected(merged)
        _record(uow, caller, inbound, "dr_offering", offering_id)
        _set_offering(uow, caller, inbound, row, merged)
        uow.commit()


def put_association(uow: ToetsplanningUnitOfWork, caller: Caller, association_id: str, inbound: Inbound) -> bool:
    """Create or replace an enrolment (also how DR grants an extra attempt); returns whether it was created."""
    return keep_association(uow, caller, association_id, inbound, record_unchanged=True) is Kept.new


def keep_association(
    uow: ToetsplanningUnitOfWork,
    caller: Caller,
    association_id: str,
    inbound: Inbound,
    *,
    record_unchanged: bool = False,
) -> Kept:
    """Keep DR's enrolment `inbound.body` as a PUT does; `state: canceled` cancels it as DR's PATCH would.

    An association TP created for an extra attempt is acknowledged and left alone (`_tps_own`), whatever DR
    sent: it is TP's, and refusing it would park it in a DR's outbox that pushes every association it holds.
    """
    with uow:
        if _tps_own(uow, caller, association_id, inbound, record=record_unchanged):
            return Kept.tps_own
        body = inbound.body
        require_discriminator(body, "associationType", ASSOCIATION_TYPES)
        rules.require_same_id(body, "associationId", association_id)
        document = {**body, "associationId": association_id}
        rules.require_valid(rules.ASSOCIATION, document)
        notes = rules.toetsinschrijving_notes(document)
        row = uow.repo.dr_association(caller.tenant, association_id, for_update=True)
        if row is None:
            was: str | None = None
            row = DrAssociation(tenant=caller.tenant, association_id=association_id)
            uow.repo.add(row)
        elif not record_unchanged and row.data == document:
            return Kept.unchanged
        else:
            was = row.state
        _record(uow, caller, inbound, "dr_association", association_id, notes=notes)
        _set_association(uow, caller, inbound, row, document)
        uow.commit()
        return _kept(was, row.state)


def patch_association(uow: ToetsplanningUnitOfWork, caller: Caller, association_id: str, inbound: Inbound) -> None:
    """Change an enrolment; `state: canceled` cancels it, and its other fields are then ignored. An association TP
    created for an extra attempt is acknowledged and left alone, as by `keep_association`."""
    with uow:
        if _tps_own(uow, caller, association_id, inbound, record=True):
            return
        row = uow.repo.dr_association(caller.tenant, association_id, for_update=True)
        if row is None:
            raise NotFound(f"no association {association_id}")
        require_discriminator(inbound.body, "associationType", (row.association_type,))
        notes: list[str] = []
        if inbound.body.get("state") == "canceled":
            merged = {**row.data, "state": "canceled"}
        else:
            merged = merge_patch(row.data, inbound.body)
            rules.require_valid(rules.ASSOCIATION, merged)
            notes = rules.toetsinschrijving_notes(merged)
        _record(uow, caller, inbound, "dr_association", association_id, notes=notes)
        _set_association(uow, caller, inbound, row, merged)
        uow.commit()


def put_person(uow: ToetsplanningUnitOfWork, caller: Caller, person_id: str, inbound: Inbound) -> bool:
    """Create or replace a person; returns whether it was created."""
    return keep_person(uow, caller, person_id, inbound, record_unchanged=True) is Kept.new


def keep_person(
    uow: ToetsplanningUnitOfWork, caller: Caller, person_id: str, inbound: Inbound, *, record_unchanged: bool = False
) -> Kept:
    """Keep DR's person `inbound.body` as a PUT does (person data TP removed comes back with it)."""
    rules.require_same_id(inbound.body, "personId", person_id)
    normalised = normalise_person(inbound.body)
    document = {**normalised.body, "personId": person_id}
    rules.require_valid(rules.PERSON, document)
    rules.require_person(document, student=rules.taken_for_student(document))
    with uow:
        row = uow.repo.dr_person(caller.tenant, person_id, for_update=True)
        created = row is None
        if row is None:
            row = DrPerson(tenant=caller.tenant, person_id=person_id)
            uow.repo.add(row)
        elif not record_unchanged and row.data == document:
            return Kept.unchanged
        before = row.data
        row.data, row.removed_at = document, None
        _record(uow, caller, inbound, "dr_person", person_id, notes=normalised.notes)
        if not created:
            for resent in dr_changes.send_changed_person(
                uow, tenant=caller.tenant, person_id=person_id, before=before, after=document
            ):
                notes = [f"sent to TA again: DR changed person {person_id}"] if resent.sent else []
                _record(uow, caller, inbound, "deelname", resent.deelname.deelname_id, notes=[*notes, *resent.warnings])
        uow.commit()
        return Kept.new if created else Kept.changed


def tenant_of_dr(uow: ToetsplanningUnitOfWork, dr_peer: str) -> str:
    """The school whose DR `dr_peer` is; `NotFound` when it is no DR peer."""
    with uow:
        peer = uow.repo.peer(dr_peer)
        if peer is None or peer.role != "dr":
            raise NotFound(f"no DR peer {dr_peer!r} (oke peers add --role dr)")
        return peer.tenant


def tps_own_associations(uow: ToetsplanningUnitOfWork, tenant: str) -> set[str]:
    """The associations TP created at the school's DR for extra attempts (flow 5.2): what a pull does not take."""
    with uow:
        return uow.repo.extra_attempts(tenant)


def open_enrolments_in(uow: ToetsplanningUnitOfWork, tenant: str, toets_ids: Sequence[str]) -> set[str]:
    """The enrolments TP holds of these planbare toetsen that DR has not cancelled: a pull compares them with what
    DR lists."""
    with uow:
        return uow.repo.open_enrolments_in(tenant, toets_ids)


def dr_peers(uow: ToetsplanningUnitOfWork) -> list[str]:
    """The names of every configured DR (`oke peers add --role dr`), whatever their school: what a schedule pulls."""
    with uow:
        query = select(PeerConfig.name).where(PeerConfig.role == "dr").order_by(PeerConfig.name)
        return list(uow.session.scalars(query))


def _set_offering(
    uow: ToetsplanningUnitOfWork, caller: Caller, inbound: Inbound, row: DrOffering, data: dict[str, Any]
) -> None:
    block = nl_test_admin_block(data.get("consumers")) or {}
    expected_before = row.data is None or row.data.get("resultExpected") is True  # None: a new one, without results
    was_cancelled = row.state == "canceled"
    row.data = data
    row.state = "canceled" if block.get("offeringState") == "canceled" else "active"
    if row.state == "canceled":
        # its sessions are judged once, when DR cancels it; locked first, as a planner's cancel locks them
        sessions = [] if was_cancelled else uow.repo.active_zittingen_of(caller.tenant, row.offering_id)
        cancelled = uow.repo.cancel_dr_associations_of(caller.tenant, row.offering_id)
        why = f"with its planbare toets {row.offering_id}"
        _cancel_at_ta(uow, caller, inbound, [a.association_id for a in cancelled], why)
        for person_id in sorted({a.person_id for a in cancelled}):
            _forget_person_if_unused(uow, caller.tenant, person_id)
        for zitting, note in dr_changes.end_sessions_of_toets(uow, row.offering_id, sessions):
            _record(uow, caller, inbound, "zitting", zitting.zitting_id, notes=[note])
    if not expected_before and data.get("resultExpected") is True:  # those TA already gave now go to DR
        reported = uow.repo.reported_deelnames_of(caller.tenant, row.offering_id)
        _forward_again(uow, caller, inbound, reported, f"DR now expects results of planbare toets {row.offering_id}")


def _forward_again(
    uow: ToetsplanningUnitOfWork, caller: Caller, inbound: Inbound, deelname_ids: Sequence[str], why: str
) -> None:
    """DR's change `why` changes what DR should know of these Deelnames' results: flow 5 decides afresh, as for
    flow 3 (sent, or held), each decision a history row of DR's message saying so."""
    uow.session.flush()  # flow 5 reads DR's planbare toets and Toetsinschrijving as they now stand
    for deelname_id in deelname_ids:
        target = uow.repo.result_target(deelname_id)
        if target is not None and target.result is not None:
            notes = forwarding.forward_result(uow, target, target.result, target.result_version, resend=False)
            if notes:
                _record(uow, caller, inbound, "deelname", deelname_id, notes=[f"{why}: {note}" for note in notes])


def _set_association(
    uow: ToetsplanningUnitOfWork, caller: Caller, inbound: Inbound, row: DrAssociation, data: dict[str, Any]
) -> None:
    person = data["person"]
    offering = data["offering"]
    was_of = row.offering_id  # None for a new enrolment
    row.association_type = data["associationType"]
    row.person_id = person if isinstance(person, str) else person["personId"]
    row.offering_id = offering if isinstance(offering, str) else offering["offeringId"]
    row.state = data["state"]
    row.data = data
    if row.state == "canceled":
        uow.session.flush()
        _cancel_at_ta(uow, caller, inbound, [row.association_id])
        _forget_person_if_unused(uow, caller.tenant, row.person_id)
    elif was_of not in (None, row.offering_id):
        why = f"DR moved Toetsinschrijving {row.association_id} to planbare toets {row.offering_id}"
        _record_deelnames(uow, caller, inbound, dr_changes.cancel_moved_deelnames(uow, row), f"cancelled at TA: {why}")
        # a result of the old toets is held; one sent before stays at DR, and the operator is told so
        reported = uow.repo.reported_deelnames_of_enrolment(caller.tenant, row.association_id)
        _forward_again(uow, caller, inbound, reported, why)


def _cancel_at_ta(
    uow: ToetsplanningUnitOfWork, caller: Caller, inbound: Inbound, enrolment_ids: list[str], why: str = ""
) -> None:
    """DR's cancel reaches TA: the enrolments' Deelnames TA has not reported on are cancelled as a planner's cancel
    would (flow 2.4), each with a history row of DR's message saying so. Nothing when none is left to cancel."""
    for deelname in dr_changes.cancel_planned_deelnames(uow, tenant=caller.tenant, toetsinschrijving_ids=enrolment_ids):
        note = f"cancelled at TA: DR cancelled Toetsinschrijving {deelname.toetsinschrijving_id} {why}".rstrip()
        _record_deelnames(uow, caller, inbound, [deelname], note)


def _record_deelnames(
    uow: ToetsplanningUnitOfWork, caller: Caller, inbound: Inbound, deelnames: Sequence[Deelname], note: str
) -> None:
    """A history row of DR's message for each Deelname it changed at TA, saying how."""
    for deelname in deelnames:
        _record(uow, caller, inbound, "deelname", deelname.deelname_id, notes=[note])


def _tps_own(
    uow: ToetsplanningUnitOfWork, caller: Caller, association_id: str, inbound: Inbound, *, record: bool
) -> bool:
    """Whether `association_id` is one TP created at DR for an extra attempt (flow 5.2) in the caller's school; if so
    and `record`, DR's message is a history row saying it was not kept (and committed)."""
    if association_id not in uow.repo.extra_attempts(caller.tenant, association_id):
        return False
    if record:
        _record(uow, caller, inbound, "dr_association", association_id, notes=[TPS_OWN.format(association_id)])
        uow.commit()
    return True


def _forget_person_if_unused(uow: ToetsplanningUnitOfWork, tenant: str, person_id: str) -> None:
    """Keep the person's id (results may still arrive) but drop the personal data TP no longer needs."""
    person = uow.repo.dr_person(tenant, person_id, for_update=True)
    if person is not None and person.data is not None and not uow.repo.person_is_enrolled(tenant, person_id):
        person.data, person.removed_at = None, datetime.now(UTC)


def _kept(was: str | None, state: str) -> Kept:
    """`was`: the state before the write, None when TP had no copy."""
    if was is None:
        return Kept.new
    return Kept.cancelled if state == "canceled" and was != "canceled" else Kept.changed


def _record(
    uow: ToetsplanningUnitOfWork,
    caller: Caller,
    inbound: Inbound,
    object_type: str,
    object_id: str,
    *,
    notes: Sequence[str] = (),
) -> None:
    """DR's message in the history, before the rows of what it causes (a Deelname cancelled at TA)."""
    sender = sender_of(caller)
    uow.history.record(sender, inbound, flow="1", object_type=object_type, object_id=object_id, notes=list(notes))
