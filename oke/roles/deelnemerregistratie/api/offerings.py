"""`/offerings`: DR's planbare toetsen and Opleidingen, as TP pulls them (flow 1a)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from oke.ooapi.enums import AssociationRole, AssociationState, ComponentType, OfferingType, ResultState
from oke.ooapi.paging import DEFAULT_PAGE_SIZE, PageNumber, PageSize, Paging
from oke.roles.deelnemerregistratie import rules
from oke.roles.deelnemerregistratie.api.deps import TpReadDep
from oke.roles.deelnemerregistratie.services import reads
from oke.web.query import expansions

router = APIRouter(tags=["offerings"])

#: `expand` of GET /offerings/{id} (PDF 3.1): DR inlines what it holds; component and the rest stay ids.
OFFERING_EXPANSIONS = (
    "program",
    "programOffering",
    "course",
    "courseOffering",
    "component",
    "organization",
    "academicSession",
)
Sort = Literal["startDateTime", "-startDateTime", "offeringId", "-offeringId"]


@router.get("/offerings")
async def list_offerings(
    call: TpReadDep,
    offeringType: OfferingType | None = None,
    component_type: Annotated[ComponentType | None, Query(alias="component.componentType")] = None,
    since: str | None = None,
    until: str | None = None,
    sort: Sort = "startDateTime",
    expand: str | None = None,
    pageSize: PageSize = DEFAULT_PAGE_SIZE,
    pageNumber: PageNumber = 1,
) -> dict[str, Any]:
    """Flow 1a: the offerings whose period overlaps `since`..`until` (inclusive; dates, or date-times whose
    date counts); `offeringType=component` gives the planbare toetsen, and so does `component.componentType=test`
    (PDF 3.1.2.1: TP sends both; another component type gives none)."""
    first, last = rules.window(since, until)
    expanded = expansions(expand, ("program", "organization"))
    page = await call.tx.read(
        lambda uow: reads.list_offerings(
            uow,
            call.tenant,
            offering_type=offeringType,
            component_type=component_type,
            since=first,
            until=last,
            sort=sort,
            expand=expanded,
            paging=Paging(pageSize, pageNumber),
        )
    )
    return page.model_dump(exclude_none=True)


@router.get("/offerings/{offeringId}")
async def get_offering(offeringId: str, call: TpReadDep, expand: str | None = None) -> dict[str, Any]:
    """Flow 1a: a planbare toets, or an Opleiding as context."""
    expanded = expansions(expand, OFFERING_EXPANSIONS)
    return await call.tx.read(lambda uow: reads.read_offering(uow, call.tenant, offeringId, expanded))


@router.get("/offerings/{offeringId}/associations")
async def list_offering_associations(
    offeringId: str,
    call: TpReadDep,
    role: AssociationRole | None = None,
    state: AssociationState | None = None,
    result_state: Annotated[ResultState | None, Query(alias="result-state")] = None,
    expand: str | None = None,
    pageSize: PageSize = DEFAULT_PAGE_SIZE,
    pageNumber: PageNumber = 1,
) -> dict[str, Any]:
    """Flow 1a: the Toetsinschrijvingen (and staff) of a planbare toets; `person` is an id unless expanded."""
    expanded = expansions(expand, ("person",))
    page = await call.tx.read(
        lambda uow: reads.list_offering_associations(
            uow,
            call.tenant,
            offeringId,
            role=role,
            state=state,
            result_state=result_state,
            expand=expanded,
            paging=Paging(pageSize, pageNumber),
        )
    )
    return page.model_dump(exclude_none=True)
