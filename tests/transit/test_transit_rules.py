"""Sovereign rules and house-keeping (issue 13): no cancel once selected for control, no demo in production,
a private database file, expired tokens purged, slot days in a sane range.

Before: a carrier could cancel a movement held for inspection after a red selection; ``transit demo`` seeded
known-password officers into a production database; the database file was created 0644; expired tokens were
never deleted; slots dated 0001-01-01 were accepted."""

from __future__ import annotations

import os
import secrets
import stat
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from transit_factories import PASSWORD, bearer, train_body
from typer.testing import CliRunner

from corridor.cli import app
from corridor.transit.errors import Conflict, Unprocessable
from corridor.transit.models import Declaration, Token
from corridor.transit.schemas import DeclarationCreate, SlotBook, SlotSet

runner = CliRunner()


def _red(svc, people, ref: str) -> int:
    """A declaration the risk rules send to the red channel (prohibited-goods chapter 93: arms)."""
    body = train_body(ref, hs="930100")
    d = svc.submit(people.carrier, DeclarationCreate.model_validate(body))
    svc.accept(people.officer, d.id)
    assert svc.assess(people.officer, d.id).channel == "red"
    return d.id


def test_a_movement_selected_for_control_cannot_be_cancelled(svc, people, client):
    did = _red(svc, people, "RED-1")
    with pytest.raises(Conflict, match="selected for control"):
        svc.cancel(people.carrier, did)  # assessed red: the examination is announced
    svc.hold(people.officer, did)
    r = client.post(f"/api/v1/declarations/{did}/cancel", headers=bearer(people, "carrier"))
    assert r.status_code == 409 and r.json()["code"] == "UNDER_CONTROL"
    with svc.reads() as s:
        assert s.get(Declaration, did).state == "held"


def test_a_movement_not_selected_can_still_be_cancelled(svc, people):
    d = svc.submit(people.carrier, DeclarationCreate.model_validate(train_body("GREEN-1")))
    assert svc.cancel(people.carrier, d.id).state == "cancelled"


def test_demo_refuses_a_production_environment(tmp_path):
    path = tmp_path / "prod.db"
    env = {
        "CORRIDOR_TRANSIT_ENVIRONMENT": "production",
        "CORRIDOR_TRANSIT_AUDIT_KEY": secrets.token_urlsafe(32),
        "CORRIDOR_TRANSIT_CSRF_KEY": secrets.token_urlsafe(32),
        "COLUMNS": "200",
    }
    r = runner.invoke(app, ["transit", "demo", "--database-url", f"sqlite:///{path}"], env=env)
    assert r.exit_code == 2 and "refused in environment 'production'" in r.output
    from corridor.transit.models import User
    from corridor.transit.service import TransitService
    from corridor.transit.settings import Settings

    svc = TransitService.from_settings(
        Settings(database_url=f"sqlite:///{path}", environment="test", audit_key="k" * 20)
    )
    with svc.reads() as s:
        assert s.execute(select(func.count()).select_from(User)).scalar_one() == 0
    svc.sessions.kw["bind"].dispose()


def test_the_sqlite_file_and_its_journal_are_private(svc, people, db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("a file permission: SQLite only")
    path = db_url.removeprefix("sqlite:///")
    for p in (path, path + "-wal", path + "-shm"):
        if os.path.exists(p):
            assert stat.S_IMODE(os.stat(p).st_mode) == 0o600, p


def test_expired_tokens_are_purged(svc, people, clock):
    with svc.reads() as s:
        before = s.execute(select(func.count()).select_from(Token)).scalar_one()
    assert before == 7
    clock.advance(hours=svc.token_ttl_h + 1)
    assert svc.purge_tokens() == 7
    svc.login("officer", PASSWORD)
    clock.advance(hours=svc.token_ttl_h + 1)
    svc._next_purge = 0.0  # a login purges at most every TOKEN_PURGE_EVERY_S
    svc.login("officer", PASSWORD)
    with svc.reads() as s:
        assert s.execute(select(func.count()).select_from(Token)).scalar_one() == 1


@pytest.mark.parametrize("day", [date(1, 1, 1), date(9999, 12, 31)])
def test_slot_days_far_from_today_are_422(svc, people, clock, day):
    with pytest.raises(Unprocessable, match="day must be between"):
        svc.set_slot(
            people.operator, SlotSet(day=day, direction="westbound", mode="rail", capacity=1, fee_usd=1)
        )
    d = svc.submit(people.carrier, DeclarationCreate.model_validate(train_body(f"S-{day.year}")))
    with pytest.raises(Unprocessable, match="day must be between"):
        svc.book_slot(people.carrier, d.id, SlotBook(day=day))
    ok = clock().date() + timedelta(days=30)
    assert (
        svc.set_slot(
            people.operator, SlotSet(day=ok, direction="westbound", mode="rail", capacity=1, fee_usd=1)
        ).day
        == ok
    )


def test_a_slot_day_of_year_one_is_422_over_http(client, people):
    body = {"day": "0001-01-01", "direction": "eastbound", "mode": "road", "capacity": 5, "fee_usd": 10}
    r = client.post("/api/v1/slots", json=body, headers=bearer(people, "operator"))
    assert r.status_code == 422 and r.json()["field"] == "day"
