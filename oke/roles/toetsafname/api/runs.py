"""oke's operator API at the reference TA (not part of OKE): run a session, so its results flow back to TP."""

from __future__ import annotations

from dataclasses import asdict
from functools import partial
from typing import Any

from fastapi import APIRouter, Query, Request

from oke.auth.caller import sender_of
from oke.roles.toetsafname.api.deps import PlannerDep
from oke.roles.toetsafname.services.running import run_session
from oke.store.history import audited
from oke.web.bodies import recorded_message

router = APIRouter(prefix="/operator", tags=["operator"])


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
