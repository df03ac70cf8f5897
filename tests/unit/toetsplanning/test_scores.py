"""Flow 5 rule (b): TA's score made to fit DR's resultValueType (PDF Tabel 4.1.D, Tabel 4.3.D), or held."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oke.ooapi.enums import ResultValueType
from oke.ooapi.scales import fits
from oke.roles.toetsafname.scoring import grade
from oke.roles.toetsplanning.scores import Fitted, Unfit, fit_score, operators_verdict

SCALES = [value_type.value for value_type in ResultValueType]

VALID = {
    "pass-or-fail": ["passed", "failed"],
    "insufficient-satisfactory-good": ["insufficient", "satisfactory", "good"],
    "US letter": ["A", "A+", "B-", "C", "D+", "F"],
    "UK letter": ["A", "A-", "C+", "G", "U"],
    "DE grade": ["1", "6", "1.0", "1.3", "2.7", "6.0"],
    "0-100": ["0", "1", "55", "100"],
    "0-10": ["0", "5", "10"],
    "0.0-10.0": ["1.0", "5.5", "7.5", "10.0"],
    "referenceLevelRKTR": ["1F", "1S", "2F", "2S", "3F", "3S", "4F", "4S", "Op weg naar 1F", "Op weg naar 4S"],
    "referenceLevelERK": ["A1", "A2", "B1", "B2", "C1", "C2"],
}
INVALID = {
    "pass-or-fail": ["pass", "Passed", "unknown", "true", "1", ""],
    "insufficient-satisfactory-good": ["O", "V", "G", "Good", "sufficient"],
    "US letter": ["E", "a", "A++", "A*", "AB", " A"],
    "UK letter": ["H", "A*", "u", "B+-"],
    "DE grade": ["0.9", "6.1", "7", "2,3", "2.33", "2+", "0"],
    "0-100": ["101", "-1", "07", "7.5", "75.0", "+5", " 5", "1e2", "٣"],
    "0-10": ["11", "7.0", "-0", "05", "7,5"],
    "0.0-10.0": ["0.0", "0.9", "10.1", "11.0", "0", "11", "07", "7,5", "7.55", ".5", "07.5", "7.", "NaN", "Infinity"],
    "referenceLevelRKTR": ["1G", "5F", "op weg naar 1F", "Op weg naar 5F", "Op weg naar"],
    "referenceLevelERK": ["A3", "C3", "a1", "B"],
}


def fit(
    score: str | None,
    source: str | None,
    target: str | None,
    *,
    pass_state: str | None = None,
    pass_from: str | None = None,
) -> Fitted | Unfit:
    return fit_score(score, pass_state=pass_state, source_type=source, target_type=target, pass_from=pass_from)


def reason(result: Fitted | Unfit) -> str:
    assert isinstance(result, Unfit), result
    return result.reason


@pytest.mark.parametrize(("value_type", "score"), [(t, s) for t, scores in VALID.items() for s in scores])
def test_a_valid_value_fits_its_scale_and_passes_on_unchanged(value_type: str, score: str) -> None:
    assert fits(score, value_type)
    assert fit(score, value_type, value_type) == Fitted(score, False)
    assert fit(score, None, value_type) == Fitted(score, False)  # TA's scale unknown: judged on DR's


@pytest.mark.parametrize(("value_type", "score"), [(t, s) for t, scores in INVALID.items() for s in scores])
def test_an_invalid_value_does_not_fit_and_is_held_naming_it(value_type: str, score: str) -> None:
    assert not fits(score, value_type)
    why = reason(fit(score, value_type, value_type))
    assert repr(score) in why and value_type in why


def test_every_scale_of_tabel_4_1_d_is_covered() -> None:
    assert set(VALID) == set(INVALID) == set(SCALES)


@pytest.mark.parametrize("name", ["1-10", "1.0-10.0", "OVG", "pass/fail", "0-100 "])
def test_a_scale_name_outside_tabel_4_1_d_fits_nothing(name: str) -> None:
    assert not fits("7", name)
    assert not fits("7.0", name)
    for source, target in ((name, "0-10"), ("0-10", name), (name, name), (None, name), (name, None)):
        why = reason(fit("7", source, target))
        assert repr(name) in why and "Tabel 4.1.D" in why


def test_a_comma_is_not_a_decimal_separator() -> None:
    why = reason(fit("7,5", "0.0-10.0", "0.0-10.0"))
    assert "'7,5'" in why and "point" in why
    assert isinstance(fit("7,5", "0.0-10.0", "0-10"), Unfit)


@pytest.mark.parametrize(
    ("score", "source", "target", "sent"),
    [
        ("9", "0.0-10.0", "0.0-10.0", "9.0"),  # the standard's own flow 3.1 and 3.2b examples
        ("9", "0.0-10.0", None, "9.0"),
        ("10", None, "0.0-10.0", "10.0"),
        ("1", "0.0-10.0", "0.0-10.0", "1.0"),
        ("9", "0.0-10.0", "0-100", "90"),
        ("9", "0.0-10.0", "0-10", "9"),
    ],
)
def test_tas_integer_on_0_0_10_0_is_that_number_and_dr_gets_it_with_its_decimal(
    score: str, source: str | None, target: str | None, sent: str
) -> None:
    assert fit(score, source, target) == Fitted(sent, sent != score)
    assert not fits(score, "0.0-10.0")  # an operator's value is written with its decimal


def test_no_score_is_attendance_only() -> None:
    assert fit(None, "0-100", "pass-or-fail") == Fitted(None, False)
    assert fit(None, None, None) == Fitted(None, False)


def test_without_a_target_scale_the_score_is_passed_on_if_it_fits_tas_scale() -> None:
    assert fit("7.5", None, None) == Fitted("7.5", False)
    assert fit("75", "0-100", None) == Fitted("75", False)
    why = reason(fit("7.5", "0-100", None))
    assert "'7.5'" in why and "0-100" in why and "none set" in why


CONVERSIONS = [
    # 0-100 -> 0.0-10.0: divide by 10, exact
    ("100", "0-100", "0.0-10.0", "10.0"),
    ("75", "0-100", "0.0-10.0", "7.5"),
    ("10", "0-100", "0.0-10.0", "1.0"),
    ("55", "0-100", "0.0-10.0", "5.5"),
    # 0-10 -> 0.0-10.0
    ("7", "0-10", "0.0-10.0", "7.0"),
    ("10", "0-10", "0.0-10.0", "10.0"),
    ("1", "0-10", "0.0-10.0", "1.0"),
    # 0.0-10.0 -> 0-10: half up
    ("5.5", "0.0-10.0", "0-10", "6"),
    ("5.4", "0.0-10.0", "0-10", "5"),
    ("1.0", "0.0-10.0", "0-10", "1"),
    ("9.5", "0.0-10.0", "0-10", "10"),
    ("10.0", "0.0-10.0", "0-10", "10"),
    # 0-100 -> 0-10: divide by 10, half up
    ("75", "0-100", "0-10", "8"),
    ("74", "0-100", "0-10", "7"),
    ("5", "0-100", "0-10", "1"),
    ("4", "0-100", "0-10", "0"),
    ("100", "0-100", "0-10", "10"),
    # 0-10 and 0.0-10.0 -> 0-100: times 10, exact
    ("7", "0-10", "0-100", "70"),
    ("10", "0-10", "0-100", "100"),
    ("7.5", "0.0-10.0", "0-100", "75"),
    ("1.0", "0.0-10.0", "0-100", "10"),
    ("10.0", "0.0-10.0", "0-100", "100"),
]


@pytest.mark.parametrize(("score", "source", "target", "expected"), CONVERSIONS)
def test_numeric_scales_convert(score: str, source: str, target: str, expected: str) -> None:
    assert fit(score, source, target) == Fitted(expected, True)


def test_a_conversion_that_gives_the_same_string_is_not_marked_converted() -> None:
    assert fit("0", "0-100", "0-10") == Fitted("0", False)
    assert fit("0", "0-10", "0-100") == Fitted("0", False)


@pytest.mark.parametrize(("score", "source"), [("9", "0-100"), ("0", "0-100"), ("0", "0-10")])
def test_below_one_on_0_0_10_0_is_held_not_clamped(score: str, source: str) -> None:
    why = reason(fit(score, source, "0.0-10.0"))
    assert repr(score) in why and source in why and "0.0-10.0" in why and "below its lowest value 1.0" in why


PASS_OR_FAIL = [
    # by passFrom on a numeric scale
    ("55", "0-100", "55", None, "passed"),
    ("54", "0-100", "55", None, "failed"),
    ("5.5", "0.0-10.0", "5.5", "unknown", "passed"),
    ("5.4", "0.0-10.0", "5.5", None, "failed"),
    ("6", "0-10", "5.5", None, "passed"),
    ("5", "0-10", "5.5", "failed", "failed"),
    ("10", "0-10", "10", "passed", "passed"),
    # by the result's pass, on any scale
    ("75", "0-100", None, "passed", "passed"),
    ("3.0", "0.0-10.0", None, "failed", "failed"),
    ("good", "insufficient-satisfactory-good", None, "passed", "passed"),
    ("F", "US letter", None, "failed", "failed"),
    ("2F", "referenceLevelRKTR", None, "passed", "passed"),
    ("1.3", "DE grade", "4.0", "passed", "passed"),  # passFrom counts only on the scales numbers convert between
]


@pytest.mark.parametrize(("score", "source", "pass_from", "pass_state", "expected"), PASS_OR_FAIL)
def test_pass_or_fail_comes_from_pass_from_or_the_results_pass(
    score: str, source: str, pass_from: str | None, pass_state: str | None, expected: str
) -> None:
    assert fit(score, source, "pass-or-fail", pass_state=pass_state, pass_from=pass_from) == Fitted(expected, True)


@pytest.mark.parametrize("pass_state", [None, "unknown", "maybe"])
def test_pass_or_fail_without_pass_from_or_a_verdict_is_held(pass_state: str | None) -> None:
    why = reason(fit("75", "0-100", "pass-or-fail", pass_state=pass_state))
    assert "'75'" in why and "0-100" in why and "pass-or-fail" in why and "passFrom" in why


def test_pass_from_and_pass_that_disagree_are_held() -> None:
    why = reason(fit("50", "0-100", "pass-or-fail", pass_state="passed", pass_from="55"))
    assert "says failed" in why and "says passed" in why and "'50'" in why


@pytest.mark.parametrize(
    ("score", "target", "expected"),
    [
        ("passed", "pass-or-fail", "passed"),
        ("failed", "pass-or-fail", "failed"),
        ("good", "insufficient-satisfactory-good", "unknown"),
        ("7.0", "0.0-10.0", "unknown"),
        ("7.0", None, "unknown"),
    ],
)
def test_an_operators_score_carries_its_own_verdict_or_none(score: str, target: str | None, expected: str) -> None:
    """TA's `pass` judged TA's score: next to an operator's score it could contradict it (7.0 and failed)."""
    assert operators_verdict(score, target) == expected


