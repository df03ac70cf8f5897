"""Tables of the Toetsplanning role: DR's flow 1 objects, TP's own Zittingen and Deelnames.

Objects of DR are keyed by (tenant, DR id), so a guessed id of another school never matches.
Current state is a JSON document (the merged messages); the columns are what TP queries on.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oke.store.base import ID, Base, Json, Timestamps, UtcDateTime, utcnow


class DrOffering(Timestamps, Base):
    """A planbare toets (component) or a program/course offering pushed or pulled from DR (flow 1)."""

    __tablename__ = "tp_dr_offerings"

    tenant: Mapped[str] = mapped_column(ID, primary_key=True)
    offering_id: Mapped[str] = mapped_column(ID, primary_key=True)
    offering_type: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="active")
    data: Mapped[dict[str, Any]] = mapped_column(Json)


class DrAssociation(Timestamps, Base):
    """A Toetsinschrijving (component) or a program/course enrolment of DR (flow 1)."""

    __tablename__ = "tp_dr_associations"

    tenant: Mapped[str] = mapped_column(ID, primary_key=True)
    association_id: Mapped[str] = mapped_column(ID, primary_key=True)
    association_type: Mapped[str] = mapped_column(String(32))
    offering_id: Mapped[str] = mapped_column(ID)
    person_id: Mapped[str] = mapped_column(ID)
    state: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(Json)

    __table_args__ = (
        Index(None, "tenant", "offering_id"),
        Index(None, "tenant", "person_id"),
    )


class DrPerson(Timestamps, Base):
    """A person of DR; `data` is emptied (but the id kept) when TP must remove the person data."""

    __tablename__ = "tp_dr_persons"

    tenant: Mapped[str] = mapped_column(ID, primary_key=True)
    person_id: Mapped[str] = mapped_column(ID, primary_key=True)
    data: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Zitting(Timestamps, Base):
    """A session TP planned at one TA (flow 2); `report` is the merged session report (flow 4)."""

    __tablename__ = "tp_zittingen"

    zitting_id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant: Mapped[str] = mapped_column(ID)
    ta_peer: Mapped[str] = mapped_column(ID)
    planbare_toets_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="active")
    data: Mapped[dict[str, Any]] = mapped_column(Json)
    #: The `startDateTime` of `data`, in UTC: what a planner's listing filters and orders on.
    start_at: Mapped[datetime] = mapped_column(UtcDateTime)
    report: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)
    report_received_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    deelnames: Mapped[list[Deelname]] = relationship(back_populates="zitting")

    __table_args__ = (
        Index(None, "tenant", "ta_peer"),
        Index(None, "tenant", "start_at", "zitting_id"),
        #: One planbare toets's sessions: a planner's listing of them, and DR cancelling the toets.
        Index(None, "tenant", "planbare_toets_id", "start_at", "zitting_id"),
    )


class Deelname(Timestamps, Base):
    """A participation in a Zitting (flow 2), linked to DR's Toetsinschrijving and attempt; `result` is flow 3."""

    __tablename__ = "tp_deelnames"

    deelname_id: Mapped[str] = mapped_column(ID, primary_key=True)
    zitting_id: Mapped[str] = mapped_column(ForeignKey("tp_zittingen.zitting_id"))
    tenant: Mapped[str] = mapped_column(ID)
    person_id: Mapped[str] = mapped_column(ID)
    role: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="associated")
    toetsinschrijving_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    attempt: Mapped[int | None] = mapped_column(Integer, nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(Json)
    result: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)
    result_received_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    #: Counts accepted result messages: the version of the result snapshot.
    result_version: Mapped[int] = mapped_column(Integer, default=0)

    zitting: Mapped[Zitting] = relationship(back_populates="deelnames")

    __table_args__ = (
        Index(None, "zitting_id"),
        Index(None, "tenant", "toetsinschrijving_id"),
    )


#: The namespace of `dr_document_id`: fixed for good, as DR keeps the ids made in it.
DR_DOCUMENTS = uuid.UUID("d955b5f0-1805-4773-a8a0-2927b7ed3cb8")


def dr_document_id(tenant: str, ta_peer: str, document_id: str) -> str:
    """The `documentId` DR knows a document of TA's by (flow 5, `GET /documents/{documentId}` at TP).

    TA's own id is unique only at that TA: two TAs of a school may both name a document "123454". A UUIDv5 of
    (school, TA, TA's id) names one document of one TA, and TP makes it from the result alone, so flow 5 needs
    no lookup, even for a document named in the same transaction or batch (and the migration that added it
    gave the documents TP had the same ids). It is a UUID, as the YAML's `documentId` is. It must never change:
    DR keeps the ids TP sent.
    """
    return str(uuid.uuid5(DR_DOCUMENTS, json.dumps([tenant, ta_peer, document_id])))


