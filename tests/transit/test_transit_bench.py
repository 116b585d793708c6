"""The load benchmark's own parts: the floor server, the open-loop generator, the profile and the verdicts."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "transit_load.py"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(_PATH.parent))  # its sibling `_http_load`
    spec = importlib.util.spec_from_file_location("transit_load", _PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["transit_load"] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("transit_load", None)
    sys.path.remove(str(_PATH.parent))


def test_the_floor_answers_one_insert_per_authenticated_request(bench, tmp_path):
    url = f"sqlite:///{tmp_path / 'floor.db'}"
    server = bench.Server(url, tmp_path / "floor.log", pool_size=4, floor_token="secret-token")
    try:
        level = bench.run_level(server, "secret-token", 2, 1.0, "sqlite", path="/floor")
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


def _slow_server(delay_s: float, idle_close_s: float | None = None, drop: frozenset = frozenset()):
    """A raw HTTP/1.1 keep-alive server on a thread answering every request 201 after ``delay_s``; (port, the
    arrival time of each request, stop). It closes a connection idle for ``idle_close_s`` (as uvicorn's
    keep-alive timeout), and closes it without an answer on the requests whose arrival number is in ``drop``."""
    import asyncio
    import threading
    import time

    arrivals: list[float] = []
    ready = threading.Event()
    box: dict = {}

    async def handle(reader, writer):
        while True:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), idle_close_s)
            except (TimeoutError, asyncio.IncompleteReadError):
                writer.close()
                return
            length = next(
                (
                    int(v)
                    for k, _, v in (x.partition(b":") for x in head.split(b"\r\n"))
                    if k == b"content-length"
                ),
                0,
            )
            await reader.readexactly(length)
            arrivals.append(time.perf_counter())
            if len(arrivals) - 1 in drop:
                writer.close()
                return
            await asyncio.sleep(delay_s)
            writer.write(b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\nok")

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        box["port"], box["loop"], box["stop"] = (
            server.sockets[0].getsockname()[1],
            asyncio.get_running_loop(),
            asyncio.Event(),
        )
        ready.set()
        await box["stop"].wait()
        server.close()

    t = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    t.start()
    ready.wait(10)
    return box["port"], arrivals, lambda: box["loop"].call_soon_threadsafe(box["stop"].set)


def test_open_loop_sends_at_the_rate_and_counts_queueing_from_the_schedule(bench):
    import _http_load as hl

    port, arrivals, stop = _slow_server(0.05)  # every answer takes 50 ms
    try:
        make = lambda i: hl.request_bytes("POST", "/x", "h", b"{}")  # noqa: E731
        t = bench.run(hl.open_loop("127.0.0.1", port, make, rate=40, seconds=1.0, warm=2))
    finally:
        stop()
    assert len(t.latencies) == 40 and t.errors == 0
    assert min(t.latencies) >= 0.049  # asyncio may fire the server's 50 ms timer a clock tick early
    assert 0.8 < arrivals[-1] - arrivals[0] < 1.3  # 40 requests spread over the second, not sent at once
    assert t.connections > 2  # a request due while every connection is busy opens another: no waiting
    import gc

    assert t.frozen > 1000 and gc.get_freeze_count() == 0  # the generator's heap frozen only while it ran


def test_open_loop_latency_includes_the_time_a_saturated_server_keeps_it_waiting(bench):
    """Coordinated omission: a server that answers one request at a time (one connection allowed) makes later
    requests wait; their latency counts from their scheduled time, not from when they could be sent."""
    import _http_load as hl

    port, _arrivals, stop = _slow_server(0.05)
    try:
        make = lambda i: hl.request_bytes("POST", "/x", "h", b"{}")  # noqa: E731
        t = bench.run(hl.open_loop("127.0.0.1", port, make, rate=40, seconds=0.5, warm=1, max_connections=1))
    finally:
        stop()
    # 20 requests due every 25 ms on one connection answering in 50 ms: the last waits ~0.5 s behind the others
    assert t.errors == 0 and len(t.latencies) == 20
    assert max(t.latencies) > 0.4


def test_open_loop_never_sends_on_a_connection_the_server_closed_while_idle(bench):
    """A server closing idle connections after 0.3 s (as uvicorn's keep-alive) and requests 0.5 s apart: each
    request finds its pooled connection closed. The generator drops it and connects anew (no error), instead of
    sending on it and counting a failure the server never caused (21 and 51 'failed: {0: ...}' a 60 s run)."""
    import _http_load as hl

    port, arrivals, stop = _slow_server(0.0, idle_close_s=0.3)
    try:
        make = lambda i: hl.request_bytes("POST", "/x", "h", b"{}")  # noqa: E731
        t = bench.run(hl.open_loop("127.0.0.1", port, make, rate=2, seconds=2.0, warm=2))
    finally:
        stop()
    assert t.errors == 0 and len(t.latencies) == 4 and len(arrivals) == 4, t.reasons
    assert t.expired >= 3


def test_open_loop_drops_idle_connections_before_the_server_keep_alive(bench, monkeypatch):
    """Its reuse window stays under ``corridor serve``'s keep-alive, so no request races the server's close; a
    connection idle longer is dropped even while the server has not closed it yet."""
    import _http_load as hl

    from corridor.transit.settings import Settings

    assert Settings().keep_alive_s > hl.KEEPALIVE_S
    monkeypatch.setattr(hl, "KEEPALIVE_S", 0.2)
    port, _arrivals, stop = _slow_server(0.0, idle_close_s=30)
    try:
        make = lambda i: hl.request_bytes("POST", "/x", "h", b"{}")  # noqa: E731
        t = bench.run(hl.open_loop("127.0.0.1", port, make, rate=2, seconds=2.0, warm=1))
    finally:
        stop()
    assert t.errors == 0 and len(t.latencies) == 4 and t.expired >= 3


def test_open_loop_counts_a_request_the_server_drops_with_its_reason(bench):
    """A connection closed while a request awaits its answer is a real failure: status 0, counted, with why
    (never retried: a declaration POST is not idempotent)."""
    import _http_load as hl

    port, arrivals, stop = _slow_server(0.0, drop=frozenset({2}))
    try:
        make = lambda i: hl.request_bytes("POST", "/x", "h", b"{}")  # noqa: E731
        t = bench.run(hl.open_loop("127.0.0.1", port, make, rate=20, seconds=0.5, warm=1))
    finally:
        stop()
    assert t.errors == 1 and t.statuses == {201: 9, 0: 1} and len(arrivals) == 10
    [(why, n)] = t.reasons.items()
    assert n == 1 and why.startswith("ConnectionError: connection closed awaiting an answer"), why


def test_profile_categories_take_the_leaf_most_match(bench):
    raw = "\n".join(
        [
            "run (uvicorn/server.py:1);submit (transit/service.py:5);check (transit/schemas.py:9) 30",
            "run (uvicorn/server.py:1);append (transit/audit.py:3) 10",
            "run (uvicorn/server.py:1);do_commit (sqlalchemy/engine/default.py:2) 60",
            "garbage line",
        ]
    )
    shares = dict(bench.profile_categories(raw))
    assert shares["input checks (schemas, codes, stdnum)"] == pytest.approx(0.3)
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
