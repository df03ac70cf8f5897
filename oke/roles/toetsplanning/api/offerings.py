"""`/offerings`: DR's planbare toetsen and context (flow 1) and TA's session reports on TP's Zittingen (flow 4)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Response

from oke.auth.caller import ClientRole
from oke.ooapi.paging import DEFAULT_PAGE_SIZE
from oke.roles.toetsplanning.api.deps import DrCallerDep, FlowCallerDep, InboundDep, UowDep
from oke.roles.toetsplanning.services import enrolments, reads, session_reports

router = APIRouter(tags=["offerings"])

PageSize = Literal[10, 20, 50, 100, 250]


@router.put("/offerings/{offeringId}", status_code=201)
def put_offering(offeringId: str, caller: DrCallerDep, inbound: InboundDep, uow: UowDep) -> Response:
    """Flow 1 (DR): create or replace a planbare toets, or a program or course offering."""
    created = enrolments.put_offering(uow, caller, offeringId, inbound)
    return Response(status_code=201 if created else 200)


@router.patch("/offerings/{offeringId}")
def patch_offering(offeringId: str, caller: FlowCallerDep, inbound: InboundDep, uow: UowDep) -> Response:
    """Flow 1 (DR): change or cancel a planbare toets. Flow 4 (TA): the session report of a Zitting."""
    if caller.role == ClientRole.ta:
        session_reports.receive_session_report(uow, caller, offeringId, inbound)
    else:
        enrolments.patch_offering(uow, caller, offeringId, inbound)
    return Response(status_code=200)


@router.get("/offerings/{offeringId}")
def get_offering(offeringId: str, caller: FlowCallerDep, uow: UowDep) -> dict[str, Any]:
    """DR reads back its offering; TA reads a Zitting planned with it, with the report it sent."""
    return reads.read_offering(uow, caller, offeringId)


@router.get("/offerings/{offeringId}/associations")
def get_offering_associations(
    offeringId: str,
    caller: FlowCallerDep,
    uow: UowDep,
    role: str | None = None,
    state: str | None = None,
    pageSize: PageSize = DEFAULT_PAGE_SIZE,
    pageNumber: int = Query(1, ge=1),
) -> dict[str, Any]:
    """The associations of an offering, a page at a time (Tabel 5.0.C)."""
    page = reads.list_offering_associations(
        uow, caller, offeringId, role=role, state=state, page_size=pageSize, page_number=pageNumber
    )
    return page.model_dump(exclude_none=True)
