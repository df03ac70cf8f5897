"""tp_zittingen.start_at: a session's `startDateTime` in UTC, which a planner's listing (`GET /planning/zittingen`)
filters and pages on; the sessions TP had get theirs from their data here

Revision ID: 0019_zitting_start
Revises: 0018_tp_document_ids
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

from oke.store.base import UtcDateTime

revision = "0019_zitting_start"
down_revision = "0018_tp_document_ids"
branch_labels = None
depends_on = None

_ZITTINGEN = sa.table(
    "tp_zittingen",
    sa.column("zitting_id", sa.String),
    sa.column("data", sa.JSON),
    sa.column("start_at", UtcDateTime),
)


def upgrade() -> None:
    with op.batch_alter_table("tp_zittingen", schema=None) as batch_op:
        batch_op.add_column(sa.Column("start_at", UtcDateTime(timezone=True), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.select(_ZITTINGEN.c.zitting_id, _ZITTINGEN.c.data))
    starts = [{"row": row.zitting_id, "start": datetime.fromisoformat(row.data["startDateTime"])} for row in rows]
    if starts:
        statement = sa.update(_ZITTINGEN).where(_ZITTINGEN.c.zitting_id == sa.bindparam("row"))
        connection.execute(statement.values(start_at=sa.bindparam("start")), starts)
    with op.batch_alter_table("tp_zittingen", schema=None) as batch_op:
        batch_op.alter_column("start_at", existing_type=UtcDateTime(timezone=True), nullable=False)
        batch_op.create_index(
            batch_op.f("ix_tp_zittingen_tenant_start_at_zitting_id"), ["tenant", "start_at", "zitting_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("tp_zittingen", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tp_zittingen_tenant_start_at_zitting_id"))
        batch_op.drop_column("start_at")
