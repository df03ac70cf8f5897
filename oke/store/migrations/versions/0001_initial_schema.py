"""initial schema

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import oke.store.base

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oauth_clients",
        sa.Column("client_id", sa.String(length=128), nullable=False),
        sa.Column("secret_hash", sa.String(length=256), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("peer", sa.String(length=128), nullable=False),
        sa.Column("scopes", sa.String(length=512), nullable=False),
        sa.Column("created_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_oauth_clients")),
    )
    op.create_table(
        "received_messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("received_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("client_id", sa.String(length=128), nullable=False),
        sa.Column("peer", sa.String(length=128), nullable=False),
        sa.Column("flow", sa.String(length=8), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.String(length=128), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "notes", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_received_messages")),
    )
    with op.batch_alter_table("received_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_received_messages_tenant_object_type_object_id"),
            ["tenant", "object_type", "object_id"],
            unique=False,
        )

    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("private_pem", sa.Text(), nullable=False),
        sa.Column("created_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("retired_at", oke.store.base.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_signing_keys")),
    )
    op.create_table(
        "tp_dr_associations",
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("association_id", sa.String(length=128), nullable=False),
        sa.Column("association_type", sa.String(length=32), nullable=False),
        sa.Column("offering_id", sa.String(length=128), nullable=False),
        sa.Column("person_id", sa.String(length=128), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column(
            "data", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("created_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "association_id", name=op.f("pk_tp_dr_associations")),
    )
    with op.batch_alter_table("tp_dr_associations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tp_dr_associations_tenant_offering_id"), ["tenant", "offering_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tp_dr_associations_tenant_person_id"), ["tenant", "person_id"], unique=False
        )

    op.create_table(
        "tp_dr_offerings",
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("offering_id", sa.String(length=128), nullable=False),
        sa.Column("offering_type", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column(
            "data", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("created_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "offering_id", name=op.f("pk_tp_dr_offerings")),
    )
    op.create_table(
        "tp_dr_persons",
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("person_id", sa.String(length=128), nullable=False),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True),
        sa.Column("removed_at", oke.store.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "person_id", name=op.f("pk_tp_dr_persons")),
    )
    op.create_table(
        "tp_zittingen",
        sa.Column("zitting_id", sa.String(length=128), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("ta_peer", sa.String(length=128), nullable=False),
        sa.Column("planbare_toets_id", sa.String(length=128), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column(
            "data", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "report", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column("report_received_at", oke.store.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("zitting_id", name=op.f("pk_tp_zittingen")),
    )
    with op.batch_alter_table("tp_zittingen", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tp_zittingen_tenant_ta_peer"), ["tenant", "ta_peer"], unique=False)

    op.create_table(
        "tp_deelnames",
        sa.Column("deelname_id", sa.String(length=128), nullable=False),
        sa.Column("zitting_id", sa.String(length=128), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("person_id", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("toetsinschrijving_id", sa.String(length=128), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=True),
        sa.Column(
            "data", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "result", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column("result_received_at", oke.store.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("result_version", sa.Integer(), nullable=False),
        sa.Column("created_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["zitting_id"], ["tp_zittingen.zitting_id"], name=op.f("fk_tp_deelnames_zitting_id_tp_zittingen")
        ),
        sa.PrimaryKeyConstraint("deelname_id", name=op.f("pk_tp_deelnames")),
    )
    with op.batch_alter_table("tp_deelnames", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tp_deelnames_tenant_toetsinschrijving_id"), ["tenant", "toetsinschrijving_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_tp_deelnames_zitting_id"), ["zitting_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tp_deelnames", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tp_deelnames_zitting_id"))
        batch_op.drop_index(batch_op.f("ix_tp_deelnames_tenant_toetsinschrijving_id"))

    op.drop_table("tp_deelnames")
    with op.batch_alter_table("tp_zittingen", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tp_zittingen_tenant_ta_peer"))

    op.drop_table("tp_zittingen")
    op.drop_table("tp_dr_persons")
    op.drop_table("tp_dr_offerings")
    with op.batch_alter_table("tp_dr_associations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tp_dr_associations_tenant_person_id"))
        batch_op.drop_index(batch_op.f("ix_tp_dr_associations_tenant_offering_id"))

    op.drop_table("tp_dr_associations")
    op.drop_table("signing_keys")
    with op.batch_alter_table("received_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_received_messages_tenant_object_type_object_id"))

    op.drop_table("received_messages")
    op.drop_table("oauth_clients")
