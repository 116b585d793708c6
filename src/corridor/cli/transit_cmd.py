"""CLI commands of the transit control service: ``serve``, ``users add``, ``audit verify``, ``transit demo``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from corridor.cli import _options as check
from corridor.cli._output import cli_errors, console, emit, err_console, table

DbUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        callback=check.database_url,
        help="SQLAlchemy URL (default: $CORRIDOR_TRANSIT_DATABASE_URL or sqlite:///corridor-transit.db)",
    ),
]


def _settings(database_url: str | None, *, existing: bool = False):
    """The service settings; the URL (from the option or the environment) is checked before anything connects,
    and with ``existing`` a database that does not exist is refused rather than created."""
    settings = _load_settings(database_url)
    try:
        check.database_url(settings.database_url)
        if existing:
            check.existing_database(settings.database_url)
    except typer.BadParameter as e:  # name where the URL came from
        raise typer.BadParameter(e.message, param_hint="'--database-url'" if database_url
                                 else "$CORRIDOR_TRANSIT_DATABASE_URL") from None
    return settings


def _load_settings(database_url: str | None):
    from pydantic import ValidationError as PydanticError

    from corridor._errors import ValidationError
    from corridor.transit.settings import Settings

    try:
        return Settings(database_url=database_url) if database_url else Settings()
    except PydanticError as e:
        raise ValidationError(
            "; ".join(f"setting {'.'.join(map(str, x['loc']))}: {x['msg']}" for x in e.errors())
        ) from None


def _service(database_url: str | None, *, existing: bool = False):
    from corridor.transit.service import TransitService

    return TransitService.from_settings(_settings(database_url, existing=existing))


def _check_port(host: str, port: int) -> None:
    """Refuse, before touching the database, an address this process cannot listen on (busy port, unknown
    host) — uvicorn would say so only after 'serving on …'."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(infos[0][4])
    except OSError as e:
        reason = e.strerror or str(e)
        raise typer.BadParameter(f"cannot listen on {host}:{port}: {reason}",
                                 param_hint="'--host' / '--port'") from None


def _existing_service(database_url: str | None):
    """The service on an existing transit database, never creating or migrating one (read-only commands)."""
    from pathlib import Path

    from sqlalchemy import inspect
    from sqlalchemy.engine import make_url

    from corridor._errors import ValidationError
    from corridor.transit.db import make_engine
    from corridor.transit.service import TransitService

    settings = _settings(database_url, existing=True)
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).is_file()):
        raise ValidationError(f"--database-url: no database file {url.database!r} (nothing to verify)")
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
    except Exception as e:  # connection refused, unknown database ...
        raise ValidationError(f"--database-url: cannot open the database: {e.__class__.__name__}") from None
    if not {"transit_audit", "transit_audit_head"} <= tables:
        raise ValidationError(f"--database-url: {url.render_as_string()} holds no transit audit log")
    return TransitService.from_settings(settings, engine=engine, migrate_schema=False)


