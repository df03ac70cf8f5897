"""server_claim: the server (tp, ta or dr) a database belongs to, so that a command for one server refuses
another's database (a shared `OKE_DATABASE_URL`, a mistyped `--database-url`)

Revision ID: 0016_server_claim
Revises: 0015_outbox_lease_holder
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oke.store.base import UtcDateTime

revision = "0016_server_claim"
down_revision = "0015_outbox_lease_holder"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_claim",
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("claimed_at", UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('tp', 'ta', 'dr')", name=op.f("ck_server_claim_role")),
        sa.PrimaryKeyConstraint("role", name=op.f("pk_server_claim")),
    )


def downgrade() -> None:
    op.drop_table("server_claim")
