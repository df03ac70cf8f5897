"""Flow 5 rule (b): make TA's score fit the `resultValueType` DR set on the planbare toets.

TA scores on its catalogue's scale; DR may expect another one. A score that already fits is passed on; one that
converts exactly (or by a standard rounding) is converted, and TP keeps both; anything else is held for an
operator with a reason naming both scales and the value, because sending a guessed grade to the SIS is worse
than sending none. Pure and standard-library only, so every case can be tested on its own.

Which scores are values of a scale is `oke.ooapi.scales`, shared with TA and DR. Where the standard (PDF 1.0.1,
Tabel 4.1.D and 4.3.D) is silent on converting, this module decides, one line each:

- TA's integer score on `0.0-10.0` ("9", as the standard's own flow 3 examples send it) is that number, and DR
  gets it with its decimal ("9.0"); `fits` (an operator's value) still wants the decimal. A conversion that
  lands below 1.0 (for example 0-100 "5" -> 0.5) is Unfit, never clamped.
- Rounding to an integer is half up (5.5 -> 6), the Dutch way of rounding a grade.
- `passFrom` ("Resultaatwaarde vanaf welke (en hoger) de student geslaagd is") is compared as a number and must
  lie within the source scale; it need not be a value of it ("5.5" on 0-10 is fine).
- `passFrom` decides only on 0-100, 0-10 and 0.0-10.0: "en hoger" does not hold for a DE grade (1 is best), and
  letters, OVG and levels have no numeric order; there the result's `pass` decides.
- Any scale converts to `pass-or-fail` through the result's `pass`: a pass-or-fail value is "conform slaging
  waarde uit waardelijst {passed, failed}", the values of `pass` itself; `unknown` gives no verdict.
- When `passFrom` and a passed/failed `pass` disagree, the result is Unfit: TP cannot tell which one is right.
- An operator's score replaces TA's `pass` too, which judged TA's score: a `pass-or-fail` value is its own verdict,
  any other is `unknown` (TP cannot tell whether TA's verdict holds for it, and a contradicting pair is worse).
- Without a target scale TP passes the score on, but still checks it against TA's scale when that is known
  (the score "moet voldoen aan het resultaattype", Tabel 4.3.D); a scale name outside Tabel 4.1.D (such as the
  example values "1-10" and "1.0-10.0") is Unfit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from oke.ooapi.enums import PassState, ResultValueType
from oke.ooapi.scales import NUMERIC, RANKED, SHAPE, as_written, fits, number

RVT = ResultValueType


@dataclass(frozen=True)
class Fitted:
    score: str | None  #: the score for DR; None when the result carries none (attendance only)
    converted: bool  #: True when it differs from TA's score (TP keeps both)
    #: the `pass` DR gets in place of the result's (with an operator's score); None: the result's own
    pass_state: str | None = None


@dataclass(frozen=True)
class Unfit:
    reason: str  #: for an operator, in English, naming both scales and the value


_PASS_FROM = re.compile(r"(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")
#: The scales numbers convert between (DE grade runs the other way and converts to none of them).
_CONVERTIBLE = (RVT.zero_to_hundred, RVT.zero_to_ten, RVT.decimal_zero_to_ten)
_ONE = Decimal(1)
_TENTH = Decimal("0.1")


def operators_verdict(score: str, value_type: str | None, given: str | None = None) -> str | None:
    """The `pass` that goes with an operator's score on DR's scale `value_type`: on pass-or-fail the score itself
    (None when the operator's `given` pass contradicts it), elsewhere `given`, else `unknown`."""
    if value_type == RVT.pass_or_fail and score in RANKED[RVT.pass_or_fail]:
        return score if given in (None, score) else None
    return given or PassState.unknown.value


def fit_score(
    score: str | None,
    *,
    pass_state: str | None,
    source_type: str | None,
    target_type: str | None,
    pass_from: str | None,
) -> Fitted | Unfit:
    """TA's `score` on `source_type` as DR expects it on `target_type`, or why it cannot be sent."""
    if score is None:
        return Fitted(None, False)
    where = _Where(score, source_type, target_type)
    for name, role in ((source_type, "TA's catalogue"), (target_type, "DR's planbare toets")):
        if name is not None and name not in SHAPE:
            return where.unfit(f"{role} resultValueType {quoted(name)} is not a value of Tabel 4.1.D")
    value = as_written(score, source_type or target_type)
    if target_type is None:
        if source_type is not None and not fits(value, source_type):
            return where.unfit(f"it is not a value of {source_type} ({SHAPE[source_type]})")
        return Fitted(value, value != score)
    if source_type is None or source_type == target_type:
        if not fits(value, target_type):
            return where.unfit(f"it is not a value of {target_type} ({SHAPE[target_type]})")
        return Fitted(value, value != score)
    if not fits(value, source_type):
        return where.unfit(f"it is not a value of TA's own scale {source_type} ({SHAPE[source_type]})")
    fitted = _convert(where, value, pass_state, pass_from)
    if isinstance(fitted, Unfit):
        return fitted
    if not fits(fitted, target_type):  # cannot happen (see the tests); hold rather than send a wrong value
        return where.unfit(f"the conversion gave {fitted!r}, which is not a value of {target_type}")
    return Fitted(fitted, fitted != score)


#: How much of TA's value a reason quotes: a score may be of any length and is kept whole (docs/vendors.md), but
#: a reason is read by an operator, and stored in a column of its own (`tp_dr_results.reason`).
QUOTED = 64


def quoted(value: str) -> str:
    """`value` as a reason quotes it: whole up to `QUOTED` characters, else its start and its length."""
    return repr(value) if len(value) <= QUOTED else f"{value[:QUOTED]!r}... ({len(value)} characters)"


@dataclass(frozen=True)
class _Where:
    """The score and both scales, so that every reason names all three."""

    score: str
    source: str | None
    target: str | None

    def unfit(self, why: str) -> Unfit:
        source = self.source if self.source is not None else "an unknown scale"
        target = self.target if self.target is not None else "none set"
        score = quoted(self.score)
        return Unfit(f"TA's score {score} (on {source}) cannot be sent to DR (resultValueType {target}): {why}")


def _convert(where: _Where, score: str, pass_state: str | None, pass_from: str | None) -> str | Unfit:
    """`score` (a value of the source scale) on the target scale where that is exact or a standard rounding; both
    scales are known and differ."""
    source, target = str(where.source), str(where.target)
    if target == RVT.pass_or_fail:
        return _verdict(where, score, pass_state, pass_from)
    if source not in _CONVERTIBLE or target not in _CONVERTIBLE:
        return where.unfit(f"there is no exact conversion from {source} to {target}")
    value = number(score, source)
    assert value is not None  # checked against the source scale by the caller
    on_ten = value / 10 if source == RVT.zero_to_hundred else value
    if target == RVT.zero_to_hundred:
        return _plain((on_ten * 10).quantize(_ONE))  # exact: 0-10 and 0.0-10.0 have at most one decimal
    if target == RVT.zero_to_ten:
        return _plain(on_ten.quantize(_ONE, rounding=ROUND_HALF_UP))
    if on_ten < 1:  # 0.0-10.0 starts at 1.0; clamping would invent a grade
        return where.unfit(
            f"it is {_plain(on_ten.quantize(_TENTH))} on {target}, below its lowest value 1.0 (PDF Tabel 4.1.D)"
        )
    return _plain(on_ten.quantize(_TENTH))  # exact: an integer divided by 10 has one decimal


def _verdict(where: _Where, score: str, pass_state: str | None, pass_from: str | None) -> str | Unfit:
    """passed or failed: by `passFrom` on a numeric scale, else by the result's `pass`; both must agree."""
    source = str(where.source)
    stated = pass_state if pass_state in (PassState.passed, PassState.failed) else None
    if pass_from is None or source not in _CONVERTIBLE:
        if stated is None:
            return where.unfit(
                f"TA gave no passFrom and the result's pass is {pass_state!r}, so pass or fail is unknown"
            )
        return str(stated)
    forms, low, high = NUMERIC[source]
    if not _PASS_FROM.fullmatch(pass_from) or not low <= Decimal(pass_from) <= high:
        return where.unfit(f"TA's passFrom {quoted(pass_from)} is not a number from {low} to {high} on {source}")
    value = number(score, source)
    assert value is not None  # checked against the source scale by the caller
    verdict = PassState.passed if value >= Decimal(pass_from) else PassState.failed
    if stated is not None and stated != verdict:
        return where.unfit(f"passFrom {quoted(pass_from)} says {verdict.value} but the result's pass says {stated}")
    return verdict.value


def _plain(value: Decimal) -> str:
    """A Decimal without exponent ("10.0", never "1E+1")."""
    return format(value, "f")
