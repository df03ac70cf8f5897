"""The retry policy: what is retried, how long it waits, and when it gives up."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oke.outbox.retry import Park, Retry, RetryPolicy, retry_after_seconds

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

policies = st.builds(
    RetryPolicy,
    base_seconds=st.floats(0.01, 60),
    factor=st.floats(1, 10),
    max_seconds=st.floats(60, 86_400),
    jitter=st.floats(0, 0.99),
    max_retry_after_seconds=st.floats(0, 7200),
)
attempts = st.integers(1, 10_000)
retried_statuses = st.sampled_from([None, 408, 429, 500, 502, 503, 504, 599])
seeds = st.integers(0, 2**32)


def delay(policy: RetryPolicy, n: int, status: int | None, seed: int, retry_after: str | None = None) -> float:
    decision = policy.after_failure(n, status=status, retry_after=retry_after, now=NOW, rng=random.Random(seed))
    assert isinstance(decision, Retry)
    return (decision.at - NOW).total_seconds()


@given(policies, attempts, retried_statuses, seeds)
def test_a_delay_is_the_backoff_shortened_by_at_most_the_jitter(
    policy: RetryPolicy, n: int, status: int | None, seed: int
) -> None:
    waited = delay(policy, n, status, seed)
    assert (1 - policy.jitter) * policy.backoff(n) - 1e-6 <= waited <= policy.backoff(n) + 1e-6
    assert waited <= policy.max_seconds + 1e-6


@given(policies, attempts, attempts, seeds, seeds)
def test_delays_never_decrease_beyond_the_jitter(policy: RetryPolicy, n: int, m: int, seed: int, other: int) -> None:
    earlier, later = sorted((n, m))
    assert policy.backoff(earlier) <= policy.backoff(later)
    assert delay(policy, later, 500, seed) >= (1 - policy.jitter) * delay(policy, earlier, 500, other) - 1e-6


@given(policies, attempts, st.integers(0, 10_000), seeds, st.sampled_from([429, 503, None]))
def test_retry_after_in_seconds_is_a_minimum_up_to_its_cap(
    policy: RetryPolicy, n: int, asked: int, seed: int, status: int | None
) -> None:
    waited = delay(policy, n, status, seed, retry_after=str(asked))
    assert waited >= min(asked, policy.max_retry_after_seconds) - 1e-6
    assert waited <= max(policy.max_seconds, policy.max_retry_after_seconds) + 1e-6


@given(policies, attempts, st.integers(0, 7200), seeds)
def test_retry_after_as_an_http_date_is_a_minimum(policy: RetryPolicy, n: int, asked: int, seed: int) -> None:
    when = format_datetime(NOW + timedelta(seconds=asked), usegmt=True)
    assert delay(policy, n, 429, seed, retry_after=when) >= min(asked, policy.max_retry_after_seconds) - 1e-6


def test_backoff_grows_by_the_factor_up_to_the_cap() -> None:
    policy = RetryPolicy(base_seconds=1, factor=2, max_seconds=10, jitter=0)
    assert [delay(policy, n, 500, 0) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]
    assert policy.backoff(10**9) == 10


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 410, 413, 415, 422, 301])
def test_other_client_errors_park_at_once(status: int) -> None:
    decision = RetryPolicy().after_failure(1, status=status, retry_after="5", now=NOW, rng=random.Random())
    assert decision == Park(f"HTTP {status}")


def test_after_max_attempts_a_message_is_parked() -> None:
    policy = RetryPolicy(max_attempts=3)
    rng = random.Random(0)
    assert isinstance(policy.after_failure(2, status=503, retry_after=None, now=NOW, rng=rng), Retry)
    parked = policy.after_failure(3, status=503, retry_after=None, now=NOW, rng=rng)
    assert parked == Park("gave up after 3 attempts (last: HTTP 503)")
    gave_up = policy.after_failure(3, status=None, retry_after=None, now=NOW, rng=rng)
    assert gave_up == Park("gave up after 3 attempts (last: no answer)")


def test_a_huge_retry_after_is_capped() -> None:
    policy = RetryPolicy(jitter=0, max_retry_after_seconds=3600)
    assert delay(policy, 1, 429, 0, retry_after="99999999999999999999") == 3600


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (None, None),
        ("120", 120.0),
        (" 7 ", 7.0),
        ("-5", None),
        ("1.5", None),
        ("soon", None),
        ("Sat, 01 Mar 2025 12:01:00 GMT", 60.0),
        ("Sat, 01 Mar 2025 11:00:00 GMT", 0.0),  # in the past: at once
        ("Sat, 01 Mar 2025 12:01:00", None),  # no zone: not an HTTP date
    ],
)
def test_retry_after_values(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, now=NOW) == seconds


@pytest.mark.parametrize(
    "arguments",
    [
        {"base_seconds": 0},
        {"base_seconds": 700, "max_seconds": 600},
        {"factor": 0.5},
        {"jitter": 1},
        {"max_attempts": 0},
    ],
)
def test_nonsense_policies_are_refused(arguments: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**arguments)  # type: ignore[arg-type]
