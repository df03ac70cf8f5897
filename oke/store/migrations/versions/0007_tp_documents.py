"""tp_documents and tp_components: documents TP fetched from TA (flow 3.3), TA catalogues TP read (flow 0)

Revision ID: 0007_tp_documents
Revises: 0006_tp_peers
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import oke.store.base

revision = "0007_tp_documents"
down_revision = "0006_tp_peers"
branch_labels = None
depends_on = None

#: JSON documents: JSONB on PostgreSQL, JSON text on SQLite (as `oke.store.base.Json`).
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "tp_documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("document_id", sa.String(length=128), nullable=False),
        sa.Column("ta_peer", sa.String(length=128), nullable=False),
        sa.Column("zitting_id", sa.String(length=128), nullable=False),
        sa.Column("deelname_id", sa.String(length=128), nullable=True),
        sa.Column("document_type", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=512), nullable=True),
        sa.Column("media_type", sa.String(length=255), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("fetched_at", oke.store.base.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tp_documents")),
        sa.UniqueConstraint(
            "tenant", "ta_peer", "document_id", name=op.f("uq_tp_documents_tenant_ta_peer_document_id")
        ),
    )
    with op.batch_alter_table("tp_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tp_documents_tenant_document_id"), ["tenant", "document_id"], unique=False)
    op.create_table(
        "tp_components",
        sa.Column("ta_peer", sa.String(length=128), nullable=False),
        sa.Column("component_id", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("fetched_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("ta_peer", "component_id", name=op.f("pk_tp_components")),
    )


def downgrade() -> None:
    op.drop_table("tp_components")
    with op.batch_alter_table("tp_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tp_documents_tenant_document_id"))
    op.drop_table("tp_documents")
