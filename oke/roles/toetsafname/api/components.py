"""`/components`: TA's test catalogue (flow 0), for DR and TP."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter

from oke.ooapi.enums import ComponentType
from oke.ooapi.paging import DEFAULT_PAGE_SIZE, PageNumber, PageSize, Paging
from oke.roles.toetsafname.api.deps import CatalogueDep
from oke.roles.toetsafname.catalogue import CatalogueQuery
from oke.roles.toetsafname.services import catalogue

router = APIRouter(tags=["components"])

Sort = Literal["name", "-name", "componentId", "-componentId"]


@router.get("/components")
async def list_components(
    call: CatalogueDep,
    componentType: ComponentType | None = None,
    q: str | None = None,
    licensed: Literal["true", "false"] | None = None,
    primaryCode: str | None = None,
    sort: Sort = "name",
    consumer: str | None = None,
    pageSize: PageSize = DEFAULT_PAGE_SIZE,
    pageNumber: PageNumber = 1,
) -> dict[str, Any]:
    """Flow 0.1: the catalogue, filtered (PDF: componentType, q, licensed; YAML: primaryCode, sort), paged."""
    query = CatalogueQuery(
        component_type=componentType,
        q=q or None,
        licensed=None if licensed is None else licensed == "true",
        primary_code=primaryCode,
        sort=sort,
    )
    page = await call.tx.read(lambda uow: catalogue.list_components(uow, query, Paging(pageSize, pageNumber)))
    return page.model_dump(exclude_none=True)


@router.get("/components/{componentId}")
async def get_component(componentId: str, call: CatalogueDep) -> dict[str, Any]:
    """Flow 0.2: one test; 404 when this catalogue has no such test."""
    return await call.tx.read(lambda uow: catalogue.read_component(uow, componentId))
