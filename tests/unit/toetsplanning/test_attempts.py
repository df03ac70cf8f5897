"""Which attempt a new Deelname is: DR's attempt policy (`attempt`, `attemptLeft`; PDF 3.1.2.1, 3.5.2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oke.roles.toetsplanning.rules import AttemptRefused, attempt_to_plan


def plan(
    own: int = 1, left: int | None = 1, planned: set[int] | None = None, asked: int | None = None, extra: bool = False
) -> int:
    return attempt_to_plan(own_attempt=own, attempt_left=left, planned=planned or set(), asked=asked, extra=extra)


def test_the_enrolments_own_attempt_comes_first() -> None:
    assert plan(own=2) == 2


def test_planning_it_twice_is_refused_with_a_hint() -> None:
    with pytest.raises(AttemptRefused, match="already planned; an extra attempt is planned with extraAttempt"):
        plan(planned={1})


def test_an_extra_attempt_is_the_next_one_within_attempt_left() -> None:
    assert plan(left=2, planned={1}, extra=True) == 2
    assert plan(left=2, planned={1, 2}, extra=True) == 3
    with pytest.raises(AttemptRefused, match="attemptLeft 2"):
        plan(left=2, planned={1, 2, 3}, extra=True)


def test_attempt_left_zero_allows_no_extra_attempt_and_none_any_number() -> None:
    with pytest.raises(AttemptRefused):
        plan(left=0, planned={1}, extra=True)
    assert plan(left=None, planned=set(range(1, 40)), extra=True) == 40


def test_an_asked_attempt_must_be_free_and_not_before_the_own_one() -> None:
    assert plan(own=1, left=3, asked=3) == 3
    with pytest.raises(AttemptRefused, match="already planned$"):
        plan(left=3, planned={3}, asked=3)
    with pytest.raises(AttemptRefused, match="before"):
        plan(own=2, asked=1)


@given(
    own=st.integers(1, 5),
    left=st.none() | st.integers(0, 5),
    planned=st.sets(st.integers(1, 12), max_size=6),
    asked=st.none() | st.integers(1, 12),
    extra=st.booleans(),
)
def test_a_planned_attempt_is_new_and_within_the_policy(
    own: int, left: int | None, planned: set[int], asked: int | None, extra: bool
) -> None:
    try:
        attempt = plan(own=own, left=left, planned=planned, asked=asked, extra=extra)
    except AttemptRefused:
        return
    assert attempt not in planned
    assert attempt >= own
    assert left is None or attempt - own <= left
