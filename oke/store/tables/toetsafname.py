"""Tables of the reference Toetsafname role: its catalogue (flow 0), what TPs sent it (flow 2), its documents.

Zittingen and Deelnames carry the ids TP made (PDF Tabel 4.0.F) and remember which TP (tenant and peer)
sent them: only that TP sees them again. Current state is the JSON document as received; the columns
are what TA queries on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from oke.store.base import ID, Base, Json, Timestamps, UtcDateTime, utcnow


class TaComponent(Timestamps, Base):
    """A test of TA's catalogue (flow 0): the Component as served; `status` is its nl-test-admin status."""

    __tablename__ = "ta_components"

    component_id: Mapped[str] = mapped_column(ID, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    data: Mapped[dict[str, Any]] = mapped_column(Json)


class TaZitting(Timestamps, Base):
    """A session a TP planned at this TA (flow 2.1); `report` is the session report TA sends back (flow 4)."""

    __tablename__ = "ta_zittingen"

    offering_id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant: Mapped[str] = mapped_column(ID)
    tp_peer: Mapped[str] = mapped_column(ID)
    state: Mapped[str] = mapped_column(String(16), default="active")
    component_id: Mapped[str] = mapped_column(ID)
    data: Mapped[dict[str, Any]] = mapped_column(Json)
    report: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)

    __table_args__ = (Index(None, "tenant", "tp_peer"),)


class TaDeelname(Timestamps, Base):
    """A participation in a Zitting (flow 2.2-2.4); `data` embeds the Person until it is cancelled.

    `result` is the participant's last result as TA sent it (flow 3), with the `null`s and `[]`s by which it removed
    what earlier ones set (reads show it without them); `result_state` its state for the `result-state` filter.
    """

    __tablename__ = "ta_deelnames"

    association_id: Mapped[str] = mapped_column(ID, primary_key=True)
    offering_id: Mapped[str] = mapped_column(ForeignKey("ta_zittingen.offering_id"))
    tenant: Mapped[str] = mapped_column(ID)
    tp_peer: Mapped[str] = mapped_column(ID)
    person_id: Mapped[str] = mapped_column(ID)
    role: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="associated")
    data: Mapped[dict[str, Any]] = mapped_column(Json)
    result: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)
    result_state: Mapped[str | None] = mapped_column(String(16), nullable=True)

    __table_args__ = (Index(None, "offering_id"),)


class TaDocument(Base):
    """A file TA made (flows 3 and 4), served to the TP of its Zitting by GET /documents/{documentId}."""

    __tablename__ = "ta_documents"

    document_id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant: Mapped[str] = mapped_column(ID)
    tp_peer: Mapped[str] = mapped_column(ID)
    offering_id: Mapped[str] = mapped_column(ForeignKey("ta_zittingen.offering_id"))
    association_id: Mapped[str | None] = mapped_column(ForeignKey("ta_deelnames.association_id"), nullable=True)
    document_type: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(256))
    media_type: Mapped[str] = mapped_column(String(128))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (Index(None, "offering_id"),)


class TaSecret(Base):
    """A secret TA makes once and keeps, such as the key that signs its access links (flow 2.7)."""

    __tablename__ = "ta_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
