"""Logging a failure that lasts (the database or a peer away) without a line per attempt: a line when it starts,
one every so often while it lasts, and one when it ends. A relay retries every few seconds; a line per retry
buries everything else in the log and says nothing new."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from enum import Enum

#: How often a failure that lasts is logged again: one line a minute.
REPEAT_SECONDS = 60.0


class Say(Enum):
    """What a failure is to be logged as."""

    FIRST = "first"
    AGAIN = "again"


class Outage:
    """Which failures of one thing to log: the first, then one every `repeat_seconds` while they go on; and how long
    they lasted when it works again. Safe to share between threads."""

    def __init__(self, repeat_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._repeat = repeat_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._since: float | None = None
        self._told = 0.0

    def failed(self) -> Say | None:
        """Count a failure: `FIRST` if it starts an outage, `AGAIN` if a repeat line is due, else None (say nothing)."""
        now = self._clock()
        with self._lock:
            if self._since is None:
                self._since = self._told = now
                return Say.FIRST
            if now - self._told >= self._repeat:
                self._told = now
                return Say.AGAIN
            return None

    def worked(self) -> float | None:
        """Count a success: how many seconds the outage it ends lasted, or None when there was none."""
        with self._lock:
            since, self._since = self._since, None
        return None if since is None else self._clock() - since

    @property
    def lasting(self) -> float:
        """Seconds since the outage began (0 when there is none)."""
        since = self._since
        return 0.0 if since is None else self._clock() - since