@pytest.mark.parametrize(
    ("score", "target", "given", "expected"),
    [
        ("7.0", "0.0-10.0", "passed", "passed"),
        ("good", "insufficient-satisfactory-good", "failed", "failed"),
        ("passed", "pass-or-fail", "passed", "passed"),
        ("passed", "pass-or-fail", "failed", None),  # contradicts the score itself
        ("failed", "pass-or-fail", "unknown", None),
    ],
)
def test_an_operators_pass_goes_with_the_score_unless_it_contradicts_it(
    score: str, target: str, given: str, expected: str | None
) -> None:
    assert operators_verdict(score, target, given) == expected


@pytest.mark.parametrize("pass_from", ["5,5", "abc", "101", "-1", "", " 55"])
def test_a_pass_from_that_is_no_number_on_the_scale_is_held(pass_from: str) -> None:
    why = reason(fit("75", "0-100", "pass-or-fail", pass_from=pass_from))
    assert repr(pass_from) in why and "0-100" in why


@pytest.mark.parametrize("target", ["0-100", "0-10", "0.0-10.0", "DE grade"])
def test_pass_or_fail_never_becomes_a_number(target: str) -> None:
    why = reason(fit("passed", "pass-or-fail", target, pass_state="passed", pass_from="5.5"))
    assert "'passed'" in why and "pass-or-fail" in why and target in why and "no exact conversion" in why


