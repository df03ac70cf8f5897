"""The Toetsplanning unit of work: its repository and the message history, in one transaction."""

from __future__ import annotations

from oke.roles.toetsplanning.repository import ToetsplanningRepository
from oke.store.history import History
from oke.store.uow import UnitOfWork


class ToetsplanningUnitOfWork(UnitOfWork):
    repo: ToetsplanningRepository
    history: History

    def _open(self) -> None:
        self.repo = ToetsplanningRepository(self)
        self.history = History(self)
