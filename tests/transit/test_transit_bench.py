"""The load benchmark's own parts: the floor server, the open-loop generator, the profile and the verdicts."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "transit_load.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("transit_load", _PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["transit_load"] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("transit_load", None)


def test_the_floor_answers_one_insert_per_authenticated_request(bench, tmp_path):
    url = f"sqlite:///{tmp_path / 'floor.db'}"
    server = bench.Server(url, tmp_path / "floor.log", pool_size=4, floor_token="secret-token")
    try:
        level = bench.run_level(server.base, "secret-token", 2, 1.0, "sqlite", path="/floor")
        import httpx

        assert (
            httpx.post(f"{server.base}/floor", json={}, headers={"Authorization": "Bearer x"}).status_code
            == 401
        )
    finally:
        server.stop()
    assert level.ok > 0 and level.errors == 0
    import sqlite3

    with sqlite3.connect(tmp_path / "floor.db") as c:
        assert c.execute("SELECT count(*) FROM bench_floor").fetchone()[0] >= level.ok


def test_open_loop_sends_at_the_rate_and_counts_lateness_from_the_schedule(bench, monkeypatch):
    import time

    calls = []

    class FakeClient:
        def __init__(self, *a, **k):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

        def get(self, path):
            return None

        def post(self, path, json=None, headers=None):
            calls.append(time.perf_counter())
            time.sleep(0.05)  # every answer takes 50 ms

            class R:
                status_code = 201

            return R()

    monkeypatch.setattr(bench.httpx, "Client", FakeClient)
    o = bench.run_open_loop("http://x", "t", 40, 1.0, "fake", "open loop", threads=4)
    assert o.sent == 40 and o.ok == 40 and o.errors == 0
    assert o.p50_ms >= 50 and o.achieved_per_s > 20
    spread = calls[-1] - calls[0]
    assert 0.8 < spread < 1.5  # 40 requests spread over the second, not sent at once


def test_profile_categories_take_the_leaf_most_match(bench):
    raw = "\n".join(
        [
            "run (uvicorn/server.py:1);submit (transit/service.py:5);validate (pydantic/main.py:9) 30",
            "run (uvicorn/server.py:1);append (transit/audit.py:3) 10",
            "run (uvicorn/server.py:1);do_commit (sqlalchemy/engine/default.py:2) 60",
            "garbage line",
        ]
    )
    shares = dict(bench.profile_categories(raw))
    assert shares["pydantic validation and serialisation"] == pytest.approx(0.3)
    assert shares["audit chain (HMAC, canonical JSON)"] == pytest.approx(0.1)
    assert shares["database driver (execute, commit: sqlite3/psycopg)"] == pytest.approx(0.6)


def test_target_lines_say_met_or_missed(bench):
    lv = bench.Level("sqlite", 16, 10, 100, 0, 100.0, 5.0, 9.0, floor_per_s=150.0, ratio=100 / 150)
    o = bench.OpenLoop("sqlite", "open loop", 200, 60, 12000, 12000, 0, 200.0, 5.0, 120.0, 300.0, 0)
    base = bench.OpenLoop("sqlite", "no flood", 50, 20, 1000, 1000, 0, 50.0, 4.0, 10.0, 20.0, 0)
    flood = bench.OpenLoop("sqlite", "flood", 50, 20, 1000, 1000, 0, 50.0, 4.0, 30.0, 40.0, 0, {"429": 5})
    lines = bench.target_lines([lv], [o, base, flood], 200)
    assert lines[0].endswith("met (67%)")
    assert "p99 < 100 ms and 0 errors: MISSED (p99 120.0 ms, 0 errors)" in lines[1]
    assert "p99 <= 2 x without flood: MISSED (30.0 vs 10.0 ms, x3.00)" in lines[2]
