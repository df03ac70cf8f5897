"""Several processes on one database (issue 7, production mode): migrations under one lock, locks that a
second process cannot take, and a commit that adds outbox messages notifying the workers that wait."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from oke.outbox.writer import CHANNEL
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.database import Database
from oke.store.engine import make_engine
from oke.store.locks import exclusive
from oke.store.migrate import alembic_config
from oke.store.notices import listening
from tests.databases import fresh_database


def test_four_upgrades_at_once_leave_a_fresh_database_at_head(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path, migrated=False) as url:
        command = [sys.executable, "-m", "oke", "db", "upgrade", "--database-url", url]
        upgrades = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(4)]
        outputs = [process.communicate(timeout=120)[0].decode() for process in upgrades]
        assert [process.returncode for process in upgrades] == [0] * 4, outputs
        engine = make_engine(url)
        try:
            with engine.connect() as connection:
                current = set(MigrationContext.configure(connection).get_current_heads())
        finally:
            engine.dispose()
        assert current == set(ScriptDirectory.from_config(alembic_config(url)).get_heads())


def test_a_lock_held_by_one_holder_is_not_taken_by_another(database_url: str) -> None:
    with exclusive(database_url, "oke-test-lock") as first:
        assert first
        with exclusive(database_url, "oke-test-lock", wait=False) as second:
            assert not second
        with exclusive(database_url, "oke-test-other", wait=False) as other:
            assert other
    with exclusive(database_url, "oke-test-lock", wait=False) as again:
        assert again


def add_message(uow: ToetsplanningUnitOfWork) -> None:
    message = {"tenant": "school-n", "peer": "dr-n", "kind": "flow5", "key": "k", "method": "PATCH", "path": "/x"}
    with uow:
        uow.outbox.add(**message, body={"n": 1})
        uow.outbox.add(**message, body={"n": 2})
        uow.commit()


def add_nothing(uow: ToetsplanningUnitOfWork) -> None:
    with uow:
        uow.commit()


@pytest.mark.postgres
def test_a_transaction_that_added_outbox_messages_notifies_the_listeners_once(tmp_path: Path) -> None:
    with fresh_database("postgresql", tmp_path) as url:
        database = Database(url)
        notices = threading.Semaphore(0)
        try:
            tx = database.transactions(ToetsplanningUnitOfWork)
            with listening(url, CHANNEL, notices.release):
                assert notices.acquire(timeout=10)  # listening: it looks once for what it missed
                write: Any = tx.write
                asyncio.run(write(add_message))
                assert notices.acquire(timeout=5)
                asyncio.run(write(add_nothing))
                add_message(ToetsplanningUnitOfWork(database.sessions))  # a unit of work outside a batch too
                assert notices.acquire(timeout=5)
                assert not notices.acquire(timeout=1.5)  # one notice per transaction, none without messages
        finally:
            database.close()
