"""The transit docs show what the program prints: the demo's console output in docs/transit.md and the board's
figures in docs/transit-web.md are compared with a fresh run (seed 1), so the docs cannot drift again."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corridor.cli import app

DOCS = Path(__file__).resolve().parents[2] / "docs"
runner = CliRunner(env={"COLUMNS": "80"})
DEMO_INTRO = "Real output of `corridor transit demo --seed 1` on a fresh database"


def _block_after(text: str, intro: str) -> str:
    """The fenced block that follows the line containing ``intro``."""
    start = text.index(intro)
    m = re.compile(r"```[a-z]*\n(.*?)```", re.S).search(text, start)
    return _lines(m.group(1))


def _lines(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """(url, console output) of a fresh demo at 80 columns."""
    from argon2 import PasswordHasher

    from corridor.transit import auth

    mp = pytest.MonkeyPatch()
    mp.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    url = f"sqlite:///{tmp_path_factory.mktemp('docs') / 'demo.db'}"
    r = runner.invoke(app, ["transit", "demo", "--seed", "1", "--database-url", url])
    assert r.exit_code == 0, r.output
    yield url, r.output
    mp.undo()


def test_the_demo_output_in_the_docs_is_what_a_fresh_run_prints(demo):
    _, output = demo
    documented = _block_after((DOCS / "transit.md").read_text(), DEMO_INTRO)
    assert documented == _lines(output), f"update docs/transit.md with:\n{output}"
    title = "\n".join(_lines(output).splitlines()[:2])  # "demo day (seed 1): N declarations"
    assert title in (DOCS / "transit-web.md").read_text(), f"update docs/transit-web.md with:\n{title}"


def test_a_second_demo_is_refused_and_reset_starts_afresh(demo):
    url, output = demo
    r = runner.invoke(app, ["transit", "demo", "--seed", "1", "--database-url", url])
    said = " ".join(r.output.split())
    assert r.exit_code == 2 and "already holds data (12 users, 76 declarations" in said and "--reset" in said
    assert "Traceback" not in r.output
    r = runner.invoke(app, ["transit", "demo", "--seed", "1", "--database-url", url, "--reset"])
    assert r.exit_code == 0 and _lines(r.output) == _lines(output)  # the same day again, not twice the data


def test_the_board_figures_in_the_web_docs_match_the_demo(demo):
    from corridor.transit.service import TransitService
    from corridor.transit.settings import Settings

    url, _ = demo
    text = (DOCS / "transit-web.md").read_text()
    m = re.search(
        r"(\d+) in transit, (\d+) overdue, (\d+) held; green (\d+), yellow (\d+), red (\d+), "
        r"(\d+) discrepanc(?:y|ies) to decide",
        text,
    )
    assert m, "docs/transit-web.md lost the board figures sentence"
    svc = TransitService.from_settings(Settings(database_url=url))
    b = svc.board(svc.authenticate(svc.login("auditor", "demo-password").access_token))
    waiting = b.by_state["entry_discrepancy"] + b.by_state["exit_discrepancy"]
    assert tuple(int(x) for x in m.groups()) == (
        b.in_transit,
        b.overdue,
        b.held,
        b.by_channel["green"],
        b.by_channel["yellow"],
        b.by_channel["red"],
        waiting,
    )
    svc.sessions.kw["bind"].dispose()
