"""The CLI: users add, transit demo (deterministic), audit verify, serve (a real server on loopback)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest
from typer.testing import CliRunner

from corridor.cli import app
from corridor.transit.db import head_revision

runner = CliRunner()


def test_users_add_validates_and_hashes(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    r = runner.invoke(
        app,
        [
            "users",
            "add",
            "ana",
            "--role",
            "officer",
            "--country",
            "AM",
            "--agency",
            "customs",
            "--password",
            "long-enough-pw",
            "--database-url",
            url,
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == {
        "username": "ana",
        "role": "officer",
        "country": "AM",
        "agency": "customs",
        "scope": None,
    }
    dup = runner.invoke(
        app,
        [
            "users",
            "add",
            "ana",
            "--role",
            "auditor",
            "--country",
            "AM",
            "--agency",
            "x",
            "--password",
            "long-enough-pw",
            "--database-url",
            url,
        ],
    )
    assert dup.exit_code == 2 and "already exists" in dup.output
    bad = runner.invoke(
        app,
        [
            "users",
            "add",
            "bo",
            "--role",
            "checkpoint",
            "--country",
            "AM",
            "--agency",
            "border",
            "--scope",
            "nowhere",
            "--password",
            "long-enough-pw",
            "--database-url",
            url,
        ],
    )
    assert bad.exit_code == 2 and "nrnadzor_rail" in bad.output
    role = runner.invoke(
        app,
        [
            "users",
            "add",
            "cy",
            "--role",
            "king",
            "--country",
            "AM",
            "--agency",
            "x",
            "--password",
            "long-enough-pw",
            "--database-url",
            url,
        ],
    )
    assert role.exit_code == 2 and "--role" in role.output and "expected one of carrier" in role.output
    from sqlalchemy import create_engine, text

    with create_engine(url).connect() as c:
        stored = c.execute(text("SELECT password_hash FROM transit_user WHERE username='ana'")).scalar_one()
    assert stored.startswith("$argon2id$") and "long-enough-pw" not in stored


def test_demo_is_deterministic_and_leaves_a_verifiable_chain(tmp_path, monkeypatch):
    from corridor.transit import auth

    monkeypatch.setattr(auth, "_hasher", auth.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    outs = []
    for name in ("a", "b"):
        url = f"sqlite:///{tmp_path / name}.db"
        r = runner.invoke(
            app,
            [
                "transit",
                "demo",
                "--database-url",
                url,
                "--seed",
                "3",
                "--trucks",
                "25",
                "--trains",
                "4",
                "--json",
            ],
        )
        assert r.exit_code == 0, r.output
        outs.append(json.loads(r.output))
        v = runner.invoke(app, ["audit", "verify", "--database-url", url])
        assert v.exit_code == 0 and "audit chain OK" in v.output
    # 25 trucks + 4 trains through the day, and 8 late trucks (the default queue) still waiting for an officer
    assert outs[0] == outs[1] and outs[0]["declarations"] == 37
    assert sum(outs[0]["by_state"].values()) == 37 and len(outs[0]["by_state"]) >= 3
    assert outs[0]["by_state"].get("submitted", 0) + outs[0]["by_state"].get("assessed", 0) >= 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_migrates_prints_the_address_and_answers(tmp_path):
    port = _free_port()
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    env = {**os.environ, "CORRIDOR_TRANSIT_ENVIRONMENT": "development"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from corridor.cli import main; main()",
            "serve",
            "--database-url",
            url,
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        first = proc.stdout.readline() + proc.stdout.readline()
        assert f"schema revision {head_revision()}" in first and f"http://127.0.0.1:{port}" in first, first
        for _ in range(100):
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert r.json() == {"ok": True}
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/board").status_code == 401
    finally:
        proc.terminate()
        proc.wait(10)
        err = proc.stderr.read()
        proc.stdout.close()
        proc.stderr.close()
    assert "WARNING: development mode" in err and "PUBLIC development" in err.replace("\n", " ")


def test_serve_freezes_its_startup_heap_and_applies_the_connection_limits(tmp_path, monkeypatch):
    """Before serving, the startup objects go to the collector's permanent generation (`freeze_heap`), once the
    app is built; uvicorn gets the keep-alive and connection limits of the settings."""
    import uvicorn

    import corridor.transit.limits as limits

    calls = []
    monkeypatch.setattr(limits, "freeze_heap", lambda: calls.append("freeze"))  # not this test process's heap
    monkeypatch.setattr(uvicorn, "run", lambda app_, **kw: calls.append(kw))
    monkeypatch.setenv("CORRIDOR_TRANSIT_ENVIRONMENT", "development")
    monkeypatch.setenv("CORRIDOR_TRANSIT_KEEP_ALIVE_S", "6.5")
    url = f"sqlite:///{tmp_path / 's.db'}"
    r = runner.invoke(app, ["serve", "--database-url", url, "--port", str(_free_port())])
    assert r.exit_code == 0, r.output
    assert calls[0] == "freeze" and len(calls) == 2
    assert calls[1]["timeout_keep_alive"] == 6.5 and calls[1]["limit_concurrency"] == 1000


def test_each_worker_freezes_its_startup_heap_once_its_app_is_built(tmp_path, monkeypatch):
    import corridor.transit.api as api
    from corridor.transit.db import make_engine, migrate

    url = f"sqlite:///{tmp_path / 'w.db'}"
    engine = make_engine(url, pool_size=1)
    migrate(engine)
    engine.dispose()
    built = []
    create = api.create_app
    monkeypatch.setattr(api, "create_app", lambda *a, **k: built.append(create(*a, **k)) or built[-1])
    monkeypatch.setattr(api, "freeze_heap", lambda: built.append("freeze"))
    monkeypatch.setenv("CORRIDOR_TRANSIT_DATABASE_URL", url)
    monkeypatch.setenv("CORRIDOR_TRANSIT_ENVIRONMENT", "development")
    assert api.app_from_environment() is built[0] and built[1:] == ["freeze"]
    built[0].state.service.sessions.kw["bind"].dispose()


def test_freeze_heap_takes_a_server_process_startup_objects_out_of_full_collections():
    """~200,000 objects (modules, schemas, pandas and scipy): unfrozen, each full collection walked them all
    (120-170 ms stalls under load, more than the open loop's p99 target). In a fresh process, not this one."""
    code = (
        "import gc\n"
        "from corridor.transit.api import create_app\n"
        "from corridor.transit.limits import freeze_heap\n"
        "n = freeze_heap()\n"
        "assert gc.get_freeze_count() == n\n"
        "print(n, len(gc.get_objects()))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    frozen, tracked = map(int, out.stdout.split())
    assert frozen > 50_000 and tracked < frozen / 10  # a full collection now walks a tenth or less


def test_serve_refuses_the_default_key_in_production(tmp_path, monkeypatch):
    monkeypatch.setenv("CORRIDOR_TRANSIT_ENVIRONMENT", "production")
    r = runner.invoke(app, ["serve", "--database-url", f"sqlite:///{tmp_path / 'p.db'}"])
    assert r.exit_code == 2 and "development key may not be used" in r.output


def test_users_deactivate_revokes_tokens_and_activate_restores_login(tmp_path):
    from corridor.transit.errors import Unauthenticated
    from corridor.transit.service import TransitService
    from corridor.transit.settings import Settings

    url = f"sqlite:///{tmp_path / 'users.db'}"
    add = ["users", "add", "cy", "--role", "auditor", "--country", "AM", "--agency", "audit"]
    assert runner.invoke(app, [*add, "--password", "long-enough-pw", "--database-url", url]).exit_code == 0
    svc = TransitService.from_settings(Settings(database_url=url))
    token = svc.login("cy", "long-enough-pw").access_token
    assert svc.authenticate(token).username == "cy"  # cached from here on
    r = runner.invoke(app, ["users", "deactivate", "cy", "--database-url", url, "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["username"] == "cy", r.output
    svc._principals.clear()  # another process: its cache lapses within principal_cache_s
    with pytest.raises(Unauthenticated):
        svc.authenticate(token)
    with pytest.raises(Unauthenticated):
        svc.login("cy", "long-enough-pw")
    missing = runner.invoke(app, ["users", "deactivate", "nobody", "--database-url", url])
    assert missing.exit_code == 2 and "not found" in missing.output
    assert runner.invoke(app, ["users", "activate", "cy", "--database-url", url]).exit_code == 0
    with pytest.raises(Unauthenticated):
        svc.authenticate(token)  # the old token stays revoked
    assert svc.authenticate(svc.login("cy", "long-enough-pw").access_token).username == "cy"
    report = runner.invoke(app, ["audit", "verify", "--database-url", url])
    assert report.exit_code == 0 and "6 rows verified" in report.output, (
        report.output
    )  # add login off failed on login
    svc.sessions.kw["bind"].dispose()
