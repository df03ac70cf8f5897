"""Dependencies of TP's routes: the unit of work, the caller for each flow, the inbound message."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from oke.auth.caller import Caller, ClientRole
from oke.auth.deps import authenticate
from oke.auth.scopes import FLOW_1_5, FLOW_2_3_4, PLANNING
from oke.errors import Forbidden
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.history import Inbound
from oke.web.bodies import json_object_body

#: Which scope each kind of peer needs on TP's OOAPI endpoints (PDF chapter 5).
FLOW_SCOPES = {ClientRole.dr: FLOW_1_5, ClientRole.ta: FLOW_2_3_4}


def get_uow(request: Request) -> ToetsplanningUnitOfWork:
    return ToetsplanningUnitOfWork(request.app.state.session_factory)


def flow_caller(caller: Annotated[Caller, Depends(authenticate)]) -> Caller:
    """A DR (flows 1, 5) or TA (flows 3, 4) client holding the scope of its flow."""
    scope = FLOW_SCOPES.get(caller.role)
    if scope is None:
        raise Forbidden(f"a {caller.role} client has no access to the OOAPI endpoints of TP")
    if not caller.has_scope(scope):
        raise Forbidden(f"needs scope {scope}")
    return caller


def dr_caller(caller: Annotated[Caller, Depends(flow_caller)]) -> Caller:
    """Only DR creates offerings, associations and persons at TP (flow 1)."""
    if caller.role != ClientRole.dr:
        raise Forbidden("only a DR client sends this (flow 1)")
    return caller


def planner(caller: Annotated[Caller, Depends(authenticate)]) -> Caller:
    if caller.role != ClientRole.planner or not caller.has_scope(PLANNING):
        raise Forbidden(f"needs a planner client with scope {PLANNING}")
    return caller


async def inbound(request: Request, body: Annotated[tuple[dict[str, Any], str], Depends(json_object_body)]) -> Inbound:
    document, raw = body
    return Inbound(method=request.method, path=request.url.path, body=document, raw=raw)


UowDep = Annotated[ToetsplanningUnitOfWork, Depends(get_uow)]
FlowCallerDep = Annotated[Caller, Depends(flow_caller)]
DrCallerDep = Annotated[Caller, Depends(dr_caller)]
PlannerDep = Annotated[Caller, Depends(planner)]
InboundDep = Annotated[Inbound, Depends(inbound)]
