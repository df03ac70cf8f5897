"""oke's planning API (not part of OKE): a planner reads the school's Zittingen, and changes one (flow 2)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, Field

from oke.ooapi.common import DateTime
from oke.ooapi.paging import DEFAULT_LIMIT, MAX_LIMIT
from oke.roles.toetsplanning.api.deps import PlannerDep, PlannerWriteDep
from oke.roles.toetsplanning.services import zitting_change, zittingen
from oke.web.bodies import JsonRoute

router = APIRouter(prefix="/planning/zittingen", tags=["planning"], route_class=JsonRoute)


class ZittingListed(BaseModel):
    zittingId: str
    taPeer: str
    planbareToetsId: str | None
    state: str
    #: The ComponentOffering as planned (and as TA gets it, flow 2), with TA's session report (flow 4).
    offering: dict[str, Any]

    @classmethod
    def of(cls, zitting: zittingen.ListedZitting) -> ZittingListed:
        return cls(
            zittingId=zitting.zitting_id,
            taPeer=zitting.ta_peer,
            planbareToetsId=zitting.planbare_toets_id,
            state=zitting.state,
            offering=zitting.offering,
        )


class ZittingenOut(BaseModel):
    items: list[ZittingListed]
    #: The `after` of the next page; null on the last page.
    next: str | None


class ResultSummaryOut(BaseModel):
    state: str | None
    attendance: str | None
    score: str | None
    pass_: str | None = Field(serialization_alias="pass")


class DeelnameListed(BaseModel):
    deelnameId: str
    personId: str
    role: str
    state: str
    toetsinschrijvingId: str | None
    attempt: int | None
    #: What TA last said (flow 3); null until TA sends a result.
    result: ResultSummaryOut | None

    @classmethod
    def of(cls, deelname: zittingen.ListedDeelname) -> DeelnameListed:
        result = deelname.result
        return cls(
            deelnameId=deelname.deelname_id,
            personId=deelname.person_id,
            role=deelname.role,
            state=deelname.state,
            toetsinschrijvingId=deelname.toetsinschrijving_id,
            attempt=deelname.attempt,
            result=None
            if result is None
            else ResultSummaryOut(
                state=result.state, attendance=result.attendance, score=result.score, pass_=result.pass_
            ),
        )


class ZittingDetailOut(ZittingListed):
    deelnames: list[DeelnameListed]


class ZittingChangedOut(BaseModel):
    zittingId: str
    #: False when the change changed nothing: then nothing is sent to TA.
    changed: bool
    #: The Deelnames sent to TA again, as the change changes their extra time or needs.
    deelnamesSent: list[str]
    #: For the planner: assigned needs of those students that TA does not get in full (as in planning's answer).
    warnings: list[str] = []

    @classmethod
    def of(cls, changed: zitting_change.ChangedZitting) -> ZittingChangedOut:
        return cls(
            zittingId=changed.zitting_id,
            changed=changed.changed,
            deelnamesSent=changed.deelnames,
            warnings=changed.warnings,
        )


@router.get("")
async def list_zittingen(
    call: PlannerDep,
    taPeer: str | None = None,
    planbareToetsId: str | None = None,
    state: zittingen.ZittingState | None = None,
    start_from: Annotated[DateTime | None, Query(alias="from")] = None,
    until: DateTime | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    after: Annotated[str | None, Query(max_length=512)] = None,
) -> ZittingenOut:
    """The school's sessions in order of start; `from` (inclusive) and `until` (exclusive) bound their
    `startDateTime`. A page holds at most `limit`; `next` is the `after` of the following page."""
    page = await call.tx.read(
        lambda uow: zittingen.list_zittingen(
            uow,
            call.caller.tenant,
            ta_peer=taPeer,
            planbare_toets_id=planbareToetsId,
            state=state,
            start_from=start_from,
            start_until=until,
            after=after,
            limit=limit,
        )
    )
    return ZittingenOut(items=[ZittingListed.of(z) for z in page.items], next=page.next)


@router.get("/{zittingId}")
async def get_zitting(zittingId: str, call: PlannerDep) -> ZittingDetailOut:
    """A session of the school with all its participations: their state and what TA reported (flow 3)."""
    detail = await call.tx.read(lambda uow: zittingen.zitting_detail(uow, call.caller.tenant, zittingId))
    listed = ZittingListed.of(detail.zitting)
    return ZittingDetailOut(**listed.model_dump(), deelnames=[DeelnameListed.of(d) for d in detail.deelnames])


@router.patch("/{zittingId}")
async def change_zitting(
    zittingId: str,
    call: PlannerWriteDep,
    patch: Annotated[dict[str, Any], Body(media_type="application/merge-patch+json")],
) -> ZittingChangedOut:
    """Change a planned session (PDF 3.2.2 "Zitting wijzigen"): a JSON merge patch of its ComponentOffering
    (times, `duration`, `locationCode`, `startOptions`, `safety`, name, ...), validated as a new session is. TA gets
    the whole changed session, and the participations whose extra time changes with it; a change that changes
    nothing sends nothing. A cancelled session is a 409."""
    changed = await call.write(
        "zitting",
        zittingId,
        lambda uow: zitting_change.change_zitting(uow, tenant=call.caller.tenant, zitting_id=zittingId, patch=patch),
    )
    return ZittingChangedOut.of(changed)
