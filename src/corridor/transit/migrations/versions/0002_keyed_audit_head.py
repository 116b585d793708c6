"""keyed audit head

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

The audit head gets an HMAC of its (seq, hash) under the audit key, so it cannot be moved back to an earlier row
without the key. The column starts empty: the service seals the head it finds when it next starts with the key
(`TransitService.from_settings`), and from then on every write moves the head and its MAC together.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("transit_audit_head") as batch:
        batch.add_column(sa.Column("mac", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("transit_audit_head") as batch:
        batch.drop_column("mac")
