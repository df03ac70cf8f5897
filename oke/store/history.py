"""Recording accepted messages in the immutable history (spec reference 12.4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert

from oke.store.base import utcnow
from oke.store.tables.messages import ReceivedMessage
from oke.store.uow import UnitOfWork

_INSERT = insert(ReceivedMessage)


@dataclass(frozen=True)
class Inbound:
    """A write as it reached the server: the parsed body and the text it was parsed from."""

    method: str
    path: str
    body: dict[str, Any]
    raw: str


@dataclass(frozen=True)
class Sender:
    """Who sent a message, as the history keeps it."""

    tenant: str
    client_id: str
    peer: str


class History:
    """Appends history rows in the unit of work's transaction, so a message is kept iff its change is.

    Plain rows, not ORM objects: they are written once, at the commit, and never read back here.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def record(
        self,
        sender: Sender,
        inbound: Inbound,
        *,
        flow: str,
        object_type: str,
        object_id: str,
        notes: list[str],
    ) -> None:
        self._uow.append(
            _INSERT,
            {
                "received_at": utcnow(),
                "tenant": sender.tenant,
                "client_id": sender.client_id,
                "peer": sender.peer,
                "flow": flow,
                "method": inbound.method,
                "path": inbound.path,
                "object_type": object_type,
                "object_id": object_id,
                "body": inbound.raw,
                "notes": notes,
            },
        )
