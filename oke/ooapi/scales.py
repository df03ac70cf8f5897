"""The scales of `resultValueType` (PDF Tabel 4.1.D): which scores are values of each.

One rule for every role: TA grades on these scales, TP holds a score that is no value of DR's scale, and DR
refuses it (Tabel 4.3.D: the score "moet voldoen aan het resultaattype"). Pure and standard-library only.

Where the PDF is silent, this module decides, one line each:

- Numbers use a decimal point, never a comma: the PDF writes every decimal with a point ("(1.0,10.0)") and uses
  the comma only to separate an interval's ends; "7,5" is no value.
- The intervals "(0,100)", "(0,10)" and "(1.0,10.0)" include their ends: the scale names "0-100" and "0-10"
  start at 0, so the brackets cannot mean an open interval.
- `0.0-10.0` runs from 1.0 to 10.0 ("decimaal getal uit interval (1.0,10.0)"), with exactly one decimal as its
  name shows: "0.5" and "7.55" are no values of it. An integer from 1 to 10 is that number ("9", as the
  standard's own examples send it on flow 0's `0.0-10.0` test): a receiver takes it and reads it as "9.0"
  (`takes`, `as_written`); `fits` wants the decimal, as oke writes and sends it.
- `0-100` and `0-10` take plain integers ("geheel getal"): no sign, no leading zero ("007"), no ".0".
- `DE grade` ("waarde zoals in Duitsland wordt toegepast") takes 1 to 6, as an integer or with one decimal, as
  German grades are written (1.3, 2.7): "1.25" is no value.
- Letters (`US letter` A-D and F, `UK letter` A-G and U) may carry one "+" or "-" ("eventueel met + of -"),
  upper case only.
- `referenceLevelRKTR` takes the eight levels and "Op weg naar <level>", the one additional value the PDF names.
- A scale name outside Tabel 4.1.D (such as the example values "1-10" and "1.0-10.0") has no values.
"""

from __future__ import annotations

import re
from decimal import Decimal

from oke.ooapi.enums import ResultValueType

RVT = ResultValueType

_INTEGER = re.compile(r"0|[1-9][0-9]*")
_ONE_DECIMAL = re.compile(r"(?:0|[1-9][0-9]*)\.[0-9]")

#: Numeric scales: the forms a value may take and the closed interval it lies in.
NUMERIC: dict[str, tuple[tuple[re.Pattern[str], ...], Decimal, Decimal]] = {
    RVT.zero_to_hundred: ((_INTEGER,), Decimal(0), Decimal(100)),
    RVT.zero_to_ten: ((_INTEGER,), Decimal(0), Decimal(10)),
    RVT.decimal_zero_to_ten: ((_ONE_DECIMAL,), Decimal(1), Decimal(10)),
    RVT.de_grade: ((_INTEGER, _ONE_DECIMAL), Decimal(1), Decimal(6)),
}
#: The other scales' values, worst first: the letters without their "+" or "-", the levels without "Op weg naar".
RANKED: dict[str, tuple[str, ...]] = {
    RVT.pass_or_fail: ("failed", "passed"),
    RVT.insufficient_satisfactory_good: ("insufficient", "satisfactory", "good"),
    RVT.us_letter: ("F", "D", "C", "B", "A"),
    RVT.uk_letter: ("U", "G", "F", "E", "D", "C", "B", "A"),
    RVT.reference_level_rktr: ("1F", "1S", "2F", "2S", "3F", "3S", "4F", "4S"),
    RVT.reference_level_erk: ("A1", "A2", "B1", "B2", "C1", "C2"),
}
#: What may stand before a level of `referenceLevelRKTR` ("Op weg naar 1F").
TOWARDS = "Op weg naar "
_LETTERS = (RVT.us_letter, RVT.uk_letter)
#: What a value of each scale looks like, for the reasons a role gives.
SHAPE: dict[str, str] = {
    RVT.pass_or_fail: "passed or failed",
    RVT.insufficient_satisfactory_good: "insufficient, satisfactory or good",
    RVT.us_letter: "a letter A-D or F, optionally with + or -",
    RVT.uk_letter: "a letter A-G or U, optionally with + or -",
    RVT.de_grade: "a grade from 1 to 6, integer or with one decimal and a point",
    RVT.zero_to_hundred: "an integer from 0 to 100",
    RVT.zero_to_ten: "an integer from 0 to 10",
    RVT.decimal_zero_to_ten: "a number from 1.0 to 10.0 with one decimal and a point",
    RVT.reference_level_rktr: "1F, 1S, 2F, 2S, 3F, 3S, 4F, 4S or 'Op weg naar' one of them",
    RVT.reference_level_erk: "A1, A2, B1, B2, C1 or C2",
}


def fits(score: str, value_type: str) -> bool:
    """Whether `score` is a value of the scale `value_type` as written; a scale outside Tabel 4.1.D has none."""
    return number(score, value_type) is not None or _ranked(score, value_type)


def takes(score: str, value_type: str) -> bool:
    """Whether a receiver takes `score` on `value_type`: a value of it, or an integer that is one (`as_written`)."""
    return fits(as_written(score, value_type), value_type)


def as_written(score: str, value_type: str | None) -> str:
    """An integer score from 1 to 10 on 0.0-10.0 written with its one decimal ("9" -> "9.0"); any other as it is."""
    integer = number(score, RVT.zero_to_ten)
    if value_type == RVT.decimal_zero_to_ten and integer is not None and integer >= 1:
        return f"{score}.0"
    return score


def number(score: str, value_type: str) -> Decimal | None:
    """The value of `score` on a numeric scale, or None when it is not one of its values."""
    scale = NUMERIC.get(value_type)
    if scale is None:
        return None
    forms, low, high = scale
    if not any(form.fullmatch(score) for form in forms):
        return None
    value = Decimal(score)
    return value if low <= value <= high else None


def _ranked(score: str, value_type: str) -> bool:
    values = RANKED.get(value_type)
    if values is None:
        return False
    if value_type in _LETTERS and score[-1:] in ("+", "-"):
        score = score[:-1]
    elif value_type == RVT.reference_level_rktr:
        score = score.removeprefix(TOWARDS)
    return score in values
