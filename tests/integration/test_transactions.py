"""Group commit (SQLite) and threaded transactions (PostgreSQL): every call answered with its own
outcome, a failing call never takes another's change with it, and nothing is answered before commit."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, text

from oke.errors import NotFound, ServiceUnavailable
from oke.store.database import Database
from oke.store.transactions import ReadAhead
from oke.store.uow import UnitOfWork
from tests.databases import in_one_batch


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


class Loader:
    """A `ReadAhead` load that records the keys of each call: it reads every note there is."""

    def __init__(self) -> None:
        self.calls: list[list[Any]] = []

    def __call__(self, connection: Connection, keys: list[Any]) -> set[int]:
        self.calls.append(keys)
        return set(connection.execute(text("SELECT n FROM t_notes")).scalars())


def reading(load: Loader, n: int, *, fail: bool = False) -> tuple[Any, ReadAhead]:
    """A call that reads ahead with `load`, inserts `n` and answers what it found read ahead."""

    def call(uow: UnitOfWork) -> Any:
        with uow:
            found = uow.read_ahead(load)
            uow.session.execute(text("INSERT INTO t_notes (n) VALUES (:n)"), {"n": n})
            if fail:
                raise NotFound(f"note {n}")
            uow.commit()
            return found

    return call, ReadAhead(load, n)


def test_a_run_of_calls_reading_ahead_alike_reads_once_for_them_all(database: Database) -> None:
    load, other = Loader(), Loader()
    calls = [reading(load, 1), reading(load, 2), (insert(3), None), reading(load, 4), reading(other, 5)]
    outcomes = in_one_batch(database.transactions(UnitOfWork), calls)
    assert load.calls == [[1, 2], [4]]  # a call that does not read ahead may change anything: the run ends
    assert other.calls == [[5]]
    assert outcomes == [set(), set(), 3, {1, 2, 3}, {1, 2, 3, 4}]
    assert stored(database) == [1, 2, 3, 4, 5]


def test_a_batch_run_again_with_savepoints_reads_nothing_ahead(database: Database) -> None:
    """A call rolled back to its savepoint would leave its writes in what was read ahead."""
    load = Loader()
    outcomes = in_one_batch(database.transactions(UnitOfWork), [reading(load, 1), reading(load, 2, fail=True)])
    assert load.calls == [[1, 2]]  # the first attempt; the second, with savepoints, reads each call's own way
    assert outcomes[0] is None and isinstance(outcomes[1], NotFound)
    assert stored(database) == [1]


@pytest.fixture
def checked(database: Database) -> Iterator[None]:
    """A table that takes only notes under 100: the database refuses the others' data, as PostgreSQL refuses a
    value longer than its column."""
    with database.sessions() as session:
        session.execute(text("CREATE TABLE IF NOT EXISTS t_checked (n INTEGER PRIMARY KEY CHECK (n < 100))"))
        session.execute(text("DELETE FROM t_checked"))
        session.commit()
    yield
    with database.sessions() as session:
        session.execute(text("DROP TABLE t_checked"))
        session.commit()


def write_checked(connection: Connection, rows: list[dict[str, Any]]) -> None:
    connection.execute(text("INSERT INTO t_checked (n) VALUES (:n)"), rows)


def checking(n: int) -> object:
    """A call that leaves a row for the commit to write (as history rows and documents are)."""

    def call(uow: UnitOfWork) -> int:
        with uow:
            uow.append(write_checked, {"n": n})
            uow.commit()
            return n

    return call


def checked_notes(database: Database) -> list[int]:
    with database.sessions() as session:
        return list(session.scalars(text("SELECT n FROM t_checked ORDER BY n")))


@pytest.mark.usefixtures("checked")
def test_data_the_commit_refuses_fails_its_own_call_only_and_never_as_unavailable(database: Database) -> None:
    """Found on PostgreSQL: one document id too long for its column failed every write of its batch with a 503,
    and the same batch again, for ever."""
    calls = [(checking(n), None) for n in (1, 200, 2, 300)] + [(insert(5), None)]
    outcomes = in_one_batch(database.transactions(UnitOfWork), calls)
    assert [outcomes[0], outcomes[2], outcomes[4]] == [1, 2, 5]
    for refused in (outcomes[1], outcomes[3]):
        assert isinstance(refused, Exception) and not isinstance(refused, ServiceUnavailable)
    assert checked_notes(database) == [1, 2]
    assert stored(database) == [5]


class CheckedLoader:
    """A `ReadAhead` whose calls leave their notes in what was read, for `write` to insert all at once."""

    def __call__(self, connection: Connection, keys: list[Any]) -> list[dict[str, Any]]:
        return []

    def write(self, connection: Connection, rows: list[dict[str, Any]]) -> None:
        if rows:
            write_checked(connection, rows)


def checking_ahead(load: CheckedLoader, n: int) -> tuple[Any, ReadAhead]:
    """A call that leaves its note in what the batch read ahead, or writes it itself when nothing was."""

    def call(uow: UnitOfWork) -> int:
        with uow:
            rows = uow.read_ahead(load)
            if rows is None:
                write_checked(uow.connection, [{"n": n}])
            else:
                rows.append({"n": n})
            uow.commit()
            return n

    return call, ReadAhead(load, n, load.write)


@pytest.mark.usefixtures("checked")
@pytest.mark.parametrize("last", [True, False], ids=["run-last", "run-then-another-call"])
def test_a_run_whose_writes_fail_fails_the_call_to_blame_not_the_one_after_it(database: Database, last: bool) -> None:
    """Found on PostgreSQL: a score too long for its column, written for a run of flow 3 messages when the next call
    began, failed that next call (a DR write) with the score's error."""
    load = CheckedLoader()
    calls = [checking_ahead(load, 200), checking_ahead(load, 1)] + ([] if last else [(insert(3), None)])
    outcomes = in_one_batch(database.transactions(UnitOfWork), calls)
    assert isinstance(outcomes[0], Exception) and not isinstance(outcomes[0], ServiceUnavailable)
    assert outcomes[1:] == ([1] if last else [1, 3])
    assert checked_notes(database) == [1]
