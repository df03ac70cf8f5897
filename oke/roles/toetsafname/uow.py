"""The Toetsafname unit of work: its repository and the message history, in one transaction."""

from __future__ import annotations

from oke.roles.toetsafname.repository import ToetsafnameRepository
from oke.store.history import History
from oke.store.uow import UnitOfWork


class ToetsafnameUnitOfWork(UnitOfWork):
    repo: ToetsafnameRepository
    history: History

    def _open(self) -> None:
        self.repo = ToetsafnameRepository(self)
        self.history = History(self)
