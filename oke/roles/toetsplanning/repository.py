"""Queries of the Toetsplanning role; nothing here commits. The result chain's hot path is `result_rows`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select, tuple_, update
from sqlalchemy.orm import joinedload

from oke.roles.toetsplanning.result_rows import PLANNED_OR_TAKEN, ResultRows
from oke.store.tables.outbox import LIVE, OutboxMessage
from oke.store.tables.peers import PeerConfig
from oke.store.tables.toetsplanning import (
    Deelname,
    DrAssociation,
    DrOffering,
    DrPerson,
    DrResult,
    TpComponent,
    TpDocument,
    Zitting,
)

#: What the results listing shows of a `tp_dr_results` row (not the body sent).
_LISTED = (
    DrResult.toetsinschrijving_id,
    DrResult.attempt,
    DrResult.association_id,
    DrResult.dr_peer,
    DrResult.state,
    DrResult.reason,
    DrResult.ta_score,
    DrResult.score,
    DrResult.override_score,
    DrResult.override_pass,
)

#: Whether a result's message to DR still waits in the outbox (`pending`, or `parked` for an operator), or not
#: (None: delivered, or given up by an operator), by the index of the live messages of (peer, key).
_WAITING = (
    select(OutboxMessage.state)
    .where(OutboxMessage.peer == DrResult.dr_peer, OutboxMessage.key == DrResult.association_id, LIVE)
    .order_by(OutboxMessage.id.desc())
    .limit(1)
    .correlate(DrResult)
    .scalar_subquery()
    .label("waiting")
)

#: How many ids one `IN` list holds: SQLite and PostgreSQL limit the parameters of a statement.
_IDS_AT_ONCE = 1000

#: A student's Toetsinschrijving DR has not cancelled: one a planner may plan.
_OPEN_STUDENTS = (DrAssociation.state == "associated", DrAssociation.data["role"].as_string() == "student")
#: A Deelname TA still expects: not cancelled, and not reported on (what DR's changes still change at TA).
_STILL_PLANNED = (Deelname.state != "canceled", Deelname.result.is_(None))


class ToetsplanningRepository(ResultRows):
    # DR's objects (flow 1), always within one tenant

    def dr_offering(self, tenant: str, offering_id: str, *, for_update: bool = False) -> DrOffering | None:
        return self.session.get(DrOffering, (tenant, offering_id), with_for_update=for_update)

    def dr_association(self, tenant: str, association_id: str, *, for_update: bool = False) -> DrAssociation | None:
        return self.session.get(DrAssociation, (tenant, association_id), with_for_update=for_update)

    def dr_person(self, tenant: str, person_id: str, *, for_update: bool = False) -> DrPerson | None:
        return self.session.get(DrPerson, (tenant, person_id), with_for_update=for_update)

    def cancel_dr_associations_of(self, tenant: str, offering_id: str) -> Sequence[DrAssociation]:
        """Cancel every enrolment on a cancelled offering; returns those it cancelled."""
        rows = self.session.scalars(
            select(DrAssociation)
            .where(
                DrAssociation.tenant == tenant,
                DrAssociation.offering_id == offering_id,
                DrAssociation.state != "canceled",
            )
            .with_for_update()
        ).all()
        for row in rows:
            row.state = "canceled"
            row.data = {**row.data, "state": "canceled"}
        self.session.flush()  # later queries in this unit of work must see them cancelled
        return rows

    def person_is_enrolled(self, tenant: str, person_id: str) -> bool:
        query = select(DrAssociation.association_id).where(
            DrAssociation.tenant == tenant,
            DrAssociation.person_id == person_id,
            DrAssociation.state != "canceled",
        )
        return self.session.scalars(query.limit(1)).first() is not None

    def open_enrolments_of(self, tenant: str, person_id: str, offering_id: str) -> Sequence[DrAssociation]:
        """The person's student Toetsinschrijvingen of a planbare toets that DR has not cancelled, by id."""
        query = select(DrAssociation).where(
            DrAssociation.tenant == tenant,
            DrAssociation.person_id == person_id,
            DrAssociation.offering_id == offering_id,
            DrAssociation.state != "canceled",
            DrAssociation.data["role"].as_string() == "student",
        )
        return self.session.scalars(query.order_by(DrAssociation.association_id)).all()

    def open_enrolments_in(self, tenant: str, offering_ids: Sequence[str]) -> set[str]:
        """The ids of the enrolments of these planbare toetsen that DR has not cancelled; `_IDS_AT_ONCE` a statement."""
        found: set[str] = set()
        for ids in _in_chunks(offering_ids):
            query = select(DrAssociation.association_id).where(
                DrAssociation.tenant == tenant, DrAssociation.offering_id.in_(ids), DrAssociation.state != "canceled"
            )
            found.update(self.session.scalars(query))
        return found

    def dr_associations_page(
        self,
        tenant: str,
        offering_id: str,
        *,
        role: str | None,
        state: str | None,
        result_state: str | None,
        offset: int,
        limit: int,
    ) -> tuple[Sequence[DrAssociation], int]:
        query = select(DrAssociation).where(DrAssociation.tenant == tenant, DrAssociation.offering_id == offering_id)
        if state:
            query = query.where(DrAssociation.state == state)
        if role:
            query = query.where(DrAssociation.data["role"].as_string() == role)
        if result_state:
            query = query.where(DrAssociation.data["result"]["state"].as_string() == result_state)
        return self._page(query.order_by(DrAssociation.association_id), offset, limit)

    def extra_attempts(self, tenant: str, association_id: str | None = None) -> set[str]:
        """The ids of the associations TP created at DR for extra attempts (flow 5.2), or `association_id` if it is
        one: TP's own, which a DR may send or list back, and never one of DR's Toetsinschrijvingen."""
        query = select(DrResult.association_id).where(
            DrResult.tenant == tenant, DrResult.association_id != DrResult.toetsinschrijving_id
        )
        if association_id is not None:
            query = query.where(DrResult.association_id == association_id)
        return set(self.session.scalars(query.distinct()))

    def peer(self, name: str) -> PeerConfig | None:
        return self.session.get(PeerConfig, name)

    # What TP decided for DR (flow 5), as operators list it

    def dr_results(
        self, tenant: str, *, state: str | None, after: tuple[datetime, str] | None, limit: int
    ) -> list[dict[str, Any]]:
        """A page of the school's results for DR, oldest change first, after the (`updated_at`, id) `after`.

        Keyset paging on the indexes of (tenant, updated_at, deelname_id) and (tenant, state, ...): a page
        reads `limit` rows whatever the school holds, without the message bodies, each with whether its message
        to DR still waits (`waiting`).
        """
        order = (DrResult.updated_at, DrResult.deelname_id)
        query = select(*_LISTED, _WAITING, *order).where(DrResult.tenant == tenant)
        if state is not None:
            query = query.where(DrResult.state == state)
        if after is not None:
            query = query.where(tuple_(*order) > tuple_(*after))
        rows = self._uow.connection.execute(query.order_by(*order).limit(limit)).mappings()
        return [dict(row) for row in rows]

    def coordinator_of(self, zitting_id: str) -> tuple[str, dict[str, Any] | None] | None:
        """The session's coordinator (afnameleider), if one is planned: the person id, and the Person DR sent."""
        query = (
            select(Deelname.person_id, DrPerson.data)
            .outerjoin(DrPerson, (DrPerson.tenant == Deelname.tenant) & (DrPerson.person_id == Deelname.person_id))
            .where(Deelname.zitting_id == zitting_id, Deelname.role == "coordinator", Deelname.state != "canceled")
        )
        found = self.session.execute(query.order_by(Deelname.created_at).limit(1)).first()
        return (found[0], found[1]) if found is not None else None

    # TP's own objects (flows 2, 3, 4)

    def zitting(self, zitting_id: str, *, for_update: bool = False) -> Zitting | None:
        return self.session.get(Zitting, zitting_id, with_for_update=for_update)

    def deelname(self, deelname_id: str, *, for_update: bool = False) -> Deelname | None:
        query = select(Deelname).options(joinedload(Deelname.zitting)).where(Deelname.deelname_id == deelname_id)
        if for_update:
            query = query.with_for_update(of=Deelname)
        return self.session.scalars(query).first()

    def attempts_held(self, tenant: str, toetsinschrijving_id: str) -> list[Deelname]:
        """The Deelnames of an enrolment that hold an attempt (planned, or cancelled once TA reported on it), with
        their sessions: those in a session of another planbare toets than the enrolment's now (DR moved it) count
        no more (`planning`)."""
        self.session.flush()  # the Deelnames this unit of work planned or cancelled count too
        query = (
            select(Deelname)
            .options(joinedload(Deelname.zitting))
            .where(Deelname.tenant == tenant, Deelname.toetsinschrijving_id == toetsinschrijving_id, PLANNED_OR_TAKEN)
        )
        return list(self.session.scalars(query))

    def unplanned_enrolments(self, tenant: str, offering_id: str) -> list[str]:
        """The open students' enrolments of a planbare toets with no attempt planned or taken yet
        (`_planned_in_toets`).

        NOT EXISTS per enrolment (an index lookup), not NOT IN: that reads every Deelname of the school.
        """
        query = select(DrAssociation.association_id).where(
            DrAssociation.tenant == tenant,
            DrAssociation.offering_id == offering_id,
            *_OPEN_STUDENTS,
            ~_planned_in_toets(tenant, offering_id).exists(),
        )
        return list(self.session.scalars(query.order_by(DrAssociation.association_id)))

    def planbare_toetsen_page(self, tenant: str, *, after: str | None, limit: int) -> list[tuple[DrOffering, int]]:
        """A page of the school's planbare toetsen from DR, by id after `after`, each with how many open students'
        enrolments it has: counted for the page's toetsen only, on the index of (tenant, offering_id)."""
        query = select(DrOffering).where(DrOffering.tenant == tenant, DrOffering.offering_type == "component")
        if after is not None:
            query = query.where(DrOffering.offering_id > after)
        toetsen = list(self.session.scalars(query.order_by(DrOffering.offering_id).limit(limit)))
        counted = (
            select(DrAssociation.offering_id, func.count())
            .where(
                DrAssociation.tenant == tenant,
                DrAssociation.offering_id.in_([toets.offering_id for toets in toetsen]),
                *_OPEN_STUDENTS,
            )
            .group_by(DrAssociation.offering_id)
        )
        counts = {toets_id: count for toets_id, count in self.session.execute(counted)} if toetsen else {}
        return [(toets, counts.get(toets.offering_id, 0)) for toets in toetsen]

    def enrolments_page(
        self, tenant: str, offering_id: str, *, after: str | None, limit: int
    ) -> list[tuple[DrAssociation, DrPerson | None, bool]]:
        """A page of a planbare toets's enrolments (any role, cancelled ones too) by id after `after`, each with
        its Person and whether an attempt of it is planned or taken (`_planned_in_toets`)."""
        planned = _planned_in_toets(tenant, offering_id).exists().label("planned")
        query = (
            select(DrAssociation, DrPerson, planned)
            .outerjoin(
                DrPerson, (DrPerson.tenant == DrAssociation.tenant) & (DrPerson.person_id == DrAssociation.person_id)
            )
            .where(DrAssociation.tenant == tenant, DrAssociation.offering_id == offering_id)
        )
        if after is not None:
            query = query.where(DrAssociation.association_id > after)
        rows = self.session.execute(query.order_by(DrAssociation.association_id).limit(limit))
        return [(association, person, bool(is_planned)) for association, person, is_planned in rows]

    def enrolments_of(self, tenant: str, person_id: str) -> list[str]:
        """The ids of the person's Toetsinschrijvingen (and other enrolments), cancelled ones too."""
        query = select(DrAssociation.association_id).where(
            DrAssociation.tenant == tenant, DrAssociation.person_id == person_id
        )
        return list(self.session.scalars(query.order_by(DrAssociation.association_id)))

    def planned_deelnames(self, tenant: str, toetsinschrijving_ids: Sequence[str]) -> list[Deelname]:
        """The Deelnames of these enrolments that are not cancelled and TA has not reported on, locked in id order
        (as flow 3 locks them), with their Zittingen; `_IDS_AT_ONCE` ids a statement."""
        found: list[Deelname] = []
        for ids in _in_chunks(toetsinschrijving_ids):
            query = (
                select(Deelname)
                .options(joinedload(Deelname.zitting))
                .where(
                    Deelname.tenant == tenant,
                    Deelname.toetsinschrijving_id.in_(ids),
                    *_STILL_PLANNED,
                )
                .order_by(Deelname.deelname_id)
                .with_for_update(of=Deelname)
            )
            found += self.session.scalars(query)
        return found

    def reported_deelnames_of(self, tenant: str, offering_id: str) -> list[str]:
        """The Deelnames TA reported on of the enrolments in DR's planbare toets `offering_id`, in id order."""
        query = (
            select(Deelname.deelname_id)
            .join(
                DrAssociation,
                (DrAssociation.tenant == Deelname.tenant)
                & (DrAssociation.association_id == Deelname.toetsinschrijving_id),
            )
            .where(Deelname.tenant == tenant, DrAssociation.offering_id == offering_id, Deelname.result.is_not(None))
            .order_by(Deelname.deelname_id)
        )
        return list(self.session.scalars(query))

    def reported_deelnames_of_enrolment(self, tenant: str, toetsinschrijving_id: str) -> list[str]:
        """The Deelnames TA reported on of one of DR's Toetsinschrijvingen, in id order."""
        query = select(Deelname.deelname_id).where(
            Deelname.tenant == tenant,
            Deelname.toetsinschrijving_id == toetsinschrijving_id,
            Deelname.result.is_not(None),
        )
        return list(self.session.scalars(query.order_by(Deelname.deelname_id)))

    def open_deelname_of(self, zitting_id: str, person_id: str) -> str | None:
        """The person's Deelname in the session that is not cancelled, if any; those added in this unit of work
        count too (it flushes them first)."""
        self.session.flush()
        query = select(Deelname.deelname_id).where(
            Deelname.zitting_id == zitting_id, Deelname.person_id == person_id, Deelname.state != "canceled"
        )
        return self.session.scalars(query.limit(1)).first()

    def planned_deelnames_of(self, zitting_id: str) -> list[Deelname]:
        """The session's Deelnames that are not cancelled and TA has not reported on, locked in id order (as flow 3
        locks them)."""
        query = (
            select(Deelname)
            .where(Deelname.zitting_id == zitting_id, *_STILL_PLANNED)
            .order_by(Deelname.deelname_id)
            .with_for_update()
        )
        return list(self.session.scalars(query))

    def active_zittingen_of(self, tenant: str, toets_id: str) -> list[Zitting]:
        """The school's sessions of DR's planbare toets `toets_id` that are not cancelled, locked in id order."""
        query = (
            select(Zitting)
            .where(Zitting.tenant == tenant, Zitting.planbare_toets_id == toets_id, Zitting.state != "canceled")
            .order_by(Zitting.zitting_id)
            .with_for_update()
        )
        return list(self.session.scalars(query))

    def left_in(self, zitting_id: str) -> tuple[int, int]:
        """What keeps a session going: how many of its Deelnames TA reported on, and how many students are still
        planned in it (not cancelled, not reported on)."""
        query = select(
            func.count().filter(Deelname.result.is_not(None)),
            func.count().filter(Deelname.role == "student", *_STILL_PLANNED),
        ).where(Deelname.zitting_id == zitting_id)
        reported, students = self.session.execute(query).one()
        return reported, students

    def zittingen_page(
        self,
        tenant: str,
        *,
        ta_peer: str | None,
        planbare_toets_id: str | None,
        state: str | None,
        start_from: datetime | None,
        start_until: datetime | None,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> list[Zitting]:
        """A page of the school's Zittingen in order of start, after the (`start_at`, id) `after`: keyset paging
        on the index of (tenant, start_at, zitting_id)."""
        order = (Zitting.start_at, Zitting.zitting_id)
        query = select(Zitting).where(Zitting.tenant == tenant)
        if ta_peer is not None:
            query = query.where(Zitting.ta_peer == ta_peer)
        if planbare_toets_id is not None:
            query = query.where(Zitting.planbare_toets_id == planbare_toets_id)
        if state is not None:
            query = query.where(Zitting.state == state)
        if start_from is not None:
            query = query.where(Zitting.start_at >= start_from)
        if start_until is not None:
            query = query.where(Zitting.start_at < start_until)
        if after is not None:
            query = query.where(tuple_(*order) > tuple_(*after))
        return list(self.session.scalars(query.order_by(*order).limit(limit)))

    def cancel_deelnames_of(self, zitting_id: str) -> None:
        self.session.execute(update(Deelname).where(Deelname.zitting_id == zitting_id).values(state="canceled"))

    def deelnames_page(
        self,
        zitting_id: str,
        *,
        role: str | None,
        state: str | None,
        result_state: str | None,
        offset: int,
        limit: int,
    ) -> tuple[Sequence[Deelname], int]:
        query = select(Deelname).where(Deelname.zitting_id == zitting_id)
        if role:
            query = query.where(Deelname.role == role)
        if state:
            query = query.where(Deelname.state == state)
        if result_state:
            query = query.where(Deelname.result["state"].as_string() == result_state)
        return self._page(query.order_by(Deelname.deelname_id), offset, limit)

    # Documents TA named (flows 3, 4), fetched for DR

    def document_for_dr(self, tenant: str, dr_document_id: str) -> TpDocument | None:
        """The school's document DR knows by that id (`dr_document_id`), fetched or not."""
        query = select(TpDocument).where(TpDocument.dr_document_id == dr_document_id, TpDocument.tenant == tenant)
        return self.session.scalars(query).first()

    def documents_named(self, tenant: str, document_id: str) -> Sequence[TpDocument]:
        """Two at most of the school's documents that TA's id names, fetched or not: one TA's, or several."""
        query = select(TpDocument).where(TpDocument.tenant == tenant, TpDocument.document_id == document_id)
        return self.session.scalars(query.order_by(TpDocument.id).limit(2)).all()

    def components_of(self, ta_peer: str) -> Sequence[TpComponent]:
        query = select(TpComponent).where(TpComponent.ta_peer == ta_peer).order_by(TpComponent.component_id)
        return self.session.scalars(query).all()

    def catalogue_test(self, ta_peer: str, component_id: str) -> TpComponent | None:
        return self.session.get(TpComponent, (ta_peer, component_id))

    def has_catalogue(self, ta_peer: str) -> bool:
        """Whether TP has read TA's catalogue (flow 0): it keeps one of its tests at least."""
        query = select(TpComponent.component_id).where(TpComponent.ta_peer == ta_peer).limit(1)
        return self.session.scalars(query).first() is not None


def _in_chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    """`ids` in parts of `_IDS_AT_ONCE`, one `IN` list each."""
    for start in range(0, len(ids), _IDS_AT_ONCE):
        yield ids[start : start + _IDS_AT_ONCE]


def _planned_in_toets(tenant: str, offering_id: str) -> Select[Any]:
    """The Deelnames planned or taken of the enrolment of the enclosing query, in a session of the planbare toets
    `offering_id` or of none (TP cannot tell which test such a session took: it counts, as it did when planned);
    one of another toets counts no more (DR moved the enrolment)."""
    return (
        select(Deelname.deelname_id)
        .join(Zitting)
        .where(
            Deelname.tenant == tenant,
            Deelname.toetsinschrijving_id == DrAssociation.association_id,
            PLANNED_OR_TAKEN,
            or_(Zitting.planbare_toets_id == offering_id, Zitting.planbare_toets_id.is_(None)),
        )
    )
