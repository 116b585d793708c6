"""Load benchmark of the transit service: declarations per second and p50/p99 latency, closed and open loop.

The server is a real ``corridor serve`` subprocess on a fresh database (SQLite file, or a new PostgreSQL
database). In the same run, on the same database:

- closed loop: 1, 16 and 64 keep-alive connections POST ``/api/v1/declarations`` (a 2-wagon train, validated,
  audited, with an Idempotency-Key) as fast as answers come back;
- the floor: the same connections against a minimal endpoint on the same stack (FastAPI and uvicorn with the same
  protocol and settings, SQLAlchemy engine, SQLite writer lock, same database and durability settings): one
  bearer check and one INSERT of the same JSON body per request, no validation, no audit, no idempotency. Both
  servers run side by side and each level alternates between them (``--rounds`` slices each), so a neighbour's
  burst on a shared machine falls on both; the ratio is service/floor at each level;
- open loop: requests at a fixed arrival rate (default 200/s for 60 s), latency measured from each request's
  scheduled time, so a stall counts in full (no coordinated omission);
- login flood: carrier submissions at a fixed rate without, then with, 8 connections posting wrong passwords as
  fast as answers come (from a separate process); once with the service's throttling, once with it off (every
  attempt then costs an argon2 hash).

The load generator is one asyncio loop with requests built before the clock starts (`_http_load`): ~0.1 ms of
CPU a request, so it leaves the server its CPU. Run it at a high priority on a shared machine (the server
subprocesses inherit it), and read the load average it prints:

    nice -n -10 python benchmarks/transit_load.py      # SQLite and, if CORRIDOR_TEST_POSTGRES_URL is set, PostgreSQL
    python benchmarks/transit_load.py --seconds 3 --levels 1,16 --open-seconds 10 --backends sqlite

Targets (issue 13): submission throughput >= 50 % of the floor's; open loop 200 decl/s for 60 s with p99 < 100 ms
and 0 errors on both databases; during the login flood, submission p99 <= 2 x its p99 without the flood.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import _http_load as hl
import httpx
import numpy as np
from fastapi import Request  # at module level: the floor's route annotations are resolved from here
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

AUDIT_KEY = "benchmark-audit-key-0123456"
SUBMIT = "/api/v1/declarations"
PASSWORD = "benchmark-password"
CLI = [sys.executable, "-c", "from corridor.cli import main; main()"]


def _wagon(serial: int) -> str:
    from stdnum import luhn

    body = f"3157{serial:07d}"
    return body + luhn.calc_check_digit(body)


def _container(serial: int) -> str:
    from stdnum import iso6346

    body = f"CSQU{serial:06d}"
    return body + iso6346.calc_check_digit(body)


def declaration(ref: str) -> dict:
    """A typical rail declaration: two wagons, two containers, two consignments, two seals (~1 kB of JSON)."""
    boxes = [_container(100), _container(101)]
    return {
        "reference": ref,
        "direction": "westbound",
        "transport": {"kind": "train", "wagons": [_wagon(1), _wagon(2)]},
        "containers": boxes,
        "consignments": [
            {
                "hs_code": "100199",
                "description": "wheat",
                "gross_mass_kg": 25_000.0,
                "value_usd": 6_000.0,
                "container": c,
            }
            for c in boxes
        ],
        "seal_count": 2,
        "seals": ["AMS0001", "AMS0002"],
        "guarantee": {"reference": "GRN0001", "amount_usd": 3_600.0},
    }


# ----- database and server ----------------------------------------------------------------------------------


def fresh_database(backend: str, pg_url: str | None, tmp: Path) -> tuple[str, callable]:
    """(SQLAlchemy URL of a new empty database, cleanup)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'bench.db'}", lambda: None
    base = make_url(pg_url)
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


def add_carrier(url: str) -> None:
    from corridor.transit.service import TransitService
    from corridor.transit.settings import Settings

    svc = TransitService.from_settings(Settings(database_url=url, environment="test", audit_key=AUDIT_KEY))
    svc.add_user(
        "bench", PASSWORD, "carrier", country="AZ", agency="Bench Rail", scope="BENCH", actor="bench"
    )
    svc.sessions.kw["bind"].dispose()


