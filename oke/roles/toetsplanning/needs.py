"""From DR's assigned needs (flow 1) to a participation's extra time and personal needs (flow 2).

DR assigns needs with free codes (PDF Tabel 4.10.A gives "ExtraTimeOnlyMath25%", "ExtraTimeOnlyMath30Min"
and "ExtraTimeDigitalTests25%"); TP translates them for one session into `additionalTimeInMin` and
`personalNeeds` (PDF Tabel 4.3.A). Pure: no I/O.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

#: An extra-time code: an optional scope (OnlyMath, DigitalTests), then an amount in percent or minutes.
_EXTRA_TIME = re.compile(r"^extratime(?P<scope>[a-z]*?)(?P<amount>\d+)(?P<unit>%|min)$", re.IGNORECASE)
_DURATION = re.compile(r"^PT(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?$")
_AIDS = (("spoken", "spoken"), ("voorlees", "spoken"), ("spell", "spell-checker-on-screen"))
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
class Needs:
    additional_time_in_min: int | None = None
    personal_needs: tuple[str, ...] = ()
    #: Codes that do not apply to this test, or that TP cannot read: for the planner to look at.
    unused: tuple[str, ...] = field(default=())


def minutes_of(duration: str | None) -> int | None:
    """Whole minutes of an ISO 8601 duration such as `PT40M` or `PT1H30M`; None when not of that form."""
    match = _DURATION.match(duration or "")
    if not match or not any(match.groupdict().values()):
        return None
    return int(match["hours"] or 0) * 60 + int(match["minutes"] or 0)


def needs_for(assigned: Iterable[dict[str, Any]], test: Toets) -> Needs:
    """The needs a student has in this test: the largest extra time that applies, and the aids."""
    extra = 0
    aids: set[str] = set()
    unused: list[str] = []
    for need in assigned:
        code = str(need.get("code", ""))
        if not _current(need, test.on):
            unused.append(code)
            continue
        minutes = _extra_minutes(code, test)
        aid = next((name for marker, name in _AIDS if marker in code.lower()), None)
        if minutes is None and aid is None:
            unused.append(code)
            continue
        if minutes:
            extra = max(extra, minutes)
            aids.add("extraTime")
        if aid:
            aids.add(aid)
    if extra and test.max_extra_minutes is not None and test.max_extra_minutes < UNLIMITED:
        extra = min(extra, test.max_extra_minutes)
    return Needs(extra or None, tuple(sorted(aids)), tuple(unused))


def _extra_minutes(code: str, test: Toets) -> int | None:
    """Minutes of extra time a code gives in this test: None if it is no extra-time code, 0 if it does not apply."""
    match = _EXTRA_TIME.match(code)
    if not match:
        return None
    scope = match["scope"].lower()
    if (scope == "onlymath" and not test.math) or (scope == "digitaltests" and not test.digital):
        return 0
    if scope not in ("", "onlymath", "digitaltests"):
        return None
    amount = int(match["amount"])
    if match["unit"].lower() == "min":
        return amount
    if test.duration_minutes is None:
        return None  # a percentage of an unknown duration
    return math.ceil(test.duration_minutes * amount / 100)


def _current(need: dict[str, Any], on: date) -> bool:
    start, end = need.get("startDate"), need.get("endDate")
    return (start is None or date.fromisoformat(start) <= on) and (end is None or on <= date.fromisoformat(end))
