"""`/offerings`: DR's planbare toetsen and context (flow 1) and TA's session reports on TP's Zittingen (flow 4)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from oke.auth.caller import ClientRole
from oke.ooapi.enums import AssociationRole, AssociationState, ResultState
from oke.ooapi.messages import offering_accepted
from oke.ooapi.paging import DEFAULT_PAGE_SIZE, PageNumber, PageSize, Paging
from oke.roles.toetsplanning.api.deps import DrWriteDep, PeerReadDep, PeerWriteDep
from oke.roles.toetsplanning.services import enrolments, reads, session_reports
from oke.web.responses import json_response

router = APIRouter(tags=["offerings"])


@router.put("/offerings/{offeringId}", status_code=201)
async def put_offering(offeringId: str, call: DrWriteDep) -> Response:
    """Flow 1 (DR): create or replace a planbare toets, or a program or course offering."""
    created = await call.tx.write(lambda uow: enrolments.put_offering(uow, call.caller, offeringId, call.inbound))
    return Response(status_code=201 if created else 200)


@router.patch("/offerings/{offeringId}")
async def patch_offering(offeringId: str, call: PeerWriteDep) -> Response:
    """Flow 1 (DR): change or cancel a planbare toets. Flow 4 (TA): the session report of a Zitting."""
    if call.caller.role == ClientRole.ta:
        notes = await call.tx.write(
            lambda uow: session_reports.receive_session_report(uow, call.caller, offeringId, call.inbound)
        )
        return json_response(offering_accepted(offeringId, notes))  # what TP did, as flow 3 answers
    await call.tx.write(lambda uow: enrolments.patch_offering(uow, call.caller, offeringId, call.inbound))
    return Response(status_code=200)


@router.get("/offerings/{offeringId}")
async def get_offering(offeringId: str, call: PeerReadDep) -> dict[str, Any]:
    """DR reads back its offering; TA reads a Zitting planned with it, with the report it sent."""
    return await call.tx.read(lambda uow: reads.read_offering(uow, call.caller, offeringId))


@router.get("/offerings/{offeringId}/associations")
async def get_offering_associations(
    offeringId: str,
    call: PeerReadDep,
    role: AssociationRole | None = None,
    state: AssociationState | None = None,
    result_state: Annotated[ResultState | None, Query(alias="result-state")] = None,
    pageSize: PageSize = DEFAULT_PAGE_SIZE,
    pageNumber: PageNumber = 1,
) -> dict[str, Any]:
    """The associations of an offering, a page at a time (Tabel 5.0.C); `result-state` keeps those whose result
    is in that state (a TA checking which results TP holds)."""
    filters = {"role": role, "state": state, "result_state": result_state}
    page = await call.tx.read(
        lambda uow: reads.list_offering_associations(
            uow, call.caller, offeringId, **filters, paging=Paging(pageSize, pageNumber)
        )
    )
    return page.model_dump(exclude_none=True)
