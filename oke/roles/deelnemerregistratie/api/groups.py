"""`/groups`: Toetsgroepen and their members for ad-hoc planning (flow 1b), and `/organizations` (context)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from oke.ooapi.paging import DEFAULT_PAGE_SIZE, PageNumber, PageSize, Paging
from oke.roles.deelnemerregistratie.api.deps import TpReadDep
from oke.roles.deelnemerregistratie.services import reads
from oke.web.query import expansions

router = APIRouter(tags=["groups"])


@router.get("/groups")
async def list_groups(
    call: TpReadDep,
    q: str | None = None,
    pageSize: PageSize = DEFAULT_PAGE_SIZE,
    pageNumber: PageNumber = 1,
) -> dict[str, Any]:
    """Flow 1b: the groups whose name holds `q` (case-insensitive)."""
    page = await call.tx.read(lambda uow: reads.list_groups(uow, call.tenant, q=q, paging=Paging(pageSize, pageNumber)))
    return page.model_dump(exclude_none=True)


@router.get("/groups/{groupId}")
async def get_group(groupId: str, call: TpReadDep, expand: str | None = None) -> dict[str, Any]:
    expanded = expansions(expand, ("organization",))
    return await call.tx.read(lambda uow: reads.read_group(uow, call.tenant, groupId, expanded))


@router.get("/groups/{groupId}/members")
async def list_members(
    groupId: str, call: TpReadDep, pageSize: PageSize = DEFAULT_PAGE_SIZE, pageNumber: PageNumber = 1
) -> dict[str, Any]:
    """Flow 1b: the group's MembershipItems, a page at a time."""
    page = await call.tx.read(lambda uow: reads.list_members(uow, call.tenant, groupId, Paging(pageSize, pageNumber)))
    return page.model_dump(exclude_none=True)


@router.get("/organizations/{organizationId}")
async def get_organization(organizationId: str, call: TpReadDep, expand: str | None = None) -> dict[str, Any]:
    """Flow 1 context: an organization of the school's tree; `expand=parent,children`."""
    expanded = expansions(expand, ("parent", "children"))
    return await call.tx.read(lambda uow: reads.read_organization(uow, call.tenant, organizationId, expanded))
