"""Engines for the embedded SQLite default and for PostgreSQL (psycopg 3): same code, same migrations."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from oke.config import Settings
from oke.store.files import private_file

#: How long opening a PostgreSQL connection may take; below a peer's usual timeout, so it still gets the 503.
POSTGRES_CONNECT_TIMEOUT_SECONDS = 5
#: A PostgreSQL connection that has been idle in the pool for this long is pinged before it is used.
PING_AFTER_IDLE_SECONDS = 2.0


@dataclass(frozen=True)
class Pool:
    """An engine's connections to a PostgreSQL database: `size` kept open once used, and up to `overflow` more while
    it is busy; a caller that finds them all in use waits for one (30 s, then the database counts as unavailable)."""

    size: int
    overflow: int


#: The pool of an engine made without settings (a management command's): the defaults of
#: `Settings.database_pool_size` and `database_max_overflow`.
DEFAULT_POOL = Pool(
    size=Settings.model_fields["database_pool_size"].default,
    overflow=Settings.model_fields["database_max_overflow"].default,
)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def shown_url(url: str) -> str:
    """`url` as a command prints it: with its password as `***`, since terminals and CI logs keep what they show."""
    return make_url(url).render_as_string(hide_password=True)


def make_engine(url: str, *, for_writes: bool = True, wait_for_disk: bool = True, pool: Pool = DEFAULT_POOL) -> Engine:
    """An engine for `url`; on SQLite, WAL and foreign keys, and write transactions that lock up front; on PostgreSQL,
    with the connections of `pool`.

    A SQLite engine made with `for_writes=False` begins its transactions deferred: in WAL mode its
    readers then never wait for the writer. A PostgreSQL engine made with `wait_for_disk=False` commits
    without waiting for the WAL to reach the disk (`synchronous_commit = off`): a crash of the database
    server may lose its last commits (well under a second's worth), never a part of one.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, "BEGIN IMMEDIATE" if for_writes else "BEGIN")
    if parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False))
    engine = create_engine(
        url,
        hide_parameters=True,  # a logged database error must not carry a student's data
        pool_size=pool.size,
        max_overflow=pool.overflow,
        # A database host that does not answer fails the request (503) instead of holding it for minutes.
        connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS}
        | ({} if wait_for_disk else {"options": "-c synchronous_commit=off"}),
        json_serializer=_dumps,
        json_deserializer=orjson.loads,
    )
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """A connection the server cut while it was idle (a restart, a failover) is replaced before it is used.

    Unlike `pool_pre_ping`, a connection in steady use is not pinged: the ping is a round trip, as costly as a
    statement of the flow 3 path, and the transactions of a busy server are a few statements each. If the
    server goes away within the idle time, the first statement on each pooled connection fails, its caller
    gets a 503, and the pool replaces every connection older than it.
    """

    @event.listens_for(engine, "checkin")
    def _idle(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise DisconnectionError() from error  # the pool connects afresh
            raise


def _sqlite_engine(url: str, begin: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        private_file(Path(database))
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        hide_parameters=True,  # a logged database error must not carry a student's data
        json_serializer=_dumps,
        json_deserializer=orjson.loads,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Transactions are begun explicitly below, so that a writer takes the lock at BEGIN and
        # never fails half-way when it upgrades a read lock.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=False)
