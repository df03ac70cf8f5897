"""`/associations`: the Deelnames a TP adds to its Zittingen (flows 2.2-2.4, 2.6, 3.4) and their access links (2.7).

The access link leads to `/start/{associationId}` on TA itself, outside the OOAPI base path.
"""

from __future__ import annotations

import html
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from oke.ooapi.messages import association_accepted
from oke.roles.toetsafname.api.deps import TpLinkDep, TpReadDep, TpWriteDep
from oke.roles.toetsafname.services import reads, sessions
from oke.web.query import expansions
from oke.web.responses import json_response

router = APIRouter(tags=["associations"])
start_router = APIRouter(tags=["access links"])


@router.put("/associations/{associationId}", status_code=201)
async def put_association(associationId: str, call: TpWriteDep) -> Response:
    """Flows 2.2, 2.3: create (201) or replace (200) a Deelname, always with its full Person."""
    created = await call.tx.write(lambda uow: sessions.put_deelname(uow, call.caller, associationId, call.inbound))
    return Response(status_code=201 if created else 200)


@router.patch("/associations/{associationId}")
async def patch_association(associationId: str, call: TpWriteDep) -> Response:
    """Flow 2.4: cancel a Deelname (`state: canceled`); TA removes its person data."""
    await call.tx.write(lambda uow: sessions.cancel_deelname(uow, call.caller, associationId, call.inbound))
    return json_response({**association_accepted(associationId, []), "state": "canceled"})


@router.get("/associations/{associationId}")
async def get_association(associationId: str, call: TpReadDep, expand: str | None = None) -> dict[str, Any]:
    """Flows 2.6, 3.4: a Deelname with its result, if any; `expand=person` or `offering` inlines them."""
    expanded = expansions(expand, ("person", "offering"))
    return await call.tx.read(lambda uow: reads.read_deelname(uow, call.caller, associationId, expanded))


@router.get("/associations/{associationId}/url")
async def get_access_link(associationId: str, call: TpLinkDep) -> Response:
    """Flow 2.7: the start link (a JSON string) for a student or staff member of the Zitting."""
    link = await call.tx.read(
        lambda uow: reads.access_link(uow, call.caller, associationId, base_url=call.base_url, key=call.key)
    )
    return json_response(link)


@start_router.get("/start/{associationId}", response_class=HTMLResponse)
async def start(associationId: str, request: Request, token: str = "") -> HTMLResponse:
    """Where an access link leads: the reference TA delivers no tests, it shows which session the link opens."""
    key = request.app.state.link_key
    visit = await request.app.state.transactions.read(lambda uow: reads.visit(uow, associationId, token, key))
    name, role = html.escape(visit.session_name), html.escape(visit.role)
    body = f"<!doctype html><title>{name}</title><h1>{name}</h1><p>Toegang als {role} ({visit.state}).</p>"
    return HTMLResponse(body)
