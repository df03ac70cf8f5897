"""Component (a test in TA's catalogue, flow 0) with its nl-test-admin block."""

from __future__ import annotations

from typing import Any

from pydantic import Field, StrictBool, StrictInt

from oke.ooapi.common import (
    Id,
    IdentifierEntry,
    LanguageTypedString,
    OoapiModel,
    consumers_of,
    nl_test_admin_block,
    reference_to,
)
from oke.ooapi.enums import ComponentType, ModeOfDelivery, PersonalNeed, ResultValueType, Safety, TestStatus


class NlTestAdminComponent(OoapiModel):
    consumerKey: str
    additionalTestingTime: StrictInt | None = None  #: maximum extra minutes; >= 10000 is unlimited
    availablePersonalNeeds: list[PersonalNeed] | None = None
    safety: list[Safety] | None = None
    exam: StrictBool | None = None
    resultValueType: ResultValueType | None = None
    passFrom: str | None = None
    retries: StrictInt | None = None
    status: TestStatus | None = None  #: `inactive` withdraws the test from the catalogue
    licensed: StrictBool | None = None


class Component(OoapiModel):
    componentId: Id
    primaryCode: IdentifierEntry
    componentType: ComponentType
    name: list[LanguageTypedString] = Field(min_length=1)
    abbreviation: str = Field(max_length=256)
    modeOfDelivery: list[ModeOfDelivery] | None = None
    duration: str | None = None
    description: list[LanguageTypedString] | None = None
    teachingLanguage: str
    assessment: list[LanguageTypedString] | None = None
    otherCodes: list[IdentifierEntry] | None = None
    organization: reference_to(dict[str, Any]) | None = None  # type: ignore[valid-type]
    consumers: consumers_of(NlTestAdminComponent)  # type: ignore[valid-type]


def status_of(component: dict[str, Any]) -> str:
    """A test's TestStatus (PDF Tabel 4.1.E), `active` or `inactive`: only `inactive` withdraws a test, so an absent
    status (it is optional, Tabel 4.1.A) or one outside the enumeration, which a liberal reader may meet, is
    `active`."""
    block = nl_test_admin_block(component.get("consumers")) or {}
    return TestStatus.inactive.value if block.get("status") == TestStatus.inactive else TestStatus.active.value
