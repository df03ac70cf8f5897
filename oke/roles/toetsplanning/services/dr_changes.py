"""What DR's flow 1 changes do to what TP planned: a cancelled Toetsinschrijving cancels its Deelnames, a cancelled
planbare toets the sessions of it no student is left in, one moved to another planbare toets leaves the sessions
that do not take that toets, and a changed person reaches TA again in each of its planned Deelnames."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from oke.roles.toetsplanning import flow2
from oke.roles.toetsplanning.services._planned import (
    Resent,
    cancel,
    cancel_session,
    needs_of,
    send_again,
    takes,
    toets_of,
)
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.tables.toetsplanning import Deelname, DrAssociation, Zitting


def cancel_planned_deelnames(
    uow: ToetsplanningUnitOfWork, *, tenant: str, toetsinschrijving_ids: Sequence[str]
) -> list[Deelname]:
    """DR cancelled these Toetsinschrijvingen: cancel their Deelnames as `cancel_deelname` does, in the caller's
    unit of work (which commits), so that TA no longer expects the student and removes the person data.

    A Deelname TA has reported on is a taken attempt and is left as it is: its results still go to DR. Returns
    the Deelnames cancelled; none when DR repeats its cancel.
    """
    deelnames = uow.repo.planned_deelnames(tenant, toetsinschrijving_ids)
    for deelname in deelnames:
        cancel(uow, deelname)
    return deelnames


def end_sessions_of_toets(
    uow: ToetsplanningUnitOfWork, toets_id: str, sessions: Sequence[Zitting]
) -> list[tuple[Zitting, str]]:
    """DR cancelled planbare toets `toets_id`, and with it the Deelnames of its enrolments TA has not reported on:
    each of its `sessions` (locked before those Deelnames, as a planner's cancel locks them) that no student is left
    in and TA reported on nobody in is cancelled at TA as `cancel_session` does, its staff with it. Nothing else
    can be planned in it: a session of a planbare toets takes that toets's enrolments only.

    A session where TA reported on a Deelname (it took place) or a student is still planned (ad hoc, or for an
    enrolment TP does not have) is kept as it is, for the planner to judge. Returns each session with what TP did
    to it, the note for its history.
    """
    uow.session.flush()  # the Deelnames just cancelled count as cancelled
    done = []
    for zitting in sessions:
        reported, students = uow.repo.left_in(zitting.zitting_id)
        if reported or students:
            left = [f"TA reported on {reported} participation(s)"] if reported else []
            left += [f"{students} student(s) still planned"] if students else []
            note = f"kept: DR cancelled planbare toets {toets_id}, but {' and '.join(left)} in it; cancelling it is "
            done.append((zitting, note + f"the planner's call (POST /planning/zittingen/{zitting.zitting_id}/cancel)"))
        else:
            cancel_session(uow, zitting)
            done.append((zitting, f"cancelled at TA: DR cancelled planbare toets {toets_id}, no student is left in it"))
    return done


def cancel_moved_deelnames(uow: ToetsplanningUnitOfWork, enrolment: DrAssociation) -> list[Deelname]:
    """DR moved this Toetsinschrijving to another planbare toets: cancel its Deelnames in sessions that do not take
    that toets, as `cancel_planned_deelnames` does; TA's result of another test is no result of the moved one.

    A Deelname TA has reported on is left as it is; flow 5 holds its result (`forwarding.MOVED`), and it no longer
    holds an attempt of the moved enrolment (`planning`).
    """
    toets = uow.repo.dr_offering(enrolment.tenant, enrolment.offering_id)
    moved = [
        deelname
        for deelname in uow.repo.planned_deelnames(enrolment.tenant, [enrolment.association_id])
        if not takes(deelname.zitting, enrolment.offering_id, toets)
    ]
    for deelname in moved:
        cancel(uow, deelname)
    return moved


def send_changed_person(
    uow: ToetsplanningUnitOfWork, *, tenant: str, person_id: str, before: dict[str, Any] | None, after: dict[str, Any]
) -> list[Resent]:
    """DR changed a person (PDF 3.1): TA gets a fresh snapshot of each of the person's Deelnames for DR's
    Toetsinschrijvingen that is planned and TA has not reported on (PDF 3.2, "Deelname wijzigen"), in the
    caller's unit of work; it replaces an older one still waiting in the outbox, or parked.

    Only where what TA gets changes (the Person embedded, or the extra time and needs derived from it): a
    repeated PUT sends nothing. Returns the Deelnames sent again, and those with a need TA now does not get in
    full (a new code TP cannot translate, say), which is not sent again when nothing TA gets changes.
    """
    changed = before is None or flow2.person_message(before) != flow2.person_message(after)
    resent = []
    for deelname in uow.repo.planned_deelnames(tenant, uow.repo.enrolments_of(tenant, person_id)):
        if deelname.person_id != person_id:
            continue
        zitting = deelname.zitting
        toets = toets_of(uow, zitting)
        was = needs_of(before, toets)
        again = send_again(uow, zitting, deelname, after, toets, person_changed=changed, was=was)
        if again.sent or again.warnings:
            resent.append(again)
    return resent
