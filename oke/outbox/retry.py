"""When a failed delivery is tried again, and when it is given up: a pure value with its own tests."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from oke.ooapi.retry_after import retry_after_seconds

#: Statuses below 500 that say "try again later" rather than "this request is wrong".
RETRYABLE_4XX = frozenset({408, 429})


@dataclass(frozen=True)
class Retry:
    """Try the delivery again at `at` (not before)."""

    at: datetime


@dataclass(frozen=True)
class Park:
    """Stop trying: the message waits for an operator."""

    reason: str


Decision = Retry | Park


@dataclass(frozen=True)
class Patience:
    """Statuses that mean "not yet" for the messages of one kind, where for any other message they mean "never".

    E.g. a 404 to the fetch of a document that the peer writes a little after it names it. Such an answer is
    retried with the usual backoff while the message is younger than `seconds`, and then parked, saying `meaning`.
    """

    statuses: frozenset[int]
    seconds: float
    #: What the status means once the time is up, for the operator who finds the message parked.
    meaning: str

    def __post_init__(self) -> None:
        if self.seconds < 0:
            raise ValueError("seconds must not be negative")


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with downward jitter, honouring the peer's `Retry-After`.

    The n-th failure waits `min(max_seconds, base_seconds * factor**(n-1))`, shortened by up to
    `jitter` of itself so that relays do not retry in step; never longer than `max_seconds` unless
    the peer's `Retry-After` (capped at `max_retry_after_seconds`) asks for more. A kind's `patience` retries
    some statuses that otherwise park at once, for a while.
    """

    base_seconds: float = 1.0
    factor: float = 2.0
    max_seconds: float = 600.0
    jitter: float = 0.1
    #: Give up (park) after this many failed attempts; None retries for ever.
    max_attempts: int | None = None
    max_retry_after_seconds: float = 3600.0
    #: By message kind, the statuses its messages also retry for a while (kinds are opaque names here).
    patience: Mapping[str, Patience] = field(default_factory=dict)
    #: By message kind, the statuses besides 2xx that mean the call's aim is met, so it counts as delivered:
    #: e.g. a cancel answered 404 (the peer holds nothing to cancel).
    settled: Mapping[str, frozenset[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0 < self.base_seconds <= self.max_seconds:
            raise ValueError("need 0 < base_seconds <= max_seconds")
        if self.factor < 1:
            raise ValueError("factor must be at least 1")
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter must be in [0, 1)")
        if self.max_attempts is not None and self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.max_retry_after_seconds < 0:
            raise ValueError("max_retry_after_seconds must not be negative")

    def delivered(self, kind: str, status: int | None) -> bool:
        """Whether an answer `status` to a message of `kind` ends it as delivered."""
        return status is not None and (200 <= status < 300 or status in self.settled.get(kind, ()))

    def after_failure(
        self,
        attempts: int,
        *,
        status: int | None,
        retry_after: str | None,
        now: datetime,
        rng: random.Random,
        kind: str,
        written_at: datetime,
    ) -> Decision:
        """The decision after `attempts` failed attempts of a message of `kind` written at `written_at`, the last
        answered with `status` (None: no answer)."""
        if not retryable(status):
            patience = self.patience.get(kind)
            if patience is None or status not in patience.statuses:
                return Park(f"HTTP {status}")
            waited = (now - written_at).total_seconds()
            if waited >= patience.seconds:
                return Park(
                    f"HTTP {status} at attempt {attempts}, {span(waited)} after it was queued: {patience.meaning}"
                )
        if self.gives_up(attempts):
            last = "no answer" if status is None else f"HTTP {status}"
            return Park(f"gave up after {attempts} attempts (last: {last})")
        return Retry(now + timedelta(seconds=self.delay(attempts, retry_after_seconds(retry_after, now=now), rng)))

    def gives_up(self, attempts: int) -> bool:
        """Whether `attempts` failed attempts are all there may be (`max_attempts`)."""
        return self.max_attempts is not None and attempts >= self.max_attempts

    def delay(self, attempts: int, asked: float | None, rng: random.Random) -> float:
        """The seconds to wait after `attempts` failures: the backoff less jitter, or the `asked` seconds of the
        peer's `Retry-After` (capped at `max_retry_after_seconds`) when they are more."""
        delay = self.backoff(attempts) * (1 - self.jitter * rng.random())
        return delay if asked is None else max(delay, min(asked, self.max_retry_after_seconds))

    def backoff(self, attempts: int) -> float:
        """The delay before jitter after `attempts` failures: non-decreasing, at most `max_seconds`."""
        exponent = max(attempts - 1, 0)
        if self.factor > 1 and exponent >= math.log(self.max_seconds / self.base_seconds, self.factor):
            return float(self.max_seconds)  # without computing a power that may not fit in a float
        return float(min(self.base_seconds * float(self.factor) ** exponent, self.max_seconds))


def retryable(status: int | None) -> bool:
    """Transport errors (None), 5xx, 408 and 429 may succeed later; any other failure will not."""
    return status is None or status >= 500 or status in RETRYABLE_4XX


def span(seconds: float) -> str:
    """A time span as an operator reads it: whole minutes, or seconds under two minutes."""
    return f"{seconds:.0f} seconds" if seconds < 120 else f"{seconds / 60:.0f} minutes"
