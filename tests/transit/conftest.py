"""Transit fixtures: a fresh database per test on SQLite and on PostgreSQL (its own schema), users of every
role, the service and an HTTP client on it."""

from __future__ import annotations

import random
import uuid

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text
from transit_factories import FakeClock, People, add_people, client_class

import support
from corridor.transit import auth
from corridor.transit.service import TransitService
from corridor.transit.settings import Settings

TEST_KEY = "test-audit-key-0123456789"


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch):
    """Argon2 with minimal cost: the same code path, ~100x faster (production keeps the library defaults)."""
    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def _postgres_schema_url() -> tuple[str, str, str]:
    base = support.postgres_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    eng = create_engine(base)
    with eng.begin() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng.dispose()
    return base, schema, f"{base}?options=-csearch_path%3D{schema}"


def _drop_schema(base: str, schema: str) -> None:
    eng = create_engine(base)
    with eng.begin() as c:
        c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    eng.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'transit.db'}"
        return
    base, schema, url = _postgres_schema_url()
    yield url
    _drop_schema(base, schema)


@pytest.fixture
def clock():
    return FakeClock()


def build_service(url: str, clock, *, seed: int = 7) -> TransitService:
    settings = Settings(database_url=url, environment="test", audit_key=TEST_KEY)
    return TransitService.from_settings(settings, rng=random.Random(seed), clock=clock)


@pytest.fixture
def svc(db_url, clock):
    service = build_service(db_url, clock)
    yield service
    service.sessions.kw["bind"].dispose()


@pytest.fixture
def people(svc) -> People:
    return add_people(svc)


@pytest.fixture
def client(svc):
    from corridor.transit.api import create_app

    with client_class()(create_app(service=svc)) as c:
        yield c
