"""Result of a (component offering) association, with its nl-test-admin block (flows 3 and 5)."""

from __future__ import annotations

from pydantic import Field, StrictBool, StrictInt

from oke.ooapi.common import Date, DateTime, Int32, OoapiModel, consumers_of
from oke.ooapi.documents import ResultDocument
from oke.ooapi.enums import Attendance, PassState, ResultState


class NlTestAdminResult(OoapiModel):
    """nl-test-admin-Result: attendance is required; executedOfferingName is required in flow 5 only."""

    consumerKey: str
    attendance: Attendance
    executedOfferingName: str | None = None
    assessorId: str | None = None
    assessorCode: str | None = None
    irregularities: str | None = None
    final: StrictBool | None = None
    rawScore: StrictInt | None = None
    maxRawScore: StrictInt | None = None
    testDate: DateTime | None = None
    documents: list[ResultDocument] | None = None


class Result(OoapiModel):
    """ComponentResult: `weight` is unused and always 100 (PDF Tabel 4.3.D), so an absent one is taken as 100."""

    state: ResultState
    pass_: PassState | None = Field(default=None, alias="pass")
    comment: str | None = None
    score: str | None = None
    resultDate: Date
    weight: Int32 | None = 100
    consumers: consumers_of(NlTestAdminResult) = Field(min_length=1)  # type: ignore[valid-type]
