"""From DR's assigned needs (flow 1) to a participation's extra time and personal needs (flow 2).

DR assigns needs with free codes (PDF Tabel 4.10.A gives "ExtraTimeOnlyMath25%", "ExtraTimeOnlyMath30Min"
and "ExtraTimeDigitalTests25%"); TP translates them for one session into `additionalTimeInMin` and
`personalNeeds` (PDF Tabel 4.3.A, values of Tabel 4.1.B). A code TP cannot translate is reported to the
planner, never dropped silently. Pure: no I/O.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
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


@dataclass(frozen=True)
class Toets:
    """What TP knows of the toets (test) of a session, as far as needs depend on it."""

    on: date
    duration_minutes: int | None
    math: bool
    digital: bool
    #: The catalogue's maximum extra time (`additionalTestingTime`), if it gives one.
    max_extra_minutes: int | None = None


@dataclass(frozen=True)
class Unused:
    """An assigned need in force on the session's day that TP does not send to TA, and why."""

    code: str
    reason: str


@dataclass(frozen=True)
class Needs:
    additional_time_in_min: int | None = None
    personal_needs: tuple[str, ...] = ()
    #: Needs in force that TP cannot translate for this session: for the planner to look at.
    unused: tuple[Unused, ...] = field(default=())

    def warnings(self, person_id: str) -> list[str]:
        """What the planner is told of the unused needs of student `person_id`."""
        return [f"student {person_id}: assigned need {u.code!r} {u.reason}: not sent to TA" for u in self.unused]


def minutes_of(duration: str | None) -> int | None:
    """Whole minutes of an ISO 8601 duration such as `PT40M` or `PT1H30M`; None when not of that form."""
    match = _DURATION.match(duration or "")
    if not match or not any(match.groupdict().values()):
        return None
    return int(match["hours"] or 0) * 60 + int(match["minutes"] or 0)


def needs_for(assigned: Iterable[dict[str, Any]], test: Toets) -> Needs:
    """The needs a student has in this test: the largest extra time that applies, and the aids.

    A need outside its dates is not in force and not reported; one in scope of another test (OnlyMath in a
    language test) applies and gives nothing.
    """
    extra = 0
    aids: set[str] = set()
    unused: list[Unused] = []
    for need in assigned:
        code = str(need.get("code", ""))
        if not _current(need, test.on):
            continue
        minutes = _extra_minutes(code, test)
        aid = _aid_of(code)
        if minutes is None and aid is None:
            unused.append(Unused(code, _why_unused(code, test)))
            continue
        if minutes:
            extra = max(extra, minutes)
            aids.add("extraTime")
        if aid:
            aids.add(aid)
    if extra and test.max_extra_minutes is not None and test.max_extra_minutes < UNLIMITED:
        extra = min(extra, test.max_extra_minutes)
    return Needs(extra or None, tuple(sorted(aids)), tuple(unused))


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
