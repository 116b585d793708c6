"""Configuration of the transit service: one pydantic-settings object, read from ``CORRIDOR_TRANSIT_*``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The development audit key. Refused outside ``environment=development``.
DEV_AUDIT_KEY = "development-only-audit-key-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CORRIDOR_TRANSIT_", extra="forbid")

    #: SQLAlchemy URL: SQLite (default, WAL) or PostgreSQL (``postgresql+psycopg://user@host/db``).
    database_url: str = "sqlite:///corridor-transit.db"
    #: ``development`` allows the built-in audit key; anything else requires a real one.
    environment: Literal["development", "production", "test"] = "development"
    #: Secret key of the audit chain's HMAC (kept out of the database). At least 16 characters.
    audit_key: str = Field(DEV_AUDIT_KEY, min_length=16)
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
    #: Connection pool size per process.
    pool_size: int = Field(10, ge=1, le=200)

    @model_validator(mode="after")
    def _no_default_secret(self) -> Settings:
        if self.environment != "development" and self.audit_key == DEV_AUDIT_KEY:
            raise ValueError(
                f"audit_key: the development key may not be used in environment '{self.environment}'; "
                "set CORRIDOR_TRANSIT_AUDIT_KEY"
            )
        return self
