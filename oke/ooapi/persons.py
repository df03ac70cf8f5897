"""Person (flows 1 and 2) with its nl-test-admin block; students carry `idCheckName` and `preferredName`."""

from __future__ import annotations

from typing import Any

from pydantic import Field, StrictBool

from oke.ooapi.common import (
    NL_TEST_ADMIN,
    Date,
    Id,
    IdentifierEntry,
    LanguageTypedString,
    OoapiModel,
    Str256,
    consumers_of,
    nl_test_admin_index,
)
from oke.ooapi.enums import PersonAffiliation

#: What a student's nl-test-admin block carries in flows 1 and 2 (Tabel 4.10.A): TA checks the name with them.
STUDENT_BLOCK_FIELDS = ("preferredName", "idCheckName")
#: nl-test-admin-Person fields (Tabel 4.10.A): they belong in the Person's consumer block, never on the Person.
BLOCK_FIELDS = ("preferredName", "idCheckName", "assignedNeeds")
#: What `idCheckName` says when the name on the ID is secret or not available (Tabel 4.10.A).
WITHHELD_ID_CHECK_NAMES = ("secret", "notAvailable")


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

    personId: Id
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


def person_faults(person: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """What a TA of OKE refuses in any Person of flow 2 (student or staff) that the wire model takes, as
    (JSON pointer, reason), with the rule of Tabel 4.10.A it breaks.

    The reference TA refuses these in a Deelname; TP refuses them where the Person reaches it (flow 1, planning),
    since a Deelname TA refuses holds up every later message of its session.
    """
    faults: list[tuple[str, str]] = []
    if person.get("activeEnrollment") is False:
        faults.append((f"{prefix}/activeEnrollment", "is always true in OKE (PDF Tabel 4.10.A)"))
    for name in BLOCK_FIELDS:
        if name in person:
            faults.append((f"{prefix}/{name}", f"is not a Person field: it belongs in the {NL_TEST_ADMIN} block"))
    index = nl_test_admin_index(person.get("consumers"))
    check_name = person["consumers"][index].get("idCheckName") if index is not None else None
    if isinstance(check_name, str) and ", " not in check_name and check_name not in WITHHELD_ID_CHECK_NAMES:
        reason = "must read 'surname, given names' as on the ID, or secret / notAvailable (PDF Tabel 4.10.A)"
        faults.append((f"{prefix}/consumers/{index}/idCheckName", reason))
    return faults
