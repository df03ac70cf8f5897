"""deelnemerregistratie: the reference DR's organizations, programs, persons, offerings, enrolments (with
the results TP sent in flow 5), groups and memberships

Revision ID: 0008_deelnemerregistratie
Revises: 0007_tp_documents
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import oke.store.base

revision = "0008_deelnemerregistratie"
down_revision = "0007_tp_documents"
branch_labels = None
depends_on = None

#: JSON documents: JSONB on PostgreSQL, JSON text on SQLite (as `oke.store.base.Json`).
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "dr_enrolments",
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("association_id", sa.String(length=128), nullable=False),
        sa.Column("association_type", sa.String(length=32), nullable=False),
        sa.Column("offering_id", sa.String(length=128), nullable=False),
        sa.Column("person_id", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("enrolment_id", sa.String(length=128), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=8), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("result", JSON, nullable=True),
        sa.Column("result_state", sa.String(length=16), nullable=True),
        sa.Column("reported", JSON, nullable=True),
        sa.Column("tp_peer", sa.String(length=128), nullable=True),
        sa.Column("reported_at", oke.store.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "association_id", name=op.f("pk_dr_enrolments")),
    )
    with op.batch_alter_table("dr_enrolments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dr_enrolments_tenant_enrolment_id"), ["tenant", "enrolment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_dr_enrolments_tenant_offering_id"), ["tenant", "offering_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_dr_enrolments_tenant_person_id"), ["tenant", "person_id"], unique=False)

    op.create_table(
        "dr_groups",
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("group_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("created_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "group_id", name=op.f("pk_dr_groups")),
    )
    op.create_table(
        "dr_memberships",
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("group_id", sa.String(length=128), nullable=False),
        sa.Column("person_id", sa.String(length=128), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("created_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "group_id", "person_id", name=op.f("pk_dr_memberships")),
    )
    op.create_table(
        "dr_offerings",
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("offering_id", sa.String(length=128), nullable=False),
        sa.Column("offering_type", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("created_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "offering_id", name=op.f("pk_dr_offerings")),
    )
    with op.batch_alter_table("dr_offerings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dr_offerings_tenant_offering_type_starts_on"),
            ["tenant", "offering_type", "starts_on"],
            unique=False,
        )

    op.create_table(
        "dr_organizations",
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("organization_id", sa.String(length=128), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("created_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "organization_id", name=op.f("pk_dr_organizations")),
    )
    op.create_table(
        "dr_persons",
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("person_id", sa.String(length=128), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("created_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "person_id", name=op.f("pk_dr_persons")),
    )
    op.create_table(
        "dr_programs",
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("program_id", sa.String(length=128), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("created_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "program_id", name=op.f("pk_dr_programs")),
    )


def downgrade() -> None:
    op.drop_table("dr_programs")
    op.drop_table("dr_persons")
    op.drop_table("dr_organizations")
    with op.batch_alter_table("dr_offerings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dr_offerings_tenant_offering_type_starts_on"))

    op.drop_table("dr_offerings")
    op.drop_table("dr_memberships")
    op.drop_table("dr_groups")
    with op.batch_alter_table("dr_enrolments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dr_enrolments_tenant_person_id"))
        batch_op.drop_index(batch_op.f("ix_dr_enrolments_tenant_offering_id"))
        batch_op.drop_index(batch_op.f("ix_dr_enrolments_tenant_enrolment_id"))

    op.drop_table("dr_enrolments")
