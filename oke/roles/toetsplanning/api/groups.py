"""`/groups`: DR's optional push of its groups and memberships (PDF 3.1.2.2), which TP does not take.

TP reads a group's members from DR when a planner plans a session of it (flow 1b), so a group DR pushes would be
a second copy that goes stale. A DR that pushes gets a 405 (one of the errors PDF 5.2 gives a PUT at TP) that says
so, not a 404: nothing is wrong with its path or its group, and sending it again will not help.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from oke.errors import NotSupported
from oke.roles.toetsplanning.api.deps import dr_call

router = APIRouter(dependencies=[Depends(dr_call)], include_in_schema=False)

#: The methods of OOAPI: TP allows none of them at these paths (an empty `Allow`), so a route takes each, lest
#: Starlette's own 405 name the one that has a route (HEAD is GET's).
METHODS = ["GET", "PUT", "PATCH", "POST", "DELETE"]
NOT_TAKEN = (
    "TP does not take groups from DR: PUT /groups/{groupId} and PUT /groups/{groupId}/members/{personId} are "
    "optional for DR and TP (PDF 3.1.2.2), and TP reads a group's members from DR when a planner plans a session "
    "of it (GET /groups/{groupId}/members, flow 1b; oke's docs/vendors.md, 'From a DR')"
)


@router.api_route("/groups/{groupId}", methods=METHODS)
@router.api_route("/groups/{groupId}/members/{personId}", methods=METHODS)
async def groups() -> Response:
    """Flow 1b push (DR): refused with a 405 saying TP reads groups by pull."""
    raise NotSupported(NOT_TAKEN)
