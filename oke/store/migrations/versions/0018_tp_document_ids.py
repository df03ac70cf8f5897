"""tp_documents.dr_document_id: the id DR knows a fetched document by, unique where TA's id is unique only at
that TA (two TAs of a school could both name a document "123454"); the documents TP had get theirs here

Revision ID: 0018_tp_document_ids
Revises: 0017_override_pass
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oke.store.tables.toetsplanning import dr_document_id

revision = "0018_tp_document_ids"
down_revision = "0017_override_pass"
branch_labels = None
depends_on = None

_DOCUMENTS = sa.table(
    "tp_documents",
    sa.column("id", sa.Integer),
    sa.column("tenant", sa.String),
    sa.column("ta_peer", sa.String),
    sa.column("document_id", sa.String),
    sa.column("dr_document_id", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("tp_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dr_document_id", sa.String(length=36), nullable=True))
    connection = op.get_bind()
    columns = _DOCUMENTS.c
    rows = connection.execute(sa.select(columns.id, columns.tenant, columns.ta_peer, columns.document_id))
    ids = [{"row": row.id, "dr_id": dr_document_id(row.tenant, row.ta_peer, row.document_id)} for row in rows]
    if ids:
        statement = sa.update(_DOCUMENTS).where(_DOCUMENTS.c.id == sa.bindparam("row"))
        connection.execute(statement.values(dr_document_id=sa.bindparam("dr_id")), ids)
    with op.batch_alter_table("tp_documents", schema=None) as batch_op:
        batch_op.alter_column("dr_document_id", existing_type=sa.String(length=36), nullable=False)
        batch_op.create_index(batch_op.f("ix_tp_documents_dr_document_id"), ["dr_document_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("tp_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tp_documents_dr_document_id"))
        batch_op.drop_column("dr_document_id")
