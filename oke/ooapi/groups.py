"""Group (Toetsgroep) and MembershipItem (Groepslidmaatschap): ad-hoc planning, flow 1b."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from oke.ooapi.common import DateTime, Id, IdentifierEntry, Int32, LanguageTypedString, OoapiModel, reference_to
from oke.ooapi.enums import AssociationRole, GroupType, MembershipState


class Group(OoapiModel):
    groupId: Id
    primaryCode: IdentifierEntry
    groupType: GroupType
    name: list[LanguageTypedString] = Field(min_length=1)
    description: list[LanguageTypedString] | None = None
    startDate: str | None = None
    endDate: str | None = None
    personCount: Int32 | None = None
    otherCodes: list[IdentifierEntry] | None = None
    organization: reference_to(dict[str, Any]) | None = None  # type: ignore[valid-type]


class MembershipItem(OoapiModel):
    """Memberships are never deleted: they end with `state: canceled` or an `endDateTime`."""

    personId: Id
    startDateTime: DateTime
    endDateTime: DateTime | None = None
    state: MembershipState | None = None
    role: AssociationRole | None = None
