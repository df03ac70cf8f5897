"""Group commit (SQLite) and threaded transactions (PostgreSQL): every call answered with its own
outcome, a failing call never takes another's change with it, and nothing is answered before commit."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from oke.errors import NotFound
from oke.store.database import Database
from oke.store.uow import UnitOfWork


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    with database.sessions() as session:
        session.execute(text("CREATE TABLE IF NOT EXISTS t_notes (n INTEGER PRIMARY KEY)"))
        session.execute(text("DELETE FROM t_notes"))
        session.commit()
    yield database
    with database.sessions() as session:
        session.execute(text("DROP TABLE t_notes"))
        session.commit()
    database.close()


def insert(n: int, *, fail: bool = False) -> object:
    def call(uow: UnitOfWork) -> int:
        with uow:
            uow.session.execute(text("INSERT INTO t_notes (n) VALUES (:n)"), {"n": n})
            if fail:
                raise NotFound(f"note {n}")  # after its write: the write must not survive
            uow.commit()
            return n

    return call


def stored(database: Database) -> list[int]:
    with database.sessions() as session:
        return list(session.scalars(text("SELECT n FROM t_notes ORDER BY n")))


async def write_all(database: Database, calls: list[object]) -> list[object]:
    transactions = database.transactions(UnitOfWork)
    return await asyncio.gather(*(transactions.write(call) for call in calls), return_exceptions=True)  # type: ignore[arg-type]


def test_every_call_is_answered_with_its_own_outcome(database: Database) -> None:
    outcomes = asyncio.run(write_all(database, [insert(n) for n in range(200)]))
    assert outcomes == list(range(200))
    assert stored(database) == list(range(200))


def test_a_failing_call_keeps_neither_its_own_write_nor_harms_the_others(database: Database) -> None:
    calls = [insert(n, fail=n % 7 == 3) for n in range(100)]
    outcomes = asyncio.run(write_all(database, calls))
    for n, outcome in enumerate(outcomes):
        assert isinstance(outcome, NotFound) if n % 7 == 3 else outcome == n
    assert stored(database) == [n for n in range(100) if n % 7 != 3]


def test_a_call_conflicting_with_an_earlier_one_fails_alone(database: Database) -> None:
    outcomes = asyncio.run(write_all(database, [insert(1), insert(1), insert(2)]))
    assert outcomes[0] == 1 and outcomes[2] == 2
    assert isinstance(outcomes[1], Exception)
    assert stored(database) == [1, 2]
