"""Append-only, hash-chained audit log (OWASP ASVS 16.4.2: logs cannot be modified unnoticed).

Each row's hash is HMAC-SHA-256 (keyed by the ``audit_key`` setting, kept outside the database, so someone who
can write the database still cannot recompute a valid chain) over the canonical JSON of its own fields (its ``seq`` included) and the previous
row's hash. Writers lock the single head row (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN
IMMEDIATE`` already serialises writers), so the chain never forks; they do it last, just before COMMIT, because
that lock serialises every writer of every process. `verify` walks the chain and names
every edited, missing or reordered row, and a truncated tail.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.orm import Session

from corridor.transit.models import AuditHead, AuditRow

GENESIS = "0" * 64


def canonical(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def row_hash(
    key: bytes,
    *,
    seq: int,
    at: datetime,
    actor: str,
    act: str,
    entity: str,
    entity_id: str,
    before,
    after,
    detail: str,
    prev_hash: str,
) -> str:
    payload = canonical(
        [
            seq,
            at.isoformat(timespec="microseconds"),
            actor,
            act,
            entity,
            entity_id,
            before,
            after,
            detail,
            prev_hash,
        ]
    )
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Entry:
    """One audit row to be chained (its ``seq``, ``prev_hash`` and ``hash`` are given at append time)."""

    at: datetime
    actor: str
    act: str
    entity: str
    entity_id: str
    before: str | None
    after: str | None
    detail: str  # canonical JSON


def entry(
    *,
    at: datetime,
    actor: str,
    act: str,
    entity: str,
    entity_id: str | int,
    before: str | None = None,
    after: str | None = None,
    detail: dict | None = None,
) -> Entry:
    return Entry(at, actor, act, entity, str(entity_id), before, after, canonical(detail or {}))


_HEAD, _ROWS = AuditHead.__table__, AuditRow.__table__
# built once: statements with bound parameters skip SQLAlchemy's per-call construction and cache-key work
_LOCK_HEAD = select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1).with_for_update()
_INSERT_ROW = insert(_ROWS)
_MOVE_HEAD = update(_HEAD).where(_HEAD.c.id == 1).values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
_COLUMNS = [c.name for c in _ROWS.columns]
#: PostgreSQL: the row and the head move in ONE statement (one round trip less under the head lock)
_INSERT_ROW_MOVE_HEAD = text(
    "WITH moved AS (UPDATE transit_audit_head SET seq = :seq, hash = :hash WHERE id = 1) "
    f"INSERT INTO transit_audit ({', '.join(_COLUMNS)}) VALUES ({', '.join(':' + c for c in _COLUMNS)})"
).bindparams(bindparam("at", type_=_ROWS.c.at.type))


def append(session: Session, key: bytes, entries: list[Entry]) -> None:
    """Chain ``entries`` onto the log in ``session``'s transaction (the caller commits, with its state change).

    Locks the head row (``FOR UPDATE``), which every writer of every process shares: call it as the LAST
    statements before COMMIT, so the lock is held for two or three statements and the commit only."""
    if not entries:
        return
    seq, prev = session.execute(_LOCK_HEAD).one()
    rows = []
    for e in entries:
        seq += 1
        h = row_hash(
            key,
            seq=seq,
            at=e.at,
            actor=e.actor,
            act=e.act,
            entity=e.entity,
            entity_id=e.entity_id,
            before=e.before,
            after=e.after,
            detail=e.detail,
            prev_hash=prev,
        )
        rows.append({**e.__dict__, "seq": seq, "prev_hash": prev, "hash": h})
        prev = h
    if len(rows) == 1 and session.get_bind().dialect.name == "postgresql":
        session.execute(_INSERT_ROW_MOVE_HEAD, rows[0])
        return
    session.execute(_INSERT_ROW, rows[0] if len(rows) == 1 else rows)
    session.execute(_MOVE_HEAD, {"new_seq": seq, "new_hash": prev})


@dataclass(frozen=True)
class Verification:
    ok: bool
    rows: int
    problems: list[str]


def verify(session: Session, key: bytes) -> Verification:
    """Walk the chain in ``seq`` order; report each row that was edited, deleted or moved, by its seq."""
    problems: list[str] = []
    rows = list(session.execute(select(AuditRow).order_by(AuditRow.seq)).scalars())
    # where each row was written: follow the links from the genesis hash, whatever the seq numbers say now
    by_prev = {r.prev_hash: r for r in rows}
    written_as: dict[int, int] = {}
    link, i = GENESIS, 1
    while link in by_prev and id(by_prev[link]) not in written_as:
        written_as[id(by_prev[link])] = i
        link, i = by_prev[link].hash, i + 1
    prev_hash, expected_seq, prev_bad = GENESIS, 1, False
    for row in rows:
        bad = False
        if row.seq != expected_seq:
            gone = f"{expected_seq}" if row.seq == expected_seq + 1 else f"{expected_seq}-{row.seq - 1}"
            problems.append(f"row(s) {gone} missing: the chain jumps from {expected_seq - 1} to {row.seq}")
            bad = True
        fields = dict(
            at=row.at,
            actor=row.actor,
            act=row.act,
            entity=row.entity,
            entity_id=row.entity_id,
            before=row.before,
            after=row.after,
            detail=row.detail,
            prev_hash=row.prev_hash,
        )
        if row_hash(key, seq=row.seq, **fields) != row.hash:
            origin = written_as.get(id(row))
            if origin is not None and origin != row.seq and row_hash(key, seq=origin, **fields) == row.hash:
                problems.append(f"row {row.seq} out of order: it was written as row {origin}")
            else:
                problems.append(f"row {row.seq} edited: its content does not match its hash")
            bad = True
        elif row.prev_hash != prev_hash and not bad and not prev_bad:
            problems.append(f"row {row.seq} out of order: it does not follow row {row.seq - 1}")
            bad = True
        prev_hash, expected_seq, prev_bad = row.hash, row.seq + 1, bad
    n = len(rows)
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev_hash):
        if head.seq > expected_seq - 1:
            problems.append(
                f"row(s) {expected_seq}-{head.seq} missing at the end: the chain head is {head.seq}"
            )
        else:
            problems.append(f"chain head ({head.seq}) does not match the last row ({expected_seq - 1})")
    return Verification(not problems, n, problems)
