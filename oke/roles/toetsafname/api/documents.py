"""`/documents`: the files of TA's results and session reports (flows 3.3, 4.1), for the TP of their session."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Response

from oke.roles.toetsafname.api.deps import TpReadDep
from oke.roles.toetsafname.services import documents

router = APIRouter(tags=["documents"])


@router.get("/documents/{documentId}", response_class=Response)
async def get_document(documentId: str, call: TpReadDep) -> Response:
    """Flow 3.3: the file's bytes, with its media type and file name; 404 for anyone but its TP."""
    stored = await call.tx.read(lambda uow: documents.read_document(uow, call.caller, documentId))
    headers = {"content-disposition": disposition(stored.name)}
    return Response(stored.data, media_type=stored.media_type, headers=headers)


def disposition(name: str) -> str:
    """An attachment with its name: plain ASCII for old clients, and exact in UTF-8 (RFC 6266)."""
    plain = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in name) or "document"
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"
