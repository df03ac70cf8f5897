"""paged_results: TP's results for DR (`GET /planning/results`, `oke results list`) are paged by
(updated_at, deelname_id) per school, with or without a state

Revision ID: 0013_paged_results
Revises: 0012_outbox_live
"""

from __future__ import annotations

from alembic import op

revision = "0013_paged_results"
down_revision = "0012_outbox_live"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tp_dr_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tp_dr_results_tenant_state"))
        batch_op.create_index(
            batch_op.f("ix_tp_dr_results_tenant_updated_at_deelname_id"),
            ["tenant", "updated_at", "deelname_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_tp_dr_results_tenant_state_updated_at_deelname_id"),
            ["tenant", "state", "updated_at", "deelname_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("tp_dr_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tp_dr_results_tenant_state_updated_at_deelname_id"))
        batch_op.drop_index(batch_op.f("ix_tp_dr_results_tenant_updated_at_deelname_id"))
        batch_op.create_index(batch_op.f("ix_tp_dr_results_tenant_state"), ["tenant", "state"], unique=False)
