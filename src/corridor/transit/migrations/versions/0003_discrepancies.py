"""discrepancies and officers' decisions

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

Checkpoint events record the discrepancies found (``transit_event.discrepancies``); officers' decisions on them
go to ``transit_decision``; declarations record when they reached their state (``state_at``, for the queue's
waiting time; existing rows start from their last update). States grow to 24 characters (``entry_discrepancy``) in the declaration and in the
audit rows' before/after; SQLite does not enforce VARCHAR lengths, so only other databases alter the columns.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_STATE_COLUMNS = (("transit_declaration", "state"), ("transit_audit", "before"), ("transit_audit", "after"))


def _resize(length_from: int, length_to: int) -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, column in _STATE_COLUMNS:
        op.alter_column(
            table,
            column,
            type_=sa.String(length=length_to),
            existing_type=sa.String(length=length_from),
        )


def upgrade() -> None:
    with op.batch_alter_table("transit_event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("discrepancies", sa.String(length=128), nullable=False, server_default="")
        )
    with op.batch_alter_table("transit_declaration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("state_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE transit_declaration SET state_at = updated_at")
    op.create_table(
        "transit_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("at_checkpoint", sa.String(length=8), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("officer", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["declaration_id"], ["transit_declaration.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("transit_decision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transit_decision_declaration_id"), ["declaration_id"], unique=False
        )
    _resize(16, 24)


def downgrade() -> None:
    _resize(24, 16)
    with op.batch_alter_table("transit_decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transit_decision_declaration_id"))
    op.drop_table("transit_decision")
    with op.batch_alter_table("transit_event", schema=None) as batch_op:
        batch_op.drop_column("discrepancies")
    with op.batch_alter_table("transit_declaration", schema=None) as batch_op:
        batch_op.drop_column("state_at")
