"""The audit chain: every act leaves one row in the same transaction; tampering is found and named."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import delete, select, text, update
from transit_factories import train_body

from corridor.transit.errors import Conflict
from corridor.transit.models import AuditHead, AuditRow, Declaration
from corridor.transit.schemas import DeclarationCreate


@pytest.fixture
def chain(svc, people):
    """Seven users added and logged in (14 rows), then submit/accept/assess for two declarations: 20 rows."""
    for ref in ("AUD-1", "AUD-2"):
        d = svc.submit(people.carrier, DeclarationCreate.model_validate(train_body(ref)))
        svc.accept(people.officer, d.id)
        svc.assess(people.officer, d.id)
    report = svc.verify_audit()
    assert report.ok and report.rows == 20
    return svc


def _rows(svc):
    with svc.sessions() as s:
        return s.execute(select(AuditRow).order_by(AuditRow.seq)).scalars().all()


def test_each_act_writes_its_state_change_in_the_chain(chain):
    rows = _rows(chain)
    acts = [(r.act, r.before, r.after) for r in rows[14:17]]
    assert acts == [
        ("submit", None, "submitted"),
        ("accept", "submitted", "accepted"),
        ("assess", "accepted", "assessed"),
    ]
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))


def test_a_refused_act_leaves_no_row_and_no_change(chain, people):
    with pytest.raises(Conflict):
        chain.accept(people.officer, 1)  # already accepted
    assert len(_rows(chain)) == 20


def test_act_and_audit_are_one_transaction(chain, people, monkeypatch):
    """If writing the audit row fails, the state change is rolled back too."""
    from corridor.transit import audit

    d = chain.submit(people.carrier, DeclarationCreate.model_validate(train_body("ATOMIC")))

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "append", boom)
    with pytest.raises(RuntimeError):
        chain.accept(people.officer, d.id)
    monkeypatch.undo()
    assert chain.get(people.officer, d.id).state == "submitted"
    assert chain.verify_audit().ok


def _tamper(svc, *statements):
    with svc.sessions.begin() as s:
        for st in statements:
            s.execute(st)


def test_edited_row_is_named(chain):
    _tamper(chain, update(AuditRow).where(AuditRow.seq == 16).values(after="released"))
    r = chain.verify_audit()
    assert not r.ok and r.problems == ["row 16 edited: its content does not match its hash"]


def test_deleted_row_is_named(chain):
    _tamper(chain, delete(AuditRow).where(AuditRow.seq == 5))
    r = chain.verify_audit()
    assert not r.ok and "row(s) 5 missing" in r.problems[0]


def test_deleted_tail_is_found_through_the_head(chain):
    _tamper(chain, delete(AuditRow).where(AuditRow.seq >= 19))
    r = chain.verify_audit()
    assert r.problems == [
        "row(s) 19-20 missing at the end: the chain head is 20",
        "declaration 2 is 'assessed' but its last audited act left it 'submitted'",
    ]


def test_reordered_rows_are_named(chain):
    # swap rows 17 and 18 by renumbering (through a free number, as the seq is the primary key)
    _tamper(
        chain,
        update(AuditRow).where(AuditRow.seq == 17).values(seq=1000),
        update(AuditRow).where(AuditRow.seq == 18).values(seq=17),
        update(AuditRow).where(AuditRow.seq == 1000).values(seq=18),
    )
    r = chain.verify_audit()
    assert r.problems == [
        "row 17 out of order: it was written as row 18",
        "row 18 out of order: it was written as row 17",
    ]


def test_recomputed_hashes_without_the_key_do_not_pass(chain):
    """Someone with database access rewrites a row and re-chains everything after it with plain SHA-256."""
    import hashlib

    from corridor.transit.audit import canonical

    rows = _rows(chain)
    prev = rows[14].prev_hash
    with chain.sessions.begin() as s:
        for r in rows[14:]:
            after = "released" if r.seq == 15 else r.after
            payload = canonical(
                [
                    r.seq,
                    r.at.isoformat(timespec="microseconds"),
                    r.actor,
                    r.act,
                    r.entity,
                    r.entity_id,
                    r.before,
                    after,
                    r.detail,
                    prev,
                ]
            )
            h = hashlib.sha256(payload.encode()).hexdigest()
            s.execute(
                update(AuditRow).where(AuditRow.seq == r.seq).values(after=after, prev_hash=prev, hash=h)
            )
            prev = h
        s.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=prev))
    r = chain.verify_audit()
    assert not r.ok and r.problems[0] == "row 15 edited: its content does not match its hash"


def test_the_cli_names_the_broken_row(chain, db_url, monkeypatch):
    from typer.testing import CliRunner

    from corridor.cli import app

    monkeypatch.setenv("CORRIDOR_TRANSIT_AUDIT_KEY", "test-audit-key-0123456789")
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify", "--database-url", db_url])
    assert ok.exit_code == 0 and "audit chain OK: 20 rows verified" in ok.output
    _tamper(chain, text("UPDATE transit_audit SET actor = 'someone-else' WHERE seq = 3"))
    bad = runner.invoke(app, ["audit", "verify", "--database-url", db_url, "--json"])
    assert bad.exit_code == 1
    assert '"row 3 edited: its content does not match its hash"' in bad.output
    # the tampered table is the only thing that changed
    with chain.sessions() as s:
        assert (
            s.execute(select(Declaration.state).order_by(Declaration.id)).scalars().all() == ["assessed"] * 2
        )