class TpDocument(Base):
    """A document TA named in a result (flow 3) or report (flow 4), fetched from TA to re-expose to DR (3.3).

    The row is written when the document is first named; `data` stays empty until the outbox fetched it.
    TP fetches it from TA by TA's `document_id` and serves it to DR by `dr_document_id`.
    """

    __tablename__ = "tp_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(ID)
    document_id: Mapped[str] = mapped_column(ID)
    ta_peer: Mapped[str] = mapped_column(ID)
    dr_document_id: Mapped[str] = mapped_column(String(36), unique=True, index=True)
    zitting_id: Mapped[str] = mapped_column(ID)
    deelname_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    document_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    name: Mapped[str | None] = mapped_column(String(512), nullable=True)
    #: As TA served it (its `Content-Type`), served again to DR: TA may name any type.
    media_type: Mapped[str | None] = mapped_column(Text, nullable=True)
    data: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    fetched_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    __table_args__ = (
        UniqueConstraint("tenant", "ta_peer", "document_id"),
        Index(None, "tenant", "document_id"),
    )


class TpComponent(Base):
    """A test of a TA's catalogue (flow 0) as TP last read it; a withdrawn test is kept as `inactive`."""

    __tablename__ = "tp_components"

    ta_peer: Mapped[str] = mapped_column(ID, primary_key=True)
    component_id: Mapped[str] = mapped_column(ID, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    data: Mapped[dict[str, Any]] = mapped_column(Json)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


#: The longest reason TP keeps for holding a result.
REASON_LENGTH = 1024


class DrResult(Base):
    """What TP decided to tell DR about a Deelname's result (flow 5): sent through the outbox, or held.

    One row per Deelname of a Toetsinschrijving DR expects a result for. `association_id` is where DR
    gets it: DR's enrolment itself for its own attempt (PATCH), or the id TP created for an extra attempt
    (PUT), kept so that every later update of that attempt goes to the same id. TA's score and the score
    sent are both kept when they differ (a conversion); an operator's `override_score` stands in for a
    score that does not fit (with `override_pass`), for as long as TA's score is the one it was given for.
    """

    __tablename__ = "tp_dr_results"

    deelname_id: Mapped[str] = mapped_column(ForeignKey("tp_deelnames.deelname_id"), primary_key=True)
    tenant: Mapped[str] = mapped_column(ID)
    toetsinschrijving_id: Mapped[str] = mapped_column(ID)
    attempt: Mapped[int] = mapped_column(Integer)
    association_id: Mapped[str] = mapped_column(ID)
    dr_peer: Mapped[str | None] = mapped_column(ID, nullable=True)
    #: `sent` (queued in the outbox) or `held` for an operator, with `reason`.
    state: Mapped[str] = mapped_column(String(16))
    #: oke's own text for an operator, quoting TA's values cut short (`scores.quoted`), and cut to fit at worst.
    reason: Mapped[str | None] = mapped_column(String(REASON_LENGTH), nullable=True)
    #: TA's score, and the score sent (TA's, or converted): a score that is no value of a scale is kept and held.
    ta_score: Mapped[str | None] = mapped_column(Text, nullable=True)
    score: Mapped[str | None] = mapped_column(Text, nullable=True)
    override_score: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: The TA score the override was given for: a new score from TA is judged afresh.
    override_for: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The operator's `pass` with `override_score`; None: the score's own (pass-or-fail), else `unknown`.
    override_pass: Mapped[str | None] = mapped_column(String(16), nullable=True)
    #: The Deelname's `result_version` this decision reflects.
    result_version: Mapped[int] = mapped_column(Integer)
    #: The last body queued for DR (kept while a newer result is held), with its nulls: the next PATCH to the
    #: association, of this Deelname or another one there, removes what it set and that result lacks (`flow5`).
    #: None: nothing was sent yet.
    body: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        # The results listing pages by (updated_at, deelname_id), with or without `state` (migration 0013).
        Index(None, "tenant", "updated_at", "deelname_id"),
        Index(None, "tenant", "state", "updated_at", "deelname_id"),
        Index(None, "tenant", "toetsinschrijving_id"),
        # flow 1 (DR's push, TP's pull) tells TP's extra-attempt associations from DR's enrolments (migration 0022)
        Index(None, "tenant", "association_id"),
    )
