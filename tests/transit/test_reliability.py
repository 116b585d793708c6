"""Reliability on loopback against a real `corridor serve` subprocess, on SQLite and on PostgreSQL.

Bounded in count and time: a few hundred requests per test. What is checked:
  * concurrent submissions and acts from threads over HTTP: all 2xx, nothing lost, the audit chain verifies;
  * concurrent retries with one Idempotency-Key make exactly one declaration;
  * ``kill -9`` of the server in the middle of load, then a restart on the same database: every declaration and
    act that was acknowledged (2xx) is there, retries of the in-flight requests resolve exactly once, and
    ``corridor audit verify`` passes;
  * concurrent slot bookings never overbook.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from transit_factories import train_body, truck_body

import support
from corridor.transit import auth
from corridor.transit.models import AuditRow
from corridor.transit.service import TransitService
from corridor.transit.settings import Settings

AUDIT_KEY = "reliability-audit-key-0123"
PASSWORD = "reliability-password"
CARRIERS = 8
CLI = [sys.executable, "-c", "from corridor.cli import main; main()"]
ENV = {
    **os.environ,
    "CORRIDOR_TRANSIT_AUDIT_KEY": AUDIT_KEY,
    "CORRIDOR_TRANSIT_ENVIRONMENT": "test",
    "CORRIDOR_TRANSIT_POOL_SIZE": "20",
}


# ----- databases and servers -------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path_factory):
    """A fresh database per module and backend (PostgreSQL: CREATE DATABASE t_<random>, dropped after)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('rel') / 'transit.db'}"
        return
    base = make_url(support.postgres_url())
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@dataclass
class World:
    url: str
    service: TransitService
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, user: str, **extra) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}", **extra}


