"""The Toetsplanning unit of work: its repository and the message history, in one transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from oke.roles.toetsplanning.repository import ToetsplanningRepository
from oke.store.history import History
from oke.store.uow import UnitOfWork


class ToetsplanningUnitOfWork(UnitOfWork):
    repo: ToetsplanningRepository
    history: History

    def _open(self, session: Session) -> None:
        self.repo = ToetsplanningRepository(session)
        self.history = History(session)
