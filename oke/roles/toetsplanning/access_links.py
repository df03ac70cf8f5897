"""Flow 2.7 at TP: the link with which a student starts the test, read from TA (`GET /associations/{id}/url`).

Outside `services/` because it talks HTTP. TP keeps no link: TA may renew it, so each read asks TA.
"""

from __future__ import annotations

from oke.client.errors import InvalidPeerAnswer
from oke.client.peers import PeerDirectory


def access_link(directory: PeerDirectory, ta_peer: str, deelname_id: str) -> str:
    """TA's access link of a Deelname: a JSON string holding a URI."""
    link = directory.client(ta_peer).get_json(f"/associations/{deelname_id}/url")
    if not isinstance(link, str) or not link:
        raise InvalidPeerAnswer(f"TA {ta_peer} gave no access link for participation {deelname_id}")
    return link
