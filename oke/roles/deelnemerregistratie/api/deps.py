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
from oke.auth.deps import allow, authenticate
from oke.auth.scopes import FLOW_1_5, FLOW_6, PLANNING
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


def _call(request: Request, caller: Caller) -> Call:
    return Call(caller, request.app.state.transactions)


def _tp(caller: Caller) -> Caller:
    refused = "a {role} client has no access to flows 1 and 5 of DR; a tp client has"
    return allow(caller, (ClientRole.tp,), FLOW_1_5, refused)


async def tp_read(request: Request) -> Call:
    return _call(request, _tp(await authenticate(request)))


async def tp_write(request: Request) -> Write:
    caller = _tp(await authenticate(request))
    inbound = await inbound_message(request, strict_type=True)
    version = request.app.state.settings.nl_test_admin_version
    return Write(caller, request.app.state.transactions, inbound, version)


async def ta_analysis(request: Request) -> Call:
    refused = "a {role} client has no access to flow 6 of DR; a ta client has"
    return _call(request, allow(await authenticate(request), (ClientRole.ta,), FLOW_6, refused))


async def operator(request: Request) -> Call:
    refused = "a {role} client has no access to the operator API of DR; a planner client has"
    return _call(request, allow(await authenticate(request), (ClientRole.planner,), PLANNING, refused))


TpReadDep = Annotated[Call, Depends(tp_read)]
TpWriteDep = Annotated[Write, Depends(tp_write)]
TaAnalysisDep = Annotated[Call, Depends(ta_analysis)]
OperatorDep = Annotated[Call, Depends(operator)]
