"""What DR's routes get: one dependency per kind of call, resolved in one step (as TA's `api/deps.py`).

The reference DR is strict on the way in: only a TP client with `nl-test-admin-flow-1-5` reads flow 1
and sends flow 5; only a TA client with `nl-test-admin-flow-6` reads flow 6 (PDF chapter 5); an operator
is a planner client (`oke-planning`). A PUT is `application/json`, a PATCH `application/merge-patch+json`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from oke.auth.caller import Caller, ClientRole
from oke.auth.deps import authenticate
from oke.auth.scopes import FLOW_1_5, FLOW_6, PLANNING
from oke.errors import Forbidden
from oke.roles.deelnemerregistratie.uow import DeelnemerregistratieUnitOfWork
from oke.store.history import Inbound
from oke.store.transactions import Transactions
from oke.web.bodies import inbound_message


@dataclass(frozen=True)
class Call:
    """One request: who calls, and where its service call runs."""

    caller: Caller
    tx: Transactions[DeelnemerregistratieUnitOfWork]

    @property
    def tenant(self) -> str:
        return self.caller.tenant


@dataclass(frozen=True)
class Write(Call):
    """A flow 5 message: the body as parsed and as received, and the version DR judges it by."""

    inbound: Inbound
    version: str


def _allowed(caller: Caller, role: ClientRole, scope: str, what: str) -> Caller:
    if caller.role != role:
        raise Forbidden(f"a {caller.role} client has no access to {what} of DR; a {role} client has")
    if not caller.has_scope(scope):
        raise Forbidden(f"needs scope {scope}")
    return caller


def _call(request: Request, caller: Caller) -> Call:
    return Call(caller, request.app.state.transactions)


async def tp_read(request: Request) -> Call:
    return _call(request, _allowed(await authenticate(request), ClientRole.tp, FLOW_1_5, "flows 1 and 5"))


async def tp_write(request: Request) -> Write:
    caller = _allowed(await authenticate(request), ClientRole.tp, FLOW_1_5, "flows 1 and 5")
    inbound = await inbound_message(request, strict_type=True)
    version = request.app.state.settings.nl_test_admin_version
    return Write(caller, request.app.state.transactions, inbound, version)


async def ta_analysis(request: Request) -> Call:
    return _call(request, _allowed(await authenticate(request), ClientRole.ta, FLOW_6, "flow 6"))


async def operator(request: Request) -> Call:
    return _call(request, _allowed(await authenticate(request), ClientRole.planner, PLANNING, "the operator API"))


TpReadDep = Annotated[Call, Depends(tp_read)]
TpWriteDep = Annotated[Write, Depends(tp_write)]
TaAnalysisDep = Annotated[Call, Depends(ta_analysis)]
OperatorDep = Annotated[Call, Depends(operator)]
