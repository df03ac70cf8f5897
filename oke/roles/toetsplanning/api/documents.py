"""`/documents/{documentId}`: the documents TA named in results and reports, re-exposed to DR (flows 3.3, 5)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Response

from oke.roles.toetsplanning.api.deps import DrReadDep
from oke.roles.toetsplanning.services import documents

router = APIRouter(tags=["documents"])


@router.get("/documents/{documentId}")
async def get_document(documentId: str, call: DrReadDep) -> Response:
    """Flow 5 (DR): a document of its school, by the `documentId` flow 5 named it by (TP's, not TA's: two TAs
    may use one id), once TP has fetched it from TA; 404 until then. Its media type is TA's (maybe text/html):
    `nosniff` and `attachment` keep a browser from running it as a page of TP's."""
    document = await call.tx.read(lambda uow: documents.read_document(uow, call.caller, documentId))
    name = document.name or document.document_id
    disposition = f"attachment; filename*=UTF-8''{quote(name, safe='')}"
    return Response(
        content=document.data or b"",
        media_type=document.media_type or documents.OCTET_STREAM,
        headers={"content-disposition": disposition, "x-content-type-options": "nosniff"},
    )
