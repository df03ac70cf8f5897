"""oke's planning API (not part of OKE): how a planner creates Zittingen and Deelnames at TP."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from oke.client.peers import PeerDirectory
from oke.ooapi.common import Id, Int32
from oke.roles.toetsplanning.access_links import access_link
from oke.roles.toetsplanning.api.deps import Call, PeersDep, PeerThreads, PeerThreadsDep, PlannerDep, PlannerWriteDep
from oke.roles.toetsplanning.groups import group_dr, group_participants
from oke.roles.toetsplanning.reconcile import keep_who_asked, reconcile
from oke.roles.toetsplanning.services import catalogue, planning, reads
from oke.web.bodies import JsonRoute

router = APIRouter(prefix="/planning", tags=["planning"], route_class=JsonRoute)


class ParticipantIn(BaseModel):
    personId: Id | None = None
    #: Left out: the role of DR's Toetsinschrijving (`toetsinschrijvingId`), else student.
    role: str | None = None
    toetsinschrijvingId: Id | None = None
    attempt: Int32 | None = Field(default=None, ge=1)
    #: Plan the next attempt of the Toetsinschrijving (a retake), within DR's `attemptLeft`.
    extraAttempt: bool = False
    #: The Person to embed in flow 2 when DR has not sent it (external staff, for instance).
    person: dict[str, Any] | None = None

    def participant(self) -> planning.Participant:
        return planning.Participant(
            self.personId, self.role, self.toetsinschrijvingId, self.attempt, self.person, self.extraAttempt
        )


class GroupIn(BaseModel):
    #: Flow 1b: also plan the current members of this group of DR `drPeer`, ad hoc (no Toetsinschrijving).
    groupId: Id | None = None
    drPeer: str | None = None


class ZittingIn(GroupIn):
    taPeer: str
    planbareToetsId: Id | None = None
    offering: dict[str, Any]
    participants: list[ParticipantIn] = []


class ParticipantsIn(GroupIn):
    participants: list[ParticipantIn] = []


class MoveIn(BaseModel):
    zittingId: Id
    #: The Person to embed at the new session when DR has not sent it (as when it was planned).
    person: dict[str, Any] | None = None


class DeelnameOut(BaseModel):
    deelnameId: str
    personId: str
    role: str
    #: Null for staff: they take no attempt.
    attempt: int | None = None
    #: For the planner: assigned needs of the student that TA does not get (no flow 2 equivalent).
    warnings: list[str] = []

    @classmethod
    def of(cls, planned: planning.PlannedDeelname) -> DeelnameOut:
        return cls(
            deelnameId=planned.deelname_id,
            personId=planned.person_id,
            role=planned.role,
            attempt=planned.attempt,
            warnings=list(planned.warnings),
        )


class AccessLinkOut(BaseModel):
    url: str


class ZittingOut(BaseModel):
    zittingId: str
    deelnames: list[DeelnameOut]


@router.post("/zittingen", status_code=201)
async def plan_zitting(plan: ZittingIn, call: PlannerWriteDep, peers: PeersDep, threads: PeerThreadsDep) -> ZittingOut:
    """Plan a session at a TA: `offering` is the ComponentOffering without its id (TP creates it); `groupId` and
    `drPeer` add the members of one of DR's groups (flow 1b)."""
    participants = await _participants(plan, plan.participants, call, peers, threads)
    zitting_id = str(uuid.uuid4())
    planned = await call.write(
        "zitting",
        zitting_id,
        lambda uow: planning.plan_zitting(
            uow,
            tenant=call.caller.tenant,
            ta_peer=plan.taPeer,
            offering=plan.offering,
            participants=participants,
            planbare_toets_id=plan.planbareToetsId,
            zitting_id=zitting_id,
        ),
    )
    return ZittingOut(zittingId=planned.zitting_id, deelnames=[DeelnameOut.of(d) for d in planned.deelnames])


