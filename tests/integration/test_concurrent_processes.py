"""Several processes on one database (issue 7, production mode): migrations under one lock, locks that a
second process cannot take, and a commit that adds outbox messages notifying the workers that wait."""

from __future__ import annotations

import asyncio
import logging
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select

from oke.outbox.writer import CHANNEL
from oke.roles.toetsplanning.services import documents
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store import notices
from oke.store.database import Database
from oke.store.engine import make_engine
from oke.store.locks import exclusive
from oke.store.migrate import alembic_config
from oke.store.notices import listening
from oke.store.tables.outbox import OutboxMessage
from oke.store.tables.toetsplanning import TpDocument
from oke.store.uow import Appends, write_appends
from tests.databases import fresh_database, waiting_for_a_lock
from tests.e2e.test_chain_database_outage import postgres_away
from tests.e2e.test_chain_flow2 import eventually
from tests.servers import free_port


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
                assert notices.acquire(timeout=30)  # listening: it looks once for what it missed
                write: Any = tx.write
                asyncio.run(write(add_message))
                assert notices.acquire(timeout=30)
                asyncio.run(write(add_nothing))
                add_message(ToetsplanningUnitOfWork(database.sessions))  # a unit of work outside a batch too
                assert notices.acquire(timeout=30)
                assert not notices.acquire(timeout=1.5)  # one notice per transaction, none without messages
        finally:
            database.close()


def test_a_listener_whose_database_is_away_says_so_once_not_at_every_reconnect(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The drill found a line every 2 s (19 in 36 s per worker): one a minute is what docs/operations.md says."""
    monkeypatch.setattr(notices, "RECONNECT_SECONDS", 0.01)
    caplog.set_level(logging.WARNING, logger="oke.store.notices")
    nowhere = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/oke"  # nothing listens there
    with listening(nowhere, CHANNEL, lambda: None):
        time.sleep(1)  # some fifty attempts
    [line] = [record.getMessage() for record in caplog.records if record.name == "oke.store.notices"]
    assert line.startswith(f"listening on {CHANNEL} failed: ")


@pytest.mark.postgres
def test_a_listener_says_when_its_database_is_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(notices, "RECONNECT_SECONDS", 0.05)
    caplog.set_level(logging.WARNING, logger="oke.store.notices")
    heard = threading.Semaphore(0)
    with fresh_database("postgresql", tmp_path) as url, listening(url, CHANNEL, heard.release):
        assert heard.acquire(timeout=30)
        with postgres_away(url):
            eventually(lambda: "failed" in caplog.text, seconds=30)
            time.sleep(0.5)  # some ten attempts
        assert heard.acquire(timeout=30)  # listening again: it looks for what it missed
    told = [record.getMessage() for record in caplog.records if record.name == "oke.store.notices"]
    assert len(told) == 2, told
    assert told[0].startswith(f"listening on {CHANNEL} failed: ")
    assert re.fullmatch(f"listening on {CHANNEL} works again, after \\d+ s", told[1]), told


DOCUMENT = {"documentId": "d-race", "documentType": "assessmentForm", "documentName": "form.pdf"}


def test_two_processes_that_queue_the_fetch_of_one_document_at_once_queue_it_once(database_url: str) -> None:
    # Found by bench/ingest.py with two API processes: both saw the document unknown, and the second insert
    # failed on the unique constraint (a 500 to TA). The second now finds it queued.
    database = Database(database_url)
    try:
        first_added = threading.Event()
        first_may_commit = threading.Event()

        errors: list[Exception] = []

        def queue(first: bool) -> None:
            try:
                queue_in(first)
            except Exception as error:
                errors.append(error)

        def queue_in(first: bool) -> None:
            with database.engine.connect() as connection, connection.begin():  # as a batch of writes runs it
                appends: Appends = {}
                uow = ToetsplanningUnitOfWork(database.sessions)
                with uow.in_batch(connection, savepoint=False, appends=appends, notices=set()) as unit:
                    documents.queue_fetches(
                        unit, tenant="school-d", ta_peer="ta-d", zitting_id="z", deelname_id=None, documents=[DOCUMENT]
                    )
                    unit.commit()
                write_appends(connection, appends)
                if first:
                    first_added.set()
                    assert first_may_commit.wait(30)

        first = threading.Thread(target=queue, kwargs={"first": True})
        first.start()
        assert first_added.wait(30)
        second = threading.Thread(target=queue, kwargs={"first": False})
        second.start()  # on PostgreSQL it waits for the first to commit; on SQLite, for its write lock
        if database.engine.dialect.name == "postgresql":
            eventually(lambda: waiting_for_a_lock(database.sessions), seconds=30)
        first_may_commit.set()
        first.join(60)
        second.join(60)
        assert errors == []
        with database.sessions() as session:
            rows = session.scalars(select(TpDocument).where(TpDocument.tenant == "school-d")).all()
            fetches = session.scalars(select(OutboxMessage).where(OutboxMessage.peer == "ta-d")).all()
        assert [row.document_id for row in rows] == [DOCUMENT["documentId"]]
        assert [message.path for message in fetches] == [f"/documents/{DOCUMENT['documentId']}"]
    finally:
        database.close()
