"""Queries of the Deelnemerregistratie role; nothing here commits.

Every query of a school's data is scoped to its tenant; only `tp_peer` is not: a peer's name is unique per
server, and the operator's `oke dr push PEER` looks it up to learn the school it acts in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select

from oke.ooapi.enums import AssociationType
from oke.store.repository import Page, Repository
from oke.store.tables.deelnemerregistratie import (
    SchoolEnrolment,
    SchoolGroup,
    SchoolMembership,
    SchoolOffering,
    SchoolOrganization,
    SchoolPerson,
    SchoolProgram,
)
from oke.store.tables.messages import ReceivedMessage
from oke.store.tables.peers import PeerConfig

#: `sort` of `GET /offerings` (YAML; default startDateTime), as columns.
OFFERING_ORDER = {
    "startDateTime": (SchoolOffering.starts_on, SchoolOffering.offering_id),
    "-startDateTime": (SchoolOffering.starts_on.desc(), SchoolOffering.offering_id),
    "offeringId": (SchoolOffering.offering_id,),
    "-offeringId": (SchoolOffering.offering_id.desc(),),
}


class DeelnemerregistratieRepository(Repository):
    # One object by its DR id

    def organization(self, tenant: str, organization_id: str) -> SchoolOrganization | None:
        return self.session.get(SchoolOrganization, (tenant, organization_id))

    def program(self, tenant: str, program_id: str) -> SchoolProgram | None:
        return self.session.get(SchoolProgram, (tenant, program_id))

    def person(self, tenant: str, person_id: str) -> SchoolPerson | None:
        return self.session.get(SchoolPerson, (tenant, person_id))

    def offering(self, tenant: str, offering_id: str) -> SchoolOffering | None:
        return self.session.get(SchoolOffering, (tenant, offering_id))

    def enrolment(self, tenant: str, association_id: str, *, for_update: bool = False) -> SchoolEnrolment | None:
        return self.session.get(SchoolEnrolment, (tenant, association_id), with_for_update=for_update)

    def group(self, tenant: str, group_id: str) -> SchoolGroup | None:
        return self.session.get(SchoolGroup, (tenant, group_id))

    def membership(self, tenant: str, group_id: str, person_id: str) -> SchoolMembership | None:
        return self.session.get(SchoolMembership, (tenant, group_id, person_id))

    # Listings (flow 1, 1b, 6)

    def offerings_page(
        self,
        tenant: str,
        *,
        offering_type: str | None,
        since: date | None,
        until: date | None,
        sort: str,
        offset: int,
        limit: int,
    ) -> Page[SchoolOffering]:
        """Offerings whose period overlaps [since, until], both inclusive (PDF 3.1.2.1)."""
        query = select(SchoolOffering).where(SchoolOffering.tenant == tenant)
        if offering_type:
            query = query.where(SchoolOffering.offering_type == offering_type)
        if since is not None:
            query = query.where(SchoolOffering.ends_on >= since)
        if until is not None:
            query = query.where(SchoolOffering.starts_on <= until)
        return self._page(query.order_by(*OFFERING_ORDER[sort]), offset, limit)

    def enrolments_page(
        self,
        tenant: str,
        offering_id: str,
        *,
        role: str | None,
        state: str | None,
        result_state: str | None,
        offset: int,
        limit: int,
    ) -> Page[SchoolEnrolment]:
        """DR's own enrolments in an offering; extra attempts TP created (flow 5.2) are TP's ids, not listed."""
        query = select(SchoolEnrolment).where(
            SchoolEnrolment.tenant == tenant,
            SchoolEnrolment.offering_id == offering_id,
            SchoolEnrolment.created_by == "dr",
        )
        if role:
            query = query.where(SchoolEnrolment.role == role)
        if state:
            query = query.where(SchoolEnrolment.state == state)
        if result_state:
            query = query.where(SchoolEnrolment.result_state == result_state)
        return self._page(query.order_by(SchoolEnrolment.association_id), offset, limit)

    def person_enrolments_page(
        self, tenant: str, person_id: str, *, association_type: str, offset: int, limit: int
    ) -> Page[SchoolEnrolment]:
        query = select(SchoolEnrolment).where(
            SchoolEnrolment.tenant == tenant,
            SchoolEnrolment.person_id == person_id,
            SchoolEnrolment.association_type == association_type,
        )
        return self._page(query.order_by(SchoolEnrolment.association_id), offset, limit)

    def attempts_of(self, tenant: str, enrolment_ids: Sequence[str]) -> Sequence[SchoolEnrolment]:
        """Toetsinschrijvingen and every extra attempt TP made for them, by Toetsinschrijving and attempt."""
        query = select(SchoolEnrolment).where(
            SchoolEnrolment.tenant == tenant, SchoolEnrolment.enrolment_id.in_(enrolment_ids)
        )
        order = (SchoolEnrolment.enrolment_id, SchoolEnrolment.attempt, SchoolEnrolment.association_id)
        return self.session.scalars(query.order_by(*order)).all()

    def reported_enrolments(self, tenant: str, *, after: str | None, limit: int) -> Sequence[str]:
        """Up to `limit` Toetsinschrijvingen with any result or report from TP (flow 5), by id after `after`."""
        query = (
            select(SchoolEnrolment.enrolment_id)
            .where(SchoolEnrolment.tenant == tenant, SchoolEnrolment.reported_at.is_not(None))
            .distinct()
            .order_by(SchoolEnrolment.enrolment_id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(SchoolEnrolment.enrolment_id > after)
        return self.session.scalars(query).all()

    def message_counts(self, tenant: str, object_ids: Sequence[str]) -> dict[str, int]:
        """How many flow 5 messages the history holds per association."""
        query = (
            select(ReceivedMessage.object_id, func.count())
            .where(ReceivedMessage.tenant == tenant, ReceivedMessage.flow == "5")
            .where(ReceivedMessage.object_id.in_(object_ids))
            .group_by(ReceivedMessage.object_id)
        )
        return {str(row[0]): int(row[1]) for row in self.session.execute(query)}

    def groups_page(self, tenant: str, *, q: str | None, offset: int, limit: int) -> Page[SchoolGroup]:
        query = select(SchoolGroup).where(SchoolGroup.tenant == tenant)
        if q:
            pattern = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(func.lower(SchoolGroup.name).like(pattern, escape="\\"))
        return self._page(query.order_by(SchoolGroup.name, SchoolGroup.group_id), offset, limit)

    def members_page(self, tenant: str, group_id: str, *, offset: int, limit: int) -> Page[SchoolMembership]:
        query = select(SchoolMembership).where(SchoolMembership.tenant == tenant, SchoolMembership.group_id == group_id)
        return self._page(query.order_by(SchoolMembership.person_id), offset, limit)

    # Where flow 1 goes

    def persons(self, tenant: str) -> Sequence[SchoolPerson]:
        query = select(SchoolPerson).where(SchoolPerson.tenant == tenant)
        return self.session.scalars(query.order_by(SchoolPerson.person_id)).all()

    def offerings(self, tenant: str) -> Sequence[SchoolOffering]:
        """Programme and course offerings before the planbare toetsen, the context first."""
        query = select(SchoolOffering).where(SchoolOffering.tenant == tenant)
        rows = self.session.scalars(query.order_by(SchoolOffering.offering_id)).all()
        return sorted(rows, key=lambda row: row.offering_type == "component")

    def own_enrolments(self, tenant: str) -> Sequence[SchoolEnrolment]:
        """DR's own enrolments, Opleidings- and Deelinschrijvingen before the Toetsinschrijvingen resting on them."""
        query = select(SchoolEnrolment).where(SchoolEnrolment.tenant == tenant, SchoolEnrolment.created_by == "dr")
        rows = self.session.scalars(query.order_by(SchoolEnrolment.association_id)).all()
        return sorted(rows, key=lambda row: row.association_type == AssociationType.componentOfferingAssociation)

    def tp_peers(self, tenant: str) -> Sequence[str]:
        """The TPs of the school (`peers` rows of role tp): where a cancellation is pushed."""
        query = select(PeerConfig.name).where(PeerConfig.tenant == tenant, PeerConfig.role == "tp")
        return self.session.scalars(query.order_by(PeerConfig.name)).all()

    def tp_peer(self, name: str) -> PeerConfig | None:
        """The TP peer of that name, of whatever school (its `tenant` says which); None if there is none."""
        row = self.session.get(PeerConfig, name)
        return row if row is not None and row.role == "tp" else None