@router.post("/zittingen/{zittingId}/deelnames", status_code=201)
async def add_deelnames(
    zittingId: str, body: ParticipantsIn, call: PlannerWriteDep, peers: PeersDep, threads: PeerThreadsDep
) -> list[DeelnameOut]:
    """Assign more participants to a session: students (an extra attempt with `extraAttempt`), staff, or the
    members of one of DR's groups (`groupId`, `drPeer`: flow 1b)."""
    participants = await _participants(body, body.participants, call, peers, threads)
    planned = await call.write(
        "zitting",
        zittingId,
        lambda uow: planning.add_deelnames(
            uow, tenant=call.caller.tenant, zitting_id=zittingId, participants=participants
        ),
    )
    return [DeelnameOut.of(d) for d in planned]


async def _participants(
    group: GroupIn, given: list[ParticipantIn], call: Call, peers: PeerDirectory, threads: PeerThreads
) -> list[planning.Participant]:
    """The participants given, then the group's members read from DR (HTTP in a worker thread)."""
    participants = [p.participant() for p in given]
    group_id = group.groupId
    if group_id is None:
        return participants
    tenant, given_dr = call.caller.tenant, group.drPeer
    dr_peer = await call.tx.read(lambda uow: group_dr(uow, tenant=tenant, dr_peer=given_dr))
    return participants + await threads.run(dr_peer, group_participants, peers, dr_peer, group_id)


@router.post("/zittingen/{zittingId}/cancel", status_code=204, response_class=Response)
async def cancel_zitting(zittingId: str, call: PlannerWriteDep) -> None:
    """Cancel a session and its participations; later results and reports are still accepted.

    A 204 is a plain `Response`: FastAPI's JSON response would label the empty body application/json."""
    await call.write(
        "zitting", zittingId, lambda uow: planning.cancel_zitting(uow, tenant=call.caller.tenant, zitting_id=zittingId)
    )


@router.post("/deelnames/{deelnameId}/cancel", status_code=204, response_class=Response)
async def cancel_deelname(deelnameId: str, call: PlannerWriteDep) -> None:
    """Cancel one participation; later results for it are still accepted."""
    await call.write(
        "deelname",
        deelnameId,
        lambda uow: planning.cancel_deelname(uow, tenant=call.caller.tenant, deelname_id=deelnameId),
    )


@router.post("/deelnames/{deelnameId}/move", status_code=201)
async def move_deelname(deelnameId: str, body: MoveIn, call: PlannerWriteDep) -> DeelnameOut:
    """Move a participant to another session: the old Deelname is cancelled, the same attempt planned there."""
    planned = await call.write(
        "deelname",
        deelnameId,
        lambda uow: planning.move_deelname(
            uow, tenant=call.caller.tenant, deelname_id=deelnameId, zitting_id=body.zittingId, person=body.person
        ),
    )
    return DeelnameOut.of(planned)


@router.get("/deelnames/{deelnameId}/url")
async def get_access_link(deelnameId: str, call: PlannerDep, peers: PeersDep, threads: PeerThreadsDep) -> AccessLinkOut:
    """The participant's access link, asked of TA at each call (2.7): 502/503 when TA cannot give it."""
    ta_peer = await call.tx.read(lambda uow: reads.ta_of_deelname(uow, call.caller.tenant, deelnameId))
    return AccessLinkOut(url=await threads.run(ta_peer, access_link, peers, ta_peer, deelnameId))


@router.get("/catalogue")
async def get_catalogue(taPeer: str, call: PlannerDep) -> list[dict[str, Any]]:
    """The tests of a TA of the planner's school as last synced (`oke catalogue sync`), withdrawn ones marked."""
    return await call.tx.read(lambda uow: catalogue.list_catalogue(uow, call.caller, taPeer))


@router.post("/zittingen/{zittingId}/reconcile")
async def reconcile_zitting(
    zittingId: str, call: PlannerWriteDep, peers: PeersDep, threads: PeerThreadsDep
) -> dict[str, Any]:
    """Flows 3.4 and 4.2: read TA's state of the session and take over what TP missed (`oke reconcile`).

    A TA that cannot be read is a 502 or 503 naming the TA, the session and the failed call; nothing then changed.
    A school's reconciliations hold at most `PEER_THREADS` worker threads at once (`PeerThreads`).
    """
    tenant = call.caller.tenant
    summary = await reconcile(peers, call.tx, zittingId, tenant=tenant, threads=threads.of(f"reconcile {tenant}"))
    await call.write("zitting", zittingId, keep_who_asked)  # who asked, once TA's state is taken over
    return summary.wire()
