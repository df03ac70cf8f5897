"""oke's operator API at the reference DR (not part of OKE): what TP sent back (flow 5), per enrolment and attempt."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from oke.ooapi.paging import DEFAULT_LIMIT, MAX_LIMIT
from oke.roles.deelnemerregistratie.api.deps import OperatorDep
from oke.roles.deelnemerregistratie.services import reads

router = APIRouter(prefix="/operator", tags=["operator"])


@router.get("/results")
async def results(
    call: OperatorDep,
    enrolment: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    after: Annotated[str | None, Query(max_length=512)] = None,
) -> dict[str, Any]:
    """The current result of every attempt of one Toetsinschrijving (`enrolment`), or of the Toetsinschrijvingen
    TP reported on, a page of at most `limit` by id; each with the number of messages the history keeps for it.
    `next` is the `after` of the following page (null on the last)."""
    page = await call.tx.read(lambda uow: reads.results_of(uow, call.tenant, enrolment, after=after, limit=limit))
    return {"items": page.items, "next": page.next}
