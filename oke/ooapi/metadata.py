"""Service metadata (`GET /`): the only discovery mechanism of OKE."""

from __future__ import annotations

from oke.ooapi.common import OoapiModel
from oke.ooapi.enums import Version


class ConsumerVersion(OoapiModel):
    consumerKey: str
    version: str


class Service(OoapiModel):
    contactEmail: str
    specification: str
    documentation: str
    supportedVersions: list[Version] | None = None
    supportedConsumers: list[ConsumerVersion] | None = None
