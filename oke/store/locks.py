"""Locks across processes and machines that share one database: a PostgreSQL advisory lock, or on SQLite
(one machine) an exclusive file lock on a sidecar file next to the database; and file locks of one machine."""

from __future__ import annotations

import fcntl
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from oke.store.engine import is_sqlite, make_engine
from oke.store.files import private_file


@contextmanager
def exclusive(url: str, name: str, *, wait: bool = True) -> Iterator[bool]:
    """Hold the lock `name` of the database at `url` for the block; yields whether it is held.

    With `wait` it waits for another holder to finish (and yields True); without, it yields False at once
    when another process holds it. A process that dies releases its locks (its connection or file closes).
    """
    if is_sqlite(url):
        with _file_lock(make_url(url).database, name, wait=wait) as held:
            yield held
        return
    key = zlib.crc32(name.encode())  # a fixed 32-bit key per name: PostgreSQL's advisory locks are per database
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            if wait:
                connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
                held = True
            else:
                held = bool(connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))
            connection.commit()  # a session-level lock outlives the transaction; none is left open meanwhile
            try:
                yield held
            finally:
                if held:
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                    connection.commit()
    finally:
        engine.dispose()


@contextmanager
def _file_lock(database: str | None, name: str, *, wait: bool) -> Iterator[bool]:
    if not database or database == ":memory:":  # a database of one connection: nobody else to wait for
        yield True
        return
    with file_lock(Path(f"{database}.{name}.lock"), wait=wait) as held:
        yield held


@contextmanager
def file_lock(path: Path, *, wait: bool = True) -> Iterator[bool]:
    """Hold an exclusive lock on the file `path` (made for its owner only, if missing) for the block; yields
    whether it is held, as `exclusive` does. The lock is the open file's: it ends with the process."""
    private_file(path)
    with path.open("a") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            held = True
        except BlockingIOError:
            held = False
        try:
            yield held
        finally:
            if held:
                fcntl.flock(file, fcntl.LOCK_UN)
