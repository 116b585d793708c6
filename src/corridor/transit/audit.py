"""Append-only, hash-chained audit log (OWASP ASVS 16.4.2: logs cannot be modified unnoticed).

Each row's hash is HMAC-SHA-256 (keyed by the ``audit_key`` setting, kept outside the database, so someone who
can write the database still cannot recompute a valid chain) over the canonical JSON of its own fields (its ``seq`` included) and the previous
row's hash. Writers lock the single head row (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN
IMMEDIATE`` already serialises writers), so the chain never forks; they do it last, just before COMMIT, because
that lock serialises every writer of every process. `verify` walks the chain and names
every edited, missing or reordered row, and a truncated tail.

The head carries an HMAC of its (seq, hash), so without the key it can only be moved to a state it once had.
Against that rollback (delete the newest rows, put the head back where it was then, or wipe log and head),
`checkpoint` gives signed checkpoints (seq, hash, time; HMAC-SHA-256 under the audit key) to keep outside
the database (``corridor audit anchor``), and `verify` with them refuses a chain that does not reach each one.
`business_problems` checks that the business tables agree with the log (each declaration's state is the one
its last audited act left, each user was added through the service).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, insert, select, text, update
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
_MOVE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"), mac=bindparam("new_mac"))
)
_COLUMNS = [c.name for c in _ROWS.columns]
#: PostgreSQL: the row and the head move in ONE statement (one round trip less under the head lock)
_INSERT_ROW_MOVE_HEAD = text(
    "WITH moved AS (UPDATE transit_audit_head SET seq = :seq, hash = :hash, mac = :head_mac WHERE id = 1) "
    f"INSERT INTO transit_audit ({', '.join(_COLUMNS)}) VALUES ({', '.join(':' + c for c in _COLUMNS)})"
).bindparams(bindparam("at", type_=_ROWS.c.at.type))


def head_mac(key: bytes, seq: int, hash_: str) -> str:
    return hmac.new(key, f"transit-audit-head\0{seq}\0{hash_}".encode(), hashlib.sha256).hexdigest()


def seal_head(session: Session, key: bytes) -> None:
    """Key a head written before the head had a MAC (migration 0002): trust on first use, with the key."""
    head = session.execute(
        select(_HEAD.c.seq, _HEAD.c.hash, _HEAD.c.mac).where(_HEAD.c.id == 1)
    ).one_or_none()
    if head is not None and head.mac is None:
        session.execute(update(_HEAD).where(_HEAD.c.id == 1).values(mac=head_mac(key, head.seq, head.hash)))


def append(session: Session | Connection, key: bytes, entries: list[Entry]) -> None:
    """Chain ``entries`` onto the log in the transaction of ``session`` (an ORM session or a Core connection;
    the caller commits, with its state change).

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
    mac = head_mac(key, seq, prev)
    dialect = session.dialect if isinstance(session, Connection) else session.get_bind().dialect
    if len(rows) == 1 and dialect.name == "postgresql":
        session.execute(_INSERT_ROW_MOVE_HEAD, {**rows[0], "head_mac": mac})
        return
    session.execute(_INSERT_ROW, rows[0] if len(rows) == 1 else rows)
    session.execute(_MOVE_HEAD, {"new_seq": seq, "new_hash": prev, "new_mac": mac})


@dataclass(frozen=True)
class Verification:
    ok: bool
    rows: int
    problems: list[str]


def verify(session: Session, key: bytes, anchors: Sequence[Anchor] = ()) -> Verification:
    """Walk the chain in ``seq`` order; report each row that was edited, deleted or moved, by its seq, a head
    that is missing or not keyed, and (with ``anchors``) a chain that does not reach each anchored row."""
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
    if head is None:
        problems.append("the chain head is missing (deleted): the log cannot show where it ended")
    elif head.mac is None or not hmac.compare_digest(head.mac, head_mac(key, head.seq, head.hash)):
        problems.append(
            f"the chain head (row {head.seq}) is not keyed by the audit key: it was moved or forged"
        )
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev_hash):
        if head.seq > expected_seq - 1:
            problems.append(
                f"row(s) {expected_seq}-{head.seq} missing at the end: the chain head is {head.seq}"
            )
        else:
            problems.append(f"chain head ({head.seq}) does not match the last row ({expected_seq - 1})")
    for a in anchors:
        problems += anchor_problems(a, key, {r.seq: r.hash for r in rows}, expected_seq - 1)
    return Verification(not problems, n, problems)


