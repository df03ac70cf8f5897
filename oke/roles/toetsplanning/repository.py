"""Queries of the Toetsplanning role; nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence

from typing import TypeVar

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session, joinedload

from oke.store.tables.toetsplanning import Deelname, DrAssociation, DrOffering, DrPerson, Zitting

Row = TypeVar("Row")


class ToetsplanningRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)

    # DR's objects (flow 1), always within one tenant

    def dr_offering(self, tenant: str, offering_id: str) -> DrOffering | None:
        return self.session.get(DrOffering, (tenant, offering_id))

    def dr_association(self, tenant: str, association_id: str) -> DrAssociation | None:
        return self.session.get(DrAssociation, (tenant, association_id))

    def dr_person(self, tenant: str, person_id: str) -> DrPerson | None:
        return self.session.get(DrPerson, (tenant, person_id))

    def cancel_dr_associations_of(self, tenant: str, offering_id: str) -> list[str]:
        """Cancel every enrolment on a cancelled offering; returns the persons concerned."""
        rows = self.session.scalars(
            select(DrAssociation).where(
                DrAssociation.tenant == tenant,
                DrAssociation.offering_id == offering_id,
                DrAssociation.state != "canceled",
            )
        ).all()
        for row in rows:
            row.state = "canceled"
            row.data = {**row.data, "state": "canceled"}
        return sorted({row.person_id for row in rows})

    def person_is_enrolled(self, tenant: str, person_id: str) -> bool:
        query = select(DrAssociation.association_id).where(
            DrAssociation.tenant == tenant,
            DrAssociation.person_id == person_id,
            DrAssociation.state != "canceled",
        )
        return self.session.scalars(query.limit(1)).first() is not None

    def dr_associations_page(
        self, tenant: str, offering_id: str, *, role: str | None, state: str | None, offset: int, limit: int
    ) -> tuple[Sequence[DrAssociation], int]:
        query = select(DrAssociation).where(DrAssociation.tenant == tenant, DrAssociation.offering_id == offering_id)
        if state:
            query = query.where(DrAssociation.state == state)
        if role:
            query = query.where(DrAssociation.data["role"].as_string() == role)
        return self._page(query.order_by(DrAssociation.association_id), offset, limit)

    # TP's own objects (flows 2, 3, 4)

    def zitting(self, zitting_id: str) -> Zitting | None:
        return self.session.get(Zitting, zitting_id)

    def deelname(self, deelname_id: str) -> Deelname | None:
        query = select(Deelname).options(joinedload(Deelname.zitting)).where(Deelname.deelname_id == deelname_id)
        return self.session.scalars(query).first()

    def cancel_deelnames_of(self, zitting_id: str) -> None:
        self.session.execute(
            update(Deelname).where(Deelname.zitting_id == zitting_id).values(state="canceled")
        )

    def deelnames_page(
        self, zitting_id: str, *, role: str | None, state: str | None, offset: int, limit: int
    ) -> tuple[Sequence[Deelname], int]:
        query = select(Deelname).where(Deelname.zitting_id == zitting_id)
        if role:
            query = query.where(Deelname.role == role)
        if state:
            query = query.where(Deelname.state == state)
        return self._page(query.order_by(Deelname.deelname_id), offset, limit)

    def _page(self, query: Select[tuple[Row]], offset: int, limit: int) -> tuple[Sequence[Row], int]:
        """One page of `query`, and how many rows the whole listing has (both counted in the database)."""
        total = self.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
        return self.session.scalars(query.offset(offset).limit(limit)).all(), total
