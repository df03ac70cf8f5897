"""The check at the end of the day: for every Toetsinschrijving and attempt, what DR holds must be TA's last result
of the matching Deelname, its score converted where DR's scale differs from TA's; a Toetsinschrijving DR cancelled
after planning must be cancelled at TA. Checked, not asserted: every difference is listed."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from oke.ooapi.common import nl_test_admin_block
from oke.roles.toetsplanning.scores import Unfit, fit_score


@dataclass(frozen=True)
class Planned:
    """One Deelname TP planned: for which Toetsinschrijving and attempt, in which Zitting."""

    deelname: str
    enrolment: str
    attempt: int
    toets: str
    zitting: str


@dataclass(frozen=True)
class Scale:
    dr: str | None  #: DR's resultValueType on the planbare toets
    ta: str | None  #: TA's resultValueType in its catalogue
    pass_from: str | None  #: TA's passFrom


@dataclass(frozen=True)
class Difference:
    enrolment: str
    attempt: int
    what: str
    at_dr: str | None
    at_ta: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def compare(
    planned: list[Planned],
    ta_results: dict[str, dict[str, Any] | None],
    dr_items: dict[str, dict[str, Any]],
    scales: dict[str, Scale],
    held: dict[str, str],
    *,
    complete: bool = True,
) -> list[Difference]:
    """Every difference between DR's results (`GET /operator/results` items by enrolment) and TA's (by Deelname);
    `complete` also reports results DR holds for attempts nobody planned."""
    found: list[Difference] = []
    for p in planned:
        ta = ta_results.get(p.deelname)
        attempts = {a["attempt"]: a for a in dr_items.get(p.enrolment, {}).get("attempts", [])}
        dr = (attempts.get(p.attempt) or {}).get("result")
        differ = _Differ(found, p)
        if ta is None:
            if dr:
                differ("a result at DR, none at TA", dr.get("state"), None)
            continue
        if p.deelname in held:
            differ(f"held at TP for an operator: {held[p.deelname]}", None, ta.get("score"))
            continue
        if not dr:
            differ("no result at DR", None, ta.get("state"))
            continue
        differ.field("state", dr.get("state"), ta.get("state"))
        differ.field("attendance", _attendance(dr), _attendance(ta))
        scale = scales[p.toets]
        fitted = fit_score(
            ta.get("score"),
            pass_state=ta.get("pass"),
            source_type=scale.ta,
            target_type=scale.dr,
            pass_from=scale.pass_from,
        )
        if isinstance(fitted, Unfit):
            differ("TA's score does not fit DR's scale, yet DR holds one", dr.get("score"), ta.get("score"))
        else:
            differ.field("score", dr.get("score"), fitted.score)
    if complete:
        expected = {(p.enrolment, p.attempt) for p in planned}
        for enrolment, item in dr_items.items():
            for attempt in item["attempts"]:
                if attempt["result"] and (enrolment, attempt["attempt"]) not in expected:
                    found.append(
                        Difference(enrolment, attempt["attempt"], "a result for an attempt not planned", "", None)
                    )
    return found


def still_at_ta(planned: list[Planned], cancelled: list[str], ta_states: dict[str, str]) -> list[Difference]:
    """The Deelnames of Toetsinschrijvingen DR cancelled (`cancelled`) that TA still expects (`ta_states` by
    Deelname): TP cancels them at TA (docs/planning.md, "When DR cancels")."""
    return [
        Difference(p.enrolment, p.attempt, "cancelled at DR, still planned at TA", "canceled", ta_states[p.deelname])
        for p in planned
        if p.enrolment in cancelled and p.deelname in ta_states and ta_states[p.deelname] != "canceled"
    ]


class _Differ:
    def __init__(self, found: list[Difference], planned: Planned) -> None:
        self.found, self.planned = found, planned

    def __call__(self, what: str, at_dr: Any, at_ta: Any) -> None:
        self.found.append(
            Difference(
                self.planned.enrolment,
                self.planned.attempt,
                what,
                None if at_dr is None else str(at_dr),
                None if at_ta is None else str(at_ta),
            )
        )

    def field(self, name: str, at_dr: Any, expected: Any) -> None:
        if at_dr != expected:
            self(name, at_dr, expected)


def _attendance(result: dict[str, Any]) -> str | None:
    block = nl_test_admin_block(result.get("consumers")) or {}
    attendance = block.get("attendance")
    return None if attendance is None else str(attendance)
