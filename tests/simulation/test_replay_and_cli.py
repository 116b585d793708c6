"""Replaying the transit service's database, and the ``corridor simulate`` commands end to end."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from corridor.cli import app
from corridor.simulation.experiment import simulate
from corridor.simulation.traffic import replay_days, replay_traffic

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    """One seeded demo day in SQLite, played through the real transit service."""
    from argon2 import PasswordHasher

    from corridor.transit import auth
    from corridor.transit.demo import seed_demo
    from corridor.transit.service import TransitService
    from corridor.transit.settings import Settings

    real = auth._hasher
    auth._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    try:
        url = f"sqlite:///{tmp_path_factory.mktemp('replay') / 'transit.db'}"
        svc = TransitService.from_settings(Settings(database_url=url, environment="test",
                                                    audit_key="test-audit-key-0123456789"))
        seed_demo(svc, seed=3, trucks=40, trains=6, now=datetime(2030, 3, 5, 18, tzinfo=UTC))
    finally:
        auth._hasher = real
    return url


def test_replay_reads_declarations_channels_and_inspections(demo_db):
    from sqlalchemy import create_engine, text

    t = replay_traffic(demo_db)
    with create_engine(demo_db).connect() as c:
        released = c.execute(text("SELECT count(*) FROM transit_declaration WHERE released_at IS NOT NULL "
                                  "AND channel IS NOT NULL")).scalar_one()
        inspected = c.execute(text("SELECT count(*) FROM transit_inspection")).scalar_one()
    assert len(t.replay) == released > 10
    assert sum(m.inspection_h > 0 for m in t.replay) <= inspected
    assert {m.mode for m in t.replay} <= {"rail", "road"} and {m.channel for m in t.replay} <= {"green", "yellow", "red"}
    assert all(m.check_h >= 0 for m in t.replay) and t.replay[0].at_h == 0.0
    r = simulate(t, days=replay_days(t), replications=2, seed=1)
    fac = r.facilities.set_index("facility")
    entries = fac.loc[[k for k in fac.index if k.endswith(":entry")], "served"].sum()
    assert entries == 2 * len(t.replay)  # every replayed movement passes an entry post in each replication


def test_replay_from_the_cli_runs_the_days_it_spans(demo_db):
    r = runner.invoke(app, ["simulate", "--replay-db", demo_db, "-r", "2", "--workers", "1", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["days"] == 1 and d["scenario"] is None and d["traffic_source"].startswith("replay of ")
    keys = {f["facility"] for f in d["facilities"]}
    assert "agarak_road:entry" in keys and not any(k.startswith("ferry:") for k in keys)


def test_replay_of_an_empty_database_is_a_clear_error(tmp_path):
    from corridor._errors import ValidationError
    from corridor.transit.db import make_engine, migrate

    url = f"sqlite:///{tmp_path / 'empty.db'}"
    migrate(make_engine(url))
    with pytest.raises(ValidationError, match="no assessed and released declarations"):
        replay_traffic(url)


def test_queue_json_keys_and_theory():
    r = runner.invoke(app, ["simulate", "queue", "--arrivals-per-h", "2", "--servers", "1", "--service-min", "20",
                            "--hours", "3000", "--replications", "5", "--seed", "2", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert {"mean_wait_min", "p95_wait_min", "ci95_wait_min", "utilisation"} <= set(d)
    lo, hi = d["ci95_wait_min"]
    assert lo < d["mean_wait_min"] < hi and d["analytic_wait_min"] == pytest.approx(40.0)
    assert d["utilisation"] == pytest.approx(2 / 3, abs=0.03) and d["p95_wait_min"] > d["mean_wait_min"]


@pytest.mark.parametrize(("args", "option"), [
    (["--arrivals-per-h", "0", "--servers", "1", "--service-min", "5", "--hours", "10"], "--arrivals-per-h"),
    (["--arrivals-per-h", "1", "--servers", "0", "--service-min", "5", "--hours", "10"], "--servers"),
    (["--arrivals-per-h", "1", "--servers", "1", "--service-min", "-5", "--hours", "10"], "--service-min"),
    (["--arrivals-per-h", "1", "--servers", "1", "--service-min", "5", "--hours", "10", "--service-cv", "-1"],
     "--service-cv"),
    (["--arrivals-per-h", "1", "--servers", "1", "--service-min", "5", "--hours", "0"], "--hours"),
])
def test_queue_bad_values_exit_2_naming_the_option(args, option):
    r = runner.invoke(app, ["simulate", "queue", *args])
    assert r.exit_code == 2
    assert option in r.output and "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) <= 2


@pytest.mark.parametrize(("args", "option"), [
    (["--days", "0"], "--days"), (["--replications", "0"], "--replications"), (["--year", "2031"], "--year"),
    (["--red-rate", "2"], "--red-rate"), (["--warmup-days", "9", "--days", "5"], "--warmup-days"),
])
def test_corridor_bad_values_exit_2_naming_the_option(args, option):
    r = runner.invoke(app, ["simulate", *args])
    assert r.exit_code == 2 and option in r.output and "Traceback" not in r.output


def test_corridor_table_fits_80_columns_and_writes_outputs(tmp_path):
    out = tmp_path / "sim"
    r = runner.invoke(app, ["simulate", "tripp", "--days", "5", "--replications", "2", "--workers", "1",
                            "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert max(len(line) for line in r.output.splitlines()) <= 80
    for word in ("Agarak (road) entry", "single track", "Alat–Kuryk ferry", "capacity (lines.rail)"):
        assert word in r.output
    names = {p.name for p in out.iterdir()}
    assert {"summary.json", "facilities.csv", "queues.csv", "queue_over_time.svg", "wait_distribution.svg"} <= names
    svg = (out / "queue_over_time.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "Agarak (road) entry" in svg


def test_corridor_json_and_red_rate_what_if():
    base = runner.invoke(app, ["simulate", "--days", "10", "-r", "2", "--workers", "1", "--json"])
    hot = runner.invoke(app, ["simulate", "--days", "10", "-r", "2", "--workers", "1", "--red-rate", "0.3",
                              "--json"])
    assert base.exit_code == 0 and hot.exit_code == 0, base.output + hot.output
    b, h = json.loads(base.stdout), json.loads(hot.stdout)
    assert b["year"] == 2030 and b["replications"] == 2 and b["track"]["capacity"]["trains_per_day"] > 0

    def wait(d, key):
        return next(f for f in d["facilities"] if f["facility"] == key)["mean_wait_h"]

    # the eastbound trucks' entry post (the direction the assigned flows use); more red means longer waits
    assert wait(h, "nrnadzor_road:entry") > wait(b, "nrnadzor_road:entry")
    assert h["rules"].endswith("+red0.3")


def test_feedback_cli_reports_rounds_and_delays():
    r = runner.invoke(app, ["simulate", "feedback", "--days", "5", "-r", "1", "--max-rounds", "1", "--workers", "1",
                            "--json"])
    assert r.exit_code in (0, 1), r.output  # 1: not converged within the rounds allowed
    d = json.loads(r.stdout)
    assert d["rounds"] == 1 and d["converged"] is (r.exit_code == 0) and d["year"] == 2030
    links = {x["link_id"] for x in d["delays"]}
    assert {"tripp_agarak_ordubad_road", "tripp_aghband_nrnadzor_road", "alat_aktau_ferry"} <= links
    bad = runner.invoke(app, ["simulate", "feedback", "--tol-h", "0"])
    assert bad.exit_code == 2 and "--tol-h" in bad.output