def serve(
    database_url: DbUrl = None,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port", min=1, max=65535)] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="server processes (uvicorn workers); more than 1 pays off on PostgreSQL, where the audit "
            "chain stays one chain through its head-row lock",
        ),
    ] = 1,
) -> None:
    """Create or migrate the transit database, then serve the API (and web pages) over HTTP."""
    import os

    import uvicorn

    from corridor.transit.api import create_app
    from corridor.transit.db import current_revision, make_engine, migrate
    from corridor.transit.limits import freeze_heap, uvicorn_options

    with cli_errors():
        _check_port(host, port)
        settings = _settings(database_url)
        if settings.csrf_key is None:  # one random form key for this run, shared by every worker
            import secrets

            settings.csrf_key = os.environ["CORRIDOR_TRANSIT_CSRF_KEY"] = secrets.token_urlsafe(32)
        if workers == 1:
            app = create_app(settings)
            engine = app.state.service.sessions.kw["bind"]
        else:  # migrate once here; each worker builds its app from the environment
            engine = make_engine(settings.database_url, pool_size=1)
            migrate(engine)
        revision = current_revision(engine)
    if settings.environment == "development":
        err_console.print(
            "[bold red]WARNING: development mode[/]: the audit chain is keyed with the PUBLIC development key "
            "(anyone can forge it) and API docs are on. Set CORRIDOR_TRANSIT_ENVIRONMENT=production with "
            "CORRIDOR_TRANSIT_AUDIT_KEY and CORRIDOR_TRANSIT_CSRF_KEY for real use.",
            highlight=False,
        )
    typer.echo(
        f"corridor transit: database {engine.url.render_as_string(hide_password=True)} at schema revision "
        f"{revision}\nserving on http://{host}:{port} with {workers} process(es) "
        + (f"(API docs: http://{host}:{port}/docs)" if settings.docs_enabled else "(API docs off)")
    )
    limits = uvicorn_options(settings)
    if workers == 1:
        freeze_heap()  # the startup objects out of the garbage collector's way (see `freeze_heap`)
        uvicorn.run(app, host=host, port=port, log_level="warning", **limits)
        return
    engine.dispose()
    if engine.dialect.name == "sqlite":
        err_console.print(
            "note: SQLite has one writer at a time; across processes writers wait in SQLite's busy handler "
            "(use PostgreSQL for several workers)",
            highlight=False,
        )
    # the workers read their settings from the environment
    os.environ["CORRIDOR_TRANSIT_DATABASE_URL"] = settings.database_url
    uvicorn.run(
        "corridor.transit.api:app_from_environment",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="warning",
        **limits,
    )


def _login_name(value: str) -> str:
    import re

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}", value):
        raise typer.BadParameter(f"expected 1-64 letters, digits or . _ @ - (no spaces), starting with a letter "
                                 f"or digit (got {value!r})")
    return value


def _role(value: str | None) -> str | None:
    from corridor.transit.auth import Role

    return check.one_of(*(r.value for r in Role))(value)


users_app = typer.Typer(help="Manage users of the transit service.", no_args_is_help=True)


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(callback=_login_name, help="login name")],
    role: Annotated[str, typer.Option(callback=_role,
                                      help="carrier | officer | checkpoint | operator | auditor")],
    country: Annotated[str, typer.Option(callback=check.country,
                                         help="country of the user's agency (ISO code or name)")],
    agency: Annotated[str, typer.Option(callback=check.non_empty,
                                        help="agency or company (officers: customs or border)")],
    scope: Annotated[
        str | None, typer.Option(help="carrier code (carrier) or checkpoint code (checkpoint)")
    ] = None,
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            help="at least 8 characters (prompted when not given)",
        ),
    ] = "",
    database_url: DbUrl = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Add a user (password hashed with argon2; the act is written to the audit chain)."""
    if role not in ("carrier", "checkpoint"):
        check.refuse_unused(["scope"], "only carrier and checkpoint users have a scope")
    with cli_errors():
        user = _service(database_url).add_user(
            username, password, role, country=country, agency=agency, scope=scope
        )
    emit(
        user,
        as_json,
        lambda: console.print(
            f"added {user.role} [bold]{user.username}[/] ({user.country} {user.agency}"
            f"{', scope ' + user.scope if user.scope else ''})",
            highlight=False,
        ),
    )


def _set_active(username: str, active: bool, database_url: str | None, as_json: bool) -> None:
    with cli_errors():
        user = _service(database_url, existing=True).set_active(username, active)
    verb = "activated" if active else "deactivated (every token revoked)"
    emit(user, as_json, lambda: console.print(f"{verb}: [bold]{user.username}[/]", highlight=False))


@users_app.command("deactivate")
def users_deactivate(
    username: Annotated[str, typer.Argument(help="login name")],
    database_url: DbUrl = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Deactivate a user: no login, and every token revoked (audited). Running servers refuse the user's
    requests at once in the process that did it, in other processes within CORRIDOR_TRANSIT_PRINCIPAL_CACHE_S."""
    _set_active(username, False, database_url, as_json)


