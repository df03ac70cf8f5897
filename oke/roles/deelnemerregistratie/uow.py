"""The Deelnemerregistratie unit of work: its repository, the message history and the outbox, in one transaction."""

from __future__ import annotations

from oke.outbox.writer import Outbox
from oke.roles.deelnemerregistratie.repository import DeelnemerregistratieRepository
from oke.store.history import History
from oke.store.uow import UnitOfWork


class DeelnemerregistratieUnitOfWork(UnitOfWork):
    repo: DeelnemerregistratieRepository
    history: History
    outbox: Outbox

    def _open(self) -> None:
        self.repo = DeelnemerregistratieRepository(self)
        self.history = History(self)
        self.outbox = Outbox(self)  # flow 1 pushed to TP leaves with the change that made it
