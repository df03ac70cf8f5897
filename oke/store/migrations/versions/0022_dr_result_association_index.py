"""An index of tp_dr_results on (tenant, association_id): DR's push and TP's pull of flow 1 ask whether an association
is one TP created at DR for an extra attempt (flow 5.2), and must not read the school's every result to know

Revision ID: 0022_dr_result_association_index
Revises: 0021_unbounded_peer_text
"""

from __future__ import annotations

from alembic import op

revision = "0022_dr_result_association_index"
down_revision = "0021_unbounded_peer_text"
branch_labels = None
depends_on = None

_NAME = "ix_tp_dr_results_tenant_association_id"


def upgrade() -> None:
    with op.batch_alter_table("tp_dr_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f(_NAME), ["tenant", "association_id"])


def downgrade() -> None:
    with op.batch_alter_table("tp_dr_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(_NAME))
