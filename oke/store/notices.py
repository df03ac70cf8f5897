"""Notices between processes on PostgreSQL (NOTIFY and LISTEN): a commit tells the processes that wait for
its kind of change, so they act at once instead of at their next poll. On SQLite there are none."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy import Connection
from sqlalchemy.engine import make_url

from oke.observability.outages import REPEAT_SECONDS, Outage, Say
from oke.store.engine import is_sqlite

log = logging.getLogger(__name__)

#: How long the listener waits for a notice before it looks whether it is to stop.
POLL_SECONDS = 1.0
#: The pause before a listener whose connection broke (the database away) connects again.
RECONNECT_SECONDS = 2.0


def notify(connection: Connection, channels: Iterable[str]) -> None:
    """Notify `channels` when the transaction on `connection` commits (nothing on SQLite)."""
    if connection.dialect.name == "postgresql":
        for channel in channels:
            connection.exec_driver_sql(f"NOTIFY {channel}")


@contextmanager
def listening(url: str, channel: str, on_notice: Callable[[], None]) -> Iterator[None]:
    """Call `on_notice` in a background thread after each notice on `channel`, for as long as the block runs.

    On SQLite it does nothing: whoever waits there polls.
    """
    if is_sqlite(url):
        yield
        return
    stop = threading.Event()
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    thread = threading.Thread(
        target=_listen, args=(conninfo, channel, on_notice, stop), name=f"oke-listen-{channel}", daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=2 * POLL_SECONDS)


def _listen(conninfo: str, channel: str, on_notice: Callable[[], None], stop: threading.Event) -> None:
    """Listen until `stop`; while the database is away, connect again every `RECONNECT_SECONDS`, and say so when it
    starts, once a minute while it lasts, and when listening works again."""
    outage = Outage(REPEAT_SECONDS)
    while not stop.is_set():
        try:
            with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as connection:
                connection.execute(f"LISTEN {channel}")
                if (lasted := outage.worked()) is not None:
                    log.warning("listening on %s works again, after %.0f s", channel, lasted)
                on_notice()  # what was notified while it was not listening
                while not stop.is_set():
                    for _notice in connection.notifies(timeout=POLL_SECONDS, stop_after=1):
                        on_notice()
        except psycopg.Error as error:  # the database away: listen again later; the waiter polls meanwhile
            said = outage.failed()
            if said is Say.FIRST:
                log.warning("listening on %s failed: %s", channel, error)
            elif said is Say.AGAIN:
                log.warning("listening on %s still fails, for %.0f s: %s", channel, outage.lasting, error)
            stop.wait(RECONNECT_SECONDS)