FLOOR_DDL = (
    "CREATE TABLE IF NOT EXISTS bench_floor (id {pk}, carrier VARCHAR(64) NOT NULL, "
    "reference VARCHAR(64) NOT NULL, body TEXT NOT NULL)"
)


def serve_floor(url: str, port: int, token: str) -> None:
    """The floor (``--serve-floor``): the service's stack with nothing but authentication and one INSERT."""
    import hashlib
    import hmac
    from contextlib import asynccontextmanager

    import anyio.to_thread
    import uvicorn
    from fastapi import FastAPI
    from fastapi.concurrency import run_in_threadpool
    from fastapi.responses import JSONResponse

    from corridor.transit.api import telemetry_config
    from corridor.transit.db import is_sqlite, make_engine
    from corridor.transit.limits import freeze_heap, uvicorn_options
    from corridor.transit.settings import Settings

    settings = Settings(database_url=url, environment="test", audit_key=AUDIT_KEY)
    engine = make_engine(url, pool_size=settings.pool_size)
    pk = "INTEGER PRIMARY KEY" if is_sqlite(engine) else "BIGSERIAL PRIMARY KEY"
    with engine.begin() as c:
        c.execute(text(FLOOR_DDL.format(pk=pk)))
    insert = text("INSERT INTO bench_floor (carrier, reference, body) VALUES (:c, :r, :b)")
    lock = threading.Lock() if is_sqlite(engine) else contextlib.nullcontext()
    digest = hashlib.sha256(token.encode()).digest()

    def write(ref: str, body: str) -> None:
        with lock, engine.begin() as c:
            c.execute(insert, {"c": "BENCH", "r": ref, "b": body})

    @asynccontextmanager
    async def lifespan(_app):
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        yield

    app = FastAPI(lifespan=lifespan, telemetry=telemetry_config(settings))

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"ok": True}

    @app.post("/floor", status_code=201)
    async def floor(request: Request) -> JSONResponse:
        sent = request.headers.get("authorization", "").removeprefix("Bearer ")
        if not hmac.compare_digest(hashlib.sha256(sent.encode()).digest(), digest):
            return JSONResponse({"detail": "bad token"}, status_code=401)
        body = (await request.body()).decode()
        await run_in_threadpool(write, request.headers.get("idempotency-key", ""), body)
        return JSONResponse({"ok": True}, status_code=201)

    options = uvicorn_options(settings)
    freeze_heap()  # as corridor serve
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", **options)


class Server:
    """``corridor serve`` in a subprocess (or the floor, see `serve_floor`)."""

    def __init__(
        self,
        url: str,
        log: Path,
        pool_size: int,
        workers: int = 1,
        floor_token: str | None = None,
        env: dict[str, str] | None = None,
    ):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "CORRIDOR_TRANSIT_AUDIT_KEY": AUDIT_KEY,
            "CORRIDOR_TRANSIT_ENVIRONMENT": "test",
            "CORRIDOR_TRANSIT_POOL_SIZE": str(pool_size),
            **(env or {}),
        }
        self.log = open(log, "wb")  # noqa: SIM115 - closed in stop()
        if floor_token:
            cmd = [sys.executable, __file__, "--serve-floor", url, str(self.port), floor_token]
        else:
            cmd = [*CLI, "serve", "--database-url", url, "--port", str(self.port), "--workers", str(workers)]
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"corridor serve did not start; see {log}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


# ----- load ---------------------------------------------------------------------------------------------------


