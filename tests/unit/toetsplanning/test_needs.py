"""Assigned needs (flow 1) become extra time and personal needs of one participation (flow 2): PDF Tabel 4.10.A,
Tabel 4.3.A."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from oke.roles.toetsplanning.needs import UNLIMITED, Needs, Toets, minutes_of, needs_for

MATH = Toets(on=date(2026, 12, 1), duration_minutes=40, math=True, digital=True)
LANGUAGE = Toets(on=date(2026, 12, 1), duration_minutes=90, math=False, digital=False)


def need(code: str, start: str | None = None, end: str | None = None) -> dict[str, object]:
    entry: dict[str, object] = {"code": code, "description": [{"language": "nl-NL", "value": code}]}
    if start:
        entry["startDate"] = start
    if end:
        entry["endDate"] = end
    return entry


def test_the_examples_of_the_pdf() -> None:
    assert needs_for([need("ExtraTimeOnlyMath25%")], MATH) == Needs(10, ("extraTime",))
    assert needs_for([need("ExtraTimeOnlyMath30Min")], MATH) == Needs(30, ("extraTime",))
    assert needs_for([need("ExtraTimeDigitalTests25%")], MATH) == Needs(10, ("extraTime",))


def test_a_math_only_need_gives_nothing_in_a_language_test() -> None:
    assert needs_for([need("ExtraTimeOnlyMath25%")], LANGUAGE) == Needs()


def test_the_largest_extra_time_applies_and_aids_are_added() -> None:
    needs = needs_for([need("ExtraTime10Min"), need("extraTimeOnlyMath25%"), need("SpokenTexts")], MATH)
    assert needs == Needs(10, ("extraTime", "spoken"))


def test_a_need_outside_its_dates_is_not_used() -> None:
    needs = needs_for([need("ExtraTime30Min", end="2026-11-30"), need("ExtraTime5Min", start="2026-12-01")], MATH)
    assert needs == Needs(5, ("extraTime",), ("ExtraTime30Min",))


def test_codes_tp_cannot_read_are_reported() -> None:
    assert needs_for([need("Koptelefoon")], MATH).unused == ("Koptelefoon",)


def test_the_catalogue_caps_the_extra_time() -> None:
    capped = Toets(on=date(2026, 12, 1), duration_minutes=40, math=True, digital=True, max_extra_minutes=15)
    assert needs_for([need("ExtraTime30Min")], capped).additional_time_in_min == 15
    unlimited = Toets(on=date(2026, 12, 1), duration_minutes=40, math=True, digital=True, max_extra_minutes=UNLIMITED)
    assert needs_for([need("ExtraTime30Min")], unlimited).additional_time_in_min == 30


@given(st.integers(0, 600), st.integers(1, 100))
def test_a_percentage_is_rounded_up_to_whole_minutes(duration: int, percent: int) -> None:
    test = Toets(on=date(2026, 12, 1), duration_minutes=duration, math=True, digital=True)
    minutes = needs_for([need(f"ExtraTime{percent}%")], test).additional_time_in_min or 0
    assert minutes * 100 >= duration * percent > (minutes - 1) * 100


def test_durations() -> None:
    assert minutes_of("PT40M") == 40
    assert minutes_of("PT1H30M") == 90
    assert minutes_of("P60M") is None  # sixty months, the OpenAPI example's typo (docs/standard.md)
    assert minutes_of(None) is None
