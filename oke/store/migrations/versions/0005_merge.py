"""One history again: the outbox, the peers and the reference TA were added side by side.

Revision ID: 0005_merge
Revises: 0002_outbox, 0003_peers, 0004_toetsafname
"""

from __future__ import annotations

revision = "0005_merge"
down_revision = ("0002_outbox", "0003_peers", "0004_toetsafname")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: the merge only joins the heads."""


def downgrade() -> None:
    """Nothing to change."""
