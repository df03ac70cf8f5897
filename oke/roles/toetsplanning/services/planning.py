"""Planning: how a Zitting and its Deelnames come to exist at TP, and reach TA (flow 2).

TP creates the ids of its Zitting and Deelnames, keeps the link Deelname -> Toetsinschrijving + attempt
(the attempt within DR's attempt policy, in a session of the enrolment's own planbare toets), and in the
same transaction puts the flow 2 calls in the outbox: the Zitting first, then one Deelname per participant
with the whole Person embedded, all in the order of the session (one outbox key). Moving a student is
cancelling the Deelname and planning the same attempt in another Zitting. A planner changing a session is
`zitting_change`; what DR's changes do to what is planned is `dr_changes`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any

from oke.errors import Conflict, FieldError, InvalidContent, NotFound
from oke.ooapi.common import component_id, nl_test_admin_block
from oke.ooapi.enums import STAFF_ROLES, AssociationType
from oke.roles.toetsplanning import flow2, rules
from oke.roles.toetsplanning.needs import Toets
from oke.roles.toetsplanning.services._planned import (
    active_zitting,
    cancel,
    cancel_session,
    locked_deelname,
    named,
    needs_of,
    require_valid_zitting,
    send,
    start_of,
    takes,
    toets_of,
)
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.tables.toetsplanning import Deelname, DrAssociation, Zitting


@dataclass(frozen=True)
class Participant:
    """Who takes part: a student for one of DR's Toetsinschrijvingen, or staff (no enrolment, no consumers).

    A participant planned for a Toetsinschrijving TP has from DR needs no `person_id` nor `role`: the enrolment
    names the person and the role (a given role must be DR's). A student's own `attempt` is the attempt planned
    unless another is given or `extra_attempt` asks for the next one (both within DR's `attemptLeft`); staff take
    no attempt. `person` is the Person to embed when DR has not sent it (external staff, for instance). A student
    with a `person_id` and no Toetsinschrijving (a member of one of DR's groups, flow 1b) is ad hoc: TA gets the
    Deelname, DR never gets its results; unless they have one for the session's planbare toets, which is then the
    one planned.
    """

    person_id: str | None = None
    #: None: the role of DR's Toetsinschrijving, else student.
    role: str | None = None
    toetsinschrijving_id: str | None = None
    attempt: int | None = None
    person: dict[str, Any] | None = None
    extra_attempt: bool = False


@dataclass(frozen=True)
class PlannedDeelname:
    deelname_id: str
    person_id: str
    role: str
    attempt: int | None = None
    #: What the planner should look at: assigned needs of the student TA does not get in full (`Needs.warnings`).
    warnings: tuple[str, ...] = ()


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
    zitting_id: str | None = None,
) -> PlannedZitting:
    """Create a Zitting at TA `ta_peer` (a ComponentOffering without its id) and a Deelname per participant.

    A Zitting of one of DR's planbare toetsen takes its test (`component`), name, code and description from the
    toets where the planner gives none. What TA would refuse (a mode, times or a test it does not take) is refused
    here, before anything is queued: the session's later messages would wait behind it.
    """
    zitting_id = zitting_id or str(uuid.uuid4())
    test_pointer = "/offering/component" if "component" in offering else "/planbareToetsId"
    with uow:
        if planbare_toets_id is not None:
            offering = _with_toets(uow, tenant, planbare_toets_id, offering)
        document = {**offering, "offeringId": zitting_id, "offeringType": "component"}
        require_valid_zitting(document, "/offering")
        rules.require_active(document, "/offering")
        if component_id(document) is None:
            reason = "is required: the componentId of the session's test in TA's catalogue (GET /planning/catalogue)"
            raise InvalidContent(FieldError("/offering/component", reason))
        _require_ta(uow, tenant, ta_peer)
        _require_test_in_catalogue(uow, ta_peer, document, test_pointer)
        zitting = Zitting(
            zitting_id=zitting_id,
            tenant=tenant,
            ta_peer=ta_peer,
            planbare_toets_id=planbare_toets_id,
            data=document,
            start_at=start_of(document),
        )
        uow.repo.add(zitting)
        send(uow, zitting, "PUT", f"/offerings/{zitting_id}", flow2.zitting_message(document, zitting.state))
        toets = toets_of(uow, zitting)
        deelnames = [_add_deelname(uow, zitting, toets, p, f"/participants/{i}") for i, p in enumerate(participants)]
        uow.commit()
    return PlannedZitting(zitting_id, deelnames)


def add_deelnames(
    uow: ToetsplanningUnitOfWork, *, tenant: str, zitting_id: str, participants: list[Participant]
) -> list[PlannedDeelname]:
    """Assign more participants (students, extra attempts, staff) to a planned session."""
    with uow:
        zitting = active_zitting(uow, tenant, zitting_id)
        toets = toets_of(uow, zitting)
        deelnames = [_add_deelname(uow, zitting, toets, p, f"/participants/{i}") for i, p in enumerate(participants)]
        uow.commit()
    return deelnames


def move_deelname(
    uow: ToetsplanningUnitOfWork,
    *,
    tenant: str,
    deelname_id: str,
    zitting_id: str,
    person: dict[str, Any] | None = None,
) -> PlannedDeelname:
    """Move a participant to another session: the same attempt, a new Deelname there, the old one cancelled.

    TA knows a Deelname by its id only, so a move is a cancellation at the old session's TA and a new
    participation at the new one (possibly another TA). Once TA has reported on a Deelname, it is a taken
    attempt: the student then needs an extra attempt, not a move.
    """
    with uow:
        deelname = locked_deelname(uow, tenant, deelname_id)
        if deelname.state == "canceled":
            raise Conflict(f"participation {deelname_id} is cancelled")
        if deelname.result is not None:
            raise Conflict(f"TA has reported on participation {deelname_id}: plan an extra attempt instead")
        if deelname.zitting_id == zitting_id:
            raise Conflict(f"participation {deelname_id} is in session {zitting_id} already")
        target = active_zitting(uow, tenant, zitting_id, pointer="/zittingId")
        cancel(uow, deelname)
        moved = Participant(
            person_id=deelname.person_id,
            role=deelname.role,
            toetsinschrijving_id=deelname.toetsinschrijving_id,
            # staff take none: one planned by their Toetsinschrijving before TP knew held attempt 1
            attempt=deelname.attempt if deelname.role == "student" else None,
            person=person,
        )
        planned = _add_deelname(uow, target, toets_of(uow, target), moved, "")
        uow.commit()
    return planned


def cancel_zitting(uow: ToetsplanningUnitOfWork, *, tenant: str, zitting_id: str) -> None:
    """Cancel a session and every participation in it (TA then removes them and their person data)."""
    with uow:
        zitting = uow.repo.zitting(zitting_id, for_update=True)
        if zitting is None or zitting.tenant != tenant:
            raise NotFound(f"no session {zitting_id}")
        cancel_session(uow, zitting)
        uow.commit()


def cancel_deelname(uow: ToetsplanningUnitOfWork, *, tenant: str, deelname_id: str) -> None:
    """Cancel one participation; results that arrive for it later are still accepted."""
    with uow:
        cancel(uow, locked_deelname(uow, tenant, deelname_id))
        uow.commit()


def open_enrolments(uow: ToetsplanningUnitOfWork, *, tenant: str, planbare_toets_id: str) -> list[str]:
    """The students' Toetsinschrijvingen of a planbare toets that DR has not cancelled and TP has not planned."""
    with uow:
        return uow.repo.unplanned_enrolments(tenant, planbare_toets_id)


def _with_toets(uow: ToetsplanningUnitOfWork, tenant: str, toets_id: str, offering: dict[str, Any]) -> dict[str, Any]:
    """The planner's Zitting of one of DR's planbare toetsen, with the toets's test (`component`), name, code and
    description where it gives none (a toets without a description: the session's name, `flow2.zitting_document`).

    A test the planner gives is one the toets names (its `component` or `testsToBeUsed`): TA would run another
    exam, and flow 5 give DR its score as the toets's result. A 400 naming `/offering/component`, with the tests the
    toets allows; a toets that names none allows any, as TP cannot tell.
    """
    toets = uow.repo.dr_offering(tenant, toets_id)
    if toets is None or toets.offering_type != "component":
        reason = f"TP has no planbare toets {toets_id} from DR (flow 1)"
        raise InvalidContent(FieldError("/planbareToetsId", reason))
    if toets.state == "canceled":
        raise Conflict(f"DR cancelled planbare toets {toets_id}")
    tests = rules.components_of_toets(toets.data)
    given = component_id(offering)
    allowed = f"planbare toets {named(toets_id, toets)} is taken with test {' or '.join(tests)}"
    if given is not None and tests and given not in tests:
        raise InvalidContent(FieldError("/offering/component", f"test {given} is not the toets's: {allowed}"))
    if given is None and len(tests) > 1:
        raise InvalidContent(FieldError("/offering/component", f"is required: {allowed}"))
    defaults = {key: toets.data[key] for key in ("primaryCode", "name", "description") if toets.data.get(key)}
    return defaults | ({"component": tests[0]} if len(tests) == 1 else {}) | offering


def require_dr(uow: ToetsplanningUnitOfWork, *, tenant: str, dr_peer: str) -> None:
    """A DR of the planner's school, whose groups ad-hoc planning reads (flow 1b); a 400 naming `/drPeer`."""
    with uow:
        _require_peer(uow, tenant, dr_peer, "dr", "/drPeer")


def _require_ta(uow: ToetsplanningUnitOfWork, tenant: str, ta_peer: str) -> None:
    _require_peer(uow, tenant, ta_peer, "ta", "/taPeer")


def _require_test_in_catalogue(
    uow: ToetsplanningUnitOfWork, ta_peer: str, document: dict[str, Any], pointer: str
) -> None:
    """A new session is of a test in TA's catalogue as TP last read it (flow 0), and not of a withdrawn one: TA
    refuses a session of another test (and of a withdrawn test, if new), and the session's later messages wait
    behind it. A 400 naming the planner's `component`, or the `planbareToetsId` it came from.

    While TP has never read that TA's catalogue (`oke catalogue sync`), any test is planned: TP cannot tell, and
    refusing would make flow 0 a condition of planning, which the standard does not make it. A test TA added
    after the last sync is refused until the next one, and the reason says so.
    """
    test = component_id(document)
    if test is None or not uow.repo.has_catalogue(ta_peer):
        return
    entry = uow.repo.catalogue_test(ta_peer, test)
    if entry is None:
        reason = (
            f"test {test} is not in the catalogue of TA {ta_peer} as TP last read it (GET /planning/catalogue); "
            f"a test TA added since is known after `oke catalogue sync {ta_peer}`"
        )
        raise InvalidContent(FieldError(pointer, reason))
    if entry.status == "inactive":
        reason = f"test {test} is withdrawn from the catalogue of TA {ta_peer} (status inactive): no new sessions"
        raise InvalidContent(FieldError(pointer, reason))


def _require_peer(uow: ToetsplanningUnitOfWork, tenant: str, name: str, role: str, pointer: str) -> None:
    peer = uow.repo.peer(name)
    if peer is None or peer.role != role or peer.tenant != tenant:
        reason = f"no {role.upper()} {name!r} is configured for this school (oke peers add)"
        raise InvalidContent(FieldError(pointer, reason))


def _add_deelname(
    uow: ToetsplanningUnitOfWork, zitting: Zitting, toets: Toets, participant: Participant, pointer: str
) -> PlannedDeelname:
    if participant.role is not None:
        rules.require_role(participant.role, pointer)
    participant, person_id = _with_enrolment(uow, zitting, participant, pointer)
    if (already := uow.repo.open_deelname_of(zitting.zitting_id, person_id)) is not None:
        where = f"{pointer}: person" if pointer else "person"
        # a person sits a session once: two attempts of one test side by side are no retake
        raise Conflict(
            f"{where} {person_id} already takes part in session {zitting.zitting_id} (participation {already})"
        )
    role = participant.role or "student"  # as `_with_enrolment` resolved it
    rules.require_no_attempt(role, attempt=participant.attempt, extra_attempt=participant.extra_attempt, at=pointer)
    person = _person(uow, zitting.tenant, person_id, participant, pointer)
    deelname_id = str(uuid.uuid4())
    data: dict[str, Any] = {
        "associationId": deelname_id,
        "associationType": AssociationType.componentOfferingAssociation,
        "role": role,
        "state": "associated",
        "person": person_id,
        "offering": zitting.zitting_id,
    }
    needs = needs_of(person, toets) if role == "student" else None
    message = flow2.deelname_message(data, "associated", person, needs)
    if "consumers" in message:
        data["consumers"] = message["consumers"]  # TP keeps the extra time and needs it gave TA
    uow.repo.add(
        Deelname(
            deelname_id=deelname_id,
            zitting=zitting,
            tenant=zitting.tenant,
            person_id=person_id,
            role=role,
            toetsinschrijving_id=participant.toetsinschrijving_id,
            attempt=participant.attempt,
            data=data,
        )
    )
    send(uow, zitting, "PUT", f"/associations/{deelname_id}", message)
    warnings = needs.warnings(person_id) if needs is not None else []
    if warnings:
        uow.history.note(object_type="deelname", object_id=deelname_id, notes=warnings)
    return PlannedDeelname(deelname_id, person_id, role, participant.attempt, tuple(warnings))


def _with_enrolment(
    uow: ToetsplanningUnitOfWork, zitting: Zitting, participant: Participant, pointer: str
) -> tuple[Participant, str]:
    """The participant completed from DR's Toetsinschrijving (the one it plans, its role, and a student's attempt),
    and its person's id; without one, a participant of no role is a student.

    A student named by person only (a member of one of DR's groups, flow 1b) is planned for their Toetsinschrijving
    of the session's planbare toets if they have one (`_own_enrolment`), and is ad hoc otherwise.
    """
    tenant = zitting.tenant
    # locked: two processes planning an attempt of it at once would each count the attempts held without the other's
    enrolment = uow.repo.dr_association(tenant, participant.toetsinschrijving_id or "", for_update=True)
    if enrolment is None and participant.toetsinschrijving_id is None:
        enrolment = _own_enrolment(uow, zitting, participant, pointer)
    if enrolment is None:
        if participant.extra_attempt:
            reason = "needs a Toetsinschrijving TP has from DR (flow 1): its attempt policy says what is allowed"
            raise InvalidContent(FieldError(f"{pointer}/extraAttempt", reason))
        if participant.person_id is None:
            reason = "is required: TP has no Toetsinschrijving from DR (flow 1) that names the person"
            raise InvalidContent(FieldError(f"{pointer}/personId", reason))
        # staff, or planned ahead of DR's flow 1
        return replace(participant, role=participant.role or "student"), participant.person_id
    if participant.person_id not in (None, enrolment.person_id):
        reason = f"the Toetsinschrijving is of person {enrolment.person_id}"
        raise InvalidContent(FieldError(f"{pointer}/personId", reason))
    role = rules.role_to_plan(given=participant.role, dr_role=str(enrolment.data.get("role")), at=pointer)
    participant = replace(participant, role=role)
    where = f"Toetsinschrijving {enrolment.association_id}"
    if participant.toetsinschrijving_id is None:
        where = f"person {enrolment.person_id}'s {where} for the session's planbare toets"
    where = f"{pointer}: {where}" if pointer else where
    if enrolment.state == "canceled":
        raise Conflict(f"{where} is cancelled by DR")
    _require_session_of_toets(uow, zitting, enrolment, where)
    if role in STAFF_ROLES:  # staff take no attempt (`rules.require_no_attempt`)
        return replace(participant, toetsinschrijving_id=enrolment.association_id), enrolment.person_id
    block = nl_test_admin_block(enrolment.data.get("consumers")) or {}
    try:
        attempt = rules.attempt_to_plan(
            own_attempt=rules.own_attempt(enrolment.data),
            attempt_left=block.get("attemptLeft"),
            planned=_attempts_held(uow, enrolment),
            asked=participant.attempt,
            extra=participant.extra_attempt,
        )
    except rules.AttemptRefused as refused:
        raise Conflict(f"{where}: {refused}") from None
    return replace(participant, toetsinschrijving_id=enrolment.association_id, attempt=attempt), enrolment.person_id


def _attempts_held(uow: ToetsplanningUnitOfWork, enrolment: DrAssociation) -> set[int]:
    """The enrolment's attempts planned or taken in sessions of its planbare toets. One TA reported on in a session
    of the toets DR moved the enrolment from is no attempt of this one: DR's `attempt` and `attemptLeft`, sent with
    the move, say what is left (PDF 3.1.2.1: DR/SIS decides the attempts)."""
    toets = uow.repo.dr_offering(enrolment.tenant, enrolment.offering_id)
    held = uow.repo.attempts_held(enrolment.tenant, enrolment.association_id)
    return {d.attempt for d in held if d.attempt is not None and takes(d.zitting, enrolment.offering_id, toets)}


def _own_enrolment(
    uow: ToetsplanningUnitOfWork, zitting: Zitting, participant: Participant, pointer: str
) -> DrAssociation | None:
    """The open Toetsinschrijving a student planned by person has for the session's planbare toets, if any.

    Ad hoc is for students without one (PDF 3.1.2): one who has it is planned for it, under DR's attempt policy,
    and their results reach DR. Staff, and a session of no planbare toets, are never matched; two such enrolments
    are a 409 naming both, as TP cannot tell which attempt the planner means.
    """
    if participant.role not in (None, "student") or participant.person_id is None or zitting.planbare_toets_id is None:
        return None
    found = uow.repo.open_enrolments_of(zitting.tenant, participant.person_id, zitting.planbare_toets_id)
    if len(found) > 1:
        ids = ", ".join(e.association_id for e in found)
        where = f"{pointer}: person" if pointer else "person"
        raise Conflict(
            f"{where} {participant.person_id} has Toetsinschrijvingen {ids} for the session's planbare toets "
            f"{zitting.planbare_toets_id}: plan the student by toetsinschrijvingId"
        )
    # locked, as `_with_enrolment` locks one named by id
    return uow.repo.dr_association(zitting.tenant, found[0].association_id, for_update=True) if found else None


def _require_session_of_toets(
    uow: ToetsplanningUnitOfWork, zitting: Zitting, enrolment: DrAssociation, where: str
) -> None:
    """A Toetsinschrijving is planned in a session of its own planbare toets (or test): a 409 naming both."""
    toets = uow.repo.dr_offering(zitting.tenant, enrolment.offering_id)
    if takes(zitting, enrolment.offering_id, toets):
        return
    tests = rules.components_of_toets(toets.data) if toets is not None else []
    session_toets_id, session_test = zitting.planbare_toets_id, component_id(zitting.data)
    own = f"{where} is for planbare toets {named(enrolment.offering_id, toets)}"
    if session_toets_id is None:
        raise Conflict(f"{own} (test {', '.join(tests)}), not for session {zitting.zitting_id} of test {session_test}")
    session_toets = uow.repo.dr_offering(zitting.tenant, session_toets_id)
    raise Conflict(
        f"{own}, not for session {zitting.zitting_id} of planbare toets {named(session_toets_id, session_toets)}"
    )


def _person(
    uow: ToetsplanningUnitOfWork, tenant: str, person_id: str, participant: Participant, pointer: str
) -> dict[str, Any]:
    """The Person to embed: as the planner gives it, or as DR sent it (flow 1); one TA would take in this role."""
    at, student = f"{pointer}/person", participant.role == "student"
    if participant.person is not None:
        person = {**participant.person, "personId": person_id}
        rules.require_valid(rules.PERSON, person, at)
        rules.require_person(person, student=student, prefix=at)
        return person
    known = uow.repo.dr_person(tenant, person_id)
    if known is None or known.data is None:
        reason = f"TP has no person {person_id}: DR sends it (flow 1), or the planner gives it here"
        raise InvalidContent(FieldError(at, reason))
    whose = f", in person {person_id} as DR sent it (flow 1): DR sends it again, or the planner gives it here"
    rules.require_person(known.data, student=student, prefix=at, whose=whose)
    return known.data