# ----- anchors: signed checkpoints kept outside the database ---------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: str  # ISO time the checkpoint was taken
    mac: str
    where: str = ""  # file:line it was read from (for messages)


def _anchor_mac(key: bytes, seq: int, hash_: str, at: str) -> str:
    return hmac.new(key, f"transit-audit-anchor\0{seq}\0{hash_}\0{at}".encode(), hashlib.sha256).hexdigest()


def checkpoint(session: Session, key: bytes, at: datetime) -> Anchor:
    """A signed checkpoint of the chain's head now: keep it where the database's writers cannot reach."""
    seq, hash_ = session.execute(select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1)).one()
    stamp = at.isoformat(timespec="seconds")
    return Anchor(seq, hash_, stamp, _anchor_mac(key, seq, hash_, stamp))


def anchor_line(a: Anchor) -> str:
    return canonical({"seq": a.seq, "hash": a.hash, "at": a.at, "mac": a.mac})


def parse_anchors(text_: str, source: str) -> list[Anchor]:
    """The anchors of a file written by ``corridor audit anchor`` (one JSON object a line); `ValueError` naming
    the line for anything else."""
    out = []
    for i, line in enumerate(text_.splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            out.append(Anchor(int(d["seq"]), str(d["hash"]), str(d["at"]), str(d["mac"]), f"{source}:{i}"))
        except (ValueError, KeyError, TypeError):
            raise ValueError(
                f"{source}:{i}: not an audit anchor (expected JSON with seq, hash, at, mac)"
            ) from None
    return out


def anchor_problems(a: Anchor, key: bytes, hashes: dict[int, str], last_seq: int) -> list[str]:
    """Why the chain (``hashes`` by seq, ending at ``last_seq``) does not agree with anchor ``a``."""
    if not hmac.compare_digest(a.mac, _anchor_mac(key, a.seq, a.hash, a.at)):
        return [f"anchor {a.where} (row {a.seq}, {a.at}) is not signed by this audit key"]
    if a.seq > last_seq:
        return [
            f"truncated: the anchor {a.where} of {a.at} saw row {a.seq}, but the chain ends at row {last_seq}"
        ]
    if a.seq and hashes.get(a.seq) != a.hash:
        return [f"row {a.seq} differs from the anchor {a.where} of {a.at}: the log was rewritten since"]
    return []


# ----- the business tables against the log ----------------------------------------------------------------


def business_problems(session: Session) -> list[str]:
    """Where the business tables disagree with the log: a declaration whose state is not the one its last
    audited act left (or that has no audit row), an audit row naming a declaration that is gone, a user never
    added through the service."""
    from corridor.transit.models import Declaration, User

    last: dict[str, str] = {}
    first_seq: dict[str, int] = {}
    for seq, entity_id, after in session.execute(
        select(AuditRow.seq, AuditRow.entity_id, AuditRow.after)
        .where(AuditRow.entity == "declaration")
        .order_by(AuditRow.seq)
    ):
        first_seq.setdefault(entity_id, seq)
        if after is not None:
            last[entity_id] = after
    problems = []
    seen = set()
    for did, state in session.execute(select(Declaration.id, Declaration.state).order_by(Declaration.id)):
        key = str(did)
        seen.add(key)
        if key not in last:
            problems.append(f"declaration {did} has no audit row: it was written past the service")
        elif last[key] != state:
            problems.append(f"declaration {did} is '{state}' but its last audited act left it '{last[key]}'")
    for key in sorted(set(first_seq) - seen, key=lambda k: first_seq[k]):
        problems.append(f"declaration {key} is in the log (row {first_seq[key]}) but missing from its table")
    added = set(session.execute(select(AuditRow.entity_id).where(AuditRow.act == "user_add")).scalars())
    for (name,) in session.execute(select(User.username).order_by(User.id)):
        if name not in added:
            problems.append(f"user {name!r} has no user_add row: it was written past the service")
    return problems
