"""Flow 3.3 / 4.1: the files TA makes (assessment forms, session reports), served only to the TP of their Zitting.

Files are never embedded in a message: flows 3 and 4 name them by `documentId`, and TP fetches them
with GET /documents/{documentId}. The session run (flows 3 and 4) stores them with `add_document`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from oke.auth.caller import Caller
from oke.errors import FieldError, InvalidContent, NotFound
from oke.ooapi.enums import OfferingDocumentType, ResultDocumentType
from oke.roles.toetsafname.uow import ToetsafnameUnitOfWork
from oke.store.tables.toetsafname import TaDocument

PDF = "application/pdf"


@dataclass(frozen=True)
class StoredDocument:
    document_id: str
    name: str
    media_type: str
    data: bytes


def add_document(
    uow: ToetsafnameUnitOfWork,
    *,
    tenant: str,
    offering_id: str,
    association_id: str | None,
    document_type: str,
    name: str,
    media_type: str,
    data: bytes,
) -> str:
    """Add a file in the caller's open unit of work (which commits it with the message naming it).

    A participation's file (flow 3) has a result documentType, a session's file (flow 4) an offering one.
    """
    zitting = uow.repo.zitting(offering_id)
    if zitting is None or zitting.tenant != tenant:
        raise NotFound(f"no session {offering_id} of {tenant}")
    if association_id is not None:
        deelname = uow.repo.deelname(association_id)
        if deelname is None or deelname.offering_id != offering_id:
            raise NotFound(f"no participation {association_id} in session {offering_id}")
    kinds = ResultDocumentType if association_id is not None else OfferingDocumentType
    if document_type not in {kind.value for kind in kinds}:
        allowed = ", ".join(kind.value for kind in kinds)
        raise InvalidContent(FieldError("/documentType", f"{document_type!r} is not one of {allowed} here"))
    if not name or len(name) > 256 or not media_type:
        raise InvalidContent(FieldError("/documentName", "a file needs a name of 1 to 256 characters and a media type"))
    document_id = str(uuid.uuid4())
    uow.repo.add(
        TaDocument(
            document_id=document_id,
            tenant=tenant,
            tp_peer=zitting.tp_peer,
            offering_id=offering_id,
            association_id=association_id,
            document_type=document_type,
            name=name,
            media_type=media_type,
            data=data,
        )
    )
    return document_id


def read_document(uow: ToetsafnameUnitOfWork, caller: Caller, document_id: str) -> StoredDocument:
    """Flow 3.3: a file, for the TP (school and system) whose session it belongs to; unknown to anyone else."""
    with uow:
        row = uow.repo.document(document_id)
        if row is None or row.tenant != caller.tenant or row.tp_peer != caller.peer:
            raise NotFound(f"no document {document_id}")
        return StoredDocument(row.document_id, row.name, row.media_type, bytes(row.data))
