"""peers: a TA calls back the TP that planned a session (flows 3, 4), so `tp` is a peer role too

Revision ID: 0006_tp_peers
Revises: 0005_merge
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_tp_peers"
down_revision = "0005_merge"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _role_check("role IN ('ta', 'dr', 'tp')")


def downgrade() -> None:
    _role_check("role IN ('ta', 'dr')")


def _role_check(condition: str) -> None:
    """Replace the role check; on SQLite, which cannot alter a check, batch mode copies the table."""
    with op.batch_alter_table("peers", recreate="auto") as batch:
        batch.drop_constraint(op.f("ck_peers_role"), type_="check")
        batch.create_check_constraint(op.f("ck_peers_role"), sa.text(condition))
