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
from oke.auth.deps import authenticate
from oke.auth.scopes import FLOW_0, FLOW_2_3_4
from oke.errors import Forbidden
from oke.roles.toetsafname.uow import ToetsafnameUnitOfWork
from oke.store.history import Inbound
from oke.store.transactions import Transactions
from oke.web.bodies import inbound_message

CATALOGUE_CLIENTS = (ClientRole.tp, ClientRole.dr)


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
    if caller.role != ClientRole.tp:
        raise Forbidden(f"a {caller.role} client has no access to flows 2, 3 and 4 of TA; a TP client has")
    if not caller.has_scope(FLOW_2_3_4):
        raise Forbidden(f"needs scope {FLOW_2_3_4}")
    return caller


async def catalogue_reader(request: Request) -> Call:
    caller = await authenticate(request)
    if caller.role not in CATALOGUE_CLIENTS:
        raise Forbidden(f"a {caller.role} client has no access to the catalogue; DR and TP clients have")
    if not caller.has_scope(FLOW_0):
        raise Forbidden(f"needs scope {FLOW_0}")
    return Call(caller, request.app.state.transactions)


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
