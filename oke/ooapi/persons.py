"""Person (flows 1 and 2) with its nl-test-admin block; students carry `idCheckName` and `preferredName`."""

from __future__ import annotations

from pydantic import Field, StrictBool

from oke.ooapi.common import Date, IdentifierEntry, LanguageTypedString, OoapiModel, Str256, consumers_of
from oke.ooapi.enums import PersonAffiliation

#: What a student's nl-test-admin block carries in flows 1 and 2 (Tabel 4.10.A): TA checks the name with them.
STUDENT_BLOCK_FIELDS = ("preferredName", "idCheckName")


class AssignedNeed(OoapiModel):
    """A need DR assigned to a student (flow 1), for example `ExtraTimeOnlyMath25%`."""

    code: str
    description: list[LanguageTypedString] = Field(min_length=1)
    startDate: Date | None = None
    endDate: Date | None = None


class NlTestAdminPerson(OoapiModel):
    consumerKey: str
    preferredName: Str256 | None = None
    idCheckName: str | None = None  #: name as on the ID; `secret` / `notAvailable` when withheld
    assignedNeeds: list[AssignedNeed] | None = None  #: flow 1 only; TP maps them to personalNeeds


class Person(OoapiModel):
    """`affiliations` is optional in the PDF (Tabel 4.10.A), though the OpenAPI requires it (docs/standard.md)."""

    personId: str
    primaryCode: IdentifierEntry
    givenName: Str256
    surnamePrefix: Str256 | None = None
    surname: Str256
    displayName: Str256
    activeEnrollment: StrictBool
    affiliations: list[PersonAffiliation] | None = None
    mail: str
    languageOfChoice: list[str] | None = None
    otherCodes: list[IdentifierEntry] | None = None
    consumers: consumers_of(NlTestAdminPerson) | None = None  # type: ignore[valid-type]