@users_app.command("activate")
def users_activate(
    username: Annotated[str, typer.Argument(help="login name")],
    database_url: DbUrl = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Re-activate a user (who must log in again: old tokens stay revoked). Audited."""
    _set_active(username, True, database_url, as_json)


audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)


AnchorFile = Annotated[
    Path | None,
    typer.Option(
        "--anchor",
        help="file of signed checkpoints written by 'corridor audit anchor': the chain must reach each one",
        dir_okay=False,
    ),
]


@audit_app.command("verify")
def audit_verify(
    database_url: DbUrl = None,
    anchor: AnchorFile = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Walk the audit chain: name every edited, deleted or reordered row, a moved or unkeyed head, a chain
    shorter than an anchor, and business tables that disagree with the log. Exit code 1 if anything is wrong;
    2 if the database does not exist (it is never created)."""
    from corridor._errors import ValidationError
    from corridor.transit.audit import parse_anchors

    with cli_errors():
        anchors = []
        if anchor is not None:
            try:
                anchors = parse_anchors(anchor.read_text(), str(anchor))
            except OSError as e:
                raise ValidationError(f"--anchor: cannot read {anchor}: {e.strerror}") from None
            except ValueError as e:
                raise ValidationError(str(e)) from None
            if not anchors:
                raise ValidationError(f"--anchor: {anchor} holds no checkpoint")
        report = _existing_service(database_url).verify_audit(anchors=anchors)

    def render() -> None:
        if report.ok:
            console.print(f"audit chain OK: {report.rows} rows verified", highlight=False)
        else:
            err_console.print(f"[bold red]audit chain BROKEN[/] ({report.rows} rows):", highlight=False)
            for p in report.problems:
                err_console.print(f"  - {p}", highlight=False)

    emit(report, as_json, render)
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("anchor")
def audit_anchor(
    out: Annotated[
        Path,
        typer.Option("--out", help="file the checkpoint is appended to (keep it off the database's host)"),
    ],
    database_url: DbUrl = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Append a signed checkpoint of the audit chain (row, hash, time; HMAC under the audit key) to a file.
    Run it regularly (cron) and keep the file elsewhere: 'audit verify --anchor FILE' then notices a log cut
    back to before any checkpoint, which the database alone cannot show."""
    from corridor._errors import ValidationError
    from corridor.transit.audit import anchor_line

    with cli_errors():
        a = _existing_service(database_url).anchor()
        try:
            with out.open("a", encoding="utf-8") as f:
                f.write(anchor_line(a) + "\n")
        except OSError as e:
            raise ValidationError(f"--out: cannot write {out}: {e.strerror}") from None
    emit(
        {"seq": a.seq, "hash": a.hash, "at": a.at, "mac": a.mac, "file": str(out)},
        as_json,
        lambda: console.print(f"anchored row {a.seq} ({a.hash[:12]}...) at {a.at} in {out}", highlight=False),
    )


transit_app = typer.Typer(help="Transit control service: demo data.", no_args_is_help=True)


@transit_app.command("demo")
def demo(
    database_url: DbUrl = None,
    seed: Annotated[int, typer.Option(callback=check.at_least(0), help="random seed (same seed, same traffic)")] = 1,
    trucks: Annotated[int, typer.Option(min=0, max=2000, help="truck declarations in the day")] = 60,
    trains: Annotated[int, typer.Option(min=0, max=100, help="train declarations in the day")] = 8,
    reset: Annotated[
        bool, typer.Option("--reset", help="delete everything in the database first (cannot be undone)")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Seed an empty database with a realistic day of traffic (users, capacity, declarations in every state).
    A database that already holds data is refused unless --reset."""
    from dataclasses import asdict

    from corridor.transit.demo import prepare_database, seed_demo

    with cli_errors():
        service = _service(database_url)
        prepare_database(service, reset=reset)
        summary = seed_demo(service, seed=seed, trucks=trucks, trains=trains)

    def render() -> None:
        console.print(
            table(
                f"demo day (seed {seed}): {summary.declarations} declarations",
                ["state", "count"],
                sorted(summary.by_state.items()),
            )
        )
        console.print(f"users (password '{summary.password}'): {', '.join(summary.users)}", highlight=False)

    emit(asdict(summary), as_json, render)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""
    app.command("serve")(serve)
    app.add_typer(users_app, name="users")
    app.add_typer(audit_app, name="audit")
    app.add_typer(transit_app, name="transit")
