"""oke's planning API (not part of OKE): how a planner creates Zittingen and Deelnames at TP."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from oke.roles.toetsplanning.api.deps import PlannerDep
from oke.roles.toetsplanning.services import catalogue, planning

router = APIRouter(prefix="/planning", tags=["planning"])


class ParticipantIn(BaseModel):
    personId: str | None = None
    role: str = "student"
    toetsinschrijvingId: str | None = None
    attempt: int | None = Field(default=None, ge=1)
    #: The Person to embed in flow 2 when DR has not sent it (external staff, for instance).
    person: dict[str, Any] | None = None


class ZittingIn(BaseModel):
    taPeer: str
    planbareToetsId: str | None = None
    offering: dict[str, Any]
    participants: list[ParticipantIn] = []


class DeelnameOut(BaseModel):
    deelnameId: str
    personId: str
    role: str


class ZittingOut(BaseModel):
    zittingId: str
    deelnames: list[DeelnameOut]


@router.post("/zittingen", status_code=201)
async def plan_zitting(plan: ZittingIn, call: PlannerDep) -> ZittingOut:
    """Plan a session at a TA: `offering` is the ComponentOffering without its id (TP creates it)."""
    participants = [
        planning.Participant(p.personId, p.role, p.toetsinschrijvingId, p.attempt, p.person) for p in plan.participants
    ]
    planned = await call.tx.write(
        lambda uow: planning.plan_zitting(
            uow,
            tenant=call.caller.tenant,
            ta_peer=plan.taPeer,
            offering=plan.offering,
            participants=participants,
            planbare_toets_id=plan.planbareToetsId,
        )
    )
    deelnames = [DeelnameOut(deelnameId=d.deelname_id, personId=d.person_id, role=d.role) for d in planned.deelnames]
    return ZittingOut(zittingId=planned.zitting_id, deelnames=deelnames)


@router.post("/zittingen/{zittingId}/cancel", status_code=204)
async def cancel_zitting(zittingId: str, call: PlannerDep) -> None:
    """Cancel a session and its participations; later results and reports are still accepted."""
    await call.tx.write(lambda uow: planning.cancel_zitting(uow, tenant=call.caller.tenant, zitting_id=zittingId))


@router.post("/deelnames/{deelnameId}/cancel", status_code=204)
async def cancel_deelname(deelnameId: str, call: PlannerDep) -> None:
    """Cancel one participation; later results for it are still accepted."""
    await call.tx.write(lambda uow: planning.cancel_deelname(uow, tenant=call.caller.tenant, deelname_id=deelnameId))


@router.get("/catalogue")
async def get_catalogue(taPeer: str, call: PlannerDep) -> list[dict[str, Any]]:
    """The tests of a TA of the planner's school as last synced (`oke catalogue sync`), withdrawn ones marked."""
    return await call.tx.read(lambda uow: catalogue.list_catalogue(uow, call.caller, taPeer))
