"""`/persons`: a person for TP (flow 1), and a student's Opleidingsinschrijvingen for TA (flow 6)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter

from oke.ooapi.paging import DEFAULT_PAGE_SIZE, PageNumber, PageSize, Paging
from oke.roles.deelnemerregistratie.api.deps import TaAnalysisDep, TpReadDep
from oke.roles.deelnemerregistratie.services import reads
from oke.web.query import expansions

router = APIRouter(tags=["persons"])

FLOW_6_EXPANSIONS = ("offering", "offering.program", "offering.organization")
NO_PERSON = {"person": "is not allowed in flow 6: person data comes through flow 2 (PDF 3.6)"}


@router.get("/persons/{personId}")
async def get_person(personId: str, call: TpReadDep) -> dict[str, Any]:
    """Flows 1a and 1b: a student or staff member."""
    return await call.tx.read(lambda uow: reads.read_person(uow, call.tenant, personId))


@router.get("/persons/{personId}/associations")
async def list_person_associations(
    personId: str,
    call: TaAnalysisDep,
    associationType: Literal["programOffering"] = "programOffering",
    expand: str | None = None,
    pageSize: PageSize = DEFAULT_PAGE_SIZE,
    pageNumber: PageNumber = 1,
) -> dict[str, Any]:
    """Flow 6: the student's Opleidingsinschrijvingen only (course and test enrolments are excluded), with
    `expand=offering,offering.program,offering.organization`; `expand=person` is refused."""
    expanded = expansions(expand, FLOW_6_EXPANSIONS, refused=NO_PERSON, implied=("offering",))
    page = await call.tx.read(
        lambda uow: reads.list_person_associations(
            uow, call.tenant, personId, expand=expanded, paging=Paging(pageSize, pageNumber)
        )
    )
    return page.model_dump(exclude_none=True)
