"""Queries of the Toetsafname role; nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from oke.store.repository import Repository
from oke.store.tables.toetsafname import TaComponent, TaDeelname, TaDocument, TaSecret, TaZitting


class ToetsafnameRepository(Repository):
    # The catalogue (flow 0): a few dozen tests, selected in Python (oke.roles.toetsafname.catalogue)

    def components(self) -> Sequence[TaComponent]:
        return self.session.scalars(select(TaComponent)).all()

    def component(self, component_id: str, *, for_update: bool = False) -> TaComponent | None:
        return self.session.get(TaComponent, component_id, with_for_update=for_update)

    def has_components(self) -> bool:
        return self.session.scalars(select(TaComponent.component_id).limit(1)).first() is not None

    # What TPs sent (flow 2)

    def zitting(self, offering_id: str, *, for_update: bool = False) -> TaZitting | None:
        return self.session.get(TaZitting, offering_id, with_for_update=for_update)

    def deelname(self, association_id: str, *, for_update: bool = False) -> TaDeelname | None:
        return self.session.get(TaDeelname, association_id, with_for_update=for_update)

    def deelnames_of(self, offering_id: str, *, for_update: bool = False) -> Sequence[TaDeelname]:
        query = select(TaDeelname).where(TaDeelname.offering_id == offering_id).order_by(TaDeelname.association_id)
        return self.session.scalars(query.with_for_update() if for_update else query).all()

    def deelnames_page(
        self,
        offering_id: str,
        *,
        role: str | None,
        state: str | None,
        result_state: str | None,
        offset: int,
        limit: int,
    ) -> tuple[Sequence[TaDeelname], int]:
        query = select(TaDeelname).where(TaDeelname.offering_id == offering_id)
        if role:
            query = query.where(TaDeelname.role == role)
        if state:
            query = query.where(TaDeelname.state == state)
        if result_state:
            query = query.where(TaDeelname.result_state == result_state)
        return self._page(query.order_by(TaDeelname.association_id), offset, limit)

    def save_result(self, deelname: TaDeelname, result: dict[str, Any] | None) -> None:
        """The participant's result as TA sent it (flow 3), with the state the `result-state` filter reads."""
        deelname.result = result
        deelname.result_state = str(result["state"]) if result else None

    # Documents (flows 3, 4) and secrets

    def document(self, document_id: str) -> TaDocument | None:
        return self.session.get(TaDocument, document_id)

    def secret(self, name: str, new_value: str) -> str:
        """The secret `name`, made with `new_value` the first time; another process may make it first."""
        row = self.session.get(TaSecret, name)
        if row is not None:
            return row.value
        try:
            with self.session.begin_nested():
                self.session.add(TaSecret(name=name, value=new_value))
            return new_value
        except IntegrityError:
            return self.session.get_one(TaSecret, name, populate_existing=True).value  # the other's row
