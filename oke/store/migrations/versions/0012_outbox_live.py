"""outbox_live: the relay and the snapshot rule look up live outbox rows (pending, parked) only, through
partial indexes that stay small however many delivered calls the table keeps

Revision ID: 0012_outbox_live
Revises: 0011_signing_key_ids
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_outbox_live"
down_revision = "0011_signing_key_ids"
branch_labels = None
depends_on = None

LIVE = sa.text("state IN ('pending', 'parked')")


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_messages_peer_key_id"))
        batch_op.create_index("ix_outbox_messages_live", ["id"], sqlite_where=LIVE, postgresql_where=LIVE)
        batch_op.create_index(
            "ix_outbox_messages_live_path", ["peer", "key", "path"], sqlite_where=LIVE, postgresql_where=LIVE
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_messages_live_path")
        batch_op.drop_index("ix_outbox_messages_live")
        batch_op.create_index(batch_op.f("ix_outbox_messages_peer_key_id"), ["peer", "key", "id"], unique=False)
