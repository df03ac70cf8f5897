"""A token bucket per key: per client, `rate_limit_per_second` on average and `rate_limit_burst` at once (issue 6:
limits); per address, the failed client authentications at the token endpoint (`token_failures_per_minute`).

In process and in memory: it is on the flow 3 hot path, so one dict lookup and a little arithmetic, no lock
(the event loop runs one request at a time). Each server process has its own buckets.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from oke.errors import TooManyRequests


class RateLimiter:
    def __init__(self, per_second: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = per_second
        self._burst = float(burst)
        self._clock = clock
        #: client id -> (tokens left, when they were counted)
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, client_id: str) -> None:
        """Spend one token of `client_id`'s bucket, or refuse with 429 and the seconds until one is back."""
        now = self._clock()
        tokens = self._left(client_id, now)
        if tokens < 1:
            self._buckets[client_id] = (tokens, now)
            raise self._refusal(tokens, f"client {client_id} sends more than {self._rate:g} requests per second")
        self._buckets[client_id] = (tokens - 1, now)

    def admit(self, key: str, detail: str) -> None:
        """Refuse with 429 (`detail`) while `key`'s bucket is empty; spends nothing (see `spend`)."""
        tokens = self._left(key, self._clock())
        if tokens < 1:
            raise self._refusal(tokens, detail)

    def spend(self, key: str) -> None:
        """Spend one token of `key`'s bucket: what `admit` then counts."""
        now = self._clock()
        self._buckets[key] = (max(0.0, self._left(key, now) - 1), now)

    def _refusal(self, tokens: float, detail: str) -> TooManyRequests:
        """The 429, with the whole seconds until the bucket holds a token again."""
        return TooManyRequests(detail, math.ceil((1 - tokens) / self._rate))

    def _left(self, key: str, now: float) -> float:
        tokens, then = self._buckets.get(key, (self._burst, now))
        return min(self._burst, tokens + (now - then) * self._rate)
