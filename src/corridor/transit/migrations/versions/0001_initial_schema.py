"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24

All tables of the transit service, and the audit chain's head row (seq 0, the genesis hash).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transit_audit",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("act", sa.String(length=32), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("before", sa.String(length=16), nullable=True),
        sa.Column("after", sa.String(length=16), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_table(
        "transit_audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "transit_declaration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=35), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("entry_checkpoint", sa.String(length=64), nullable=False),
        sa.Column("exit_checkpoint", sa.String(length=64), nullable=False),
        sa.Column("route_km", sa.Float(), nullable=False),
        sa.Column("mrn", sa.String(length=18), nullable=True),
        sa.Column("channel", sa.String(length=8), nullable=True),
        sa.Column("risk_rule", sa.String(length=64), nullable=True),
        sa.Column("risk_version", sa.String(length=32), nullable=True),
        sa.Column("reject_code", sa.String(length=8), nullable=True),
        sa.Column("reject_detail", sa.Text(), nullable=True),
        sa.Column("total_mass_kg", sa.Float(), nullable=False),
        sa.Column("total_value_usd", sa.Float(), nullable=False),
        sa.Column("guarantee_reference", sa.String(length=24), nullable=False),
        sa.Column("guarantee_usd", sa.Float(), nullable=False),
        sa.Column("guarantee_released", sa.Boolean(), nullable=False),
        sa.Column("deadline_at", sa.DateTime(), nullable=True),
        sa.Column("overdue_at", sa.DateTime(), nullable=True),
        sa.Column("enquiry_at", sa.DateTime(), nullable=True),
        sa.Column("assessed_at", sa.DateTime(), nullable=True),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.Column("exited_at", sa.DateTime(), nullable=True),
        sa.Column("slot_day", sa.Date(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("carrier", "reference", name="uq_declaration_carrier_reference"),
        sa.UniqueConstraint("mrn"),
    )
    with op.batch_alter_table("transit_declaration", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transit_declaration_carrier"), ["carrier"], unique=False)
        batch_op.create_index(batch_op.f("ix_transit_declaration_channel"), ["channel"], unique=False)
        batch_op.create_index(batch_op.f("ix_transit_declaration_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_transit_declaration_submitted_at"), ["submitted_at"], unique=False
        )

    op.create_table(
        "transit_idempotency",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "key"),
    )
    op.create_table(
        "transit_slot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.Column("fee_usd", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("day", "direction", "mode", name="uq_slot_day_direction_mode"),
    )
    op.create_table(
        "transit_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "transit_booking",
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("fee_usd", sa.Float(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["transit_declaration.id"],
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["transit_slot.id"],
        ),
        sa.PrimaryKeyConstraint("declaration_id"),
    )
    with op.batch_alter_table("transit_booking", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transit_booking_slot_id"), ["slot_id"], unique=False)

    op.create_table(
        "transit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("checkpoint", sa.String(length=64), nullable=False),
        sa.Column("seals_intact", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["transit_declaration.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("declaration_id", "kind", name="uq_event_declaration_kind"),
    )
    with op.batch_alter_table("transit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transit_event_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_transit_event_declaration_id"), ["declaration_id"], unique=False)

    op.create_table(
        "transit_inspection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("seals_intact", sa.Boolean(), nullable=False),
        sa.Column("officer", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["transit_declaration.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("transit_inspection", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transit_inspection_declaration_id"), ["declaration_id"], unique=False
        )

    op.create_table(
        "transit_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["transit_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    head = sa.table("transit_audit_head", sa.column("id"), sa.column("seq"), sa.column("hash"))
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": "0" * 64}])


def downgrade() -> None:
    op.drop_table("transit_token")
    with op.batch_alter_table("transit_inspection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transit_inspection_declaration_id"))

    op.drop_table("transit_inspection")
    with op.batch_alter_table("transit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transit_event_declaration_id"))
        batch_op.drop_index(batch_op.f("ix_transit_event_at"))

    op.drop_table("transit_event")
    with op.batch_alter_table("transit_booking", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transit_booking_slot_id"))

    op.drop_table("transit_booking")
    op.drop_table("transit_user")
    op.drop_table("transit_slot")
    op.drop_table("transit_idempotency")
    with op.batch_alter_table("transit_declaration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transit_declaration_submitted_at"))
        batch_op.drop_index(batch_op.f("ix_transit_declaration_state"))
        batch_op.drop_index(batch_op.f("ix_transit_declaration_channel"))
        batch_op.drop_index(batch_op.f("ix_transit_declaration_carrier"))

    op.drop_table("transit_declaration")
    op.drop_table("transit_audit_head")
    op.drop_table("transit_audit")
