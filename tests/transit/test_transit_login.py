"""Login cannot stall the service (issue 13): hashing outside any transaction and in a bounded pool, the same
cost for unknown users, throttling per account and per address, and every login, logout and failure audited.

Before: argon2 ran inside the login's write transaction (SQLite's BEGIN IMMEDIATE), so 8 threads posting wrong
passwords stalled every writer; 300 wrong passwords were followed by a working right one; an unknown user
answered in 2 ms and a known one in 150-190 ms."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from argon2 import PasswordHasher
from transit_factories import PASSWORD, bearer, client_class, train_body

from corridor.transit import auth
from corridor.transit.api import create_app
from corridor.transit.errors import TooManyRequests, Unauthenticated
from corridor.transit.schemas import DeclarationCreate
from corridor.transit.settings import Settings


def _acts(svc, people, entity_id: str) -> list[str]:
    return [r.act for r in svc.audit_rows(people.auditor, entity_id=entity_id, limit=200).items]


def test_a_slow_password_check_blocks_no_writer(svc, people, monkeypatch):
    started, release = threading.Event(), threading.Event()
    real = auth.verify_password

    def slow(stored, password):
        started.set()
        release.wait(10)
        return real(stored, password)

    monkeypatch.setattr("corridor.transit.service.verify_password", slow)
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(svc.login, "carrier", PASSWORD)
        assert started.wait(5)
        t0 = time.monotonic()
        d = svc.submit(people.carrier, DeclarationCreate.model_validate(train_body("WHILE-HASHING")))
        assert d.id and time.monotonic() - t0 < 2  # before: waited for the login's write transaction
        release.set()
        assert pending.result(10).access_token


def test_an_unknown_user_costs_one_hash_like_a_known_one(svc, people, monkeypatch):
    calls: list[str] = []
    real = auth._hasher

    class Counting:
        def verify(self, h, p):
            calls.append(h)
            return real.verify(h, p)

        def hash(self, p):
            return real.hash(p)

    monkeypatch.setattr(auth, "_hasher", Counting())
    for name in ("carrier", "nobody-here"):
        with pytest.raises(Unauthenticated):
            svc.login(name, "wrong password")
    assert len(calls) == 2 and all(h.startswith("$argon2id$") for h in calls)


def test_unknown_and_known_users_take_the_same_time_with_real_argon2(svc, people, monkeypatch):
    monkeypatch.setattr(auth, "_hasher", PasswordHasher())  # the production parameters
    with svc._tx() as s:  # re-hash the known user's password at production cost
        from sqlalchemy import update

        from corridor.transit.models import User

        s.execute(
            update(User).where(User.username == "carrier").values(password_hash=auth.hash_password("x" * 9))
        )
    svc.throttle.limits = {"account": 100, "address": 100}

    def timed(name: str) -> float:
        t0 = time.perf_counter()
        with pytest.raises(Unauthenticated):
            svc.login(name, "wrong password")
        return time.perf_counter() - t0

    timed("nobody")  # the dummy hash is made once
    known = statistics.median(timed("carrier") for _ in range(3))
    unknown = statistics.median(timed(f"nobody-{i}") for i in range(3))
    assert 0.5 < unknown / known < 2.0, (unknown, known)  # before: 2 ms vs 150-190 ms


def test_an_account_is_locked_after_five_failures_even_for_the_right_password(svc, people, clock):
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            svc.login("carrier", "guess", client="10.9.8.7")
    with pytest.raises(TooManyRequests) as locked:
        svc.login("carrier", PASSWORD, client="10.9.8.7")
    assert locked.value.status == 429 and 1 <= locked.value.retry_after <= 900
    with pytest.raises(TooManyRequests):
        svc.login("carrier", PASSWORD, client="192.0.2.1")  # the account, from anywhere
    assert svc.login("officer", PASSWORD, client="10.9.8.7").access_token  # the address is not locked yet
    acts = _acts(svc, people, "carrier")
    assert acts.count("login_failed") == 5 and acts[-1] == "login_lockout"
    clock.advance(seconds=901)
    assert svc.login("carrier", PASSWORD, client="10.9.8.7").access_token
    assert _acts(svc, people, "carrier")[-1] == "login"


def test_an_address_is_locked_after_twenty_failures_over_any_accounts(svc, people, clock):
    for i in range(20):
        with pytest.raises(Unauthenticated):
            svc.login(f"spray-{i}", "guess", client="203.0.113.5")
    with pytest.raises(TooManyRequests):
        svc.login("officer", PASSWORD, client="203.0.113.5")
    assert svc.login("officer", PASSWORD, client="203.0.113.6").access_token
    assert _acts(svc, people, "203.0.113.5") == ["login_lockout"]


def test_api_login_answers_429_with_retry_after_and_logout_is_audited(client, svc, people):
    for _ in range(5):
        r = client.post("/api/v1/auth/token", json={"username": "carrier2", "password": "nope-nope"})
        assert r.status_code == 401
    r = client.post("/api/v1/auth/token", json={"username": "carrier2", "password": PASSWORD})
    assert r.status_code == 429 and r.json()["code"] == "LOGIN_LOCKED" and int(r.headers["Retry-After"]) > 0
    assert client.post("/api/v1/auth/logout", headers=bearer(people, "officer")).status_code == 204
    assert _acts(svc, people, "officer")[-1] == "logout"


def test_a_locked_out_login_waits_for_its_429_without_a_thread(client, people, monkeypatch):
    """The tarpit: a locked-out attempt sleeps LOGIN_LOCKED_DELAY_S on the event loop before its 429 (the sleep
    is recorded, not timed: tests do not measure wall-clock time)."""
    import corridor.transit.api as api

    slept, real_sleep = [], asyncio.sleep

    async def recorded(seconds):
        slept.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr(api.asyncio, "sleep", recorded)
    for _ in range(5):
        r = client.post("/api/v1/auth/token", json={"username": "carrier2", "password": "nope-nope"})
        assert r.status_code == 401
    assert slept == []  # failures before the lockout are not delayed
    r = client.post("/api/v1/auth/token", json={"username": "carrier2", "password": "nope-nope"})
    assert r.status_code == 429 and r.json()["code"] == "LOGIN_LOCKED"
    assert slept == [client.app.state.settings.login_locked_delay_s] and slept[0] > 0


def test_web_login_is_throttled_too(client, people):
    from test_web_http import login

    for _ in range(5):
        assert login(client, "carrier2", "nope-nope").status_code == 401
    r = login(client, "carrier2")
    assert r.status_code == 429 and "Retry-After" in r.headers and "try again later" in r.text


def test_the_login_pool_is_bounded_and_answers_503_beyond_its_queue(svc, people, monkeypatch):
    inside, peak, release = [0], [0], threading.Event()
    lock = threading.Lock()
    real = auth.verify_password

    def slow(stored, password):
        with lock:
            inside[0] += 1
            peak[0] = max(peak[0], inside[0])
        release.wait(10)
        with lock:
            inside[0] -= 1
        return real(stored, password)

    monkeypatch.setattr("corridor.transit.service.verify_password", slow)
    settings = Settings(environment="test", audit_key="k" * 20, login_threads=1, login_queue=1)
    with client_class()(create_app(settings, service=svc)) as c, ThreadPoolExecutor(4) as pool:
        body = {"username": "carrier", "password": PASSWORD}
        futures = [pool.submit(c.post, "/api/v1/auth/token", json=body) for _ in range(4)]
        deadline = time.monotonic() + 5
        while sum(f.done() for f in futures) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert c.get("/healthz").status_code == 200  # the event loop and the request threads are free
        release.set()
        codes = sorted(f.result(10).status_code for f in futures)
    assert codes == [200, 200, 503, 503] and peak[0] == 1
