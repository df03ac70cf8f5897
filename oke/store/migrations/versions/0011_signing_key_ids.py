"""signing_key_ids: key rotation (signing keys verify until their last token expires) and private_key_jwt
(clients' public keys, spent assertions, peers' private keys)

Revision ID: 0011_signing_key_ids
Revises: 0010_audit_indexes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import oke.store.base

revision = "0011_signing_key_ids"
down_revision = "0010_audit_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("signing_keys", sa.Column("verifies_until", oke.store.base.UtcDateTime(timezone=True), nullable=True))
    op.add_column("oauth_clients", sa.Column("jwks", sa.Text(), nullable=True))
    op.add_column("oauth_clients", sa.Column("jwks_url", sa.String(length=512), nullable=True))
    op.add_column("peers", sa.Column("private_key_pem", sa.Text(), nullable=True))
    op.create_table(
        "oauth_used_assertions",
        sa.Column("client_id", sa.String(length=128), nullable=False),
        sa.Column("jti", sa.String(length=256), nullable=False),
        sa.Column("expires_at", oke.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("client_id", "jti", name=op.f("pk_oauth_used_assertions")),
    )
    op.create_index(op.f("ix_oauth_used_assertions_expires_at"), "oauth_used_assertions", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_oauth_used_assertions_expires_at"), table_name="oauth_used_assertions")
    op.drop_table("oauth_used_assertions")
    with op.batch_alter_table("peers") as batch:
        batch.drop_column("private_key_pem")
    with op.batch_alter_table("oauth_clients") as batch:
        batch.drop_column("jwks_url")
        batch.drop_column("jwks")
    with op.batch_alter_table("signing_keys") as batch:
        batch.drop_column("verifies_until")
