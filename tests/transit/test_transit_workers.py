"""``corridor serve --workers 2``: several server processes on one database keep ONE audit chain, lose no
acknowledged write, and replay an Idempotency-Key raced across processes (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import select
from transit_factories import PASSWORD, FakeClock, train_body

from conftest import TEST_KEY, build_service
from corridor.transit.models import Declaration

CLI = [sys.executable, "-c", "from corridor.cli import main; main()"]
ENV = {**os.environ, "CORRIDOR_TRANSIT_AUDIT_KEY": TEST_KEY, "CORRIDOR_TRANSIT_ENVIRONMENT": "test"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def test_two_workers_keep_one_audit_chain(db_url, tmp_path):
    svc = build_service(db_url, FakeClock())
    svc.add_user("car", PASSWORD, "carrier", country="AZ", agency="Rail", scope="CAR", actor="test")
    svc.sessions.kw["bind"].dispose()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [*CLI, "serve", "--database-url", db_url, "--port", str(port), "--workers", "2"],
        env=ENV,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        if Path(f"/proc/{proc.pid}").exists():
            assert len(_children(proc.pid)) >= 2  # the supervisor and its two workers
        token = httpx.post(f"{base}/api/v1/auth/token", json={"username": "car", "password": PASSWORD})
        h = {"Authorization": f"Bearer {token.json()['access_token']}"}
        race_key = f"race-{uuid.uuid4().hex}"
        gate = threading.Barrier(8)

        def send(i: int) -> list[httpx.Response]:
            # a new connection per request spreads the requests over both workers
            gate.wait()
            out = []
            for k in range(6):
                ref, key = (f"W-{i}-{k}", f"k-{i}-{k}") if k else ("W-RACE", race_key)
                with httpx.Client(base_url=base, timeout=60, headers=h) as c:
                    out.append(
                        c.post("/api/v1/declarations", json=train_body(ref), headers={"Idempotency-Key": key})
                    )
            return out

        with ThreadPoolExecutor(8) as pool:
            answers = [r for rs in pool.map(send, range(8)) for r in rs]
        assert all(r.status_code == 201 for r in answers), [r.text for r in answers if r.status_code != 201]
        race_ids = {r.json()["id"] for r in answers if r.json()["reference"] == "W-RACE"}
        assert len(race_ids) == 1  # eight concurrent retries of one key: one declaration
        acked = {r.json()["id"] for r in answers}
        assert len(acked) == 8 * 5 + 1
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        log.close()
    svc = build_service(db_url, FakeClock())
    try:
        with svc.reads() as s:
            stored = set(s.execute(select(Declaration.id)).scalars())
        assert acked <= stored and len(stored) == len(acked)
        report = svc.verify_audit()
        assert report.ok, report.problems
        assert report.rows == 2 + len(acked)  # user_add, login, then one submit row per declaration
    finally:
        svc.sessions.kw["bind"].dispose()