def run(coro):
    """Run ``coro`` on uvloop when it is installed (a cheaper loop for the generator), else asyncio's; on a
    thread of its own when this thread already runs a loop (e.g. a caller under Playwright's sync API)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _run_here(coro)
    out: dict = {}

    def target():
        try:
            out["value"] = _run_here(coro)
        except BaseException as e:
            out["error"] = e

    t = threading.Thread(target=target, name="load-generator")
    t.start()
    t.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


def _run_here(coro):
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        return asyncio.run(coro)
    return uvloop.run(coro)


def submissions(token: str, path: str = SUBMIT) -> callable:
    """``make(i)``: request i as bytes, a new declaration with its own reference and Idempotency-Key (unique per
    call of this function, so levels and runs never replay each other)."""
    run_id = uuid.uuid4().hex[:8]
    template = json.dumps(declaration("@REF@")).encode()
    auth = f"Bearer {token}"

    def make(i: int) -> bytes:
        ref = f"B{run_id}-{i}"
        body = template.replace(b"@REF@", ref.encode())
        return hl.request_bytes(
            "POST", path, "127.0.0.1", body, {"authorization": auth, "idempotency-key": ref}
        )

    return make


@dataclass
class Level:
    backend: str
    clients: int
    seconds: float
    ok: int
    errors: int
    per_s: float
    p50_ms: float
    p99_ms: float
    server_cpu_ms: float = float("nan")  # server CPU time per acknowledged declaration
    client_cpu_ms: float = float("nan")  # this load generator's CPU time per declaration (same machine)
    floor_per_s: float = float("nan")
    ratio: float = float("nan")
    floor_cpu_ms: float = float("nan")  # the floor server's CPU time per request


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its live child processes (server workers) so far (Linux /proc;
    NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return float("nan")
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(cpu_seconds(int(k)) for k in kids)


def _pct(ms: np.ndarray, q: float) -> float:
    return float(np.percentile(ms, q)) if ms.size else float("nan")


def run_level(
    server: Server, token: str, clients: int, seconds: float, backend: str, path: str = SUBMIT
) -> Level:
    """``clients`` closed-loop connections for ``seconds``."""
    return pooled_level(backend, clients, [closed_slice(server, token, clients, seconds, path)])


def closed_slice(server: Server, token: str, clients: int, seconds: float, path: str = SUBMIT) -> tuple:
    """(tally, server CPU s, generator CPU s) of one closed-loop slice."""
    cpu0, own0 = cpu_seconds(server.proc.pid), time.process_time()
    tally = run(
        hl.closed_loop("127.0.0.1", server.port, submissions(token, path), clients=clients, seconds=seconds)
    )
    return tally, cpu_seconds(server.proc.pid) - cpu0, time.process_time() - own0


def pooled_level(backend: str, clients: int, slices: list[tuple]) -> Level:
    """One level from its slices: counts and CPU added up, percentiles over all latencies."""
    lat = np.array([x for t, _, _ in slices for x in t.latencies]) * 1000
    elapsed = sum(t.elapsed_s for t, _, _ in slices)
    n = lat.size or 1
    return Level(
        backend,
        clients,
        round(elapsed, 2),
        int(lat.size),
        sum(t.errors for t, _, _ in slices),
        lat.size / elapsed if elapsed else float("nan"),
        _pct(lat, 50),
        _pct(lat, 99),
        sum(c for _, c, _ in slices) / n * 1000,
        sum(c for _, _, c in slices) / n * 1000,
    )


def level_against_floor(
    backend: str,
    server: Server,
    token: str,
    floor: Server,
    floor_token: str,
    clients: int,
    seconds: float,
    rounds: int,
) -> Level:
    """The service and the floor at ``clients`` connections, alternating ``rounds`` slices of
    ``seconds / rounds`` each, so both see the same disturbances of a shared machine."""
    mine, theirs = [], []
    for _ in range(rounds):
        mine.append(closed_slice(server, token, clients, seconds / rounds))
        theirs.append(closed_slice(floor, floor_token, clients, seconds / rounds, "/floor"))
    lv, fl = pooled_level(backend, clients, mine), pooled_level(backend, clients, theirs)
    lv.floor_per_s, lv.floor_cpu_ms, lv.ratio = fl.per_s, fl.server_cpu_ms, lv.per_s / fl.per_s
    return lv


@dataclass
class OpenLoop:
    backend: str
    label: str
    rate: float  # requested arrivals per second
    seconds: float
    sent: int
    ok: int
    errors: int
    achieved_per_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    late: int  # requests the load generator itself started > 10 ms after their slot (client saturation)
    flood: dict | None = None  # status code -> count of the flood's requests
    load_1min: float = float("nan")  # the machine's 1-minute load average at the end
    server_cpu_ms: float = float("nan")  # server CPU time per acknowledged declaration
    failed: dict | None = None  # status code -> count of the failed submissions (0: no answer, see reasons)
    reasons: dict | None = None  # why the submissions with status 0 got no answer -> count
    expired: int = 0  # idle connections the generator dropped before reuse (older than its keep-alive window)


def run_open_loop(
    server: Server,
    token: str,
    rate: float,
    seconds: float,
    backend: str,
    label: str,
    *,
    flood_clients: int = 0,
) -> OpenLoop:
    """Submit at a fixed arrival rate (see `_http_load.open_loop`); ``flood_clients`` connections of another
    process post wrong passwords meanwhile."""
    flood = None
    if flood_clients:
        flood = subprocess.Popen(
            [sys.executable, __file__, "--flood", str(server.port), str(flood_clients), str(seconds + 1.0)],
            stdout=subprocess.PIPE,
        )
        time.sleep(0.5)  # connected and flooding before the first submission is due
    cpu0 = cpu_seconds(server.proc.pid)
    tally = run(hl.open_loop("127.0.0.1", server.port, submissions(token), rate=rate, seconds=seconds))
    cpu = cpu_seconds(server.proc.pid) - cpu0
    answers = None
    if flood is not None:
        out, _ = flood.communicate(timeout=seconds + 60)
        answers = json.loads(out or b"{}")
    ms = np.array(tally.latencies) * 1000
    return OpenLoop(
        backend,
        label,
        rate,
        seconds,
        int(rate * seconds),
        int(ms.size),
        tally.errors,
        ms.size / tally.elapsed_s,
        _pct(ms, 50),
        _pct(ms, 99),
        float(ms.max()) if ms.size else float("nan"),
        tally.late,
        answers,
        os.getloadavg()[0],
        cpu / ms.size * 1000 if ms.size else float("nan"),
        {str(k): v for k, v in sorted(tally.statuses.items()) if k != 201} or None,
        tally.reasons or None,
        tally.expired,
    )


def flood_main(port: int, clients: int, seconds: float) -> None:
    """The flood process (``--flood``): wrong passwords for ``seconds``; prints the answers by status."""
    data = hl.request_bytes(
        "POST",
        "/api/v1/auth/token",
        "127.0.0.1",
        json.dumps({"username": "bench", "password": "wrong"}).encode(),
    )

    async def go() -> dict:
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(seconds, stop.set)
        tally = await hl.flood("127.0.0.1", port, data, clients=clients, stop=stop)
        return {str(k): v for k, v in sorted(tally.statuses.items())}

    print(json.dumps(run(go())))


def flood_pair(
    server: Server, token: str, rate: float, seconds: float, backend: str, label: str
) -> list[OpenLoop]:
    """Submissions at ``rate`` without, then with, 8 connections posting wrong passwords."""
    return [
        run_open_loop(server, token, rate, seconds, backend, "no " + label),
        run_open_loop(server, token, rate, seconds, backend, label, flood_clients=8),
    ]


def login(base: str) -> str:
    # argon2 runs in the server's low-priority login thread: on a busy machine it can take seconds
    answer = httpx.post(
        f"{base}/api/v1/auth/token", json={"username": "bench", "password": PASSWORD}, timeout=120
    )
    return answer.json()["access_token"]


#: where the server's Python CPU goes: the first category (from the leaf up) whose pattern a sampled frame
#: matches (py-spy ``--gil``: only the thread holding the GIL is sampled, so waits for locks, the disk or the
#: network are not counted; C code that released the GIL (SQLite's own work, fsync) is not seen either)
PROFILE_CATEGORIES = (
    ("database driver (execute, commit: sqlite3/psycopg)", ("do_execute", "do_commit", "_exec_", "psycopg/")),
    ("audit chain (HMAC, canonical JSON)", ("transit/audit.py",)),
    ("input checks (schemas, codes, stdnum)", ("transit/schemas.py", "transit/codes.py", "stdnum/")),
    ("pydantic validation and serialisation", ("pydantic",)),
    ("JSON (stdlib)", ("json/",)),
    ("SQLAlchemy (statement, ORM, pool)", ("sqlalchemy/",)),
    ("service logic and group commit", ("transit/service.py", "transit/writer.py")),
    ("FastAPI (dependencies, routing)", ("fastapi/",)),
    (
        "HTTP: uvicorn, Starlette, asyncio, middleware",
        ("uvicorn/", "starlette/", "asyncio/", "anyio/", "transit/limits.py", "transit/api.py"),
    ),
    ("threads, locks, futures", ("threading.py", "queue.py", "concurrent/")),
)


def profile_categories(raw: str) -> list[tuple[str, float]]:
    """Share of samples per category from py-spy's raw (collapsed) output, leaf-most match wins."""
    totals: dict[str, int] = {}
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = stack.split(";")[::-1]
        cat = next(
            (name for f in frames for name, pats in PROFILE_CATEGORIES if any(p in f for p in pats)), "other"
        )
        totals[cat] = totals.get(cat, 0) + int(count)
    n = sum(totals.values()) or 1
    return sorted(((k, v / n) for k, v in totals.items()), key=lambda kv: -kv[1])


