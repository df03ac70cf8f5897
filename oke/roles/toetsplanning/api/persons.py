"""`/persons`: DR's persons (flow 1)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from oke.roles.toetsplanning.api.deps import DrWriteDep
from oke.roles.toetsplanning.services import enrolments

router = APIRouter(tags=["persons"])


@router.put("/persons/{personId}", status_code=201)
async def put_person(personId: str, call: DrWriteDep) -> Response:
    """Flow 1 (DR): create or replace a person."""
    created = await call.tx.write(lambda uow: enrolments.put_person(uow, call.caller, personId, call.inbound))
    return Response(status_code=201 if created else 200)