@pytest.mark.parametrize(
    ("score", "source", "target"),
    [
        ("7.5", "0.0-10.0", "insufficient-satisfactory-good"),
        ("good", "insufficient-satisfactory-good", "0.0-10.0"),
        ("75", "0-100", "US letter"),
        ("A", "US letter", "UK letter"),
        ("2.0", "DE grade", "0.0-10.0"),
        ("7.5", "0.0-10.0", "DE grade"),
        ("B1", "referenceLevelERK", "referenceLevelRKTR"),
    ],
)
def test_other_pairs_are_held_naming_both_scales_and_the_value(score: str, source: str, target: str) -> None:
    why = reason(fit(score, source, target, pass_state="passed", pass_from="5.5"))
    assert repr(score) in why and source in why and target in why


def test_a_score_that_does_not_fit_tas_own_scale_is_not_converted() -> None:
    why = reason(fit("7.5", "0-100", "0.0-10.0"))
    assert "'7.5'" in why and "TA's own scale 0-100" in why and "0.0-10.0" in why


# Properties


@given(st.integers(10, 100), st.integers(10, 100))
def test_0_100_to_0_0_10_0_is_monotonic_and_always_fits(a: int, b: int) -> None:
    fa, fb = fit(str(a), "0-100", "0.0-10.0"), fit(str(b), "0-100", "0.0-10.0")
    assert isinstance(fa, Fitted) and isinstance(fb, Fitted) and fa.score is not None and fb.score is not None
    assert fits(fa.score, "0.0-10.0")
    if a <= b:
        assert Decimal(fa.score) <= Decimal(fb.score)


