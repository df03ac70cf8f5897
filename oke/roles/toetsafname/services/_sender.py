"""The history's view of a caller."""

from __future__ import annotations

from oke.auth.caller import Caller
from oke.store.history import Sender


def sender_of(caller: Caller) -> Sender:
    return Sender(tenant=caller.tenant, client_id=caller.client_id, peer=caller.peer)
