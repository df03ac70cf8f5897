"""listed_enrolments: the reference DR lists a planbare toets's Toetsinschrijvingen in id order on an index
(tenant, offering_id, created_by, association_id), no longer sorting them all for each page

Revision ID: 0014_listed_enrolments
Revises: 0013_paged_results
"""

from __future__ import annotations

from alembic import op

revision = "0014_listed_enrolments"
down_revision = "0013_paged_results"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dr_enrolments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dr_enrolments_tenant_offering_id"))
        batch_op.create_index(
            batch_op.f("ix_dr_enrolments_tenant_offering_id_created_by_association_id"),
            ["tenant", "offering_id", "created_by", "association_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("dr_enrolments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dr_enrolments_tenant_offering_id_created_by_association_id"))
        batch_op.create_index(
            batch_op.f("ix_dr_enrolments_tenant_offering_id"), ["tenant", "offering_id"], unique=False
        )
