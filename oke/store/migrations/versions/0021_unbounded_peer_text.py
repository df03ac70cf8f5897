"""Text a peer sends that is no id is stored whole: TA's score (and the score sent, and the TA score an operator's
score was given for) and the media type TA served a document with. PostgreSQL refused a longer one than the old
varchar(n), and the standard sets no maximum (PDF Tabel 4.3.D `score`); a score that fits no scale is held for an
operator, whatever its length (docs/vendors.md).

Revision ID: 0021_unbounded_peer_text
Revises: 0020_zitting_toets_index
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_unbounded_peer_text"
down_revision = "0020_zitting_toets_index"
branch_labels = None
depends_on = None

#: The columns made unbounded, by table, with their old length.
_COLUMNS = {
    "tp_dr_results": {"ta_score": 64, "score": 64, "override_for": 64},
    "tp_documents": {"media_type": 255},
}


def upgrade() -> None:
    for table, columns in _COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, length in columns.items():
                batch_op.alter_column(column, existing_type=sa.String(length=length), type_=sa.Text())


def downgrade() -> None:
    """Back to the old lengths; a longer value is cut to fit (SQLite would keep it, PostgreSQL refuse the change)."""
    for table, columns in _COLUMNS.items():
        for column, length in columns.items():
            op.execute(f"UPDATE {table} SET {column} = substr({column}, 1, {length}) WHERE length({column}) > {length}")
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, length in columns.items():
                batch_op.alter_column(column, existing_type=sa.Text(), type_=sa.String(length=length))
