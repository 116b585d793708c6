"""CLI commands of the transit control service: ``serve``, ``users add``, ``audit verify``, ``transit demo``."""

from __future__ import annotations

from typing import Annotated

import typer

from corridor.cli._output import cli_errors, console, emit, err_console, table

DbUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL (default: $CORRIDOR_TRANSIT_DATABASE_URL or sqlite:///corridor-transit.db)",
    ),
]


def _settings(database_url: str | None):
    from pydantic import ValidationError as PydanticError

    from corridor._errors import ValidationError
    from corridor.transit.settings import Settings

    try:
        return Settings(database_url=database_url) if database_url else Settings()
    except PydanticError as e:
        raise ValidationError(
            "; ".join(f"setting {'.'.join(map(str, x['loc']))}: {x['msg']}" for x in e.errors())
        ) from None


def _service(database_url: str | None):
    from corridor.transit.service import TransitService

    return TransitService.from_settings(_settings(database_url))


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

    with cli_errors():
        settings = _settings(database_url)
        if workers == 1:
            app = create_app(settings)
            engine = app.state.service.sessions.kw["bind"]
        else:  # migrate once here; each worker builds its app from the environment
            engine = make_engine(settings.database_url, pool_size=1)
            migrate(engine)
        revision = current_revision(engine)
    typer.echo(
        f"corridor transit: database {engine.url.render_as_string(hide_password=True)} at schema revision "
        f"{revision}\nserving on http://{host}:{port} with {workers} process(es) "
        f"(API docs: http://{host}:{port}/docs)"
    )
    if workers == 1:
        uvicorn.run(app, host=host, port=port, log_level="warning")
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
    )


users_app = typer.Typer(help="Manage users of the transit service.", no_args_is_help=True)


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="login name")],
    role: Annotated[str, typer.Option(help="carrier | officer | checkpoint | operator | auditor")],
    country: Annotated[str, typer.Option(help="ISO 3166-1 alpha-2 country of the user's agency")],
    agency: Annotated[str, typer.Option(help="agency or company (officers: customs or border)")],
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
    from corridor.transit.auth import Role

    with cli_errors():
        if role not in {r.value for r in Role}:
            from corridor._errors import ValidationError

            raise ValidationError(f"--role must be one of {', '.join(r.value for r in Role)}, got {role!r}")
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
        user = _service(database_url).set_active(username, active)
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


@audit_app.command("verify")
def audit_verify(
    database_url: DbUrl = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Walk the audit chain; name every edited, deleted or reordered row. Exit code 1 if the chain is broken."""
    with cli_errors():
        report = _service(database_url).verify_audit()

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


transit_app = typer.Typer(help="Transit control service: demo data.", no_args_is_help=True)


@transit_app.command("demo")
def demo(
    database_url: DbUrl = None,
    seed: Annotated[int, typer.Option(help="random seed (same seed, same traffic)")] = 1,
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
