"""`/associations`: TP reads Toetsinschrijvingen (flow 1a) and returns their results (flow 5)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from oke.ooapi.messages import association_accepted
from oke.roles.deelnemerregistratie.api.deps import TpReadDep, TpWriteDep
from oke.roles.deelnemerregistratie.services import reads, results
from oke.web.query import expansions
from oke.web.responses import json_response

router = APIRouter(tags=["associations"])

#: `expand` of GET /associations/{id}: the YAML's person and offering, and the PDF's offering.* (PDF 3.1.2.1).
EXPANSIONS = ("person", "offering", "offering.program", "offering.organization")


@router.get("/associations/{associationId}")
async def get_association(associationId: str, call: TpReadDep, expand: str | None = None) -> dict[str, Any]:
    """Flow 1a: a Toetsinschrijving (with its result once TP sent one), or an Opleidings- or Deelinschrijving."""
    expanded = expansions(expand, EXPANSIONS, implied=("offering",))
    return await call.tx.read(lambda uow: reads.read_association(uow, call.tenant, associationId, expanded))


@router.patch("/associations/{associationId}")
async def patch_association(associationId: str, call: TpWriteDep) -> Response:
    """Flow 5.1: the result or attendance of a Toetsinschrijving (DR's id), or a later one of an extra attempt."""
    notes = await call.tx.write(
        lambda uow: results.receive_result(uow, call.caller, associationId, call.inbound, call.version)
    )
    return json_response({**association_accepted(associationId, notes), "state": "associated"})


@router.put("/associations/{associationId}", status_code=201)
async def put_association(associationId: str, call: TpWriteDep) -> Response:
    """Flow 5.2: an extra attempt (a new id made by TP) of a Toetsinschrijving, with its result: 201 created,
    200 replaced."""
    accepted = await call.tx.write(
        lambda uow: results.receive_attempt(uow, call.caller, associationId, call.inbound, call.version)
    )
    return Response(status_code=201 if accepted.created else 200)
