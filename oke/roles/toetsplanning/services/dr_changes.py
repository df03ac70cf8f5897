"""What DR's flow 1 changes do to what TP planned: a cancelled Toetsinschrijving cancels its Deelnames, one moved
to another planbare toets leaves the sessions that do not take that toets, and a changed person reaches TA again in
each of its planned Deelnames."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from oke.roles.toetsplanning import flow2
from oke.roles.toetsplanning.services._planned import cancel, send_again, takes, toets_of
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.tables.toetsplanning import Deelname, DrAssociation


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
) -> list[Deelname]:
    """DR changed a person (PDF 3.1): TA gets a fresh snapshot of each of the person's Deelnames for DR's
    Toetsinschrijvingen that is planned and TA has not reported on (PDF 3.2, "Deelname wijzigen"), in the
    caller's unit of work; it replaces an older one still waiting in the outbox, or parked.

    Only where what TA gets changes (the Person embedded, or the extra time and needs derived from it): a
    repeated PUT sends nothing. Returns the Deelnames sent again.
    """
    changed = before is None or flow2.person_message(before) != flow2.person_message(after)
    sent = []
    for deelname in uow.repo.planned_deelnames(tenant, uow.repo.enrolments_of(tenant, person_id)):
        zitting = deelname.zitting
        if deelname.person_id == person_id and send_again(
            uow, zitting, deelname, after, toets_of(zitting.data), person_changed=changed
        ):
            sent.append(deelname)
    return sent
