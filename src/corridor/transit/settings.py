"""Configuration of the transit service: one pydantic-settings object, read from ``CORRIDOR_TRANSIT_*``."""

from __future__ import annotations

import math
from collections import Counter
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The development audit key. Refused outside ``environment=development``.
DEV_AUDIT_KEY = "development-only-audit-key-change-me"
#: Production keys: at least this many characters ...
MIN_KEY_CHARS = 32
#: ... and this many bits by the Shannon estimate of their characters (length x bits per character): a random
#: 32-byte key in base64 or hex has ~190-250; ``aaaa...`` has 0 and an English phrase of 40 letters ~165.
MIN_KEY_BITS = 128


def key_weakness(key: str) -> str | None:
    """Why ``key`` is too weak for production (length, then estimated entropy), or None."""
    if len(key) < MIN_KEY_CHARS:
        return f"has {len(key)} characters; production needs at least {MIN_KEY_CHARS}"
    n = len(key)
    bits = 0.0 - n * sum(c / n * math.log2(c / n) for c in Counter(key).values())
    if bits < MIN_KEY_BITS:
        return (
            f"has ~{max(bits, 0.0):.0f} bits of entropy by its characters; production needs {MIN_KEY_BITS} "
            "(generate one: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    return None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CORRIDOR_TRANSIT_", extra="forbid")

    #: SQLAlchemy URL: SQLite (default, WAL) or PostgreSQL (``postgresql+psycopg://user@host/db``).
    database_url: str = "sqlite:///corridor-transit.db"
    #: ``development`` allows the built-in audit key; anything else requires a real one.
    environment: Literal["development", "production", "test"] = "development"
    #: Secret key of the audit chain's HMAC and its anchors (kept out of the database). At least 16
    #: characters; in production at least 32 and 128 bits of estimated entropy.
    audit_key: str = Field(DEV_AUDIT_KEY, min_length=16)
    #: Secret key of the web forms' CSRF tokens, separate from the audit key. Unset: a random key per
    #: ``corridor serve`` run (forms open across a restart must be reloaded); required in production.
    csrf_key: str | None = Field(None, min_length=16)
    #: Lifetime of a bearer token, hours.
    token_ttl_h: float = Field(12.0, gt=0, le=24 * 30)
    #: Seed of the random selection of the risk engine (None: from the OS).
    risk_seed: int | None = None
    #: Seconds a token's principal is cached in each server process (0: ask the database on every request).
    #: Logout and deactivation clear it at once in the process that handled them, in others within this time.
    principal_cache_s: float = Field(5.0, ge=0, le=300)
    #: Threads per server process running the blocking service calls. Requests beyond them wait in a FIFO queue
    #: on the event loop; more threads only add GIL hand-offs (writes serialise on SQLite's lock or the audit
    #: head row anyway).
    threads: int = Field(4, ge=1, le=200)
    #: Group commit: the most write acts one transaction (one COMMIT, one fsync) of the writer thread takes from
    #: its queue; 1 commits each act on its own. Batches form only while the previous one commits.
    write_batch: int = Field(64, ge=1, le=1000)
    #: Connection pool size per process.
    pool_size: int = Field(10, ge=1, le=200)
    #: Threads hashing passwords (argon2) per process, at lower CPU priority, outside any transaction.
    login_threads: int = Field(1, ge=1, le=32)
    #: Logins that may wait for those threads; more answer 503 with Retry-After.
    login_queue: int = Field(16, ge=0, le=10_000)
    #: Failed logins of one account, and from one client address, within ``login_window_s`` before a lockout.
    login_failures_per_account: int = Field(5, ge=1, le=10_000)
    login_failures_per_address: int = Field(20, ge=1, le=1_000_000)
    login_window_s: float = Field(900.0, gt=0, le=86_400)
    #: Seconds a locked account or address answers 429 (Retry-After), whatever the password.
    login_lockout_s: float = Field(900.0, gt=0, le=86_400)
    #: Seconds a locked-out login waits before its 429 (holds no thread: slows a flooding client down to about
    #: one attempt a second per connection, so a flood of 429s no longer takes the CPU from everyone else).
    login_locked_delay_s: float = Field(1.0, ge=0, le=30)
    #: Request body limits in bytes, enforced before parsing (413): declarations, other routes.
    max_declaration_bytes: int = Field(512 * 1024, ge=1024, le=64 * 1024 * 1024)
    max_body_bytes: int = Field(16 * 1024, ge=256, le=64 * 1024 * 1024)
    #: Seconds a client may take to send its request body (each chunk), else 408 and the connection closes.
    body_timeout_s: float = Field(10.0, gt=0, le=600)
    #: Seconds a connection may take to send a complete request head (line and headers), else it is closed.
    header_timeout_s: float = Field(10.0, gt=0, le=600)
    #: Seconds an idle kept-alive connection stays open after its last answer, then the server closes it (frees
    #: its place among ``max_connections``). A client reusing connections must drop them sooner, and a proxy in
    #: front must close its idle upstream connections sooner, or a request can be sent on a closing connection.
    keep_alive_s: float = Field(5.0, gt=0, le=3600)
    #: Largest request head (line and headers) in bytes; larger answers 4xx (h11 limit).
    max_header_bytes: int = Field(16 * 1024, ge=1024, le=1024 * 1024)
    #: Connections and tasks per server process beyond which new requests answer 503 (uvicorn).
    max_connections: int = Field(1000, ge=10, le=100_000)
    #: Fields a web form may have (the declaration form has ~40); more answers 400.
    max_form_fields: int = Field(200, ge=10, le=10_000)
    #: FastAPI's native OpenTelemetry (spans, metrics, logs to the global providers). Off by default: even with
    #: no provider configured it looked them up in the environment on every request (~10% of a submission's
    #: CPU in the load benchmark's profile).
    telemetry: bool = False
    #: Serve the interactive API docs (/docs, self-hosted Swagger UI; no CDN). Off by default in production.
    api_docs: bool | None = None

    @property
    def docs_enabled(self) -> bool:
        return self.api_docs if self.api_docs is not None else self.environment != "production"

    @model_validator(mode="after")
    def _no_default_secret(self) -> Settings:
        if self.environment != "development" and self.audit_key == DEV_AUDIT_KEY:
            raise ValueError(
                f"audit_key: the development key may not be used in environment '{self.environment}'; "
                "set CORRIDOR_TRANSIT_AUDIT_KEY"
            )
        if self.environment == "production":
            if self.csrf_key is None:
                raise ValueError("csrf_key: production needs its own key; set CORRIDOR_TRANSIT_CSRF_KEY")
            if self.csrf_key == self.audit_key:
                raise ValueError("csrf_key: must differ from audit_key (one leaked key must not give both)")
            for name, key in (("audit_key", self.audit_key), ("csrf_key", self.csrf_key)):
                why = key_weakness(key)
                if why:
                    raise ValueError(f"{name} {why}")
        return self
