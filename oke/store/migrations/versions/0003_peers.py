"""peers: the TAs and DRs a server calls, with oke's credential at each

Revision ID: 0003_peers
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import oke.store.base

revision = "0003_peers"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "peers",
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("base_url", sa.String(length=512), nullable=False),
        sa.Column("token_url", sa.String(length=512), nullable=False),
        sa.Column("client_id", sa.String(length=256), nullable=False),
        sa.Column("secret", sa.String(length=512), nullable=False),
        sa.Column("scope", sa.String(length=512), nullable=True),
        sa.Column("nl_test_admin_version", sa.String(length=32), nullable=True),
        sa.Column("created_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('ta', 'dr')", name=op.f("ck_peers_role")),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_peers")),
    )


def downgrade() -> None:
    op.drop_table("peers")
