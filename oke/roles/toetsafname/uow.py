"""The Toetsafname unit of work: its repository, the message history and the outbox, in one transaction."""

from __future__ import annotations

from oke.outbox.writer import Outbox
from oke.roles.toetsafname.repository import ToetsafnameRepository
from oke.store.history import History
from oke.store.uow import UnitOfWork


class ToetsafnameUnitOfWork(UnitOfWork):
    repo: ToetsafnameRepository
    history: History
    outbox: Outbox

    def _open(self) -> None:
        self.repo = ToetsafnameRepository(self)
        self.history = History(self)
        self.outbox = Outbox(self)  # flows 3 and 4 back to TP leave with the change that made them
