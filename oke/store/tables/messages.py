"""The immutable history of every message a server accepted: who sent it, when, the body as received."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from oke.store.base import Base, Json, UtcDateTime, utcnow


class ReceivedMessage(Base):
    """One accepted write; never updated. `notes` says what was normalised or remarkable."""

    __tablename__ = "received_messages"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    tenant: Mapped[str] = mapped_column(String(128))
    client_id: Mapped[str] = mapped_column(String(128))
    peer: Mapped[str] = mapped_column(String(128))
    flow: Mapped[str] = mapped_column(String(8))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(512))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(128))
    body: Mapped[str] = mapped_column(Text)
    notes: Mapped[list[Any]] = mapped_column(Json, default=list)

    __table_args__ = (
        Index(None, "tenant", "object_type", "object_id"),
        # The audit (`oke audit`): newest first per school, client or object, or within a time range.
        Index(None, "tenant", "id"),
        Index(None, "client_id", "id"),
        Index(None, "object_id", "id"),
        Index(None, "received_at"),
    )
