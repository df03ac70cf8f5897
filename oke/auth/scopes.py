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

#: Client roles and server roles share their values ("tp", "ta", "dr").
_FLOW_BETWEEN = {frozenset({"tp", "ta"}): FLOW_2_3_4, frozenset({"tp", "dr"}): FLOW_1_5}


def defaults(client: ClientRole, server: Role) -> frozenset[str]:
    """The scopes a `client` needs on a `server`: queries plus the flow between the two roles.

    A planner gets only the planning API.
    """
    if client is ClientRole.planner:
        return frozenset({PLANNING})
    flow = _FLOW_BETWEEN.get(frozenset({client.value, server.value}))
    return frozenset({FLOW_0, flow}) if flow else frozenset({FLOW_0})
