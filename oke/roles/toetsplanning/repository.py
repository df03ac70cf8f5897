"""Queries of the Toetsplanning role; nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Select, bindparam, func, insert, select, update
from sqlalchemy.orm import Session, joinedload

from oke.store.base import utcnow
from oke.store.tables.peers import PeerConfig
from oke.store.tables.toetsplanning import (
    Deelname,
    DrAssociation,
    DrOffering,
    DrPerson,
    TpComponent,
    TpDocument,
    Zitting,
)
from oke.store.uow import UnitOfWork

Row = TypeVar("Row")


class ResultTarget(NamedTuple):
    deelname_id: str
    tenant: str
    role: str
    state: str
    result: dict[str, Any] | None
    result_version: int
    ta_peer: str
    zitting_state: str
    zitting_id: str


# The flow 3 statements are built once: building and keying a statement costs more than running it.
_RESULT_TARGET = (
    select(
        Deelname.deelname_id,
        Deelname.tenant,
        Deelname.role,
        Deelname.state,
        Deelname.result,
        Deelname.result_version,
        Zitting.ta_peer,
        Zitting.state,
        Deelname.zitting_id,
    )
    .join(Zitting)
    .where(Deelname.deelname_id == bindparam("target"))
    .with_for_update(of=Deelname)  # several TP processes may share one PostgreSQL; SQLite ignores it
)
_SAVE_RESULT = update(Deelname).where(Deelname.deelname_id == bindparam("target"))


_KNOWN_DOCUMENT = select(TpDocument.id).where(
    TpDocument.tenant == bindparam("tenant"),
    TpDocument.ta_peer == bindparam("ta_peer"),
    TpDocument.document_id == bindparam("document_id"),
)
_ADD_DOCUMENT = insert(TpDocument)


class ToetsplanningRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    @property
    def session(self) -> Session:
        return self._uow.session

    def add(self, row: object) -> None:
        self.session.add(row)

    # DR's objects (flow 1), always within one tenant

    def dr_offering(self, tenant: str, offering_id: str, *, for_update: bool = False) -> DrOffering | None:
        return self.session.get(DrOffering, (tenant, offering_id), with_for_update=for_update)

    def dr_association(self, tenant: str, association_id: str, *, for_update: bool = False) -> DrAssociation | None:
        return self.session.get(DrAssociation, (tenant, association_id), with_for_update=for_update)

    def dr_person(self, tenant: str, person_id: str, *, for_update: bool = False) -> DrPerson | None:
        return self.session.get(DrPerson, (tenant, person_id), with_for_update=for_update)

    def cancel_dr_associations_of(self, tenant: str, offering_id: str) -> list[str]:
        """Cancel every enrolment on a cancelled offering; returns the persons concerned."""
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

    def peer(self, name: str) -> PeerConfig | None:
        return self.session.get(PeerConfig, name)

    # TP's own objects (flows 2, 3, 4)

    def zitting(self, zitting_id: str, *, for_update: bool = False) -> Zitting | None:
        return self.session.get(Zitting, zitting_id, with_for_update=for_update)

    def deelname(self, deelname_id: str, *, for_update: bool = False) -> Deelname | None:
        query = select(Deelname).options(joinedload(Deelname.zitting)).where(Deelname.deelname_id == deelname_id)
        if for_update:
            query = query.with_for_update(of=Deelname)
        return self.session.scalars(query).first()

    def result_target(self, deelname_id: str) -> ResultTarget | None:
        """What flow 3 needs of a Deelname, in one statement: it is the hot path of TP."""
        row = self._uow.connection.execute(_RESULT_TARGET, {"target": deelname_id}).first()
        return ResultTarget(*row) if row is not None else None

    def save_result(self, deelname_id: str, result: dict[str, Any], version: int, received_at: datetime) -> None:
        values = {"result": result, "result_version": version, "result_received_at": received_at}
        self._uow.connection.execute(_SAVE_RESULT, {"target": deelname_id, **values, "updated_at": received_at})

    def cancel_deelnames_of(self, zitting_id: str) -> None:
        self.session.execute(update(Deelname).where(Deelname.zitting_id == zitting_id).values(state="canceled"))

    def deelnames_page(
        self, zitting_id: str, *, role: str | None, state: str | None, offset: int, limit: int
    ) -> tuple[Sequence[Deelname], int]:
        query = select(Deelname).where(Deelname.zitting_id == zitting_id)
        if role:
            query = query.where(Deelname.role == role)
        if state:
            query = query.where(Deelname.state == state)
        return self._page(query.order_by(Deelname.deelname_id), offset, limit)

    # Documents TA named (flows 3, 4), fetched for DR

    def knows_document(self, tenant: str, ta_peer: str, document_id: str) -> bool:
        """Whether a document is fetched or its fetch queued; plain statements, on the flow 3 hot path."""
        params = {"tenant": tenant, "ta_peer": ta_peer, "document_id": document_id}
        return self._uow.connection.execute(_KNOWN_DOCUMENT, params).first() is not None

    def add_document(self, **values: Any) -> None:
        """The row of a document to fetch, without its bytes yet."""
        self._uow.connection.execute(_ADD_DOCUMENT, {"created_at": utcnow(), **values})

    def fetched_document(self, tenant: str, document_id: str) -> TpDocument | None:
        """The first fetched document of that id at any TA of the school (ids are TA's, normally UUIDs)."""
        query = select(TpDocument).where(
            TpDocument.tenant == tenant, TpDocument.document_id == document_id, TpDocument.data.is_not(None)
        )
        return self.session.scalars(query.order_by(TpDocument.id).limit(1)).first()

    def components_of(self, ta_peer: str) -> Sequence[TpComponent]:
        query = select(TpComponent).where(TpComponent.ta_peer == ta_peer).order_by(TpComponent.component_id)
        return self.session.scalars(query).all()

    def _page(self, query: Select[Row], offset: int, limit: int) -> tuple[Sequence[Row], int]:
        """One page of `query`, and how many rows the whole listing has (both counted in the database)."""
        total = self.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
        return self.session.scalars(query.offset(offset).limit(limit)).all(), total
