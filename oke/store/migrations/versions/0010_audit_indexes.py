"""audit_indexes: the operator's audit (`oke audit`) filters the history by client, object and time

Revision ID: 0010_audit_indexes
Revises: 0009_tp_dr_results
"""

from __future__ import annotations

from alembic import op

revision = "0010_audit_indexes"
down_revision = "0009_tp_dr_results"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("received_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_received_messages_client_id_id"), ["client_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_received_messages_object_id_id"), ["object_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_received_messages_received_at"), ["received_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_received_messages_tenant_id"), ["tenant", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("received_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_received_messages_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_received_messages_received_at"))
        batch_op.drop_index(batch_op.f("ix_received_messages_object_id_id"))
        batch_op.drop_index(batch_op.f("ix_received_messages_client_id_id"))
