"""The OAuth2 scopes: the OKE flows of NED-OOAPI, plus oke's own planning API."""

from __future__ import annotations

from oke.auth.caller import ClientRole
from oke.config import Role

#: Flow 0: the test catalogue (TA serves it to DR and TP).
FLOW_0 = "nl-test-admin-flow-0"
#: Between a student information system (DR) and a test planner (TP).
FLOW_1_5 = "nl-test-admin-flow-1-5"
#: Between a test planner (TP) and a test administration (TA).
FLOW_2_3_4 = "nl-test-admin-flow-2-3-4"
#: Flow 6: analysis (TA reads program enrolments at DR); optional, new in 1.0.1.
FLOW_6 = "nl-test-admin-flow-6"
#: oke's own API with which a planning front end drives the TP.
PLANNING = "oke-planning"

ALL = frozenset({FLOW_0, FLOW_1_5, FLOW_2_3_4, FLOW_6, PLANNING})

#: The scopes a client of each role needs on a server of each role (PDF 5.1 to 5.3): TA serves the catalogue
#: (flow 0) to TP and DR; TP and DR exchange flows 1 and 5, TP and TA flows 2 to 4; TA reads DR for flow 6.
#: Client roles and server roles share their values ("tp", "ta", "dr").
_NEEDED = {
    ("tp", "ta"): frozenset({FLOW_0, FLOW_2_3_4}),
    ("dr", "ta"): frozenset({FLOW_0}),
    ("ta", "tp"): frozenset({FLOW_2_3_4}),
    ("dr", "tp"): frozenset({FLOW_1_5}),
    ("tp", "dr"): frozenset({FLOW_1_5}),
    ("ta", "dr"): frozenset({FLOW_6}),
}


def defaults(client: ClientRole, server: Role) -> frozenset[str]:
    """The scopes a `client` needs on a `server`, and no more: none where the two roles exchange nothing.

    A planner gets only the planning API.
    """
    if client is ClientRole.planner:
        return frozenset({PLANNING})
    return _NEEDED.get((client.value, server.value), frozenset())


def asked_of(peer_role: str, by: Role) -> str | None:
    """The scopes a server asks a peer's token endpoint for (space-separated): those it needs there as a client.

    Asked for, they are in the token even where the peer's server grants another set by default, and RFC 6749 3.3
    lets a server refuse a request without a scope; None where it needs none.
    """
    return " ".join(sorted(defaults(ClientRole(by.value), Role(peer_role)))) or None
