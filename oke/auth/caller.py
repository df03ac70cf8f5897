"""Who is calling: what every authenticated request carries into the services."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from oke.store.history import Sender


class ClientRole(StrEnum):
    """The kind of system a client is; `planner` uses oke's own planning API, not OKE."""

    ta = "ta"
    dr = "dr"
    tp = "tp"
    planner = "planner"


@dataclass(frozen=True)
class Caller:
    """An authenticated client; `tenant` and `peer` scope what it may see and whom it speaks for."""

    client_id: str
    role: ClientRole
    tenant: str
    peer: str
    scopes: frozenset[str]

    def has_scope(self, *scopes: str) -> bool:
        """True when the caller holds any of `scopes`."""
        return not self.scopes.isdisjoint(scopes)


def sender_of(caller: Caller) -> Sender:
    """The history's view of a caller."""
    return Sender(tenant=caller.tenant, client_id=caller.client_id, peer=caller.peer)
