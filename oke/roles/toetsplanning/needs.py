"""From DR's assigned needs (flow 1) to a participation's extra time and personal needs (flow 2).

DR assigns needs with free codes (PDF Tabel 4.10.A gives "ExtraTimeOnlyMath25%", "ExtraTimeOnlyMath30Min"
and "ExtraTimeDigitalTests25%"); TP translates them for one session into `additionalTimeInMin` and
`personalNeeds` (PDF Tabel 4.3.A, values of Tabel 4.1.B), within what TA's catalogue says the test allows
(`availablePersonalNeeds`, at most `additionalTestingTime` minutes: PDF Tabel 4.1.A). A code TP cannot translate,
or that asks for what the test does not allow, is reported to the planner, never dropped silently; extra time
beyond the test's is cut to it, and reported. Pure: no I/O.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

#: An extra-time code, read without spaces, dashes and underscores: "ExtraTime" (or Dutch "ExtraTijd"), an
#: optional scope (OnlyMath, DigitalTests), then an amount in percent or minutes.
_EXTRA_TIME = re.compile(
    r"^extrati(?:me|jd)(?P<scope>[a-z]*?)(?P<amount>\d+)(?P<unit>%|min|minutes|minuten)$", re.IGNORECASE
)
_SEPARATORS = re.compile(r"[\s_-]+")
_DURATION = re.compile(r"^PT(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?$")
#: The aids of PDF Tabel 4.1.B, by what a code (lower case, letters only) contains: the value itself, and the
#: Dutch and English names of the aid. Narrow on purpose: "Spelling" alone may be "spelling errors not
#: counted", no spell checker; such a code is reported instead.
_AIDS = (
    (re.compile(r"spoken|voorle(?:es|z)|readaloud|texttospeech"), "spoken"),
    (re.compile(r"spell(?:ing)?s?(?:check|controle)"), "spell-checker-on-screen"),
)
#: A code that starts with a negation ("GeenVoorlezen", "NoSpellCheck") withholds the aid it names.
_NEGATION = re.compile(r"^(?:geen|niet|zonder|no|without)")
#: Why a code is not sent: TP has no `personalNeeds` value or amount of extra time for it.
NO_EQUIVALENT = "has no flow 2 equivalent"
#: Why a code is not sent: a percentage of a session without `duration`.
NO_DURATION = "is a percentage of the session's duration, which the session does not give"
#: `additionalTimeInMin` of 10,000 or more means unlimited (PDF Tabel 4.3.A).
UNLIMITED = 10_000
#: The `personalNeeds` value of extra time (PDF Tabel 4.1.B).
EXTRA_TIME = "extraTime"


@dataclass(frozen=True)
class Toets:
    """What TP knows of the toets (test) of a session, as far as needs depend on it."""

    on: date
    duration_minutes: int | None
    math: bool
    digital: bool
    #: The aids the test allows (the catalogue's `availablePersonalNeeds`); None when TP cannot tell.
    available_needs: frozenset[str] | None = None
    #: The most extra time the test allows (the catalogue's `additionalTestingTime`); None when not given.
    max_extra_minutes: int | None = None

    def allows(self, aid: str) -> bool:
        """Whether TA may give this `personalNeeds` value in this test: what TP cannot tell, it allows."""
        if aid == EXTRA_TIME and self.max_extra_minutes == 0:
            return False
        return self.available_needs is None or aid in self.available_needs


@dataclass(frozen=True)
class Unused:
    """An assigned need in force on the session's day that TP does not send to TA, and why."""

    code: str
    reason: str


@dataclass(frozen=True)
class Capped:
    """The extra time of assigned need `code`, cut to what the test allows (`additionalTestingTime`)."""

    code: str
    minutes: int
    cap: int


@dataclass(frozen=True)
class Needs:
    additional_time_in_min: int | None = None
    personal_needs: tuple[str, ...] = ()
    #: Needs in force that TP does not send for this session: for the planner to look at.
    unused: tuple[Unused, ...] = field(default=())
    #: The extra time TP cut to the test's most, if it did: for the planner to look at.
    capped: Capped | None = None

    def warnings(self, person_id: str) -> list[str]:
        """What the planner is told of the needs of student `person_id` that TA does not get in full."""
        told = [f"student {person_id}: assigned need {u.code!r} {u.reason}: not sent to TA" for u in self.unused]
        if self.capped is not None:
            c = self.capped
            told.append(
                f"student {person_id}: assigned need {c.code!r} gives {c.minutes} minutes of extra time, more than "
                f"the session's test allows (TA's catalogue: additionalTestingTime {c.cap}): TA gets {c.cap} minutes"
            )
        return told

    def warnings_since(self, was: Needs, person_id: str, *, sent: bool) -> list[str]:
        """What the planner is told when these needs replace `was` (a changed person or session): every warning
        when TA is sent them again, as when planned; else only those `was` did not have."""
        before = set(was.warnings(person_id))
        return [w for w in self.warnings(person_id) if sent or w not in before]


