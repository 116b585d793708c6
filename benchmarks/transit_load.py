"""Load benchmark of the transit service: declarations per second and p50/p99 latency, closed and open loop.

The server is a real ``corridor serve`` subprocess on a fresh database (SQLite file, or a new PostgreSQL
database). In the same run, on the same database:

- closed loop: 1, 16 and 64 client threads with one httpx connection each POST ``/api/v1/declarations`` (a 2-wagon
  train, validated, audited, with an Idempotency-Key) as fast as answers come back;
- the floor: the same clients against a minimal endpoint on the same stack (FastAPI and uvicorn with the same
  protocol, SQLAlchemy engine and thread limit, SQLite writer lock, same database and durability settings): one
  bearer check and one INSERT of the same JSON body per request, no validation, no audit, no idempotency. The
  ratio is service/floor at each level;
- open loop: requests at a fixed arrival rate (default 200/s for 60 s), latency measured from each request's
  scheduled start, so a stall counts in full (no coordinated omission);
- login flood: carrier submissions at a fixed rate without, then with, 8 threads posting wrong passwords; once
  with the service's throttling, once with it off (every attempt then costs an argon2 hash).

    python benchmarks/transit_load.py                     # SQLite and, if CORRIDOR_TEST_POSTGRES_URL is set, PostgreSQL
    python benchmarks/transit_load.py --seconds 3 --levels 1,16 --open-seconds 10 --backends sqlite

Targets (issue 13): submission throughput >= 50 % of the floor's; open loop 200 decl/s for 60 s with p99 < 100 ms
and 0 errors on both databases; during the login flood, submission p99 <= 2 x its p99 without the flood.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
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


WHAT_IF = ("writer-lock", "token-cache")


def serve_what_if(url: str, port: int, patches: list[str]) -> None:
    """What-if server (``--what-if``): the same app with changes the backend could make, patched in here only to
    measure them. ``writer-lock``: write transactions queue on an in-process lock instead of SQLite's busy-wait
    (or PostgreSQL's row lock); ``token-cache``: a bearer token's principal is cached for 30 s."""
    import uvicorn

    from corridor.transit.api import create_app
    from corridor.transit.service import TransitService
    from corridor.transit.settings import Settings

    if "writer-lock" in patches:
        lock, write = threading.Lock(), TransitService._write

        def locked(self, *a, **kw):
            with lock:
                return write(self, *a, **kw)

        TransitService._write = locked
    if "token-cache" in patches:
        cache: dict[str, tuple[object, float]] = {}
        authenticate = TransitService.authenticate

        def cached(self, token):
            hit = cache.get(token)
            if hit is None or hit[1] < time.monotonic():
                hit = cache[token] = (authenticate(self, token), time.monotonic() + 30)
            return hit[0]

        TransitService.authenticate = cached
    uvicorn.run(create_app(Settings(database_url=url)), host="127.0.0.1", port=port, log_level="warning")


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

    from corridor.transit.db import is_sqlite, make_engine
    from corridor.transit.limits import uvicorn_options
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

    app = FastAPI(lifespan=lifespan)

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

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", **uvicorn_options(settings))


class Server:
    """``corridor serve`` in a subprocess (or the what-if server, see `serve_what_if`, or the floor)."""

    def __init__(
        self,
        url: str,
        log: Path,
        pool_size: int,
        what_if: list[str] | None = None,
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
        elif what_if:
            cmd = [sys.executable, __file__, "--serve-what-if", url, str(self.port), ",".join(what_if)]
        else:
            cmd = [*CLI, "serve", "--database-url", url, "--port", str(self.port), "--workers", str(workers)]
        self.proc = subprocess.Popen(
            cmd,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
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


def _transport() -> httpx.HTTPTransport:
    """TCP_NODELAY: httpx writes headers and body separately, and Nagle's algorithm on the client against the
    server's delayed ACK would otherwise add ~40 ms to some requests (an artefact of the client, not the server)."""
    return httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])