@pytest.fixture(scope="module")
def world(db_url):
    settings = Settings(database_url=db_url, environment="test", audit_key=AUDIT_KEY)
    service = TransitService.from_settings(settings, rng=random.Random(3))
    users = {f"car{i}": ("carrier", "AZ", f"Carrier {i}", f"CAR{i}") for i in range(CARRIERS)}
    users |= {
        "officer": ("officer", "AM", "customs", None),
        "cp-in": ("checkpoint", "AM", "border", "nrnadzor_rail"),
        "cp-out": ("checkpoint", "AM", "border", "agarak_rail"),
        "operator": ("operator", "AM", "TRIPP Development Company", None),
        "auditor": ("auditor", "AM", "audit chamber", None),
    }
    w = World(db_url, service)
    with (
        pytest.MonkeyPatch.context() as mp
    ):  # cheap argon2 parameters (stored in each hash, so the server too)
        mp.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        for name, (role, country, agency, scope) in users.items():
            service.add_user(name, PASSWORD, role, country=country, agency=agency, scope=scope, actor="test")
            w.tokens[name] = service.login(name, PASSWORD).access_token
    yield w
    service.sessions.kw["bind"].dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``corridor serve`` in a subprocess; ``kill()`` is SIGKILL (no shutdown hook runs)."""

    def __init__(self, url: str, log_dir):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(log_dir / f"serve-{self.port}.log", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [*CLI, "serve", "--database-url", url, "--port", str(self.port)],
            env=ENV,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 45
        while True:
            assert self.proc.poll() is None, f"corridor serve exited: {self.logs()}"
            assert time.monotonic() < deadline, f"corridor serve did not come up: {self.logs()}"
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)

    def logs(self) -> str:
        self.log.flush()
        return open(self.log.name, encoding="utf-8", errors="replace").read()[-3000:]

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


@pytest.fixture
def serve(world, tmp_path):
    started: list[Server] = []

    def start() -> Server:
        s = Server(world.url, tmp_path)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


def audit_verify_cli(url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, "audit", "verify", "--database-url", url, "--json"],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )


# ----- the acts over HTTP ----------------------------------------------------------------------------------


def _post(c: httpx.Client, w: World, user: str, path: str, body: dict | None = None, key: str | None = None):
    headers = w.headers(user, **({"Idempotency-Key": key} if key else {}))
    return c.post(f"/api/v1{path}", json=body if body is not None else {}, headers=headers)


def run_to_exit(c: httpx.Client, w: World, carrier: str, ref: str) -> tuple[int, list[int]]:
    """Submit a westbound train and carry it to 'exited'; returns its id and every status code seen."""
    codes = []
    r = _post(c, w, carrier, "/declarations", train_body(ref, direction="westbound"))
    codes.append(r.status_code)
    did = r.json()["id"]
    for user, act in (("officer", "accept"), ("officer", "assess")):
        codes.append(_post(c, w, user, f"/declarations/{did}/{act}").status_code)
    channel = c.get(f"/api/v1/declarations/{did}", headers=w.headers("officer")).json()["channel"]
    if channel == "red":
        codes.append(_post(c, w, "officer", f"/declarations/{did}/hold").status_code)
        body = {"outcome": "pass", "findings": "checked"}
        codes.append(_post(c, w, "officer", f"/declarations/{did}/inspection", body).status_code)
    else:
        codes.append(_post(c, w, "officer", f"/declarations/{did}/release").status_code)
    codes.append(
        _post(c, w, "cp-in", f"/declarations/{did}/entry", {"checkpoint": "nrnadzor_rail"}).status_code
    )
    codes.append(
        _post(c, w, "cp-out", f"/declarations/{did}/exit", {"checkpoint": "agarak_rail"}).status_code
    )
    return did, codes


def _audit_rows(w: World) -> int:
    with w.service.sessions() as s:
        return s.execute(select(func.count()).select_from(AuditRow)).scalar_one()


# ----- tests -------------------------------------------------------------------------------------------------


def test_concurrent_submissions_and_acts_are_all_recorded(world, serve):
    server = serve()
    per_thread = 5
    rows_before = _audit_rows(world)

    def worker(i: int) -> list[tuple[int, list[int]]]:
        with httpx.Client(base_url=server.base, timeout=60) as c:
            return [run_to_exit(c, world, f"car{i}", f"CONC-{i}-{k}") for k in range(per_thread)]

    with ThreadPoolExecutor(CARRIERS) as pool:
        results = [x for part in pool.map(worker, range(CARRIERS)) for x in part]
    bad = [codes for _, codes in results if any(not 200 <= c < 300 for c in codes)]
    assert not bad, f"non-2xx answers under concurrency: {bad[:5]}"
    officer = world.service.authenticate(world.tokens["officer"])
    for did, _ in results:
        d = world.service.get(officer, did)
        assert d.state == "exited" and [e.kind for e in d.events] == ["entry", "exit"]
    # one audit row per act, none more, none fewer; the chain verifies
    acts = sum(len(codes) for _, codes in results)
    assert _audit_rows(world) - rows_before == acts
    v = audit_verify_cli(world.url)
    assert v.returncode == 0, v.stdout + v.stderr
    assert json.loads(v.stdout)["ok"] and json.loads(v.stdout)["rows"] == _audit_rows(world)


def test_concurrent_retries_with_one_idempotency_key_make_one_declaration(world, serve):
    server = serve()
    body = truck_body("IDEM-RACE-1")
    key = f"race-{uuid.uuid4().hex}"
    gate = threading.Barrier(12)

    def send(_):
        with httpx.Client(base_url=server.base, timeout=60) as c:
            gate.wait()
            return _post(c, world, "car0", "/declarations", body, key)

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(send, range(12)))
    assert all(a.status_code in (200, 201) for a in answers), [
        a.text for a in answers if a.status_code >= 300
    ]
    assert len({a.json()["id"] for a in answers}) == 1
    carrier = world.service.authenticate(world.tokens["car0"])
    assert [d.reference for d in world.service.list(carrier).items].count("IDEM-RACE-1") == 1


@dataclass
class Ledger:
    """What the clients were told: acknowledged declarations and acts, and requests in flight at the kill."""

    acked: dict[int, list[str]] = field(default_factory=dict)  # declaration id -> acknowledged acts in order
    refs: dict[int, str] = field(default_factory=dict)
    in_flight: list[tuple[str, str, dict, str]] = field(default_factory=list)  # (user, path, body, key)
    errors: list[str] = field(default_factory=list)  # unexpected answers while the server was up
    lock: threading.Lock = field(default_factory=threading.Lock)


STATE_AFTER = {
    "submit": "submitted",
    "accept": "accepted",
    "assess": "assessed",
    "release": "released",
    "entry": "entered",
}
NEXT = {"submitted": "accepted", "accepted": "assessed", "assessed": "released", "released": "entered"}


def _load(w: World, base: str, i: int, ledger: Ledger, stop: threading.Event) -> None:
    """Loop: submit, accept, assess, release, entry, each with an Idempotency-Key, until the server dies."""
    with httpx.Client(base_url=base, timeout=30) as c:
        k = 0
        while not stop.is_set():
            k += 1
            ref = f"KILL-{i}-{k}"
            steps = [("submit", f"car{i}", "/declarations", train_body(ref))]
            did = None
            for n in range(5):
                if n > 0:
                    act = ("accept", "assess", "release", "entry")[n - 1]
                    user = "cp-in" if act == "entry" else "officer"
                    body = {"checkpoint": "nrnadzor_rail"} if act == "entry" else {}
                    steps.append((act, user, f"/declarations/{did}/{act}", body))
                act, user, path, body = steps[-1]
                key = f"{ref}-{act}"
                try:
                    r = _post(c, w, user, path, body, key)
                except httpx.TransportError:
                    with ledger.lock:
                        ledger.in_flight.append((user, path, body, key))
                    return  # the server is gone
                if r.status_code == 409 and act == "release":  # red channel: not part of this load
                    break
                if not 200 <= r.status_code < 300:
                    with ledger.lock:
                        ledger.errors.append(f"{act} {path}: {r.status_code} {r.text[:300]}")
                    return
                with ledger.lock:
                    if act == "submit":
                        did = r.json()["id"]
                        ledger.refs[did] = ref
                        ledger.acked[did] = []
                    ledger.acked[did].append(act)


def test_kill_9_mid_load_loses_no_acknowledged_write(world, serve):
    server = serve()
    ledger, stop = Ledger(), threading.Event()
    threads = [threading.Thread(target=_load, args=(world, server.base, i, ledger, stop)) for i in range(6)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while sum(len(v) for v in ledger.acked.values()) < 60 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()  # SIGKILL while requests are in flight
    stop.set()
    for t in threads:
        t.join(30)
    assert not ledger.errors, ledger.errors[:5]
    assert ledger.in_flight, "no request was cut off by the kill"
    acked_acts = sum(len(v) for v in ledger.acked.values())
    assert acked_acts >= 60, "the load did not get going before the kill"

    restarted = serve()
    with httpx.Client(base_url=restarted.base, timeout=30) as c:
        for did, acts in ledger.acked.items():
            d = c.get(f"/api/v1/declarations/{did}", headers=world.headers("officer"))
            assert d.status_code == 200, f"acknowledged declaration {did} is missing after kill -9"
            d = d.json()
            assert d["reference"] == ledger.refs[did]
            want = STATE_AFTER[acts[-1]]
            # the acknowledged state, or one step further if the next act was in flight when the server died
            assert d["state"] in (want, NEXT.get(want)), (did, acts, d["state"])
            if "entry" in acts:
                assert [e["kind"] for e in d["events"]] == ["entry"]
            if "accept" in acts:
                assert d["mrn"]
        # a client retrying its in-flight request with the same key gets exactly one effect
        for user, path, body, key in ledger.in_flight:
            r = _post(c, world, user, path, body, key)
            assert r.status_code in (200, 201, 409), r.text
            again = _post(c, world, user, path, body, key)
            assert (again.status_code, again.json().get("id")) == (r.status_code, r.json().get("id"))
    for i in range(6):
        carrier = world.service.authenticate(world.tokens[f"car{i}"])
        refs = [
            d.reference
            for d in world.service.list(carrier, limit=200).items
            if d.reference.startswith("KILL-")
        ]
        assert len(refs) == len(set(refs))  # never twice
    assert world.service.verify_audit().ok
    v = audit_verify_cli(world.url)
    assert v.returncode == 0, v.stdout + v.stderr


def test_concurrent_slot_bookings_never_overbook(world, serve):
    server = serve()
    operator = world.service.authenticate(world.tokens["operator"])
    day = date.today() + timedelta(days=30 + random.randint(0, 300))
    from corridor.transit.schemas import DeclarationCreate, SlotSet

    capacity, contenders = 7, 24
    world.service.set_slot(
        operator, SlotSet(day=day, direction="eastbound", mode="road", capacity=capacity, fee_usd=100)
    )
    wanted = []
    for n in range(contenders):
        user = f"car{n % CARRIERS}"
        who = world.service.authenticate(world.tokens[user])
        d = world.service.submit(who, DeclarationCreate.model_validate(truck_body(f"SLOT-{day}-{n}")))
        wanted.append((user, d.id))
    gate = threading.Barrier(contenders)

    def book(item):
        user, did = item
        with httpx.Client(base_url=server.base, timeout=60) as c:
            gate.wait()
            return _post(c, world, user, f"/declarations/{did}/slot", {"day": day.isoformat()})

    with ThreadPoolExecutor(contenders) as pool:
        answers = list(pool.map(book, wanted))
    codes = sorted(a.status_code for a in answers)
    assert codes == [200] * capacity + [409] * (contenders - capacity), [a.text for a in answers][:3]
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"SLOT_FULL"}
    slots = world.service.list_slots(operator, day_from=day, day_to=day).items
    assert [(x.capacity, x.booked) for x in slots] == [(capacity, capacity)]
    officer = world.service.authenticate(world.tokens["officer"])
    booked = [d for _, did in wanted if (d := world.service.get(officer, did)).slot_day == day]
    assert len(booked) == capacity
