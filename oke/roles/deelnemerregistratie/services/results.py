"""Flow 5 in: TP returns results of Toetsinschrijvingen (PATCH, 5.1) and of extra attempts (PUT, 5.2).

Each message is judged strictly (`rules`), in the nl-test-admin version this DR announces, against the
enrolment it is for. A valid one is always accepted, also for a cancelled or finished enrolment and for an
attempt beyond `attemptLeft`, and kept twice: as received in the history, and merged into the current
result of its attempt (consumer blocks by consumerKey: docs/standard.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from oke.auth.caller import Caller, sender_of
from oke.errors import NotFound
from oke.ooapi.enums import AssociationType
from oke.ooapi.merge_patch import merge_patch
from oke.roles.deelnemerregistratie import rules
from oke.roles.deelnemerregistratie.uow import DeelnemerregistratieUnitOfWork
from oke.store.base import utcnow
from oke.store.history import Inbound
from oke.store.tables.deelnemerregistratie import SchoolEnrolment


@dataclass(frozen=True)
class Accepted:
    created: bool
    notes: list[str]


def receive_result(
    uow: DeelnemerregistratieUnitOfWork, caller: Caller, association_id: str, inbound: Inbound, version: str
) -> list[str]:
    """Flow 5.1: the result of a Toetsinschrijving (or a later one of TP's extra attempt); returns the notes."""
    with uow:
        row = uow.repo.enrolment(caller.tenant, association_id, for_update=True)
        if row is None:
            raise NotFound(f"no association {association_id}")  # an unknown id is an error (PDF ch. 4)
        message = rules.check_result_message(inbound.body, version)
        original = uow.repo.enrolment(caller.tenant, row.enrolment_id) or row
        notes = rules.check_against_enrolment(message, enrolment_of(row), _toets(uow, original))
        if "result" in inbound.body:  # `result: null` removes it (1.1: no outcome any more)
            _keep_result(row, merge_patch(row.result, message.result))
        _keep_report(row, merge_patch(row.reported, message.block), caller)
        _record_and_commit(uow, caller, inbound, row, notes)
        return notes


def receive_attempt(
    uow: DeelnemerregistratieUnitOfWork, caller: Caller, association_id: str, inbound: Inbound, version: str
) -> Accepted:
    """Flow 5.2: create or replace TP's association of an extra attempt, with its result."""
    put = rules.check_attempt_put(inbound.body, association_id, version)
    with uow:
        row = uow.repo.enrolment(caller.tenant, association_id, for_update=True)
        original = uow.repo.enrolment(caller.tenant, put.message.org_association_id)
        taken = {}
        if original is not None:
            taken = {a.attempt: a.association_id for a in uow.repo.attempts_of(caller.tenant, [original.enrolment_id])}
        notes = rules.check_against_original(
            put,
            association_id,
            enrolment_of(row) if row else None,
            enrolment_of(original) if original else None,
            _toets(uow, original) if original else None,
            {k: v for k, v in taken.items() if k is not None},
        )
        assert original is not None
        created = row is None
        if row is None:
            row = SchoolEnrolment(tenant=caller.tenant, association_id=association_id, created_by="tp")
            uow.repo.add(row)
        document = {k: v for k, v in inbound.body.items() if k != "result"}
        row.association_type, row.role, row.state = AssociationType.componentOfferingAssociation, "student", put.state
        row.person_id, row.offering_id = put.person_id, put.offering_id
        row.enrolment_id, row.attempt = original.association_id, put.message.attempt
        row.data = document
        _keep_result(row, put.message.result)
        _keep_report(row, put.message.block, caller)
        _record_and_commit(uow, caller, inbound, row, notes)
        return Accepted(created, notes)


def enrolment_of(row: SchoolEnrolment) -> rules.Enrolment:
    return rules.Enrolment(
        association_id=row.association_id,
        association_type=row.association_type,
        role=row.role,
        state=row.state,
        enrolment_id=row.enrolment_id,
        attempt=row.attempt,
        person_id=row.person_id,
        offering_id=row.offering_id,
        created_by=row.created_by,
        attempt_left=rules.attempt_left_of(row.data),
    )


def _toets(uow: DeelnemerregistratieUnitOfWork, enrolment: SchoolEnrolment) -> rules.PlanbareToets | None:
    offering = uow.repo.offering(enrolment.tenant, enrolment.offering_id)
    return rules.planbare_toets(offering.data) if offering is not None else None


def _keep_result(row: SchoolEnrolment, result: dict[str, Any] | None) -> None:
    row.result = result
    row.result_state = str(result["state"]) if result and "state" in result else None


def _keep_report(row: SchoolEnrolment, block: dict[str, Any], caller: Caller) -> None:
    row.reported, row.tp_peer, row.reported_at = block, caller.peer, utcnow()


def _record_and_commit(
    uow: DeelnemerregistratieUnitOfWork, caller: Caller, inbound: Inbound, row: SchoolEnrolment, notes: list[str]
) -> None:
    kind = "toetsinschrijving" if row.created_by == "dr" else "poging"
    uow.history.record(
        sender_of(caller), inbound, flow="5", object_type=kind, object_id=row.association_id, notes=notes
    )
    uow.commit()
