"""An index of tp_zittingen on (tenant, planbare_toets_id, start_at, zitting_id): a planner's listing of one planbare
toets's sessions pages on it, and DR cancelling a toets finds its sessions without reading the school's others

Revision ID: 0020_zitting_toets_index
Revises: 0019_zitting_start
"""

from __future__ import annotations

from alembic import op

revision = "0020_zitting_toets_index"
down_revision = "0019_zitting_start"
branch_labels = None
depends_on = None

_NAME = "ix_tp_zittingen_tenant_planbare_toets_id_start_at_zitting_id"


def upgrade() -> None:
    with op.batch_alter_table("tp_zittingen", schema=None) as batch_op:
        batch_op.create_index(batch_op.f(_NAME), ["tenant", "planbare_toets_id", "start_at", "zitting_id"])


def downgrade() -> None:
    with op.batch_alter_table("tp_zittingen", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(_NAME))
