"""`/associations`: DR's Toetsinschrijvingen (flow 1) and TA's results on TP's Deelnames (flow 3)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from oke.auth.caller import ClientRole
from oke.roles.toetsplanning.api.deps import DrCallerDep, FlowCallerDep, InboundDep, UowDep
from oke.roles.toetsplanning.services import enrolments, reads, results

router = APIRouter(tags=["associations"])


@router.put("/associations/{associationId}", status_code=201)
def put_association(associationId: str, caller: DrCallerDep, inbound: InboundDep, uow: UowDep) -> Response:
    """Flow 1 (DR): create or replace a Toetsinschrijving, or a program or course enrolment."""
    created = enrolments.put_association(uow, caller, associationId, inbound)
    return Response(status_code=201 if created else 200)


@router.patch("/associations/{associationId}")
def patch_association(associationId: str, caller: FlowCallerDep, inbound: InboundDep, uow: UowDep) -> dict[str, Any]:
    """Flow 1 (DR): change or cancel a Toetsinschrijving. Flow 3 (TA): attendance and result of a Deelname."""
    if caller.role == ClientRole.ta:
        notes = results.receive_result(uow, caller, associationId, inbound)
    else:
        enrolments.patch_association(uow, caller, associationId, inbound)
        notes = []
    messages = [{"language": "en-GB", "value": note} for note in notes] or [{"language": "en-GB", "value": "accepted"}]
    return {"associationId": associationId, "message": messages}


@router.get("/associations/{associationId}")
def get_association(associationId: str, caller: FlowCallerDep, uow: UowDep) -> dict[str, Any]:
    """DR reads back its enrolment; TA reads a Deelname of a session planned with it."""
    return reads.read_association(uow, caller, associationId)
