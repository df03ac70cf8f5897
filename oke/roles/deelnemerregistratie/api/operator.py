"""oke's operator API at the reference DR (not part of OKE): what TP sent back (flow 5), per enrolment and attempt."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from oke.roles.deelnemerregistratie.api.deps import OperatorDep
from oke.roles.deelnemerregistratie.services import reads

router = APIRouter(prefix="/operator", tags=["operator"])


@router.get("/results")
async def results(call: OperatorDep, enrolment: str | None = None) -> dict[str, Any]:
    """The current result of every attempt of one Toetsinschrijving (`enrolment`), or of every
    Toetsinschrijving TP reported on; each with the number of messages the history keeps for it."""
    items = await call.tx.read(lambda uow: reads.results_of(uow, call.tenant, enrolment))
    return {"items": items}
