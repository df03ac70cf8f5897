"""override_pass: the `pass` an operator gives with the score of a held result, for DR (`oke results score
--pass`), where DR got `unknown` on every scale but pass-or-fail

Revision ID: 0017_override_pass
Revises: 0016_server_claim
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_override_pass"
down_revision = "0016_server_claim"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tp_dr_results", schema=None) as batch_op:
        batch_op.add_column(sa.Column("override_pass", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tp_dr_results", schema=None) as batch_op:
        batch_op.drop_column("override_pass")
