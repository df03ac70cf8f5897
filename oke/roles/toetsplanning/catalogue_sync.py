"""Flow 0 at TP: read a TA's catalogue over HTTP (`GET /components?componentType=test`) and keep it.

Outside `services/` because it talks HTTP; the storing is `services.catalogue.keep_catalogue`.
"""

from __future__ import annotations

from oke.client.peers import PeerDirectory
from oke.roles.toetsplanning.services.catalogue import Synced, keep_catalogue
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork


def sync_catalogue(directory: PeerDirectory, uow: ToetsplanningUnitOfWork, ta_peer: str) -> Synced:
    """Every test TA lists for this school, page after page, stored in one transaction."""
    components = list(directory.client(ta_peer).pages("/components", {"componentType": "test"}))
    return keep_catalogue(uow, ta_peer, components)
