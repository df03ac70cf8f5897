"""`/persons`: DR's persons (flow 1)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from oke.roles.toetsplanning.api.deps import DrCallerDep, InboundDep, UowDep
from oke.roles.toetsplanning.services import enrolments

router = APIRouter(tags=["persons"])


@router.put("/persons/{personId}", status_code=201)
def put_person(personId: str, caller: DrCallerDep, inbound: InboundDep, uow: UowDep) -> Response:
    """Flow 1 (DR): create or replace a person."""
    created = enrolments.put_person(uow, caller, personId, inbound)
    return Response(status_code=201 if created else 200)