def profile_server(pid: int, seconds: float, out: Path) -> subprocess.Popen:
    """Start py-spy sampling ``pid``'s GIL holder for ``seconds`` (raw collapsed stacks into ``out``)."""
    cmd = ["py-spy", "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "200"]
    cmd += ["--format", "raw", "--output", str(out), "--nonblocking", "--gil"]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@dataclass
class BackendRun:
    levels: list[Level]
    open_loops: list[OpenLoop]
    profile: list[tuple[str, float]] | None = None


def bench_backend(
    backend: str,
    pg_url: str | None,
    levels: list[int],
    seconds: float,
    workers: int = 1,
    open_rate: float = 200.0,
    open_seconds: float = 60.0,
    flood_rate: float = 50.0,
    flood_seconds: float = 20.0,
    profile: bool = False,
    rounds: int = 3,
) -> BackendRun:
    with tempfile.TemporaryDirectory(prefix="corridor-bench-") as d:
        tmp = Path(d)
        url, cleanup = fresh_database(backend, pg_url, tmp)
        try:
            add_carrier(url)
            pool = max(10, max(levels) // workers)
            floor_token = uuid.uuid4().hex
            server = Server(url, tmp / "serve.log", pool_size=pool, workers=workers)
            floor = Server(url, tmp / "floor.log", pool_size=pool, floor_token=floor_token)
            opens: list[OpenLoop] = []
            try:
                token = login(server.base)
                run_level(server, token, 4, min(2.0, seconds), backend)  # warm-up (not reported)
                run_level(floor, floor_token, 4, min(2.0, seconds), backend, path="/floor")
                out = [
                    level_against_floor(backend, server, token, floor, floor_token, n, seconds, rounds)
                    for n in levels
                ]
                floor.stop()
                shares = None
                if profile:  # 16 closed-loop clients for `seconds`, sampled by py-spy
                    spy = profile_server(server.proc.pid, seconds, tmp / "profile.txt")
                    time.sleep(1.0)
                    run_level(server, token, 16, seconds, backend)
                    spy.wait(seconds + 30)
                    if (tmp / "profile.txt").exists():
                        shares = profile_categories((tmp / "profile.txt").read_text())
                if open_seconds > 0:
                    opens.append(run_open_loop(server, token, open_rate, open_seconds, backend, "open loop"))
                if flood_seconds > 0:
                    opens += flood_pair(server, token, flood_rate, flood_seconds, backend, "flood")
            finally:
                server.stop()
                if floor.proc.poll() is None:
                    floor.stop()
            if flood_seconds > 0:  # the same flood with the throttling off: every attempt costs a hash
                off = {
                    "CORRIDOR_TRANSIT_LOGIN_FAILURES_PER_ACCOUNT": "10000",
                    "CORRIDOR_TRANSIT_LOGIN_FAILURES_PER_ADDRESS": "1000000",
                }
                server = Server(url, tmp / "serve-off.log", pool_size=pool, workers=workers, env=off)
                try:
                    token = login(server.base)
                    run_level(server, token, 4, min(2.0, seconds), backend)
                    opens += flood_pair(server, token, flood_rate, flood_seconds, backend, "flood*")
                finally:
                    server.stop()
            return BackendRun(out, opens, shares)
        finally:
            cleanup()


def median_level(runs: list[Level]) -> Level:
    """The median of each figure over repeated runs of one level (errors: the total)."""
    out = Level(**asdict(runs[0]))
    for f in (
        "seconds",
        "per_s",
        "p50_ms",
        "p99_ms",
        "server_cpu_ms",
        "client_cpu_ms",
        "floor_per_s",
        "ratio",
        "floor_cpu_ms",
    ):
        setattr(out, f, float(np.median([getattr(r, f) for r in runs])))
    out.ok, out.errors = sum(r.ok for r in runs), sum(r.errors for r in runs)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--seconds", type=float, default=12.0, help="duration of each level per server (default 12)"
    )
    ap.add_argument(
        "--rounds", type=int, default=3, help="alternating slices of service and floor a level (3)"
    )
    ap.add_argument("--levels", default="1,16,64", help="concurrent clients per level (default 1,16,64)")
    ap.add_argument("--backends", default="sqlite,postgres", help="sqlite and/or postgres")
    ap.add_argument(
        "--postgres-url",
        default=os.environ.get("CORRIDOR_TEST_POSTGRES_URL", ""),
        help="server URL (a fresh database is created on it); default $CORRIDOR_TEST_POSTGRES_URL",
    )
    ap.add_argument("--workers", type=int, default=1, help="server processes (corridor serve --workers)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per backend; the table shows medians")
    ap.add_argument("--open-rate", type=float, default=200.0, help="open-loop arrivals per second (200)")
    ap.add_argument("--open-seconds", type=float, default=60.0, help="open-loop duration, 0 to skip (60)")
    ap.add_argument("--flood-rate", type=float, default=50.0, help="submissions/s during the flood test (50)")
    ap.add_argument("--flood-seconds", type=float, default=20.0, help="each flood phase, 0 to skip (20)")
    ap.add_argument(
        "--profile", action="store_true", help="sample the server with py-spy at 16 clients; CPU by category"
    )
    ap.add_argument("--json", action="store_true", help="print JSON")
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--serve-floor"]:  # internal: the floor server subprocess
        serve_floor(argv[1], int(argv[2]), argv[3])
        return 0
    if argv[:1] == ["--flood"]:  # internal: the login flood's process
        flood_main(int(argv[1]), int(argv[2]), float(argv[3]))
        return 0
    a = ap.parse_args(argv)
    if a.rounds < 1:
        ap.error("--rounds must be at least 1")
    levels = [int(x) for x in a.levels.split(",")]
    results: list[Level] = []
    opens: list[OpenLoop] = []
    profiles: dict[str, list[tuple[str, float]]] = {}
    load0 = os.getloadavg()
    for backend in a.backends.split(","):
        if backend == "postgres" and not a.postgres_url:
            print("postgres: skipped (no --postgres-url / CORRIDOR_TEST_POSTGRES_URL)", file=sys.stderr)
            continue
        runs = [
            bench_backend(
                backend,
                a.postgres_url or None,
                levels,
                a.seconds,
                a.workers,
                a.open_rate,
                a.open_seconds,
                a.flood_rate,
                a.flood_seconds,
                a.profile,
                a.rounds,
            )
            for _ in range(a.repeat)
        ]
        if a.profile and runs[0].profile:
            profiles[backend] = runs[0].profile
        results += [median_level([run.levels[i] for run in runs]) for i in range(len(levels))]
        opens += [o for run in runs for o in run.open_loops]
    if a.json:
        print(
            json.dumps({"closed": [asdict(r) for r in results], "open": [asdict(o) for o in opens]}, indent=2)
        )
        return 0
    load1 = os.getloadavg()
    print(
        f"# workers {a.workers}, {a.repeat} run(s) per backend (medians), {a.seconds:g} s per level and server "
        f"in {a.rounds} alternating slices; niceness {os.nice(0)}; load average (1/5/15 min) "
        f"{load0[0]:.2f}/{load0[1]:.2f}/{load0[2]:.2f} at the start, "
        f"{load1[0]:.2f}/{load1[1]:.2f}/{load1[2]:.2f} at the end, {os.cpu_count()} cores"
    )
    print("## closed loop: the service against the floor (same stack, one authenticated INSERT a request)")
    print(
        f"{'backend':9} {'clients':>7} {'decl/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
        f"{'srv CPU':>7} {'cli CPU':>7} {'floor/s':>8} {'flr CPU':>7} {'ratio':>6}"
    )
    for r in results:
        print(
            f"{r.backend:9} {r.clients:>7} {r.per_s:>8.1f} {r.p50_ms:>7.1f} {r.p99_ms:>7.1f} {r.errors:>6} "
            f"{r.server_cpu_ms:>7.2f} {r.client_cpu_ms:>7.2f} {r.floor_per_s:>8.1f} {r.floor_cpu_ms:>7.2f} "
            f"{r.ratio:>6.2f}"
        )
    print(
        "   (CPU: ms of CPU time a request, server process or this generator; PostgreSQL's own not counted)"
    )
    print("## open loop (latency from each request's scheduled time; * = login throttling off)")
    print(
        f"{'backend':9} {'test':10} {'rate/s':>6} {'s':>3} {'sent':>6} {'errors':>6} {'got/s':>6} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'late':>4} {'load':>5}  flood answers"
    )
    for o in opens:
        print(
            f"{o.backend:9} {o.label:10} {o.rate:>6.0f} {o.seconds:>3.0f} {o.sent:>6} {o.errors:>6} "
            f"{o.achieved_per_s:>6.1f} {o.p50_ms:>7.1f} {o.p99_ms:>7.1f} {o.max_ms:>7.1f} {o.late:>4} "
            f"{o.load_1min:>5.2f}  {o.flood or ''}" + (f"  failed: {o.failed}" if o.failed else "")
        )
        for why, count in (o.reasons or {}).items():
            print(f"   {o.backend} {o.label}: {count} without an answer: {why}")
    for backend, shares in profiles.items():
        print(f"## {backend}: the server's Python CPU at 16 clients by category (py-spy --gil samples)")
        for name, share in shares:
            print(f"  {share:>6.1%}  {name}")
    for line in target_lines(results, opens, a.open_rate):
        print(line)
    return 0


def target_lines(results: list[Level], opens: list[OpenLoop], open_rate: float) -> list[str]:
    """The issue-13 targets, each 'met' or 'MISSED' with its figure."""

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    out = []
    for r in results:
        out.append(
            f"target {r.backend} {r.clients} clients: throughput >= 50% of the floor: "
            f"{verdict(r.ratio >= 0.5)} ({r.ratio:.0%})"
        )
    by = {(o.backend, o.label): o for o in opens}
    for o in opens:
        if o.label == "open loop":
            out.append(
                f"target {o.backend} open loop {open_rate:g}/s for {o.seconds:g} s: p99 < 100 ms and 0 errors: "
                f"{verdict(o.p99_ms < 100 and o.errors == 0)} (p99 {o.p99_ms:.1f} ms, {o.errors} errors)"
            )
        if o.label in ("flood", "flood*") and (o.backend, "no " + o.label) in by:
            base = by[(o.backend, "no " + o.label)]
            out.append(
                f"target {o.backend} {o.label}: p99 <= 2 x without flood: {verdict(o.p99_ms <= 2 * base.p99_ms)} "
                f"({o.p99_ms:.1f} vs {base.p99_ms:.1f} ms, x{o.p99_ms / base.p99_ms:.2f})"
            )
    return out


if __name__ == "__main__":
    sys.exit(main())
