"""The outbox: every outbound OOAPI call, written in the transaction of the change it announces.

A relay (`oke.outbox.relay`) delivers the rows later; operators see and retry them (`oke outbox`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from oke.store.base import Base, Json, UtcDateTime, utcnow

#: Waiting to be delivered (or being delivered, while `lease_until` lies ahead).
PENDING = "pending"
#: The peer answered 2xx.
DELIVERED = "delivered"
#: Refused by the peer or given up on: waits for an operator (`oke outbox retry`).
PARKED = "parked"
#: Replaced by a newer snapshot of the same object before it was sent; never sent.
SUPERSEDED = "superseded"
#: Parked, then given up for good by an operator (`oke outbox discard`): the later calls of its key go on.
DISCARDED = "discarded"


class OutboxState(StrEnum):
    """The states above, as an operator filters by them (`oke outbox list --state`)."""

    pending = PENDING
    delivered = DELIVERED
    parked = PARKED
    superseded = SUPERSEDED
    discarded = DISCARDED


#: The rows still to be sent or waiting for an operator: a small, moving part of a table that keeps every
#: delivered call. Written out literally, so that SQLite and PostgreSQL use the partial indexes below for
#: every query that repeats this condition.
LIVE = text("state IN ('pending', 'parked')")


class OutboxMessage(Base):
    """One outbound call to `peer`; calls with the same (peer, key) are delivered in `id` order."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    tenant: Mapped[str] = mapped_column(String(128))
    #: The name of the peer system the call goes to.
    peer: Mapped[str] = mapped_column(String(128))
    #: What the call is, e.g. "flow2" (a session's PUT), "flow5", "documents.fetch".
    kind: Mapped[str] = mapped_column(String(64))
    #: The ordering key, usually the object's id: one message in flight per (peer, key).
    key: Mapped[str] = mapped_column(String(256))
    method: Mapped[str] = mapped_column(String(8))
    #: Relative to the peer's base URL.
    path: Mapped[str] = mapped_column(String(1024))
    body: Mapped[Any | None] = mapped_column(Json, nullable=True)
    content_type: Mapped[str | None] = mapped_column(String(128), nullable=True)
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    #: Deliveries tried so far (a relay that died mid-delivery leaves its try uncounted).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    #: A claimed message belongs to one relay until then; after it, another relay takes it over.
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    #: Which relay's round holds the lease: only it records an outcome (its lease may be renewed meanwhile).
    lease_holder: Mapped[str | None] = mapped_column(String(32), nullable=True)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The peer's problem detail (application/problem+json) of the last failure.
    problem: Mapped[Any | None] = mapped_column(Json, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    __table_args__ = (
        Index(None, "state", "next_attempt_at"),
        # the relay walks the live rows in order; a newer snapshot looks up the one it replaces
        Index("ix_outbox_messages_live", "id", sqlite_where=LIVE, postgresql_where=LIVE),
        Index("ix_outbox_messages_live_path", "peer", "key", "path", sqlite_where=LIVE, postgresql_where=LIVE),
    )