@given(st.integers(0, 100), st.integers(0, 100))
def test_0_100_to_0_10_is_monotonic(a: int, b: int) -> None:
    fa, fb = fit(str(a), "0-100", "0-10"), fit(str(b), "0-100", "0-10")
    assert isinstance(fa, Fitted) and isinstance(fb, Fitted) and fa.score is not None and fb.score is not None
    if a <= b:
        assert int(fa.score) <= int(fb.score)


@given(st.integers(10, 100))
def test_0_0_10_0_and_0_100_convert_back_and_forth_exactly(tenths: int) -> None:
    decimal = f"{Decimal(tenths) / 10:.1f}"
    there = fit(decimal, "0.0-10.0", "0-100")
    assert isinstance(there, Fitted) and there.score == str(tenths)
    assert fit(there.score, "0-100", "0.0-10.0") == Fitted(decimal, True)


SCORES = st.one_of(
    st.sampled_from([s for scores in VALID.values() for s in scores]),
    st.sampled_from([s for scores in INVALID.values() for s in scores]),
    st.integers(-5, 120).map(str),
    st.decimals(-1, 101, places=1, allow_nan=False, allow_infinity=False).map(str),
    st.text(max_size=6),
)
SCALE_OR_NOT = st.one_of(st.none(), st.sampled_from([*SCALES, "1-10", "1.0-10.0"]))


@given(
    SCORES,
    SCALE_OR_NOT,
    SCALE_OR_NOT,
    st.sampled_from([None, "passed", "failed", "unknown"]),
    st.one_of(st.none(), st.sampled_from(["5.5", "55", "6", "5,5", "x"])),
)
def test_a_fitted_score_always_fits_its_target(
    score: str, source: str | None, target: str | None, pass_state: str | None, pass_from: str | None
) -> None:
    result = fit(score, source, target, pass_state=pass_state, pass_from=pass_from)
    if isinstance(result, Unfit):
        assert repr(score) in result.reason and "the conversion gave" not in result.reason
        return
    assert result.score is not None and result.converted == (result.score != score)
    if target is not None:
        assert fits(result.score, target)
    elif source is not None:  # TA's score as it is, an integer on 0.0-10.0 with its decimal ("9" -> "9.0")
        assert result.score in (score, f"{score}.0") and fits(result.score, source)


@given(st.sampled_from(SCALES), st.integers(1, 200).flatmap(lambda m: st.tuples(st.integers(0, m), st.just(m))))
def test_every_score_the_reference_ta_gives_fits_its_scale(value_type: str, raw_and_max: tuple[int, int]) -> None:
    raw, max_raw = raw_and_max
    score = grade(value_type, raw, max_raw, None).score
    assert fits(score, value_type), (value_type, raw, max_raw, score)
    assert fit(score, value_type, value_type) == Fitted(score, False)
