"""The retry policy: what is retried, how long it waits, and when it gives up."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oke.ooapi.retry_after import retry_after_seconds
from oke.outbox.retry import Decision, Park, Patience, Retry, RetryPolicy

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


def decide(
    policy: RetryPolicy,
    n: int,
    status: int | None,
    seed: int = 0,
    retry_after: str | None = None,
    *,
    kind: str = "flow2.offering",
    age: timedelta = timedelta(minutes=1),
) -> Decision:
    """The decision after `n` failures of a message of `kind` written `age` ago."""
    rng = random.Random(seed)
    return policy.after_failure(
        n, status=status, retry_after=retry_after, now=NOW, rng=rng, kind=kind, written_at=NOW - age
    )


def delay(policy: RetryPolicy, n: int, status: int | None, seed: int, retry_after: str | None = None) -> float:
    decision = decide(policy, n, status, seed, retry_after)
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
    assert decide(RetryPolicy(), 1, status, retry_after="5") == Park(f"HTTP {status}")


def test_after_max_attempts_a_message_is_parked() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert isinstance(decide(policy, 2, 503), Retry)
    assert decide(policy, 3, 503) == Park("gave up after 3 attempts (last: HTTP 503)")
    assert decide(policy, 3, None) == Park("gave up after 3 attempts (last: no answer)")


FETCH = "documents.fetch"
PATIENT = RetryPolicy(jitter=0, patience={FETCH: Patience(frozenset({404}), 3600, "the document does not exist at TA")})


@pytest.mark.parametrize("n", [1, 5, 15])
def test_a_kind_retries_its_patient_statuses_with_the_usual_backoff_within_its_time(n: int) -> None:
    decision = decide(PATIENT, n, 404, kind=FETCH, age=timedelta(minutes=59))
    assert decision == Retry(NOW + timedelta(seconds=PATIENT.backoff(n)))


def test_after_its_time_a_patient_status_parks_saying_what_it_means() -> None:
    parked = decide(PATIENT, 16, 404, kind=FETCH, age=timedelta(minutes=61))
    assert parked == Park("HTTP 404 at attempt 16, 61 minutes after it was queued: the document does not exist at TA")
    retried = decide(PATIENT, 17, 404, kind=FETCH, age=timedelta(hours=5))  # an operator's retry: one more attempt
    assert retried == Park("HTTP 404 at attempt 17, 300 minutes after it was queued: the document does not exist at TA")
    soon = RetryPolicy(patience={FETCH: Patience(frozenset({404}), 30, "gone")})
    assert decide(soon, 3, 404, kind=FETCH, age=timedelta(seconds=30)) == Park(
        "HTTP 404 at attempt 3, 30 seconds after it was queued: gone"
    )
    at_once = RetryPolicy(patience={FETCH: Patience(frozenset({404}), 0, "gone")})
    assert decide(at_once, 1, 404, kind=FETCH, age=timedelta(0)) == Park(
        "HTTP 404 at attempt 1, 0 seconds after it was queued: gone"
    )


@pytest.mark.parametrize(
    ("kind", "status"), [("flow2.offering", 404), ("flow5.association", 404), (FETCH, 400), (FETCH, 410)]
)
def test_other_kinds_and_statuses_still_park_at_once(kind: str, status: int) -> None:
    assert decide(PATIENT, 1, status, kind=kind, age=timedelta(0)) == Park(f"HTTP {status}")


def test_a_patient_kind_still_retries_the_usual_failures_for_ever_and_within_max_attempts() -> None:
    assert isinstance(decide(PATIENT, 40, 503, kind=FETCH, age=timedelta(days=3)), Retry)
    assert isinstance(decide(PATIENT, 40, None, kind=FETCH, age=timedelta(days=3)), Retry)
    limited = RetryPolicy(max_attempts=3, patience=PATIENT.patience)
    assert decide(limited, 3, 404, kind=FETCH) == Park("gave up after 3 attempts (last: HTTP 404)")


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


def test_a_negative_patience_is_refused() -> None:
    with pytest.raises(ValueError):
        Patience(frozenset({404}), -1, "gone")


def test_a_kind_counts_its_settled_statuses_as_delivered_and_no_other_kind_does() -> None:
    """A cancel answered 404: the peer holds nothing to cancel, which is what the cancel wants."""
    policy = RetryPolicy(settled={"flow2.cancel": frozenset({404, 410})})
    assert [policy.delivered("flow2.cancel", status) for status in (200, 204, 299, 404, 410)] == [True] * 5
    assert [policy.delivered("flow2.cancel", status) for status in (None, 199, 300, 400, 409, 500)] == [False] * 6
    assert [policy.delivered("flow2", status) for status in (204, 404, 410)] == [True, False, False]
