"""`/offerings`: the Zittingen a TP plans at this TA (flows 2.1, 2.5, 2.6, 4.2)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from oke.ooapi.enums import AssociationRole, AssociationState, ResultState
from oke.ooapi.paging import DEFAULT_PAGE_SIZE, PageNumber, PageSize, Paging
from oke.roles.toetsafname.api.deps import TpReadDep, TpWriteDep
from oke.roles.toetsafname.services import reads, sessions
from oke.web.query import expansions

router = APIRouter(tags=["offerings"])


@router.put("/offerings/{offeringId}", status_code=201)
async def put_offering(offeringId: str, call: TpWriteDep) -> Response:
    """Flow 2.1: create (201) or replace (200) a Zitting: a ComponentOffering of a test in this catalogue."""
    created = await call.tx.write(lambda uow: sessions.put_zitting(uow, call.caller, offeringId, call.inbound))
    return Response(status_code=201 if created else 200)


@router.patch("/offerings/{offeringId}")
async def patch_offering(offeringId: str, call: TpWriteDep) -> Response:
    """Flow 2.5: cancel a Zitting (`offeringState: canceled`), its participations and their person data."""
    await call.tx.write(lambda uow: sessions.cancel_zitting(uow, call.caller, offeringId, call.inbound))
    return Response(status_code=200)


@router.get("/offerings/{offeringId}")
async def get_offering(offeringId: str, call: TpReadDep) -> dict[str, Any]:
    """Flows 2.6, 4.2: the Zitting as this TP sent it, with its session report once there is one."""
    return await call.tx.read(lambda uow: reads.read_zitting(uow, call.caller, offeringId))


@router.get("/offerings/{offeringId}/associations")
async def get_offering_associations(
    offeringId: str,
    call: TpReadDep,
    role: AssociationRole | None = None,
    state: AssociationState | None = None,
    result_state: Annotated[ResultState | None, Query(alias="result-state")] = None,
    expand: str | None = None,
    pageSize: PageSize = DEFAULT_PAGE_SIZE,
    pageNumber: PageNumber = 1,
) -> dict[str, Any]:
    """Flows 2.6, 3.4: the Zitting's participations, a page at a time; `expand=person` inlines the persons."""
    expanded = expansions(expand, ("person",))
    page = await call.tx.read(
        lambda uow: reads.list_deelnames(
            uow,
            call.caller,
            offeringId,
            role=role,
            state=state,
            result_state=result_state,
            expand=expanded,
            paging=Paging(pageSize, pageNumber),
        )
    )
    return page.model_dump(exclude_none=True)
