"""Flow 2.7 at TP: the link with which a student starts the test, read from TA (`GET /associations/{id}/url`).

Outside `services/` because it talks HTTP. TP keeps no link: TA may renew it, so each read asks TA.
"""

from __future__ import annotations

from oke.client.errors import InvalidPeerAnswer
from oke.client.peers import PeerDirectory, is_http_url


def access_link(directory: PeerDirectory, ta_peer: str, deelname_id: str) -> str:
    """TA's access link of a Deelname: a JSON string holding an absolute http(s) URL. Any other (a `javascript:`
    URL, a relative one) is TA's invalid answer: the planner's page would put it before a student."""
    link = directory.client(ta_peer).get_json(f"/associations/{deelname_id}/url")
    if not isinstance(link, str) or not link:
        raise InvalidPeerAnswer(f"TA {ta_peer} gave no access link for participation {deelname_id}")
    if not is_http_url(link):
        raise InvalidPeerAnswer(
            f"TA {ta_peer} gave an access link for participation {deelname_id} that is no http(s) URL"
        )
    return link
