"""ORM tables (SQLAlchemy 2). The schema itself is created by the Alembic migrations, never by ``create_all``."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite has no time zones: stored naive UTC, read back aware)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "transit_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    country: Mapped[str] = mapped_column(String(2))
    agency: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str | None] = mapped_column(String(64))  # carrier code or checkpoint code
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Token(Base):
    __tablename__ = "transit_token"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("transit_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Declaration(Base):
    __tablename__ = "transit_declaration"
    __table_args__ = (UniqueConstraint("carrier", "reference", name="uq_declaration_carrier_reference"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    carrier: Mapped[str] = mapped_column(String(64), index=True)
    reference: Mapped[str] = mapped_column(String(35))
    state: Mapped[str] = mapped_column(String(24), index=True)
    direction: Mapped[str] = mapped_column(String(16))
    mode: Mapped[str] = mapped_column(String(8))
    entry_checkpoint: Mapped[str] = mapped_column(String(64))
    exit_checkpoint: Mapped[str] = mapped_column(String(64))
    route_km: Mapped[float] = mapped_column(Float)
    mrn: Mapped[str | None] = mapped_column(String(18), unique=True)
    channel: Mapped[str | None] = mapped_column(String(8), index=True)
    risk_rule: Mapped[str | None] = mapped_column(String(64))
    risk_version: Mapped[str | None] = mapped_column(String(32))
    reject_code: Mapped[str | None] = mapped_column(String(8))
    reject_detail: Mapped[str | None] = mapped_column(Text)
    total_mass_kg: Mapped[float] = mapped_column(Float)
    total_value_usd: Mapped[float] = mapped_column(Float)
    guarantee_reference: Mapped[str] = mapped_column(String(24))
    guarantee_usd: Mapped[float] = mapped_column(Float)
    guarantee_released: Mapped[bool] = mapped_column(Boolean, default=False)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enquiry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    slot_day: Mapped[date | None] = mapped_column(Date)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: when the declaration reached its current state (flags and slot bookings do not move it)
    state_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    body: Mapped[dict] = mapped_column(JSON)


class Inspection(Base):
    __tablename__ = "transit_inspection"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("transit_declaration.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(8))
    findings: Mapped[str] = mapped_column(Text)
    seals_intact: Mapped[bool] = mapped_column(Boolean)
    officer: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Event(Base):
    __tablename__ = "transit_event"
    __table_args__ = (UniqueConstraint("declaration_id", "kind", name="uq_event_declaration_kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("transit_declaration.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # entry | exit
    checkpoint: Mapped[str] = mapped_column(String(64))
    seals_intact: Mapped[bool] = mapped_column(Boolean)
    #: discrepancy codes found, space-separated ("" when none): seal_broken seal_missing mass_mismatch ...
    discrepancies: Mapped[str] = mapped_column(String(128), default="")
    note: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Decision(Base):
    """An officer's decision on a recorded discrepancy: the outcome and the reason (also in the audit chain)."""

    __tablename__ = "transit_decision"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("transit_declaration.id"), index=True)
    at_checkpoint: Mapped[str] = mapped_column(String(8))  # entry | exit: where the discrepancy was found
    outcome: Mapped[str] = mapped_column(String(16))  # proceed | refuse | discharge | recover
    reason: Mapped[str] = mapped_column(Text)
    officer: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Slot(Base):
    __tablename__ = "transit_slot"
    __table_args__ = (UniqueConstraint("day", "direction", "mode", name="uq_slot_day_direction_mode"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    direction: Mapped[str] = mapped_column(String(16))
    mode: Mapped[str] = mapped_column(String(8))
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)
    fee_usd: Mapped[float] = mapped_column(Float)


class Booking(Base):
    __tablename__ = "transit_booking"
    declaration_id: Mapped[int] = mapped_column(ForeignKey("transit_declaration.id"), primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("transit_slot.id"), index=True)
    fee_usd: Mapped[float] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditRow(Base):
    """Append-only, hash-chained: ``hash = sha256(canonical(row fields) + prev_hash)``."""

    __tablename__ = "transit_audit"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    act: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[str | None] = mapped_column(String(24))
    after: Mapped[str | None] = mapped_column(String(24))
    detail: Mapped[str] = mapped_column(Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """One row: the chain's last seq and hash. Locked (FOR UPDATE) by every writer, so the chain is serial."""

    __tablename__ = "transit_audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    #: HMAC of (seq, hash) under the audit key: the head cannot be moved without the key
    mac: Mapped[str | None] = mapped_column(String(64))


class IdempotencyRecord(Base):
    __tablename__ = "transit_idempotency"
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
