"""`GET /` at DR: the shared service metadata, announcing the nl-test-admin version DR was started in
(1.0.1, or the draft 1.1), which TP reads to speak it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from oke.ooapi.common import NL_TEST_ADMIN
from oke.web import metadata

router = APIRouter(tags=["metadata"])


@router.get("/")
def service_metadata(request: Request) -> dict[str, Any]:
    """Service metadata (Tabel 5.0.B); needs no token."""
    service = metadata.service_metadata(request)
    version = request.app.state.settings.nl_test_admin_version
    service["supportedConsumers"] = [{"consumerKey": NL_TEST_ADMIN, "version": version}]
    return service
