"""oke's planning API for flow 5: the results TP forwards to DR, and those it holds for an operator."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from oke.ooapi.enums import PassState
from oke.ooapi.paging import DEFAULT_LIMIT, MAX_LIMIT
from oke.roles.toetsplanning.api.deps import PlannerDep, PlannerWriteDep
from oke.roles.toetsplanning.services import forwarding
from oke.web.bodies import JsonRoute

router = APIRouter(prefix="/planning/results", tags=["planning"], route_class=JsonRoute)


class DrResultOut(BaseModel):
    deelnameId: str
    toetsinschrijvingId: str
    attempt: int
    #: Where DR gets it: its Toetsinschrijving (own attempt, PATCH) or TP's association of an extra attempt (PUT).
    associationId: str
    drPeer: str | None
    state: str
    reason: str | None
    taScore: str | None
    score: str | None
    overrideScore: str | None
    #: The `pass` the operator gave with `overrideScore` (null: the score's own on pass-or-fail, else unknown).
    overridePass: str | None
    #: In the listing: `pending` or `parked` while its message to DR waits in TP's outbox; null once DR took it.
    waiting: str | None = None

    @classmethod
    def of(cls, row: forwarding.ResultForDr) -> DrResultOut:
        return cls(
            deelnameId=row.deelname_id,
            toetsinschrijvingId=row.toetsinschrijving_id,
            attempt=row.attempt,
            associationId=row.association_id,
            drPeer=row.dr_peer,
            state=row.state,
            reason=row.reason,
            taScore=row.ta_score,
            score=row.score,
            overrideScore=row.override_score,
            overridePass=row.override_pass,
            waiting=row.waiting,
        )


class ScoreIn(BaseModel):
    #: The score DR gets, on the scale (`resultValueType`) of DR's planbare toets.
    score: str = Field(min_length=1, max_length=64)
    #: DR's `pass` with it; left out: the score itself on pass-or-fail, else `unknown`.
    pass_: PassState | None = Field(None, alias="pass")


class DrResultsOut(BaseModel):
    items: list[DrResultOut]
    #: The `after` of the next page; null on the last page.
    next: str | None


@router.get("")
async def list_results(
    call: PlannerDep,
    state: Literal["sent", "held"] | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    after: Annotated[str | None, Query(max_length=512)] = None,
) -> DrResultsOut:
    """The school's results for DR, oldest change first; `state=held` lists those waiting for an operator, with
    their reason. A page holds at most `limit`; `next` is the `after` of the following page (a result changed
    since comes again, on a later page)."""
    page = await call.tx.read(
        lambda uow: forwarding.list_results(uow, call.caller.tenant, state, after=after, limit=limit)
    )
    return DrResultsOut(items=[DrResultOut.of(row) for row in page.items], next=page.next)


@router.post("/{deelnameId}/score")
async def supply_score(deelnameId: str, body: ScoreIn, call: PlannerWriteDep) -> DrResultOut:
    """Give the score DR gets for a result TP holds (it could not fit TA's to DR's scale), with its `pass`; it is
    sent at once. A result TP sent as TA scored it is a 409."""
    supply = partial(forwarding.supply_score, tenant=call.caller.tenant, deelname_id=deelnameId)
    row = await call.write("deelname", deelnameId, lambda uow: supply(uow, score=body.score, pass_state=body.pass_))
    return DrResultOut.of(row)


@router.post("/{deelnameId}/forward")
async def forward_again(deelnameId: str, call: PlannerWriteDep) -> DrResultOut:
    """Decide afresh for a held result: once a DR is configured, or DR's planbare toets changed."""
    row = await call.write(
        "deelname",
        deelnameId,
        lambda uow: forwarding.forward_again(uow, tenant=call.caller.tenant, deelname_id=deelnameId),
    )
    return DrResultOut.of(row)
