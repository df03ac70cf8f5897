"""Throwaway databases for tests: a SQLite file, or a fresh PostgreSQL database dropped afterwards."""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from oke.store.migrate import upgrade
from oke.store.transactions import ReadAhead, Transactions

POSTGRES_URL = os.environ.get("OKE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@contextmanager
def fresh_database(backend: str, folder: Path, *, migrated: bool = True) -> Iterator[str]:
    """The URL of a new database of `backend`, migrated unless asked not to be (then empty)."""
    if backend == "sqlite":
        url = f"sqlite:///{folder / f'{uuid.uuid4().hex}.sqlite3'}"
        if migrated:
            upgrade(url)
        yield url
        return
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"oke_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL is not reachable: {error}")
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        if migrated:
            upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def waiting_for_a_lock(sessions: sessionmaker[Session]) -> bool:
    """Whether a connection to this PostgreSQL database waits for a lock (another transaction's row lock)."""
    query = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    with sessions() as session:
        return bool(session.connection().exec_driver_sql(query).scalar())


def in_one_batch(
    transactions: Transactions[Any], calls: list[tuple[Callable[[Any], Any], ReadAhead | None]]
) -> list[Any]:
    """Run `calls` (each with what it reads ahead) in one batch of writes, in order; their outcomes, errors too.

    The writer is held by a call of its own until they are all queued behind it."""

    async def batch() -> list[Any]:
        holds, gate = threading.Event(), threading.Event()

        def hold(_uow: Any) -> None:
            holds.set()
            gate.wait(30)

        holding = asyncio.ensure_future(transactions.write(hold))
        assert await asyncio.to_thread(holds.wait, 30)  # the writer runs the holding call, alone in its batch
        queued = [asyncio.ensure_future(transactions.write(call, ahead=ahead)) for call, ahead in calls]
        await asyncio.sleep(0)  # each has put its call in the queue
        gate.set()
        await holding
        return await asyncio.gather(*queued, return_exceptions=True)

    return asyncio.run(batch())
