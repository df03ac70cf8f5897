"""What TA's routes get: one dependency per kind of call, resolved in one step (as TP's `api/deps.py`).

The reference TA is strict on the way in: only a TP client with `nl-test-admin-flow-2-3-4` sends and
reads flow 2; the catalogue is for DR and TP clients with `nl-test-admin-flow-0` (PDF chapter 5). A PUT
is `application/json` and a PATCH `application/merge-patch+json` (OpenAPI request bodies).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from oke.auth.caller import Caller, ClientRole
from oke.auth.deps import allow, authenticate
from oke.auth.scopes import FLOW_0, FLOW_2_3_4, PLANNING
from oke.roles.toetsafname.uow import ToetsafnameUnitOfWork
from oke.store.history import Inbound
from oke.store.transactions import Transactions
from oke.web.bodies import inbound_message

CATALOGUE_CLIENTS = (ClientRole.tp, ClientRole.dr)
TP_CLIENTS = (ClientRole.tp,)
PLANNERS = (ClientRole.planner,)


@dataclass(frozen=True)
class Call:
    """One request: who calls, and where its service call runs."""

    caller: Caller
    tx: Transactions[ToetsafnameUnitOfWork]


@dataclass(frozen=True)
class Write(Call):
    """A request that carries a message: the body as parsed and as received."""

    inbound: Inbound


@dataclass(frozen=True)
class LinkCall(Call):
    """A request for an access link (flow 2.7): where TA serves them, and the key that signs them."""

    base_url: str
    key: bytes


def _tp(caller: Caller) -> Caller:
    """A TP client holding the scope of flows 2, 3 and 4."""
    refused = "a {role} client has no access to flows 2, 3 and 4 of TA; a TP client has"
    return allow(caller, TP_CLIENTS, FLOW_2_3_4, refused)


async def catalogue_reader(request: Request) -> Call:
    caller = await authenticate(request)
    refused = "a {role} client has no access to the catalogue; DR and TP clients have"
    return Call(allow(caller, CATALOGUE_CLIENTS, FLOW_0, refused), request.app.state.transactions)


async def planner(request: Request) -> Call:
    """A planner client of this TA's school (as TP's planning API): the one who may start a run."""
    refused = f"needs a planner client with scope {PLANNING}"
    return Call(allow(await authenticate(request), PLANNERS, PLANNING, refused), request.app.state.transactions)


async def tp_read(request: Request) -> Call:
    return Call(_tp(await authenticate(request)), request.app.state.transactions)


async def tp_write(request: Request) -> Write:
    caller = _tp(await authenticate(request))
    return Write(caller, request.app.state.transactions, await inbound_message(request, strict_type=True))


async def tp_link(request: Request) -> LinkCall:
    call = await tp_read(request)
    return LinkCall(call.caller, call.tx, request.app.state.settings.url, request.app.state.link_key)


CatalogueDep = Annotated[Call, Depends(catalogue_reader)]
TpReadDep = Annotated[Call, Depends(tp_read)]
TpWriteDep = Annotated[Write, Depends(tp_write)]
TpLinkDep = Annotated[LinkCall, Depends(tp_link)]
PlannerDep = Annotated[Call, Depends(planner)]
