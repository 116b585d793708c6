"""Load benchmark of the transit service: declarations per second and p50/p99 latency at 1, 16 and 64 clients.

The server is a real ``corridor serve`` subprocess on a fresh database (SQLite file, or a new PostgreSQL
database); clients are threads with one httpx connection each, POSTing ``/api/v1/declarations`` (a 2-wagon train,
validated, audited, with an Idempotency-Key) for a fixed time per level. The floor is a raw INSERT loop on the
same database (one connection, one committed INSERT of the same JSON body per transaction, the same durability
settings as the service), and the figure is the ratio service/floor.

    python benchmarks/transit_load.py                     # SQLite and, if CORRIDOR_TEST_POSTGRES_URL is set, PostgreSQL
    python benchmarks/transit_load.py --seconds 3 --levels 1,16 --backends sqlite

Targets (issue 4): throughput >= 50 % of the raw INSERT floor on PostgreSQL; p99 < 50 ms at 64 clients.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sqlite3
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
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

AUDIT_KEY = "benchmark-audit-key-0123456"
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


class Server:
    """``corridor serve`` in a subprocess (or the what-if server, see `serve_what_if`)."""

    def __init__(
        self, url: str, log: Path, pool_size: int, what_if: list[str] | None = None, workers: int = 1
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
        }
        self.log = open(log, "wb")  # noqa: SIM115 - closed in stop()
        if what_if:
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


def run_level(base: str, token: str, clients: int, seconds: float, backend: str, pid: int = 0) -> Level:
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
                r = c.post("/api/v1/declarations", json=declaration(ref), headers={"Idempotency-Key": ref})
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


def raw_insert_floor(url: str, seconds: float) -> float:
    """Committed single-row INSERTs per second from one connection, with the service's durability settings."""
    body = json.dumps(declaration("RAW-0"))
    ddl = (
        "CREATE TABLE bench_raw (id {pk}, carrier TEXT NOT NULL, reference TEXT NOT NULL, body TEXT NOT NULL)"
    )
    sql = "INSERT INTO bench_raw (carrier, reference, body) VALUES ({p}, {p}, {p})"
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        con = sqlite3.connect(u.database, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000"):
            con.execute(f"PRAGMA {pragma}")
        con.execute(ddl.format(pk="INTEGER PRIMARY KEY"))
        insert = sql.format(p="?")

        def one(ref: str) -> None:
            con.execute("BEGIN IMMEDIATE")
            con.execute(insert, ("BENCH", ref, body))
            con.execute("COMMIT")
    else:
        import psycopg

        con = psycopg.connect(u.set(drivername="postgresql").render_as_string(hide_password=False))
        con.execute(ddl.format(pk="BIGSERIAL PRIMARY KEY"))
        con.commit()
        insert = sql.format(p="%s")

        def one(ref: str) -> None:
            con.execute(insert, ("BENCH", ref, body))
            con.commit()

    n, end = 0, time.perf_counter() + seconds
    t0 = time.perf_counter()
    while time.perf_counter() < end:
        n += 1
        one(f"RAW-{n}")
    rate = n / (time.perf_counter() - t0)
    con.close()
    return rate


def bench_backend(
    backend: str,
    pg_url: str | None,
    levels: list[int],
    seconds: float,
    what_if: list[str] | None = None,
    workers: int = 1,
) -> list[Level]:
    with tempfile.TemporaryDirectory(prefix="corridor-bench-") as d:
        tmp = Path(d)
        url, cleanup = fresh_database(backend, pg_url, tmp)
        try:
            add_carrier(url)
            pool = max(10, max(levels) // workers)
            server = Server(url, tmp / "serve.log", pool_size=pool, what_if=what_if, workers=workers)
            try:
                token = httpx.post(
                    f"{server.base}/api/v1/auth/token", json={"username": "bench", "password": PASSWORD}
                ).json()["access_token"]
                run_level(server.base, token, 4, min(2.0, seconds), backend)  # warm-up (not reported)
                out = [run_level(server.base, token, n, seconds, backend, server.proc.pid) for n in levels]
            finally:
                server.stop()
            floor = raw_insert_floor(url, seconds)
            for lv in out:
                lv.floor_per_s, lv.ratio = floor, lv.per_s / floor
            return out
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
    ap.add_argument("--json", action="store_true", help="print JSON")
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--serve-what-if"]:  # internal: the what-if server subprocess
        serve_what_if(argv[1], int(argv[2]), argv[3].split(","))
        return 0
    a = ap.parse_args(argv)
    what_if = [x for x in a.what_if.split(",") if x]
    unknown = set(what_if) - set(WHAT_IF)
    if unknown:
        ap.error(f"--what-if: unknown {', '.join(sorted(unknown))}; choose from {', '.join(WHAT_IF)}")
    levels = [int(x) for x in a.levels.split(",")]
    results: list[Level] = []
    for backend in a.backends.split(","):
        if backend == "postgres" and not a.postgres_url:
            print("postgres: skipped (no --postgres-url / CORRIDOR_TEST_POSTGRES_URL)", file=sys.stderr)
            continue
        runs = [
            bench_backend(backend, a.postgres_url or None, levels, a.seconds, what_if, a.workers)
            for _ in range(a.repeat)
        ]
        results += [median_level([run[i] for run in runs]) for i in range(len(levels))]
    if a.json:
        print(json.dumps([asdict(r) for r in results], indent=2))
        return 0
    print(
        f"# workers {a.workers}, {a.repeat} run(s) per backend (medians), {a.seconds:g} s per level, "
        f"load average {os.getloadavg()[0]:.2f} at the end"
    )
    print(
        f"{'backend':9} {'clients':>7} {'decl/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} "
        f"{'srv CPU ms':>10} {'cli CPU ms':>10} {'raw INSERT/s':>12} {'ratio':>6}"
    )
    for r in results:
        print(
            f"{r.backend:9} {r.clients:>7} {r.per_s:>8.1f} {r.p50_ms:>8.1f} {r.p99_ms:>8.1f} {r.errors:>6} "
            f"{r.server_cpu_ms:>10.2f} {r.client_cpu_ms:>10.2f} {r.floor_per_s:>12.1f} {r.ratio:>6.2f}"
        )
    for r in results:
        if r.backend == "postgres":
            print(
                f"target postgres {r.clients} clients: throughput >= 50% of floor: "
                f"{'met' if r.ratio >= 0.5 else 'MISSED'} ({r.ratio:.0%})"
            )
        if r.clients == 64:
            # closed loop without think time: mean latency = clients / throughput (Little's law), so a p99
            # under 50 ms at 64 clients needs well over 64 / 0.05 = 1280 declarations per second
            print(
                f"target {r.backend} 64 clients: p99 < 50 ms: {'met' if r.p99_ms < 50 else 'MISSED'} "
                f"({r.p99_ms:.1f} ms)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
