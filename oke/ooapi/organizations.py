"""Organization (flow 1 context; mandatory only for a DR with a hierarchical tree)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from oke.ooapi.common import Id, IdentifierEntry, LanguageTypedString, OoapiModel, reference_to
from oke.ooapi.enums import OrganizationType


class Organization(OoapiModel):
    organizationId: Id
    primaryCode: IdentifierEntry
    organizationType: OrganizationType
    name: list[LanguageTypedString] = Field(min_length=1)
    shortName: str = Field(max_length=256)
    description: list[LanguageTypedString] | None = None
    otherCodes: list[IdentifierEntry] | None = None
    parent: reference_to(dict[str, Any]) | None = None  # type: ignore[valid-type]
    children: list[reference_to(dict[str, Any])] | None = None  # type: ignore[valid-type]
