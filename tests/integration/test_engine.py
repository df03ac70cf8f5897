"""PostgreSQL connections: one the server cut while it sat idle in the pool is replaced before it is used, one
in steady use is not pinged first (a ping is a round trip, as costly as a statement of a busy path), only
the outbox relay commits without waiting for the disk, and the pools are as large as the settings say."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import QueuePool

from oke.config import Settings
from oke.store import engine as engines
from oke.store.database import Database
from tests.databases import POSTGRES_URL, fresh_database
from tests.e2e.test_chain_flow2 import eventually

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    with fresh_database("postgresql", tmp_path, migrated=False) as url:
        engine = engines.make_engine(url)
        yield engine
        engine.dispose()


def pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """From now on, one entry per ping of a pooled connection."""
    made: list[int] = []
    ping = engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        made.append(1)
        return ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return made


def one(engine: Engine) -> int:
    with engine.begin() as connection:
        return int(connection.execute(text("SELECT 1")).scalar_one())


def test_a_connection_in_steady_use_is_not_pinged(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    one(engine)
    made = pings(engine, monkeypatch)
    assert [one(engine) for _ in range(20)] == [1] * 20
    assert made == []


def test_a_connection_cut_while_idle_is_replaced_before_it_is_used(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engines, "PING_AFTER_IDLE_SECONDS", 0.05)
    one(engine)
    with engine.connect() as connection:
        used = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": used})
            alive = text("SELECT 1 FROM pg_stat_activity WHERE pid = :pid")  # the signal is taken in its own time
            eventually(lambda: connection.execute(alive, {"pid": used}).first() is None, seconds=30)
    finally:
        admin.dispose()
    time.sleep(0.1)  # idle for longer than PING_AFTER_IDLE_SECONDS
    made = pings(engine, monkeypatch)
    assert one(engine) == 1  # no error: the cut connection was found out by the ping and replaced
    assert made == [1]


def test_only_the_outbox_relays_commits_do_not_wait_for_the_disk(tmp_path: Path) -> None:
    """A relay's lease or outcome lost in a crash of the server sends a message again; a service's change is
    answered as kept, so it waits for the disk."""
    with fresh_database("postgresql", tmp_path, migrated=False) as url:
        database = Database(url)
        try:
            settings: dict[str, str] = {}
            for name, engine in (("services", database.engine), ("relay", database.relay_engine)):
                with engine.connect() as connection:
                    settings[name] = connection.exec_driver_sql("SHOW synchronous_commit").scalar_one()
        finally:
            database.close()
    assert settings == {"services": "on", "relay": "off"}


def test_the_pools_are_sized_by_the_settings_and_the_relays_by_its_senders() -> None:
    """The drill's budget: each process had two pools of 10 + 20, fixed; `--workers 4` and two workers passed
    PostgreSQL's default max_connections of 100. The relay uses one connection per sender and one for its rounds."""
    settings = Settings(database_url=POSTGRES_URL, database_pool_size=3, database_max_overflow=2, outbox_concurrency=4)
    database = Database.of(settings)  # connects to nothing yet
    try:
        services, relay = database.engine.pool, database.relay_engine.pool
        assert isinstance(services, QueuePool) and isinstance(relay, QueuePool)
        assert (services.size(), services._max_overflow) == (3, 2)
        assert (relay.size(), relay._max_overflow) == (5, 0)
    finally:
        database.close()
