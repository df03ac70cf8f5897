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
    they lasted when it works again. A thing that fails and works by turns (a peer's occasional 503 or 429) is told
    at most once every `repeat_seconds` too: an outage that starts sooner after the last line is told once that
    time is up, if it lasts, and its end only if it was told. Safe to share between threads."""

    def __init__(self, repeat_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._repeat = repeat_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._since: float | None = None  # when the outage under way began
        self._told: float | None = None  # when a failure was last told, of this outage or an earlier one
        self._announced = False  # whether the outage under way was told

    def failed(self) -> Say | None:
        """Count a failure: `FIRST` if its outage is to be told now, `AGAIN` if a repeat line is due, else None (say
        nothing)."""
        now = self._clock()
        with self._lock:
            if self._since is None:
                self._since, self._announced = now, False
            if self._told is not None and now - self._told < self._repeat:
                return None
            said = Say.AGAIN if self._announced else Say.FIRST
            self._told, self._announced = now, True
            return said

    def worked(self) -> float | None:
        """Count a success: how many seconds the outage it ends lasted, or None when there was none that was told."""
        with self._lock:
            since, announced, self._since = self._since, self._announced, None
        return None if since is None or not announced else self._clock() - since

    @property
    def lasting(self) -> float:
        """Seconds since the outage began (0 when there is none)."""
        since = self._since
        return 0.0 if since is None else self._clock() - since
