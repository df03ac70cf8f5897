"""`/associations`: DR's Toetsinschrijvingen (flow 1) and TA's results on TP's Deelnames (flow 3)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from oke.auth.caller import ClientRole
from oke.ooapi.messages import association_accepted
from oke.roles.toetsplanning.api.deps import DrWriteDep, PeerReadDep, PeerWriteDep
from oke.roles.toetsplanning.services import enrolments, reads, results
from oke.web.responses import json_response

router = APIRouter(tags=["associations"])


@router.put("/associations/{associationId}", status_code=201)
async def put_association(associationId: str, call: DrWriteDep) -> Response:
    """Flow 1 (DR): create or replace a Toetsinschrijving, or a program or course enrolment."""
    created = await call.tx.write(lambda uow: enrolments.put_association(uow, call.caller, associationId, call.inbound))
    return Response(status_code=201 if created else 200)


@router.patch("/associations/{associationId}")
async def patch_association(associationId: str, call: PeerWriteDep) -> Response:
    """Flow 1 (DR): change or cancel a Toetsinschrijving. Flow 3 (TA): attendance and result of a Deelname."""
    notes: list[str] = []
    if call.caller.role == ClientRole.ta:
        notes = await call.tx.write(
            lambda uow: results.receive_result(uow, call.caller, associationId, call.inbound),
            ahead=results.reads_ahead(associationId),
        )
    else:
        await call.tx.write(lambda uow: enrolments.patch_association(uow, call.caller, associationId, call.inbound))
    return json_response(association_accepted(associationId, notes))


@router.get("/associations/{associationId}")
async def get_association(associationId: str, call: PeerReadDep) -> dict[str, Any]:
    """DR reads back its enrolment; TA reads a Deelname of a session planned with it."""
    return await call.tx.read(lambda uow: reads.read_association(uow, call.caller, associationId))
