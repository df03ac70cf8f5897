"""Turning a raw score into a score on a test's `resultValueType` (PDF Tabel 4.1.D), and pass from `passFrom`.

Pure functions, so that a session run is reproducible and each scale can be tested on its own. The share
of the raw score (`raw / max_raw`) is placed on the scale; a pass compares the score with `passFrom` on
the scale's own order (a higher German grade is worse).
"""

from __future__ import annotations

from dataclasses import dataclass

from oke.ooapi.enums import PassState, ResultValueType
from oke.ooapi.scales import RANKED, TOWARDS

#: Ordinal scales, worst first (`scales.RANKED`); TA grades RKTR with one "Op weg naar" value, below 1F.
ORDINALS: dict[str, tuple[str, ...]] = {
    **RANKED,
    ResultValueType.reference_level_rktr: (
        TOWARDS + RANKED[ResultValueType.reference_level_rktr][0],
        *RANKED[ResultValueType.reference_level_rktr],
    ),
}
#: The share of the raw score a pass-or-fail, a letter or an OVG judgement needs (the usual cut-off).
CUT_OFF = 0.55


@dataclass(frozen=True)
class Grade:
    score: str
    passed: PassState


def grade(value_type: str, raw: int, max_raw: int, pass_from: str | None) -> Grade:
    """The score of `raw` out of `max_raw` on `value_type`, and whether it passes `pass_from` (unknown without)."""
    if max_raw <= 0 or not 0 <= raw <= max_raw:
        raise ValueError(f"a raw score of {raw} out of {max_raw}")
    share = raw / max_raw
    score = _score(value_type, share)
    return Grade(score, _pass(value_type, score, pass_from))


def _score(value_type: str, share: float) -> str:
    if value_type == ResultValueType.decimal_zero_to_ten:
        return f"{1 + 9 * share:.1f}"
    if value_type == ResultValueType.zero_to_ten:
        return str(round(10 * share))
    if value_type == ResultValueType.zero_to_hundred:
        return str(round(100 * share))
    if value_type == ResultValueType.de_grade:
        return f"{6 - 5 * share:.1f}"  # 1.0 is best, 6.0 worst
    scale = ORDINALS.get(value_type)
    if scale is None:
        raise ValueError(f"unknown resultValueType {value_type!r}")
    if value_type == ResultValueType.pass_or_fail:
        return scale[share >= CUT_OFF]
    if value_type == ResultValueType.insufficient_satisfactory_good:
        return scale[0 if share < CUT_OFF else 1 if share < 0.8 else 2]
    if value_type in (ResultValueType.us_letter, ResultValueType.uk_letter):
        steps = len(scale) - 1  # below the cut-off fails; the passing letters share the rest evenly
        if share < CUT_OFF:
            return scale[0]
        return scale[min(steps, 1 + int((share - CUT_OFF) / (1 - CUT_OFF) * steps))]
    return scale[min(len(scale) - 1, int(share * len(scale)))]


def _pass(value_type: str, score: str, pass_from: str | None) -> PassState:
    if value_type == ResultValueType.pass_or_fail:
        return PassState(score)
    if pass_from is None:
        return PassState.unknown
    scale = ORDINALS.get(value_type)
    try:
        if scale is not None:
            ok = scale.index(score) >= scale.index(pass_from)
        elif value_type == ResultValueType.de_grade:
            ok = float(score) <= float(pass_from)
        else:
            ok = float(score) >= float(pass_from)
    except ValueError:  # a passFrom not on the scale: TA cannot tell
        return PassState.unknown
    return PassState.passed if ok else PassState.failed
