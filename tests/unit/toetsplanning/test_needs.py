"""Assigned needs (flow 1) become extra time and personal needs of one participation (flow 2): PDF Tabel 4.10.A,
Tabel 4.3.A."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oke.roles.toetsplanning.needs import (
    NO_DURATION,
    NO_EQUIVALENT,
    UNLIMITED,
    Capped,
    Needs,
    Toets,
    Unused,
    allowed_by,
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


def test_the_catalogue_caps_the_extra_time_and_the_planner_is_told() -> None:
    """PDF Tabel 4.1.A `additionalTestingTime`: the extra minutes a test allows; 10,000 or more is unlimited."""
    capped = Toets(on=date(2026, 12, 1), duration_minutes=40, math=True, digital=True, max_extra_minutes=15)
    needs = needs_for([need("ExtraTime10Min"), need("ExtraTime30Min")], capped)
    assert needs == Needs(15, ("extraTime",), capped=Capped("ExtraTime30Min", 30, 15))
    assert needs.warnings("p1") == [
        "student p1: assigned need 'ExtraTime30Min' gives 30 minutes of extra time, more than the session's test "
        "allows (TA's catalogue: additionalTestingTime 15): TA gets 15 minutes"
    ]
    assert needs_for([need("ExtraTime10Min")], capped) == Needs(10, ("extraTime",))
    unlimited = Toets(on=date(2026, 12, 1), duration_minutes=40, math=True, digital=True, max_extra_minutes=UNLIMITED)
    assert needs_for([need("ExtraTime30Min")], unlimited) == Needs(30, ("extraTime",))


def test_a_test_without_extra_time_gives_no_extra_time_aid() -> None:
    """`additionalTestingTime: 0` allows no minutes: `extraTime` without `additionalTimeInMin` would be a
    contradiction for TA, so the need is not sent, and said so."""
    none = Toets(on=date(2026, 12, 1), duration_minutes=40, math=True, digital=True, max_extra_minutes=0)
    needs = needs_for([need("ExtraTime30Min"), need("Voorlezen")], none)
    reason = "asks for 'extraTime', which the session's test does not allow (TA's catalogue: additionalTestingTime 0)"
    assert needs == Needs(None, ("spoken",), (Unused("ExtraTime30Min", reason),))


def test_an_aid_the_test_does_not_allow_is_not_sent_and_the_planner_is_told() -> None:
    """PDF Tabel 4.1.A `availablePersonalNeeds`: the aids allowed in the test; TA gets no other."""
    listed = Toets(
        on=date(2026, 12, 1), duration_minutes=40, math=True, digital=True, available_needs=frozenset({"spoken"})
    )
    needs = needs_for([need("Voorlezen"), need("Spellingscontrole"), need("ExtraTime10Min")], listed)
    assert needs.additional_time_in_min is None and needs.personal_needs == ("spoken",)
    assert needs.warnings("p1") == [
        f"student p1: assigned need {code!r} asks for {aid!r}, which the session's test does not allow (TA's "
        "catalogue: availablePersonalNeeds spoken): not sent to TA"
        for code, aid in (("Spellingscontrole", "spell-checker-on-screen"), ("ExtraTime10Min", "extraTime"))
    ]
    nothing = Toets(on=date(2026, 12, 1), duration_minutes=40, math=True, digital=True, available_needs=frozenset())
    assert needs_for([need("Voorlezen")], nothing).unused[0].reason.endswith("availablePersonalNeeds none)")
    assert needs_for([need("ExtraTimeOnlyMath25%")], replace(LANGUAGE, available_needs=frozenset())) == Needs()


def test_what_the_catalogue_allows() -> None:
    """Read from the test's nl-test-admin block as TA sent it: what is absent or not of its type, TP cannot tell."""
    assert allowed_by({"availablePersonalNeeds": ["spoken", 3], "additionalTestingTime": 30}) == (
        frozenset({"spoken"}),
        30,
    )
    assert allowed_by({}) == (None, None)
    assert allowed_by({"availablePersonalNeeds": "spoken", "additionalTestingTime": True}) == (None, None)
    assert allowed_by({"additionalTestingTime": -5}) == (None, None)
    assert allowed_by({"extraTime": "PT60M"}) == (None, 60)  # the examples' name (docs/standard.md)
    assert allowed_by({"extraTime": "P60M"}) == (None, None)  # sixty months: not read as minutes


def test_a_change_tells_the_planner_what_is_new_or_all_when_ta_gets_it_again() -> None:
    was = needs_for([need("Koptelefoon")], MATH)
    now = needs_for([need("Koptelefoon"), need("Oordopjes")], MATH)
    new = "student p1: assigned need 'Oordopjes' has no flow 2 equivalent: not sent to TA"
    assert now.warnings_since(was, "p1", sent=False) == [new]
    assert now.warnings_since(was, "p1", sent=True) == now.warnings("p1")
    assert was.warnings_since(now, "p1", sent=False) == []


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
