"""The Toetsplanning unit of work: its repository, the message history and the outbox, in one transaction."""

from __future__ import annotations

from oke.outbox.writer import Outbox
from oke.roles.toetsplanning.repository import ToetsplanningRepository
from oke.store.history import History
from oke.store.uow import UnitOfWork


class ToetsplanningUnitOfWork(UnitOfWork):
    repo: ToetsplanningRepository
    history: History
    outbox: Outbox

    def _open(self) -> None:
        self.repo = ToetsplanningRepository(self)
        self.history = History(self)
        self.outbox = Outbox(self)