def run_level(
    base: str, token: str, clients: int, seconds: float, backend: str, pid: int = 0, path: str = SUBMIT
) -> Level:
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    start = threading.Barrier(clients + 1)
    run_id = uuid.uuid4().hex[:8]

    def client(i: int) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, timeout=60, headers=headers, transport=_transport()) as c:
            c.get("/healthz")  # connect before the clock starts
            start.wait()
            end = time.perf_counter() + seconds
            k = 0
            while True:
                t0 = time.perf_counter()
                if t0 >= end:
                    return
                k += 1
                ref = f"B{run_id}-{i}-{k}"
                r = c.post(path, json=declaration(ref), headers={"Idempotency-Key": ref})
                if r.status_code == 201:
                    latencies[i].append(time.perf_counter() - t0)
                else:
                    errors[i] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    t0, cpu0, own0 = time.perf_counter(), cpu_seconds(pid), time.process_time()
    for t in threads:
        t.join()
    elapsed, cpu = time.perf_counter() - t0, cpu_seconds(pid) - cpu0
    own = time.process_time() - own0
    lat = np.array([x for xs in latencies for x in xs]) * 1000
    return Level(
        backend,
        clients,
        round(elapsed, 2),
        int(lat.size),
        sum(errors),
        lat.size / elapsed,
        float(np.percentile(lat, 50)) if lat.size else float("nan"),
        float(np.percentile(lat, 99)) if lat.size else float("nan"),
        cpu / lat.size * 1000 if lat.size else float("nan"),
        own / lat.size * 1000 if lat.size else float("nan"),
    )


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


