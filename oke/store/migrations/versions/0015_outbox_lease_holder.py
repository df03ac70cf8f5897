"""outbox_lease_holder: a relay's lease names its holder, so that the relay can renew the lease (a later
`lease_until`) while it delivers, and leases can be short

Revision ID: 0015_outbox_lease_holder
Revises: 0014_listed_enrolments
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_outbox_lease_holder"
down_revision = "0014_listed_enrolments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_holder", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("lease_holder")