def minutes_of(duration: str | None) -> int | None:
    """Whole minutes of an ISO 8601 duration such as `PT40M` or `PT1H30M`; None when not of that form."""
    match = _DURATION.match(duration or "")
    if not match or not any(match.groupdict().values()):
        return None
    return int(match["hours"] or 0) * 60 + int(match["minutes"] or 0)


def allowed_by(block: Mapping[str, Any]) -> tuple[frozenset[str] | None, int | None]:
    """What the nl-test-admin block of a test in TA's catalogue allows: its `availablePersonalNeeds` (None when
    absent: TP cannot tell), and its `additionalTestingTime` in minutes (the examples' `extraTime` when that is
    missing; None when neither is a number of minutes).

    TP keeps the catalogue as TA sent it, so a value of another type counts as not given."""
    available = block.get("availablePersonalNeeds")
    needs = frozenset(n for n in available if isinstance(n, str)) if isinstance(available, list) else None
    most = block.get("additionalTestingTime", block.get("extraTime"))
    if isinstance(most, str):
        most = minutes_of(most)
    if not isinstance(most, int) or isinstance(most, bool) or most < 0:
        most = None
    return needs, most


def needs_for(assigned: Iterable[dict[str, Any]], test: Toets) -> Needs:
    """The needs a student has in this test: the largest extra time that applies, and the aids.

    A need outside its dates is not in force and not reported; one in scope of another test (OnlyMath in a
    language test) applies and gives nothing. One that asks for what the test does not allow is not sent.
    """
    extra, extra_code = 0, ""
    aids: set[str] = set()
    unused: list[Unused] = []
    for need in assigned:
        code = str(need.get("code", ""))
        if not _current(need, test.on):
            continue
        minutes = _extra_minutes(code, test)
        aid = EXTRA_TIME if minutes else _aid_of(code)
        if minutes is None and aid is None:
            unused.append(Unused(code, _why_unused(code, test)))
        elif aid is not None and not test.allows(aid):
            unused.append(Unused(code, _not_allowed(aid, test)))
        elif aid is not None:
            aids.add(aid)
            if minutes and minutes > extra:
                extra, extra_code = minutes, code
    capped = None
    cap = test.max_extra_minutes
    if cap is not None and cap < min(extra, UNLIMITED):
        capped, extra = Capped(extra_code, extra, cap), cap
    return Needs(extra or None, tuple(sorted(aids)), tuple(unused), capped)


def _not_allowed(aid: str, test: Toets) -> str:
    """Why a need the test does not allow is not sent, in the catalogue's own words."""
    if aid == EXTRA_TIME and test.max_extra_minutes == 0:
        said = "additionalTestingTime 0"
    else:
        said = f"availablePersonalNeeds {', '.join(sorted(test.available_needs or ())) or 'none'}"
    return f"asks for {aid!r}, which the session's test does not allow (TA's catalogue: {said})"


def _aid_of(code: str) -> str | None:
    """The `personalNeeds` value (PDF Tabel 4.1.B) an assigned need's code names, if any."""
    letters = re.sub(r"[^a-z]", "", code.lower())
    if _NEGATION.match(letters):
        return None
    return next((aid for marker, aid in _AIDS if marker.search(letters)), None)


def _extra_minutes(code: str, test: Toets) -> int | None:
    """Minutes of extra time a code gives in this test: None if it is no extra-time code, 0 if it does not apply."""
    match = _EXTRA_TIME.match(_SEPARATORS.sub("", code))
    if not match:
        return None
    scope = match["scope"].lower()
    if (scope == "onlymath" and not test.math) or (scope == "digitaltests" and not test.digital):
        return 0
    if scope not in ("", "onlymath", "digitaltests"):
        return None
    amount = int(match["amount"])
    if match["unit"] != "%":
        return amount
    if test.duration_minutes is None:
        return None  # a percentage of an unknown duration
    return math.ceil(test.duration_minutes * amount / 100)


def _why_unused(code: str, test: Toets) -> str:
    match = _EXTRA_TIME.match(_SEPARATORS.sub("", code))
    if match and match["unit"] == "%" and test.duration_minutes is None:
        return NO_DURATION
    return NO_EQUIVALENT


def _current(need: dict[str, Any], on: date) -> bool:
    start, end = need.get("startDate"), need.get("endDate")
    return (start is None or date.fromisoformat(start) <= on) and (end is None or on <= date.fromisoformat(end))
