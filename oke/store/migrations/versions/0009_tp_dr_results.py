"""tp_dr_results: what TP forwards to DR per Deelname (flow 5), sent or held for an operator

Revision ID: 0009_tp_dr_results
Revises: 0008_deelnemerregistratie
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import oke.store.base

revision = "0009_tp_dr_results"
down_revision = "0008_deelnemerregistratie"
branch_labels = None
depends_on = None

#: JSON documents: JSONB on PostgreSQL, JSON text on SQLite (as `oke.store.base.Json`).
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "tp_dr_results",
        sa.Column("deelname_id", sa.String(length=128), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("toetsinschrijving_id", sa.String(length=128), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("association_id", sa.String(length=128), nullable=False),
        sa.Column("dr_peer", sa.String(length=128), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=1024), nullable=True),
        sa.Column("ta_score", sa.String(length=64), nullable=True),
        sa.Column("score", sa.String(length=64), nullable=True),
        sa.Column("override_score", sa.String(length=64), nullable=True),
        sa.Column("override_for", sa.String(length=64), nullable=True),
        sa.Column("result_version", sa.Integer(), nullable=False),
        sa.Column("body", JSON, nullable=True),
        sa.Column("updated_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["deelname_id"], ["tp_deelnames.deelname_id"], name=op.f("fk_tp_dr_results_deelname_id_tp_deelnames")
        ),
        sa.PrimaryKeyConstraint("deelname_id", name=op.f("pk_tp_dr_results")),
    )
    with op.batch_alter_table("tp_dr_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tp_dr_results_tenant_state"), ["tenant", "state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_tp_dr_results_tenant_toetsinschrijving_id"), ["tenant", "toetsinschrijving_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("tp_dr_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tp_dr_results_tenant_toetsinschrijving_id"))
        batch_op.drop_index(batch_op.f("ix_tp_dr_results_tenant_state"))
    op.drop_table("tp_dr_results")
