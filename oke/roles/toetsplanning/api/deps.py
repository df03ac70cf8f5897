"""What TP's routes get: one dependency per kind of call, resolved in one step.

FastAPI resolves every dependency on every request, and on the flow 3 hot path a chain of small
dependencies costs more than the work itself; so each route takes a single `Call`, and only the planning
routes that call a TA while they wait add a second, `PeersDep` (a lookup on the app's state), and run those calls
in `PeerThreadsDep`'s worker threads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import Depends, Request

from oke.auth.caller import Caller, ClientRole, sender_of
from oke.auth.deps import allow, authenticate
from oke.auth.scopes import FLOW_1_5, FLOW_2_3_4, PLANNING
from oke.client.peers import PeerDirectory
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.history import Inbound, audited
from oke.store.transactions import Transactions
from oke.web.bodies import inbound_message, recorded_message

#: Which scope each kind of peer needs on TP's OOAPI endpoints (PDF chapter 5).
FLOW_SCOPES = {ClientRole.dr: FLOW_1_5, ClientRole.ta: FLOW_2_3_4}
DR_CLIENTS = (ClientRole.dr,)
PLANNERS = (ClientRole.planner,)
T = TypeVar("T")
#: The most worker threads the calls of planners' requests to one peer hold at once.
PEER_THREADS = 8


@dataclass(frozen=True)
class Call:
    """One request: who calls, and where its service call runs."""

    caller: Caller
    tx: Transactions[ToetsplanningUnitOfWork]


@dataclass(frozen=True)
class Write(Call):
    """A request that carries a message: the body as parsed and as received."""

    inbound: Inbound


def _peer(caller: Caller) -> Caller:
    """A DR (flows 1, 5) or TA (flows 3, 4) client holding the scope of its flow."""
    scope = FLOW_SCOPES.get(caller.role)
    return allow(caller, FLOW_SCOPES, scope, "a {role} client has no access to the OOAPI endpoints of TP")


async def peer_read(request: Request) -> Call:
    return Call(_peer(await authenticate(request)), request.app.state.transactions)


async def peer_write(request: Request) -> Write:
    caller = _peer(await authenticate(request))
    return Write(caller, request.app.state.transactions, await inbound_message(request))


async def dr_write(request: Request) -> Write:
    """Only DR creates offerings, associations and persons at TP (flow 1)."""
    call = await peer_write(request)
    _dr(call.caller)
    return call


async def dr_call(request: Request) -> Call:
    """A DR client's call whose body TP does not read."""
    return Call(_dr(_peer(await authenticate(request))), request.app.state.transactions)


async def dr_read(request: Request) -> Call:
    """A DR client's read of what only DR may see (flow 5: documents)."""
    caller = _peer(await authenticate(request))
    return Call(_dr(caller, "only a DR client reads documents at TP"), request.app.state.transactions)


def _dr(caller: Caller, refused: str = "only a DR client sends this (flow 1)") -> Caller:
    """A peer already checked by `_peer` (so holding its scope), that must be a DR client."""
    return allow(caller, DR_CLIENTS, None, refused)


async def planner(request: Request) -> Call:
    refused = f"needs a planner client with scope {PLANNING}"
    return Call(allow(await authenticate(request), PLANNERS, PLANNING, refused), request.app.state.transactions)


@dataclass(frozen=True)
class PlannerWrite(Call):
    """A planner's change: audited like every OOAPI write, with who asked for it (client, school)."""

    inbound: Inbound

    async def write(self, object_type: str, object_id: str, service: Callable[[ToetsplanningUnitOfWork], T]) -> T:
        """Run `service` as a write whose history row (flow `planning`) names the planner."""
        sender = sender_of(self.caller)
        return await self.tx.write(
            audited(service, sender, self.inbound, flow="planning", object_type=object_type, object_id=object_id)
        )


async def planner_write(request: Request) -> PlannerWrite:
    call = await planner(request)
    return PlannerWrite(call.caller, call.tx, await recorded_message(request))


def peers(request: Request) -> PeerDirectory:
    """The clients of TP's peers, for the calls a planner's request makes to a TA while it waits."""
    directory: PeerDirectory = request.app.state.peers
    return directory


class PeerThreads:
    """Worker threads for the calls a planner's request makes to a peer while it waits, at most `PEER_THREADS` per
    peer; the others wait their turn without a thread. A peer that answers slowly (each call ends by its deadline,
    `oke.client.bounded`) holds that many: in anyio's pool of 40 it held them all, and every school's planner calls
    waited. Used on the event loop only, so it needs no lock."""

    def __init__(self) -> None:
        self._limiters: dict[str, CapacityLimiter] = {}

    async def run(self, peer: str, work: Callable[..., T], *args: Any) -> T:
        async with self.of(peer):  # and then one of anyio's threads: the 40 stay the bound of them all
            return await anyio.to_thread.run_sync(work, *args)

    def of(self, key: str) -> CapacityLimiter:
        """The threads of `key`: a peer's name, or another holder whose calls wait on peers (a school's
        reconciliations, which read whichever TA each session is at)."""
        limiter = self._limiters.get(key)
        if limiter is None:
            limiter = self._limiters[key] = CapacityLimiter(PEER_THREADS)
        return limiter


def peer_threads(request: Request) -> PeerThreads:
    threads: PeerThreads = request.app.state.peer_threads
    return threads


PeerReadDep = Annotated[Call, Depends(peer_read)]
PeerWriteDep = Annotated[Write, Depends(peer_write)]
DrWriteDep = Annotated[Write, Depends(dr_write)]
DrReadDep = Annotated[Call, Depends(dr_read)]
PlannerDep = Annotated[Call, Depends(planner)]
PlannerWriteDep = Annotated[PlannerWrite, Depends(planner_write)]
PeersDep = Annotated[PeerDirectory, Depends(peers)]
PeerThreadsDep = Annotated[PeerThreads, Depends(peer_threads)]
