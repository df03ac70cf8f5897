"""Tables of the reference Deelnemerregistratie role: a school's records (flow 1 and 6) and TP's results (flow 5).

Every object is keyed by (tenant, DR id), so a guessed id of another school never matches. Current state
is the JSON document DR serves; the columns are what DR queries on. A Toetsinschrijving and each extra
attempt TP creates for it (flow 5.2) are rows of `dr_enrolments`; `enrolment_id` names DR's own
Toetsinschrijving for both, so that the results of every attempt are found together.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from oke.store.base import ID, Base, Json, Timestamps, UtcDateTime


class SchoolOrganization(Timestamps, Base):
    """An Organization of the school's tree (flow 1 context, flow 6 `offering.organization`)."""

    __tablename__ = "dr_organizations"

    tenant: Mapped[str] = mapped_column(ID, primary_key=True)
    organization_id: Mapped[str] = mapped_column(ID, primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(Json)


class SchoolProgram(Timestamps, Base):
    """An Opleidingsprogramma (Program): what `expand=offering.program` inlines (flows 1 and 6)."""

    __tablename__ = "dr_programs"

    tenant: Mapped[str] = mapped_column(ID, primary_key=True)
    program_id: Mapped[str] = mapped_column(ID, primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(Json)


class SchoolPerson(Timestamps, Base):
    """A student or staff member (Person, flow 1)."""

    __tablename__ = "dr_persons"

    tenant: Mapped[str] = mapped_column(ID, primary_key=True)
    person_id: Mapped[str] = mapped_column(ID, primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(Json)


class SchoolOffering(Timestamps, Base):
    """A planbare toets (component), an Opleiding (program) or an Opleidingsdeel (course).

    `starts_on` and `ends_on` are the offering's period in dates, for the `since`/`until` overlap of flow 1.
    """

    __tablename__ = "dr_offerings"

    tenant: Mapped[str] = mapped_column(ID, primary_key=True)
    offering_id: Mapped[str] = mapped_column(ID, primary_key=True)
    offering_type: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="active")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    data: Mapped[dict[str, Any]] = mapped_column(Json)

    __table_args__ = (Index(None, "tenant", "offering_type", "starts_on"),)


class SchoolEnrolment(Timestamps, Base):
    """An association: a Toetsinschrijving (DR's, or an extra attempt TP created in flow 5.2), an
    Opleidingsinschrijving or a Deelinschrijving.

    `created_by` is `dr` or `tp`; `attempt` is the attempt of a Toetsinschrijving. `result` is the current
    result (flow 5, merged), `reported` the nl-test-admin block TP sent with it (orgAssociationId, attempt,
    and in 1.1 planningState and testMomentEnrollmentDetails), `tp_peer` the TP that sent them.
    """

    __tablename__ = "dr_enrolments"

    tenant: Mapped[str] = mapped_column(ID, primary_key=True)
    association_id: Mapped[str] = mapped_column(ID, primary_key=True)
    association_type: Mapped[str] = mapped_column(String(32))
    offering_id: Mapped[str] = mapped_column(ID)
    person_id: Mapped[str] = mapped_column(ID)
    role: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))
    enrolment_id: Mapped[str] = mapped_column(ID)
    attempt: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by: Mapped[str] = mapped_column(String(8), default="dr")
    data: Mapped[dict[str, Any]] = mapped_column(Json)
    result: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)
    result_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    reported: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)
    tp_peer: Mapped[str | None] = mapped_column(ID, nullable=True)
    reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    __table_args__ = (
        # a planbare toets's Toetsinschrijvingen are listed (flow 1a pull) in id order, a page at a time: a
        # school-wide toets holds one per student, and sorting them all for every page made the listing quadratic
        Index(None, "tenant", "offering_id", "created_by", "association_id"),
        Index(None, "tenant", "person_id"),
        Index(None, "tenant", "enrolment_id"),
    )


class SchoolGroup(Timestamps, Base):
    """A Toetsgroep (Group, flow 1b); `name` is its Dutch name, for `q`."""

    __tablename__ = "dr_groups"

    tenant: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    data: Mapped[dict[str, Any]] = mapped_column(Json)


class SchoolMembership(Timestamps, Base):
    """A Groepslidmaatschap (MembershipItem, flow 1b): never deleted, ended by `state` or `endDateTime`."""

    __tablename__ = "dr_memberships"

    tenant: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID, primary_key=True)
    person_id: Mapped[str] = mapped_column(ID, primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(Json)
