"""Scores on every resultValueType, and pass from passFrom on each scale's own order."""

from __future__ import annotations

import pytest

from oke.ooapi.enums import PassState, ResultValueType
from oke.roles.toetsafname.scoring import grade

P, F, U = PassState.passed, PassState.failed, PassState.unknown


@pytest.mark.parametrize(
    ("value_type", "raw", "pass_from", "score", "passed"),
    [
        ("0.0-10.0", 75, "5.5", "10.0", P),
        ("0.0-10.0", 0, "5.5", "1.0", F),
        ("0.0-10.0", 50, "5.5", "7.0", P),
        ("0-10", 36, "6", "5", F),
        ("0-100", 60, "55", "80", P),
        ("pass-or-fail", 45, "passed", "passed", P),
        ("pass-or-fail", 30, "passed", "failed", F),
        ("insufficient-satisfactory-good", 75, "satisfactory", "good", P),
        ("insufficient-satisfactory-good", 40, "satisfactory", "insufficient", F),
        ("referenceLevelRKTR", 75, "3F", "4S", P),
        ("referenceLevelRKTR", 0, "3F", "Op weg naar 1F", F),
        ("referenceLevelERK", 30, "B1", "B1", P),
        ("referenceLevelERK", 20, "B1", "A2", F),
        ("US letter", 75, "D", "A", P),
        ("US letter", 10, "D", "F", F),
        ("UK letter", 75, "G", "A", P),
        ("DE grade", 75, "4.0", "1.0", P),
        ("DE grade", 15, "4.0", "5.0", F),
        ("0.0-10.0", 50, None, "7.0", U),
        ("0-100", 50, "not a number", "67", U),
    ],
)
def test_a_raw_score_lands_on_the_scale(
    value_type: str, raw: int, pass_from: str | None, score: str, passed: PassState
) -> None:
    found = grade(value_type, raw, 75, pass_from)
    assert (found.score, found.passed) == (score, passed)


def test_every_scale_is_graded() -> None:
    for value_type in ResultValueType:
        assert grade(value_type, 40, 75, None).score


@pytest.mark.parametrize(("raw", "max_raw"), [(-1, 10), (11, 10), (0, 0)])
def test_an_impossible_raw_score_is_refused(raw: int, max_raw: int) -> None:
    with pytest.raises(ValueError):
        grade("0-10", raw, max_raw, None)


def test_an_unknown_scale_is_refused() -> None:
    with pytest.raises(ValueError):
        grade("1-10", 5, 10, None)
