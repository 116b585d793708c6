"""Every option and argument of every command, read from the typer app itself, refuses a bad value: exit 2,
one line starting with ``error:``, no traceback. A new option is covered without editing this file: if its
generic bad value (by type) is accepted, this test fails until the option validates its input."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from corridor.cli import app

ROOT = typer.main.get_command(app)

#: Valid positional arguments and required options, so that the bad value is the only problem.
BASE: dict[str, list[str]] = {
    "route": ["Baku", "Nakhchivan"],
    "simulate queue": ["--arrivals-per-h", "10", "--servers", "2", "--service-min", "5", "--hours", "24"],
    "network export": ["{tmp}/out.gpkg"],
    "users add": ["bob", "--role", "officer", "--country", "AM", "--agency", "customs", "--password",
                  "long-enough-password", "--database-url", "sqlite:///{tmp}/t.db"],
    "audit anchor": ["--out", "{tmp}/anchor.txt", "--database-url", "sqlite:///{tmp}/t.db"],
    "users activate": ["bob", "--database-url", "sqlite:///{tmp}/t.db"],
    "users deactivate": ["bob", "--database-url", "sqlite:///{tmp}/t.db"],
}
#: Where the value by type is not bad for this option, the bad value to use instead (and why it is bad).
OVERRIDE: dict[tuple[str, str], str] = {
    ("users add", "agency"): " ",  # any non-empty name is an agency
    ("users add", "password"): "short",  # at least 8 characters
    ("users add", "username"): "bad name",  # no spaces in a login name
    ("audit anchor", "out"): "/nonexistent-dir/anchor.txt",  # an existing file is appended to
}


def _commands(cmd, path: tuple[str, ...] = ()):
    """(``"lines rail"``, command) for every leaf command, asking each group for its commands as click does (so
    lazily loaded groups are walked too)."""
    if hasattr(cmd, "list_commands"):
        ctx = typer.Context(cmd)
        for name in cmd.list_commands(ctx):
            yield from _commands(cmd.get_command(ctx, name), (*path, name))
    else:
        yield " ".join(path), cmd


def _bad_values(command: str, param) -> list[str]:
    if (command, param.name) in OVERRIDE:
        return [OVERRIDE[command, param.name]]
    ann = param.type_descriptor.annotation
    if ann is int:
        return ["-1", "abc"]
    if ann is float:
        return ["-1", "nan", "abc"]
    if ann is Path:
        return ["{tmp}/junk"]  # an existing file of junk: not a folder, not a valid input file
    return ["nonsense-xyz"]


def _cases():
    for command, cmd in _commands(ROOT):
        for param in cmd.params:
            if getattr(param, "is_flag", False) or param.name == "help":
                continue  # a flag has no value to get wrong
            for bad in _bad_values(command, param):
                yield pytest.param(command, param.name, bad, id=f"{command}:{param.name}={bad}")


CASES = list(_cases())


def _args(command: str, param_name: str, bad: str, tmp: Path) -> list[str]:
    cmd = dict(_commands(ROOT))[command]
    base = list(BASE.get(command, []))
    param = next(p for p in cmd.params if p.name == param_name)
    positional = [p for p in cmd.params if not getattr(p, "opts", [""])[0].startswith("-")]
    if param in positional:
        i = positional.index(param)
        base = [*base[:i], bad, *base[i + 1:]]
    else:
        opt = param.opts[0]
        if opt in base:  # replace a required option's good value
            j = base.index(opt)
            base[j + 1] = bad
        else:
            base += [opt, bad]
    return [*command.split(), *(a.replace("{tmp}", str(tmp)) for a in base)]


def test_the_walk_sees_every_command():
    names = {c for c, _ in _commands(ROOT)}
    assert {"route", "lines rail", "economics finance", "audit verify", "network export", "serve"} <= names
    assert len(CASES) > 100
    for command, name in OVERRIDE:
        assert name in {p.name for p in dict(_commands(ROOT))[command].params}, (command, name)
    for command in BASE:
        assert command in names, command


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("command", "param_name", "bad"), CASES)
def test_bad_value_is_refused_in_one_line(command, param_name, bad, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "junk").write_text("not: [valid\n")
    if command in ("users activate", "users deactivate", "audit anchor"):  # an existing database and user, so only the value is bad
        add = [a.replace("{tmp}", str(tmp_path)) for a in ["users", "add", *BASE["users add"]]]
        assert CliRunner().invoke(app, add).exit_code == 0
    args = _args(command, param_name, bad, tmp_path)
    r = CliRunner().invoke(app, args)
    lines = r.output.strip().splitlines()
    assert r.exit_code == 2, f"corridor {' '.join(args)} → exit {r.exit_code}:\n{r.output}"
    assert len(lines) == 1 and lines[0].startswith("error: "), f"corridor {' '.join(args)}:\n{r.output}"
    assert "Traceback" not in r.output
    # the line is about this value: it names the option or repeats the value
    param = next(p for p in dict(_commands(ROOT))[command].params if p.name == param_name)
    names = [*getattr(param, "opts", []), param.name, bad.replace("{tmp}/", "").strip()]
    assert any(n and n in lines[0] for n in names), f"corridor {' '.join(args)}:\n{r.output}"


def test_debug_shows_the_traceback(tmp_path):
    r = CliRunner().invoke(app, ["--debug", "route", "Bakku", "Kars"])
    assert r.exit_code != 0 and r.exception is not None and "Bakku" in str(r.exception)
    r = CliRunner().invoke(app, ["route", "Bakku", "Kars"])
    assert r.exit_code == 2 and r.output.count("\n") == 1


@pytest.mark.parametrize("command", sorted({c for c, _ in _commands(ROOT)}))
def test_help_at_80_columns_shows_every_default_whole(command):
    r = CliRunner(env={"COLUMNS": "80"}).invoke(app, [*command.split(), "--help"])
    assert r.exit_code == 0, r.output
    assert max(len(line) for line in r.output.splitlines()) <= 80
    for param in dict(_commands(ROOT))[command].params:
        default = param.default
        if default not in (None, False, "", ()) and not getattr(param, "hidden", False) and param.name != "help":
            shown = str(default.value if hasattr(default, "value") else default)
            assert f"[default: {shown}]" in r.output, (command, param.name, shown)
