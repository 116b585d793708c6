"""Engine, sessions and migrations. SQLite runs in WAL mode with ``BEGIN IMMEDIATE`` write transactions (so
concurrent writers queue on the busy timeout instead of failing on lock upgrade); PostgreSQL runs as is.

No ``pool_pre_ping``: it cost a ``SELECT 1`` round trip on every checkout. A connection the server dropped fails
one request, and SQLAlchemy then invalidates the whole pool (its disconnect handling); ``pool_recycle`` retires
connections before server or firewall idle timeouts."""

from __future__ import annotations

import contextlib
import os
from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

#: Seconds a SQLite writer waits for the lock before giving up.
SQLITE_BUSY_TIMEOUT_S = 30
#: assumption: recycle pooled PostgreSQL connections after 30 min, below common idle timeouts of proxies.
POOL_RECYCLE_S = 1800


def _private_file(path: str) -> None:
    """Create the SQLite file readable by its owner only (0600) before SQLite creates it with the umask (0644);
    SQLite gives its -wal and -shm files the database file's permissions."""
    if path and path != ":memory:" and not path.startswith("file:") and not os.path.exists(path):
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """An engine for ``url`` configured for this service (WAL and immediate transactions on SQLite)."""
    if url.startswith("sqlite"):
        _private_file(make_url(url).database or "")
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S},
            pool_size=pool_size,
            max_overflow=pool_size,
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=FULL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            # read-only sessions (engine option ``corridor_read_only``) need no write lock: WAL readers see a
            # snapshot and never wait for writers
            read_only = conn.get_execution_options().get("corridor_read_only", False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=POOL_RECYCLE_S)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("corridor.transit") / "migrations"))
    if engine is not None:
        url = engine.url.render_as_string(hide_password=False).replace("%", "%%")
        cfg.set_main_option("sqlalchemy.url", url)
        cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    """The newest migration shipped with the package (what `migrate` upgrades to)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def migrate(engine: Engine) -> str:
    """Create or upgrade the schema to the newest migration; returns the revision now in force."""
    command.upgrade(alembic_config(engine), "head")
    return current_revision(engine)


def current_revision(engine: Engine) -> str:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision() or ""
