"""One server's database: its engines, session factories and the way it runs transactions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from oke.config import Settings
from oke.store.engine import DEFAULT_POOL, Pool, is_sqlite, make_engine, make_session_factory
from oke.store.transactions import Transactions
from oke.store.uow import UnitOfWork

U = TypeVar("U", bound=UnitOfWork)


class Database:
    """Engines for `url`: on SQLite a writer and a reader engine; on PostgreSQL one with the connections of `pool`,
    and the outbox relay's with those of `relay_pool` (docs/operations.md, "Database connections")."""

    def __init__(self, url: str, *, pool: Pool = DEFAULT_POOL, relay_pool: Pool = DEFAULT_POOL) -> None:
        self.url = url
        self.engine = make_engine(url, pool=pool)
        #: Sessions that may write; what the CLI, the token issuer and the tests use.
        self.sessions = make_session_factory(self.engine)
        self._read_engine = make_engine(url, for_writes=False) if is_sqlite(url) else self.engine
        self.read_sessions = make_session_factory(self._read_engine)
        #: What the outbox relay writes with: its leases and outcomes. On PostgreSQL its commits do not wait
        #: for the disk: one lost in a crash of the server only sends a message again, which every peer takes
        #: (each is the newest state of its object), and a delivery no longer waits for a disk flush.
        self.relay_engine = self.engine if is_sqlite(url) else make_engine(url, wait_for_disk=False, pool=relay_pool)
        self._transactions: list[Transactions[Any]] = []

    @classmethod
    def of(cls, settings: Settings) -> Database:
        """A server's database, its pools as its settings size them: the services' `database_pool_size` and
        `database_max_overflow`; the relay's one per sender (`outbox_concurrency`) and one for its rounds, the most it
        uses at once (a sender records its outcome on one connection, the round claims and renews on another)."""
        return cls(
            settings.database,
            pool=Pool(settings.database_pool_size, settings.database_max_overflow),
            relay_pool=Pool(settings.outbox_concurrency + 1, 0),
        )

    def transactions(self, uow: Callable[[sessionmaker[Session]], U]) -> Transactions[U]:
        """How service calls with units of work of type `uow` run on this database."""
        runner = Transactions(lambda: uow(self.read_sessions), self.engine)
        self._transactions.append(runner)
        return runner

    def close(self) -> None:
        for runner in self._transactions:
            runner.close()
        self.engine.dispose()
        self._read_engine.dispose()
        self.relay_engine.dispose()
