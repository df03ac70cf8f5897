"""Assigned needs (flow 1) become extra time and personal needs of one participation (flow 2): PDF Tabel 4.10.A,
Tabel 4.3.A."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oke.roles.toetsplanning.needs import (
    NO_DURATION,
    NO_EQUIVALENT,
    UNLIMITED,
    Needs,
    Toets,
    Unused,
    minutes_of,
    needs_for,
)

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
    assert needs == Needs(5, ("extraTime",))  # not in force: nothing for the planner to look at


#: Every code the standard names (PDF Tabel 4.10.A, the OpenAPI examples), the reference DR seeds
#: (deelnemerregistratie/school.py, generated.py), the values of PDF Tabel 4.1.B themselves, and the
#: spellings a DR may well use; in a 40-minute digital math test.
CODES = [
    ("ExtraTimeOnlyMath25%", 10, ()),
    ("extraTimeOnlyMath25%", 10, ()),
    ("ExtraTimeOnlyMath30Min", 30, ()),
    ("ExtraTimeDigitalTests25%", 10, ()),
    ("ExtraTime30Min", 30, ()),
    ("ExtraTime25%", 10, ()),
    ("Extra_Time 15 minutes", 15, ()),
    ("ExtraTijd20Minuten", 20, ()),
    ("Voorlezen", None, ("spoken",)),
    ("Voorleessoftware", None, ("spoken",)),
    ("spoken", None, ("spoken",)),
    ("SpokenTexts", None, ("spoken",)),
    ("ReadAloud", None, ("spoken",)),
    ("TextToSpeech", None, ("spoken",)),
    ("spell-checker-on-screen", None, ("spell-checker-on-screen",)),
    ("SpellChecker", None, ("spell-checker-on-screen",)),
    ("Spellingscontrole", None, ("spell-checker-on-screen",)),
    ("spelling-check", None, ("spell-checker-on-screen",)),
]


@pytest.mark.parametrize(("code", "minutes", "aids"), CODES)
def test_the_codes_dr_sends(code: str, minutes: int | None, aids: tuple[str, ...]) -> None:
    expected = Needs(minutes, tuple(sorted({*aids, *(["extraTime"] if minutes else [])})))
    assert needs_for([need(code)], MATH) == expected


#: Codes that name no aid of PDF Tabel 4.1.B (or withhold one), or extra time without an amount: reported.
NOT_SENT = [
    "Koptelefoon",
    "Dyslexie",  # which aids it gives is DR's to say
    "Spelling",  # may be "spelling errors not counted", no spell checker
    "SpellingsfoutenNietMeetellen",
    "GeenVoorlezen",
    "NoSpellCheck",
    "extraTime",  # no amount
    "ExtraTimeOnlyLanguage25%",  # a scope TP does not know
    "Spreken",  # speaking (an oral test), not read aloud
]


@pytest.mark.parametrize("code", NOT_SENT)
def test_codes_tp_cannot_translate_are_reported(code: str) -> None:
    assert needs_for([need(code)], MATH) == Needs(unused=(Unused(code, NO_EQUIVALENT),))


def test_the_reference_drs_reading_aid_and_extra_time() -> None:
    """Sanne of the reference DR (deelnemerregistratie/school.py): TA got extra time only, not `spoken`."""
    needs = needs_for([need("Voorlezen"), need("ExtraTime25%")], LANGUAGE)
    assert needs == Needs(23, ("extraTime", "spoken"))


def test_a_percentage_without_the_sessions_duration_is_reported() -> None:
    untimed = Toets(on=date(2026, 12, 1), duration_minutes=None, math=True, digital=True)
    needs = needs_for([need("ExtraTime25%"), need("Koptelefoon")], untimed)
    assert needs.unused == (Unused("ExtraTime25%", NO_DURATION), Unused("Koptelefoon", NO_EQUIVALENT))
    assert needs.warnings("p1") == [
        "student p1: assigned need 'ExtraTime25%' is a percentage of the session's duration, which the session "
        "does not give: not sent to TA",
        "student p1: assigned need 'Koptelefoon' has no flow 2 equivalent: not sent to TA",
    ]


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
