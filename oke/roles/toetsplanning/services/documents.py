"""Documents (flow 3.3): TA names them in results and reports; TP fetches each once and re-exposes it to DR.

A document is fetched by id from the TA peer's configured base URL only (`GET /documents/{id}`): a
draft-era `documentUrl` could point at any host, so it is never followed. It stays in the stored result (TA
reads back what it sent) but never goes to DR: flow 5 names each document by the standard's fields alone.
The fetch leaves through the outbox: it is retried (or parked) by the relay and never blocks the message. A TA
may write a document a little after it names it, so a 404 is tried again for a while (`fetch_patience`).

TA's `documentId` is unique only at that TA, so DR knows a document by an id of TP's (`dr_document_id`):
flow 5 names it, and TP serves the document under it. TA's id stays what TP fetches by, what TA reads back
and what TP's history holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, update

from oke.auth.caller import Caller
from oke.errors import NotFound
from oke.ooapi.common import nl_test_admin_block
from oke.ooapi.documents import ResultDocument
from oke.outbox.delivery import Delivery, OutboundMessage
from oke.outbox.retry import Patience
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.tables.toetsplanning import TpDocument, dr_document_id

#: The outbox kind of a document fetch; its key is the document id.
FETCH = "documents.fetch"
#: What a document of a result is in the standard (`documentId`, `documentType`, `documentName`): all DR gets.
DOCUMENT_FIELDS = tuple(ResultDocument.model_fields)
OCTET_STREAM = "application/octet-stream"


def queue_fetches(
    uow: ToetsplanningUnitOfWork,
    *,
    tenant: str,
    ta_peer: str,
    zitting_id: str,
    deelname_id: str | None,
    documents: Any,
) -> None:
    """Queue one fetch per named document TP does not know yet, in the caller's transaction. Which ones TP
    knows is decided when the transaction writes them: for all the messages of a batch with one statement."""
    for entry in _named(documents):
        document_id = entry["documentId"]
        fetch = uow.outbox.message(
            tenant=tenant,
            peer=ta_peer,
            kind=FETCH,
            key=document_id,
            method="GET",
            path=f"/documents/{quote(document_id, safe='')}",
        )
        uow.repo.add_document(
            fetch,
            tenant=tenant,
            document_id=document_id,
            ta_peer=ta_peer,
            dr_document_id=dr_document_id(tenant, ta_peer, document_id),
            zitting_id=zitting_id,
            deelname_id=deelname_id,
            document_type=_text(entry.get("documentType")),
            name=_text(entry.get("documentName")),
        )


def fetch_patience(minutes: float) -> Patience:
    """A fetch TA answers 404 is tried again, with the usual backoff, until `minutes` after the message that named
    the document (`Settings.document_wait_minutes`): a real TA often writes its PDFs after it sends the result.
    Then it is parked for an operator, and a 404 to any other message still parks at once."""
    return Patience(frozenset({HTTPStatus.NOT_FOUND}), minutes * 60, "the document does not exist at TA")


def keep_fetched(connection: Connection, message: OutboundMessage, delivery: Delivery) -> None:
    """The relay's `on_delivered` of a fetch (`FETCH`): store the document's bytes in the transaction that marks
    the fetch delivered."""
    media_type = (delivery.header("content-type") or OCTET_STREAM).split(";")[0].strip() or OCTET_STREAM
    connection.execute(
        update(TpDocument)
        .where(
            TpDocument.tenant == message.tenant,
            TpDocument.ta_peer == message.peer,
            TpDocument.document_id == message.key,
        )
        .values(data=delivery.body, media_type=media_type, fetched_at=datetime.now(UTC))
    )


def named_for_dr(result: dict[str, Any], *, tenant: str, ta_peer: str) -> dict[str, Any]:
    """TA's `result` with each document of its nl-test-admin block named by the id DR knows it by (flow 5), with
    the standard's fields only: a draft-era `documentUrl` would point DR at a host TA chose."""
    block = nl_test_admin_block(result.get("consumers"))
    if block is None or not isinstance(block.get("documents"), list):
        return result
    renamed = [_for_dr(entry, tenant, ta_peer) if _fetchable(entry) else entry for entry in block["documents"]]
    consumers = [{**c, "documents": renamed} if c is block else c for c in result["consumers"]]
    return result | {"consumers": consumers}


def read_document(uow: ToetsplanningUnitOfWork, caller: Caller, document_id: str) -> TpDocument:
    """A fetched document of the caller's school, by the id flow 5 named it by; not found while not fetched.

    TA's own id still names the document where it names just one of the school: flow 5 messages sent before
    TP gave documents ids of their own (migration 0018) carry TA's ids. Where TAs of the school share the
    id, it names none: DR gets a 404, never another TA's file (possibly another student's).
    """
    with uow:
        document = uow.repo.document_for_dr(caller.tenant, document_id)
        if document is None:
            named = uow.repo.documents_named(caller.tenant, document_id)
            if len(named) > 1:
                raise NotFound(
                    f"{document_id} is TA's id of documents of more than one TA of the school: ask for the "
                    "documentId TP's flow 5 message names"
                )
            document = named[0] if named else None
        if document is None:
            raise NotFound(f"no document {document_id}")
        if document.data is None:
            raise NotFound(f"document {document_id} is not fetched from TA yet")
        uow.session.expunge(document)
        return document


def _for_dr(entry: dict[str, Any], tenant: str, ta_peer: str) -> dict[str, Any]:
    standard = {name: entry[name] for name in DOCUMENT_FIELDS if name in entry}
    return standard | {"documentId": dr_document_id(tenant, ta_peer, entry["documentId"])}


def _named(documents: Any) -> Iterable[dict[str, Any]]:
    for entry in documents if isinstance(documents, list) else ():
        if _fetchable(entry):
            yield entry


def _fetchable(entry: Any) -> bool:
    """A document entry with an id to fetch it by."""
    return isinstance(entry, dict) and isinstance(entry.get("documentId"), str) and bool(entry["documentId"])


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
