"""Whose database this is: each server (TP, TA, DR) has its own, and a command for one refuses another's."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from oke.store.base import Base, UtcDateTime, utcnow


class ServerClaim(Base):
    """The server a database belongs to: one row, written by the first command that names its server."""

    __tablename__ = "server_claim"
    __table_args__ = (CheckConstraint("role IN ('tp', 'ta', 'dr')", name="role"),)

    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
