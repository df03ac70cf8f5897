"""Offerings: ComponentOffering (DR's planbare toets, TP's zitting), ProgramOffering, CourseOffering, Program.

The three offerings form a union discriminated by `offeringType`, which every PUT and PATCH carries.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, StrictBool

from oke.ooapi.common import (
    Date,
    DateTime,
    Id,
    IdentifierEntry,
    LanguageTypedString,
    OoapiModel,
    consumers_of,
    moment_or_none,
    nl_test_admin_index,
    reference_to,
    union_on,
)
from oke.ooapi.components import Component
from oke.ooapi.documents import OfferingDocument
from oke.ooapi.enums import (
    DurationFrom,
    DurationUntil,
    LevelOfQualification,
    ModeOfDelivery,
    ModeOfStudy,
    OfferingState,
    ResultValueType,
    Safety,
    StartOptions,
)

#: A session's duration: days and a time, never years, months or weeks (PDF Tabel 4.2.A; docs/standard.md).
_SESSION_DURATION = re.compile(r"^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
_ISO_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")


class TestToBeUsed(OoapiModel):
    testProvider: str | None = None
    componentId: Id


class NlTestAdminOffering(OoapiModel):
    """nl-test-admin-Offering; which fields are used depends on the flow (PDF Tabel 4.2.A)."""

    consumerKey: str
    offeringState: OfferingState | None = None  #: flows 1, 2: `canceled` withdraws the offering
    duration: str | None = None  #: flow 2, ISO 8601 (`PT40M`)
    lastPossibleStartDateTime: DateTime | None = None
    startOptions: StartOptions | None = None
    durationFrom: DurationFrom | None = None
    durationUntil: DurationUntil | None = None
    safety: list[Safety] | None = None
    locationCode: str | None = None
    irregularities: str | None = None  #: flow 4
    documents: list[OfferingDocument] | None = None  #: flow 4
    finalResultAllowed: StrictBool | None = None  #: flow 1 (YAML name; the PDF says finalResultsAllowed)
    finalResultsAllowed: StrictBool | None = None
    testsToBeUsed: list[TestToBeUsed] | None = None
    cohort: str | None = None  #: ProgramOffering, flows 1 and 6
    location: str | list[str] | None = None  #: ProgramOffering; a string, PDF figures show string[]


class _OfferingBase(OoapiModel):
    offeringId: Id
    primaryCode: IdentifierEntry
    name: list[LanguageTypedString] = Field(min_length=1)
    description: list[LanguageTypedString] | None = None
    abbreviation: str | None = None
    teachingLanguage: str | None = None
    modeOfDelivery: list[ModeOfDelivery] | None = None
    resultExpected: StrictBool | None = None
    otherCodes: list[IdentifierEntry] | None = None
    organization: reference_to(dict[str, Any]) | None = None  # type: ignore[valid-type]
    consumers: consumers_of(NlTestAdminOffering) | None = None  # type: ignore[valid-type]


class ComponentOffering(_OfferingBase):
    """A planbare toets (DR, flow 1) or a zitting (TP, flow 2)."""

    offeringType: Literal["component"]
    resultValueType: ResultValueType | None = None  #: flow 1 only
    startDateTime: DateTime
    endDateTime: DateTime
    component: reference_to(Component) | None = None  # type: ignore[valid-type]


class Program(OoapiModel):
    programId: Id
    primaryCode: IdentifierEntry
    programType: str
    name: list[LanguageTypedString] = Field(min_length=1)
    abbreviation: str | None = None
    description: list[LanguageTypedString] | None = None
    teachingLanguage: str | None = None
    modeOfStudy: ModeOfStudy | None = None
    duration: str | None = None
    levelOfQualification: LevelOfQualification | None = None
    firstStartDate: Date | None = None
    validFrom: Date | None = None
    validTo: Date | None = None
    otherCodes: list[IdentifierEntry] | None = None


class ProgramOffering(_OfferingBase):
    """An opleiding (flow 1 context, flow 6): `consumers` carries cohort and location."""

    offeringType: Literal["program"]
    startDate: Date
    endDate: Date
    program: reference_to(Program) | None = None  # type: ignore[valid-type]


class CourseOffering(_OfferingBase):
    """An opleidingsdeel (flow 1 context)."""

    offeringType: Literal["course"]
    startDate: Date
    endDate: Date
    programOffering: reference_to(dict[str, Any]) | None = None  # type: ignore[valid-type]


Offering = union_on(
    "offeringType", {"component": ComponentOffering, "program": ProgramOffering, "course": CourseOffering}
)


#: What OKE fixes in every ComponentOffering, where the wire model takes any value (PDF Tabel 4.2.A: teachingLanguage
#: "altijd nld", resultExpected "altijd true"), with the reason a TA of OKE gives for another.
FIXED_OFFERING_VALUES: dict[str, tuple[object, str]] = {
    "teachingLanguage": ("nld", "is always nld in OKE"),
    "resultExpected": (True, "is always true on a ComponentOffering"),
}


def fixed_value_faults(offering: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """What a TA of OKE refuses in a Zitting's fixed values (`FIXED_OFFERING_VALUES`), as (JSON pointer, reason).

    The reference TA refuses them in flow 2.1; TP refuses them where the planner gives them, since a Zitting TA
    refuses holds up every later message of its session. An absent value is not judged here.
    """
    return [
        (f"{prefix}/{name}", reason)
        for name, (value, reason) in FIXED_OFFERING_VALUES.items()
        if offering.get(name) not in (None, value)
    ]


def session_time_faults(zitting: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """What a TA of OKE refuses in a Zitting's times that the wire model takes, as (JSON pointer, reason): an end
    not after the start, a `lastPossibleStartDateTime` outside the session, a `duration` in years, months or weeks.

    The reference TA refuses these in flow 2.1; TP refuses them where the planner gives them, since a Zitting TA
    refuses holds up every later message of its session. Values the wire model cannot read are left to its errors.
    """
    faults: list[tuple[str, str]] = []
    index = nl_test_admin_index(zitting.get("consumers"))
    block: dict[str, Any] = zitting["consumers"][index] if index is not None else {}
    at = f"{prefix}/consumers/{index}"
    duration = block.get("duration")
    if isinstance(duration, str) and not _SESSION_DURATION.match(duration):
        reason = (
            f"{duration!r} counts years, months or weeks; a session lasts a time such as PT60M (PDF Tabel 4.2.A)"
            if _ISO_DURATION.match(duration)
            else f"{duration!r} is not an ISO 8601 duration such as PT40M"
        )
        faults.append((f"{at}/duration", reason))
    start, end = moment_or_none(zitting.get("startDateTime")), moment_or_none(zitting.get("endDateTime"))
    if start is None or end is None:
        return faults
    if end <= start:
        return [*faults, (f"{prefix}/endDateTime", f"must be after startDateTime {zitting['startDateTime']}")]
    last = moment_or_none(block.get("lastPossibleStartDateTime"))
    if last is not None and not start <= last <= end:
        faults.append((f"{at}/lastPossibleStartDateTime", "must lie between startDateTime and endDateTime"))
    return faults
