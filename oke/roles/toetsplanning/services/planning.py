"""Planning: how a Zitting and its Deelnames come to exist at TP, and reach TA (flow 2).

TP creates the ids of its Zitting and Deelnames, keeps the link Deelname -> Toetsinschrijving + attempt,
and in the same transaction puts the flow 2 calls in the outbox: the Zitting first, then one Deelname
per participant with the whole Person embedded, all in the order of the session (one outbox key).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from oke.errors import FieldError, InvalidContent, NotFound
from oke.ooapi.common import nl_test_admin_block
from oke.ooapi.merge_patch import merge_patch
from oke.roles.toetsplanning import flow2, rules
from oke.roles.toetsplanning.needs import Toets, minutes_of, needs_for
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.tables.toetsplanning import Deelname, Zitting


@dataclass(frozen=True)
class Participant:
    """Who takes part: a student for one of DR's Toetsinschrijvingen, or staff (no enrolment, no consumers).

    A student planned for a Toetsinschrijving TP has from DR needs no `person_id`: the enrolment names
    the person, and its `attempt` is the attempt planned unless another is given. `person` is the
    Person to embed when DR has not sent it (external staff, for instance).
    """

    person_id: str | None = None
    role: str = "student"
    toetsinschrijving_id: str | None = None
    attempt: int | None = None
    person: dict[str, Any] | None = None


@dataclass(frozen=True)
class PlannedDeelname:
    deelname_id: str
    person_id: str
    role: str


@dataclass(frozen=True)
class PlannedZitting:
    zitting_id: str
    deelnames: list[PlannedDeelname]


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
        _require_ta(uow, tenant, ta_peer)
        zitting = Zitting(
            zitting_id=zitting_id, tenant=tenant, ta_peer=ta_peer, planbare_toets_id=planbare_toets_id, data=document
        )
        uow.repo.add(zitting)
        _send(uow, zitting, "PUT", f"/offerings/{zitting_id}", flow2.zitting_message(document, zitting.state))
        toets = _toets_of(document)
        deelnames = [_add_deelname(uow, zitting, toets, p, f"/participants/{i}") for i, p in enumerate(participants)]
        uow.commit()
    return PlannedZitting(zitting_id, deelnames)


def cancel_zitting(uow: ToetsplanningUnitOfWork, *, tenant: str, zitting_id: str) -> None:
    """Cancel a session and every participation in it (TA then removes them and their person data)."""
    with uow:
        zitting = uow.repo.zitting(zitting_id, for_update=True)
        if zitting is None or zitting.tenant != tenant:
            raise NotFound(f"no session {zitting_id}")
        zitting.state = "canceled"
        zitting.data = merge_patch(zitting.data, flow2.CANCEL_OFFERING)
        uow.repo.cancel_deelnames_of(zitting_id)
        _send(uow, zitting, "PATCH", f"/offerings/{zitting_id}", flow2.CANCEL_OFFERING)
        uow.commit()


def cancel_deelname(uow: ToetsplanningUnitOfWork, *, tenant: str, deelname_id: str) -> None:
    """Cancel one participation; results that arrive for it later are still accepted."""
    with uow:
        deelname = uow.repo.deelname(deelname_id, for_update=True)
        if deelname is None or deelname.tenant != tenant:
            raise NotFound(f"no participation {deelname_id}")
        deelname.state = "canceled"
        deelname.data = {**deelname.data, "state": "canceled"}
        _send(uow, deelname.zitting, "PATCH", f"/associations/{deelname_id}", flow2.CANCEL_ASSOCIATION)
        uow.commit()


def _require_ta(uow: ToetsplanningUnitOfWork, tenant: str, ta_peer: str) -> None:
    peer = uow.repo.peer(ta_peer)
    if peer is None or peer.role != "ta" or peer.tenant != tenant:
        raise InvalidContent(FieldError("/taPeer", f"no TA {ta_peer!r} is configured for this school (oke peers add)"))


def _add_deelname(
    uow: ToetsplanningUnitOfWork, zitting: Zitting, toets: Toets, participant: Participant, pointer: str
) -> PlannedDeelname:
    if participant.role not in rules.PARTICIPANT_ROLES:
        allowed = ", ".join(sorted(rules.PARTICIPANT_ROLES))
        raise InvalidContent(FieldError(f"{pointer}/role", f"{participant.role!r} is not one of {allowed}"))
    participant, person_id = _with_enrolment(uow, zitting.tenant, participant, pointer)
    person = _person(uow, zitting.tenant, person_id, participant.person, pointer)
    deelname_id = str(uuid.uuid4())
    data: dict[str, Any] = {
        "associationId": deelname_id,
        "associationType": "componentOfferingAssociation",
        "role": participant.role,
        "state": "associated",
        "person": person_id,
        "offering": zitting.zitting_id,
    }
    needs = needs_for(_assigned_needs(person), toets) if participant.role == "student" else None
    message = flow2.deelname_message(data, "associated", person, needs)
    if "consumers" in message:
        data["consumers"] = message["consumers"]  # TP keeps the extra time and needs it gave TA
    uow.repo.add(
        Deelname(
            deelname_id=deelname_id,
            zitting=zitting,
            tenant=zitting.tenant,
            person_id=person_id,
            role=participant.role,
            toetsinschrijving_id=participant.toetsinschrijving_id,
            attempt=participant.attempt,
            data=data,
        )
    )
    _send(uow, zitting, "PUT", f"/associations/{deelname_id}", message)
    return PlannedDeelname(deelname_id, person_id, participant.role)


def _with_enrolment(
    uow: ToetsplanningUnitOfWork, tenant: str, participant: Participant, pointer: str
) -> tuple[Participant, str]:
    """The participant completed from DR's Toetsinschrijving (the attempt it plans), and its person's id."""
    enrolment = uow.repo.dr_association(tenant, participant.toetsinschrijving_id or "")
    if enrolment is None:
        if participant.person_id is None:
            reason = "is required: TP has no Toetsinschrijving from DR (flow 1) that names the person"
            raise InvalidContent(FieldError(f"{pointer}/personId", reason))
        return participant, participant.person_id  # staff, or planned ahead of DR's flow 1
    if participant.person_id not in (None, enrolment.person_id):
        reason = f"the Toetsinschrijving is of person {enrolment.person_id}"
        raise InvalidContent(FieldError(f"{pointer}/personId", reason))
    block = nl_test_admin_block(enrolment.data.get("consumers")) or {}
    attempt = participant.attempt or block.get("attempt") or 1
    return replace(participant, attempt=attempt), enrolment.person_id


def _person(
    uow: ToetsplanningUnitOfWork, tenant: str, person_id: str, given: dict[str, Any] | None, pointer: str
) -> dict[str, Any]:
    """The Person to embed: as the planner gives it, or as DR sent it (flow 1)."""
    if given is not None:
        person = {**given, "personId": person_id}
        rules.require_valid(rules.PERSON, person, f"{pointer}/person")
        return person
    known = uow.repo.dr_person(tenant, person_id)
    if known is None or known.data is None:
        reason = f"TP has no person {person_id}: DR sends it (flow 1), or the planner gives it here"
        raise InvalidContent(FieldError(f"{pointer}/person", reason))
    return known.data


def _assigned_needs(person: dict[str, Any]) -> list[dict[str, Any]]:
    block = nl_test_admin_block(person.get("consumers")) or {}
    return list(block.get("assignedNeeds") or [])


def _toets_of(document: dict[str, Any]) -> Toets:
    """What TP knows of the session's test: its duration, and (from its name and description) whether it is
    a math test; digital when it is taken online."""
    block = nl_test_admin_block(document.get("consumers")) or {}
    texts = [t.get("value", "") for t in (document.get("name") or []) + (document.get("description") or [])]
    return Toets(
        on=datetime.fromisoformat(document["startDateTime"]).date(),
        duration_minutes=minutes_of(block.get("duration")),
        math=any("rekenen" in text.lower() or "wiskunde" in text.lower() for text in texts),
        digital=bool({"online", "distance-learning"} & set(document.get("modeOfDelivery") or [])),
    )


def _send(uow: ToetsplanningUnitOfWork, zitting: Zitting, method: str, path: str, body: dict[str, Any]) -> None:
    """A flow 2 call, ordered with every other call of its session; a PUT is a snapshot of its object."""
    uow.outbox.add(
        tenant=zitting.tenant,
        peer=zitting.ta_peer,
        kind="flow2",
        key=zitting.zitting_id,
        method=method,
        path=path,
        body=body,
        snapshot=method == "PUT",
    )
