"""A tamper-evident audit that notices truncation (issue 13).

Before: deleting the newest rows and moving the head row back, or wiping log and head, passed ``corridor audit
verify`` ("OK: 0 rows verified"); verify created a missing database; it never compared the business tables
with the log."""

from __future__ import annotations

import json

from sqlalchemy import delete, select, update
from transit_factories import train_body
from typer.testing import CliRunner

from corridor.cli import app
from corridor.transit.models import AuditHead, AuditRow, Booking, Declaration, Event, Inspection
from corridor.transit.schemas import DeclarationCreate

runner = CliRunner()
KEY = "test-audit-key-0123456789"


def _submit(svc, people, *refs):
    return [svc.submit(people.carrier, DeclarationCreate.model_validate(train_body(r))).id for r in refs]


def _head(svc):
    with svc.reads() as s:
        h = s.get(AuditHead, 1)
        return h.seq, h.hash, h.mac


def _cut_back(svc, head, ids):
    """What an attacker with database access does: delete the newest rows and the declarations they
    recorded, and put the head back as it was (a state it really had, MAC included)."""
    seq, hash_, mac = head
    with svc.sessions.begin() as s:
        for model in (Booking, Event, Inspection):
            s.execute(delete(model).where(model.declaration_id.in_(ids)))
        s.execute(delete(Declaration).where(Declaration.id.in_(ids)))
        s.execute(delete(AuditRow).where(AuditRow.seq > seq))
        s.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=hash_, mac=mac))


def test_a_head_moved_without_the_key_is_named(svc, people):
    _submit(svc, people, "H-1", "H-2")
    with svc.sessions.begin() as s:
        s.execute(delete(AuditRow).where(AuditRow.seq > 14))
        s.execute(delete(Declaration))
        row = s.execute(select(AuditRow).where(AuditRow.seq == 14)).scalar_one()
        s.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=14, hash=row.hash))
    assert svc.verify_audit().problems == [
        "the chain head (row 14) is not keyed by the audit key: it was moved or forged"
    ]


def test_wiping_log_and_head_is_named(svc, people):
    with svc.sessions.begin() as s:
        s.execute(delete(AuditRow))
        s.execute(delete(AuditHead))
    r = svc.verify_audit()
    assert not r.ok and r.rows == 0
    assert "the chain head is missing (deleted): the log cannot show where it ended" in r.problems
    assert any("user 'carrier' has no user_add row" in p for p in r.problems)


def test_a_cut_back_to_an_earlier_head_is_found_by_the_anchor_only(svc, people):
    early = _head(svc)
    ids = _submit(svc, people, "T-1", "T-2", "T-3")
    anchor = svc.anchor()
    _cut_back(svc, early, ids)
    assert svc.verify_audit().ok  # the database alone cannot show it: the state is one it really had
    r = svc.verify_audit(anchors=[anchor])
    assert r.problems == [
        f"truncated: the anchor  of {anchor.at} saw row {anchor.seq}, but the chain ends at row {early[0]}"
    ]


def test_a_forged_or_edited_anchor_is_refused(svc, people):
    from dataclasses import replace

    a = svc.anchor()
    assert svc.verify_audit(anchors=[a]).ok
    r = svc.verify_audit(anchors=[replace(a, seq=a.seq - 3)])
    assert r.problems == [f"anchor  (row {a.seq - 3}, {a.at}) is not signed by this audit key"]


def test_business_tables_that_disagree_with_the_log_are_named(svc, people):
    (did,) = _submit(svc, people, "B-1")
    with svc.sessions.begin() as s:
        s.execute(update(Declaration).where(Declaration.id == did).values(state="released"))
    assert svc.verify_audit().problems == [
        f"declaration {did} is 'released' but its last audited act left it 'submitted'"
    ]


def _cli(*args):
    return runner.invoke(app, list(args), env={"CORRIDOR_TRANSIT_AUDIT_KEY": KEY, "COLUMNS": "300"})


def test_cli_anchor_then_verify_finds_the_truncation(svc, people, db_url, tmp_path):
    anchors = tmp_path / "anchors.jsonl"
    early = _head(svc)
    ids = _submit(svc, people, "C-1", "C-2")
    r = _cli("audit", "anchor", "--out", str(anchors), "--database-url", db_url, "--json")
    assert r.exit_code == 0, r.output
    line = json.loads(anchors.read_text().splitlines()[-1])
    assert line["seq"] == early[0] + 2 and set(line) == {"seq", "hash", "at", "mac"}
    assert _cli("audit", "verify", "--database-url", db_url, "--anchor", str(anchors)).exit_code == 0
    _cut_back(svc, early, ids)
    r = _cli("audit", "verify", "--database-url", db_url, "--anchor", str(anchors))
    assert r.exit_code == 1 and "truncated" in r.output and f"{anchors}:1" in r.output


def test_cli_verify_refuses_a_missing_database_and_creates_nothing(tmp_path):
    path = tmp_path / "nowhere.db"
    r = _cli("audit", "verify", "--database-url", f"sqlite:///{path}")
    assert r.exit_code == 2 and "no database at" in r.output and not path.exists()
    empty = tmp_path / "empty.db"
    empty.touch()
    r = _cli("audit", "verify", "--database-url", f"sqlite:///{empty}")
    assert r.exit_code == 2 and "holds no transit audit log" in r.output


def test_cli_verify_names_a_bad_anchor_line(svc, db_url, tmp_path):
    bad = tmp_path / "a.jsonl"
    bad.write_text('{"seq": 1}\n')
    r = _cli("audit", "verify", "--database-url", db_url, "--anchor", str(bad))
    assert r.exit_code == 2 and f"{bad}:1: not an audit anchor" in r.output
