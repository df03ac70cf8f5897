"""The unit of work: one transaction per service call; only `commit()` commits.

A unit of work can also run inside a batch (see `oke.store.transactions`): it then
works on the batch's connection, its `commit()` only flushes, and the batch commits once for all
its units. A failing unit spoils the batch's transaction unless it runs in a SAVEPOINT.

The ORM session is made on first use: the hottest path (flow 3) runs plain statements on the
connection and needs none.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Connection
from sqlalchemy.engine import NestedTransaction
from sqlalchemy.orm import Session, sessionmaker

from oke.store.notices import notify

#: Writes rows of one kind, all at once, in the order they were appended (e.g. one executemany).
RowsWriter = Callable[[Connection, list[dict[str, Any]]], None]
#: Rows written at the commit, by their writer: a batch writes each kind once for all its units of work.
Appends = dict[RowsWriter, list[dict[str, Any]]]


class UnitOfWork:
    """Opened with `with uow:`; rolls back whatever was not committed when the block ends.

    Each role subclasses it to attach its repositories in `_open`.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        batch: Connection | None = None,
        savepoint: bool = False,
        batch_appends: Appends | None = None,
        batch_notices: set[str] | None = None,
        batch_ahead: dict[Any, Any] | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._batch = batch
        self._use_savepoint = savepoint
        self._batch_appends = batch_appends
        self._appends: Appends = {}
        self._batch_notices = batch_notices
        self._batch_ahead = batch_ahead
        self._notices: set[str] = set()
        self._session: Session | None = None
        self._savepoint: NestedTransaction | None = None

    def in_batch(
        self,
        batch: Connection,
        *,
        savepoint: bool,
        appends: Appends,
        notices: set[str],
        ahead: dict[Any, Any] | None = None,
    ) -> Self:
        """The same kind of unit of work, working in `batch`'s transaction (in a SAVEPOINT of it if asked).

        The rows it appends go into `appends`, and the channels it notifies into `notices`, when it commits;
        the batch writes and notifies them before its commit. `ahead` holds what the batch read ahead for it
        (`oke.store.transactions.ReadAhead`), by loader.
        """
        return type(self)(
            self._session_factory,
            batch=batch,
            savepoint=savepoint,
            batch_appends=appends,
            batch_notices=notices,
            batch_ahead=ahead,
        )

    def read_ahead(self, load: Callable[..., Any]) -> Any:
        """What the batch read ahead with `load` for the run of calls this one belongs to; None if it did not."""
        return None if self._batch_ahead is None else self._batch_ahead.get(load)

    @property
    def session(self) -> Session:
        if self._session is None:
            if self._batch is None:
                self._session = self._session_factory()
            else:  # commit() and close() leave the batch's transaction alone
                self._session = self._session_factory(bind=self._batch, join_transaction_mode="rollback_only")
        return self._session

    @property
    def connection(self) -> Connection:
        """The connection of this unit's transaction, for plain statements."""
        if self._batch is not None and self._session is None:
            return self._batch
        return self.session.connection()

    def __enter__(self) -> Self:
        if self._batch is not None and self._use_savepoint:
            self._savepoint = self._batch.begin_nested()
        self._open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        try:
            if session is not None and self._batch is None:
                session.rollback()
        finally:
            if session is not None:
                session.close()
            if self._savepoint is not None and self._savepoint.is_active:
                self._savepoint.rollback()

    def _open(self) -> None:
        """Attach repositories; they reach the database through `session` and `connection`."""

    def append(self, writer: RowsWriter, row: dict[str, Any]) -> None:
        """Have `writer` write `row` when this unit commits (history rows, outbox messages): nothing in the unit
        reads them back, and a batch then writes all its rows of a kind with one statement instead of one each."""
        self._appends.setdefault(writer, []).append(row)

    def notify_on_commit(self, channel: str) -> None:
        """Notify `channel` once when this unit's transaction commits (`oke.store.notices`), however often asked."""
        self._notices.add(channel)

    def commit(self) -> None:
        appends, self._appends = self._appends, {}
        notices, self._notices = self._notices, set()
        if self._batch_appends is not None:
            for statement, rows in appends.items():
                self._batch_appends.setdefault(statement, []).extend(rows)
        else:
            write_appends(self.connection, appends)
        if notices:
            if self._batch_notices is not None:
                self._batch_notices.update(notices)
            else:
                notify(self.connection, notices)
        if self._session is not None:
            self._session.commit()
        if self._savepoint is not None:
            self._savepoint.commit()


def write_appends(connection: Connection, appends: Appends) -> None:
    for write, rows in appends.items():
        write(connection, rows)
