"""What every role's repository shares: the unit of work's session, and listings a page at a time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from oke.store.uow import UnitOfWork

Row = TypeVar("Row")
#: A page of a listing's rows, and how many rows the whole listing has.
Page = tuple[Sequence[Row], int]


def counted_page(session: Session, query: Select[Row], offset: int, limit: int) -> Page[Row]:
    """One page of `query`, and how many rows the whole listing has (both counted in the database)."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    return session.scalars(query.offset(offset).limit(limit)).all(), total


class Repository:
    """A role's queries, in its unit of work's transaction; nothing here commits."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    @property
    def session(self) -> Session:
        return self._uow.session

    def add(self, row: object) -> None:
        self.session.add(row)

    def _page(self, query: Select[Row], offset: int, limit: int) -> Page[Row]:
        return counted_page(self.session, query, offset, limit)