def run_open_loop(
    base: str,
    token: str,
    rate: float,
    seconds: float,
    backend: str,
    label: str,
    *,
    threads: int = 48,
    flood_threads: int = 0,
) -> OpenLoop:
    """Submit at a fixed arrival rate: request i is due at t0 + i/rate; its latency runs from then, so time
    spent waiting for a free client thread counts too. ``flood_threads`` post wrong passwords meanwhile."""
    n = int(rate * seconds)
    lat: list[float] = []
    errors, late = [0], [0]
    lock = threading.Lock()
    counter = itertools.count()
    run_id = uuid.uuid4().hex[:8]
    stop = threading.Event()
    flood: dict[int, int] = {}
    t0 = time.perf_counter() + 0.5

    def client() -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, timeout=30, headers=headers, transport=_transport()) as c:
            c.get("/healthz")
            while (i := next(counter)) < n:
                due = t0 + i / rate
                wait = due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                elif wait < -0.010:
                    with lock:
                        late[0] += 1
                ref = f"O{run_id}-{i}"
                try:
                    r = c.post(SUBMIT, json=declaration(ref), headers={"Idempotency-Key": ref})
                    good = r.status_code == 201
                except httpx.HTTPError:
                    good = False
                done = time.perf_counter()
                with lock:
                    if good:
                        lat.append(done - due)
                    else:
                        errors[0] += 1

    def flooder(k: int) -> None:
        with httpx.Client(base_url=base, timeout=30, transport=_transport()) as c:
            while not stop.is_set():
                try:
                    code = c.post(
                        "/api/v1/auth/token", json={"username": "bench", "password": f"wrong-{k}"}
                    ).status_code
                except httpx.HTTPError:
                    code = 0
                with lock:
                    flood[code] = flood.get(code, 0) + 1

    floods = [threading.Thread(target=flooder, args=(k,)) for k in range(flood_threads)]
    for t in floods:
        t.start()
    workers = [threading.Thread(target=client) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    elapsed = time.perf_counter() - t0
    stop.set()
    for t in floods:
        t.join()
    ms = np.array(lat) * 1000
    pct = (lambda q: float(np.percentile(ms, q))) if ms.size else (lambda q: float("nan"))
    return OpenLoop(
        backend,
        label,
        rate,
        seconds,
        n,
        int(ms.size),
        errors[0],
        ms.size / elapsed,
        pct(50),
        pct(99),
        float(ms.max()) if ms.size else float("nan"),
        late[0],
        {str(k): v for k, v in sorted(flood.items())} if flood_threads else None,
    )


def flood_pair(
    base: str, token: str, rate: float, seconds: float, backend: str, label: str
) -> list[OpenLoop]:
    """Submissions at ``rate`` without, then with, 8 threads posting wrong passwords."""
    return [
        run_open_loop(base, token, rate, seconds, backend, "no " + label),
        run_open_loop(base, token, rate, seconds, backend, label, flood_threads=8),
    ]


def login(base: str) -> str:
    return httpx.post(f"{base}/api/v1/auth/token", json={"username": "bench", "password": PASSWORD}).json()[
        "access_token"
    ]


#: where a sampled stack's CPU goes: the first category (from the leaf up) whose pattern a frame matches
PROFILE_CATEGORIES = (
    ("database driver (execute, commit: sqlite3/psycopg)", ("do_execute", "do_commit", "_exec_", "psycopg/")),
    ("audit chain (HMAC, canonical JSON)", ("transit/audit.py",)),
    ("pydantic validation and serialisation", ("pydantic", "schemas.py")),
    ("JSON (stdlib)", ("json/",)),
    ("SQLAlchemy (statement, ORM, pool)", ("sqlalchemy/",)),
    ("service logic", ("transit/service.py", "transit/codes.py", "stdnum/")),
    (
        "HTTP: uvicorn, Starlette, FastAPI, asyncio",
        ("uvicorn/", "starlette/", "fastapi/", "asyncio/", "anyio/"),
    ),
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
    """Start py-spy sampling ``pid`` for ``seconds`` (raw collapsed stacks into ``out``)."""
    return subprocess.Popen(
        [
            "py-spy",
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(seconds)),
            "--rate",
            "200",
            "--format",
            "raw",
            "--output",
            str(out),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


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
    what_if: list[str] | None = None,
    workers: int = 1,
    open_rate: float = 200.0,
    open_seconds: float = 60.0,
    flood_rate: float = 50.0,
    flood_seconds: float = 20.0,
    profile: bool = False,
) -> BackendRun:
    with tempfile.TemporaryDirectory(prefix="corridor-bench-") as d:
        tmp = Path(d)
        url, cleanup = fresh_database(backend, pg_url, tmp)
        try:
            add_carrier(url)
            pool = max(10, max(levels) // workers)
            server = Server(url, tmp / "serve.log", pool_size=pool, what_if=what_if, workers=workers)
            opens: list[OpenLoop] = []
            try:
                token = login(server.base)
                run_level(server.base, token, 4, min(2.0, seconds), backend)  # warm-up (not reported)
                out = [run_level(server.base, token, n, seconds, backend, server.proc.pid) for n in levels]
                shares = None
                if profile:  # 16 closed-loop clients for `seconds`, sampled by py-spy
                    spy = profile_server(server.proc.pid, seconds, tmp / "profile.txt")
                    time.sleep(1.0)
                    run_level(server.base, token, 16, seconds, backend)
                    spy.wait(seconds + 30)
                    if (tmp / "profile.txt").exists():
                        shares = profile_categories((tmp / "profile.txt").read_text())
                if open_seconds > 0:
                    opens.append(
                        run_open_loop(server.base, token, open_rate, open_seconds, backend, "open loop")
                    )
                if flood_seconds > 0:
                    opens += flood_pair(server.base, token, flood_rate, flood_seconds, backend, "flood")
            finally:
                server.stop()
            if flood_seconds > 0:  # the same flood with the throttling off: every attempt costs a hash
                off = {
                    "CORRIDOR_TRANSIT_LOGIN_FAILURES_PER_ACCOUNT": "10000",
                    "CORRIDOR_TRANSIT_LOGIN_FAILURES_PER_ADDRESS": "1000000",
                }
                server = Server(url, tmp / "serve-off.log", pool_size=pool, workers=workers, env=off)
                try:
                    token = login(server.base)
                    run_level(server.base, token, 4, min(2.0, seconds), backend)
                    opens += flood_pair(server.base, token, flood_rate, flood_seconds, backend, "flood*")
                finally:
                    server.stop()
            floor_token = uuid.uuid4().hex
            floor = Server(url, tmp / "floor.log", pool_size=pool, floor_token=floor_token)
            try:
                run_level(floor.base, floor_token, 4, min(2.0, seconds), backend, path="/floor")
                floors = [
                    run_level(floor.base, floor_token, n, seconds, backend, floor.proc.pid, path="/floor")
                    for n in levels
                ]
            finally:
                floor.stop()
            for lv, fl in zip(out, floors, strict=True):
                lv.floor_per_s, lv.ratio = fl.per_s, lv.per_s / fl.per_s
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
    ):
        setattr(out, f, float(np.median([getattr(r, f) for r in runs])))
    out.ok, out.errors = sum(r.ok for r in runs), sum(r.errors for r in runs)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="duration of each level (default 10)")
    ap.add_argument("--levels", default="1,16,64", help="concurrent clients per level (default 1,16,64)")
    ap.add_argument("--backends", default="sqlite,postgres", help="sqlite and/or postgres")
    ap.add_argument(
        "--postgres-url",
        default=os.environ.get("CORRIDOR_TEST_POSTGRES_URL", ""),
        help="server URL (a fresh database is created on it); default $CORRIDOR_TEST_POSTGRES_URL",
    )
    ap.add_argument(
        "--what-if",
        default="",
        help=f"measure changes the backend could make, patched into the server: {', '.join(WHAT_IF)}",
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
    if argv[:1] == ["--serve-what-if"]:  # internal: the what-if server subprocess
        serve_what_if(argv[1], int(argv[2]), argv[3].split(","))
        return 0
    if argv[:1] == ["--serve-floor"]:  # internal: the floor server subprocess
        serve_floor(argv[1], int(argv[2]), argv[3])
        return 0
    a = ap.parse_args(argv)
    what_if = [x for x in a.what_if.split(",") if x]
    unknown = set(what_if) - set(WHAT_IF)
    if unknown:
        ap.error(f"--what-if: unknown {', '.join(sorted(unknown))}; choose from {', '.join(WHAT_IF)}")
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
                what_if,
                a.workers,
                a.open_rate,
                a.open_seconds,
                a.flood_rate,
                a.flood_seconds,
                a.profile,
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
        f"# workers {a.workers}, {a.repeat} run(s) per backend (medians), {a.seconds:g} s per level; "
        f"load average (1/5/15 min) {load0[0]:.2f}/{load0[1]:.2f}/{load0[2]:.2f} at the start, "
        f"{load1[0]:.2f}/{load1[1]:.2f}/{load1[2]:.2f} at the end, {os.cpu_count()} cores"
    )
    print("## closed loop: the service against the floor (same stack, one authenticated INSERT a request)")
    print(
        f"{'backend':9} {'clients':>7} {'decl/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} "
        f"{'srv CPU ms':>10} {'cli CPU ms':>10} {'floor/s':>8} {'ratio':>6}"
    )
    for r in results:
        print(
            f"{r.backend:9} {r.clients:>7} {r.per_s:>8.1f} {r.p50_ms:>8.1f} {r.p99_ms:>8.1f} {r.errors:>6} "
            f"{r.server_cpu_ms:>10.2f} {r.client_cpu_ms:>10.2f} {r.floor_per_s:>8.1f} {r.ratio:>6.2f}"
        )
    print("## open loop (latency from each request's scheduled start; * = login throttling off)")
    print(
        f"{'backend':9} {'test':10} {'rate/s':>7} {'s':>4} {'sent':>6} {'errors':>6} {'got/s':>7} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'late':>5}  flood answers"
    )
    for o in opens:
        print(
            f"{o.backend:9} {o.label:10} {o.rate:>7.0f} {o.seconds:>4.0f} {o.sent:>6} {o.errors:>6} "
            f"{o.achieved_per_s:>7.1f} {o.p50_ms:>7.1f} {o.p99_ms:>7.1f} {o.max_ms:>7.1f} {o.late:>5}  "
            f"{o.flood or ''}"
        )
    for backend, shares in profiles.items():
        print(f"## {backend}: server CPU of submissions at 16 clients by category (py-spy samples)")
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
