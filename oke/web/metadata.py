"""`GET /`: service metadata, the same on every role: it announces the nl-test-admin consumer and its version."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from oke import NL_TEST_ADMIN_VERSION
from oke.ooapi.common import NL_TEST_ADMIN
from oke.ooapi.enums import Version
from oke.ooapi.metadata import ConsumerVersion, Service

router = APIRouter(tags=["metadata"])


@router.get("/")
def service_metadata(request: Request) -> dict[str, Any]:
    """Service metadata (Tabel 5.0.B); needs no token."""
    settings = request.app.state.settings
    service = Service(
        contactEmail=settings.contact_email,
        specification=str(request.url_for("openapi")),
        documentation=settings.documentation_url,
        supportedVersions=[Version.v5],
        supportedConsumers=[ConsumerVersion(consumerKey=NL_TEST_ADMIN, version=NL_TEST_ADMIN_VERSION)],
    )
    return service.wire()
