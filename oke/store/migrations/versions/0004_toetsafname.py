"""toetsafname: the reference TA's catalogue, received Zittingen and Deelnames, documents and secrets

Revision ID: 0004_toetsafname
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import oke.store.base

revision = "0004_toetsafname"
down_revision = "0001"
branch_labels = None
depends_on = None

#: JSON documents: JSONB on PostgreSQL, JSON text on SQLite (as `oke.store.base.Json`).
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "ta_components",
        sa.Column("component_id", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("created_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("component_id", name=op.f("pk_ta_components")),
    )
    op.create_table(
        "ta_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=256), nullable=False),
        sa.Column("created_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_ta_secrets")),
    )
    op.create_table(
        "ta_zittingen",
        sa.Column("offering_id", sa.String(length=128), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("tp_peer", sa.String(length=128), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("component_id", sa.String(length=128), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("report", JSON, nullable=True),
        sa.Column("created_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("offering_id", name=op.f("pk_ta_zittingen")),
    )
    with op.batch_alter_table("ta_zittingen", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ta_zittingen_tenant_tp_peer"), ["tenant", "tp_peer"], unique=False)

    op.create_table(
        "ta_deelnames",
        sa.Column("association_id", sa.String(length=128), nullable=False),
        sa.Column("offering_id", sa.String(length=128), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("tp_peer", sa.String(length=128), nullable=False),
        sa.Column("person_id", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("result", JSON, nullable=True),
        sa.Column("result_state", sa.String(length=16), nullable=True),
        sa.Column("created_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["offering_id"], ["ta_zittingen.offering_id"], name=op.f("fk_ta_deelnames_offering_id_ta_zittingen")
        ),
        sa.PrimaryKeyConstraint("association_id", name=op.f("pk_ta_deelnames")),
    )
    with op.batch_alter_table("ta_deelnames", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ta_deelnames_offering_id"), ["offering_id"], unique=False)

    op.create_table(
        "ta_documents",
        sa.Column("document_id", sa.String(length=128), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("tp_peer", sa.String(length=128), nullable=False),
        sa.Column("offering_id", sa.String(length=128), nullable=False),
        sa.Column("association_id", sa.String(length=128), nullable=True),
        sa.Column("document_type", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("media_type", sa.String(length=128), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["association_id"],
            ["ta_deelnames.association_id"],
            name=op.f("fk_ta_documents_association_id_ta_deelnames"),
        ),
        sa.ForeignKeyConstraint(
            ["offering_id"], ["ta_zittingen.offering_id"], name=op.f("fk_ta_documents_offering_id_ta_zittingen")
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_ta_documents")),
    )
    with op.batch_alter_table("ta_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ta_documents_offering_id"), ["offering_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ta_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ta_documents_offering_id"))

    op.drop_table("ta_documents")
    with op.batch_alter_table("ta_deelnames", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ta_deelnames_offering_id"))

    op.drop_table("ta_deelnames")
    with op.batch_alter_table("ta_zittingen", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ta_zittingen_tenant_tp_peer"))

    op.drop_table("ta_zittingen")
    op.drop_table("ta_secrets")
    op.drop_table("ta_components")
