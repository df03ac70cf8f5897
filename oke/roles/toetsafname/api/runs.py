"""oke's operator API at the reference TA (not part of OKE): run a session, so its results flow back to TP."""

from __future__ import annotations

from dataclasses import asdict
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from oke.auth.caller import ClientRole, sender_of
from oke.auth.deps import authenticate
from oke.auth.scopes import PLANNING
from oke.errors import Forbidden
from oke.roles.toetsafname.api.deps import Call
from oke.roles.toetsafname.services.running import run_session
from oke.store.history import audited
from oke.web.bodies import recorded_message

router = APIRouter(prefix="/operator", tags=["operator"])


async def planner(request: Request) -> Call:
    """A planner client of this TA's school (as TP's planning API): the one who may start a run."""
    caller = await authenticate(request)
    if caller.role != ClientRole.planner or not caller.has_scope(PLANNING):
        raise Forbidden(f"needs a planner client with scope {PLANNING}")
    return Call(caller, request.app.state.transactions)


PlannerDep = Annotated[Call, Depends(planner)]


@router.post("/sessions/{offeringId}/run")
async def run(offeringId: str, request: Request, call: PlannerDep, seed: int = Query(0)) -> dict[str, Any]:
    """Make up attendance and results for the session's students, reproducibly for `seed`, and send them
    (flow 3) and the session report (flow 4) to the TP that planned it, through TA's outbox."""
    tenant = call.caller.tenant
    service = audited(
        partial(run_session, tenant=tenant, offering_id=offeringId, seed=seed),
        sender_of(call.caller),
        await recorded_message(request),
        flow="operator",
        object_type="zitting",
        object_id=offeringId,
    )
    ran = await call.tx.write(service)
    return asdict(ran)
