"""The README's examples are executed and compared with what the program prints, so the README cannot drift.

- ``console`` blocks: each ``$ corridor …`` line runs (in-process, 80 columns, in a fresh folder per block) and
  its output must match the lines under it. ``…`` stands for any text within a line, or on a line of its own for
  any number of lines. A command with no lines under it must succeed. ``| jq -c PATH`` is applied in Python.
- ``pycon`` blocks run as doctests.
- The "What it shows" table must carry the figures of ``corridor run``'s summary.
"""

from __future__ import annotations

import csv
import doctest
import json
import re
import shlex
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corridor.cli import app
from support import REPO, tntp_dir

README = REPO / "README.md"
TEXT = README.read_text(encoding="utf-8")

#: Commands shown but not run here, and why.
NOT_RUN = {"corridor serve": "serves until stopped (the service is tested in tests/transit)"}


def _break_my_net(folder: Path) -> None:
    """The two mistakes the README's `network validate my-net/` example describes (lines 4 and 10)."""
    path = folder / "my-net" / "link.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    head = rows[0]
    rows[3][head.index("from_node_id")] = "nowhere"
    rows[9][head.index("gauge_mm")] = ""
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


#: What a command needs done first that its README comment describes in words.
SETUP = {"corridor network validate my-net/": _break_my_net}


@dataclass
class Example:
    command: str
    line: int
    expected: list[str] = field(default_factory=list)


def _blocks(kind: str) -> list[tuple[int, str]]:
    return [(TEXT[:m.start()].count("\n") + 2, m.group(1))
            for m in re.finditer(rf"^```{kind}\n(.*?)^```", TEXT, re.S | re.M)]


def _examples(block: str, first_line: int) -> list[Example]:
    out: list[Example] = []
    for i, line in enumerate(block.splitlines()):
        if line.startswith("$ "):
            out.append(Example(line[2:], first_line + i))
        else:
            assert out, f"README.md:{first_line + i}: output before any command"
            out[-1].expected.append(line)
    return out


CONSOLE = [(line, _examples(body, line)) for line, body in _blocks("console")]


def _jq(data, path: str):
    """The subset of jq paths the README uses: .key and [n]."""
    for key, index in re.findall(r"\.(\w+)|\[(\d+)\]", path):
        data = data[key] if key else data[int(index)]
    return data


def _pattern(line: str) -> re.Pattern:
    return re.compile(".*".join(re.escape(part) for part in line.rstrip().split("…")))


def _matches(expected: list[str], actual: list[str]) -> bool:
    pats = [None if e.strip() == "…" else _pattern(e) for e in expected]

    @cache
    def m(i: int, j: int) -> bool:
        if i == len(pats):
            return j == len(actual)
        if pats[i] is None:
            return m(i + 1, j) or (j < len(actual) and m(i, j + 1))
        return j < len(actual) and bool(pats[i].fullmatch(actual[j].rstrip())) and m(i + 1, j + 1)

    return m(0, 0)


_RUNS: dict[str, tuple[int, str]] = {}


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """One working folder for all examples, in README order (``corridor run`` runs once for two tests)."""
    return tmp_path_factory.mktemp("readme")


def _run(command: str, cwd: Path, monkeypatch) -> tuple[int, str]:
    """Exit code and output (stdout and stderr) of one README command line, run in ``cwd``."""
    key = " ".join(shlex.split(command, comments=True))
    if key in _RUNS:
        return _RUNS[key]
    monkeypatch.chdir(cwd)
    if "../shared/data/tntp" in command:
        command = command.replace("../shared/data/tntp", str(tntp_dir()))
    words = shlex.split(command, comments=True)
    pipe = words.index("|") if "|" in words else len(words)
    cmd, rest = words[:pipe], words[pipe + 1:]
    assert cmd[0] == "corridor", command
    r = CliRunner(env={"COLUMNS": "80"}).invoke(app, cmd[1:])
    output = r.output
    if rest:
        assert rest[:2] == ["jq", "-c"] and len(rest) == 3, f"unsupported pipe in README: {command}"
        output = json.dumps(_jq(json.loads(r.stdout), rest[2]), separators=(",", ":"), ensure_ascii=False) + "\n"
    if not SETUP.get(key):
        _RUNS[key] = r.exit_code, output
    return r.exit_code, output


@pytest.mark.timeout(600)
@pytest.mark.parametrize(("line", "examples"), CONSOLE, ids=[f"README.md:{line}" for line, _ in CONSOLE])
def test_console_examples(line, examples, folder, monkeypatch):
    for ex in examples:
        command = shlex.split(ex.command, comments=True)
        if " ".join(command) in NOT_RUN:
            continue
        for setup_command, setup in SETUP.items():
            if " ".join(command) == " ".join(shlex.split(setup_command)):
                setup(folder)
        code, output = _run(ex.command, folder, monkeypatch)
        actual = output.rstrip("\n").splitlines()
        failing = any(e.startswith(("error:", "invalid:")) for e in ex.expected)
        assert (code != 0) if failing else (code == 0), f"README.md:{ex.line}: $ {ex.command} → exit {code}\n{output}"
        if ex.expected:
            assert _matches(ex.expected, actual), (
                f"README.md:{ex.line}: $ {ex.command}\n--- README\n" + "\n".join(ex.expected)
                + "\n--- printed\n" + "\n".join(actual))


def test_pycon_examples():
    blocks = _blocks("pycon")
    assert blocks, "the README's Python example is a pycon block"
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for line, body in blocks:
        test = parser.get_doctest(body, {}, "README.md", str(README), line)
        result = runner.run(test)
        assert result.failed == 0, f"README.md:{line}: {result.failed} example(s) print otherwise"


def _cell(p: dict, tag: str) -> str:
    if not p[f"{tag}_possible"]:
        return "no route"
    return (f"{p[f'{tag}_family']}: {p[f'{tag}_distance_km']:,.0f} km · {p[f'{tag}_time_h']:.1f} h · "
            f"{p[f'{tag}_borders']:.0f} borders")


def test_what_it_shows_table_has_the_runs_figures(folder, monkeypatch):
    """The README's "What it shows" block is `corridor run`'s summary at 80 columns, line for line."""
    start = TEXT.index("```text", TEXT.index("## What it shows")) + len("```text\n")
    shown = TEXT[start:TEXT.index("```", start)].splitlines()
    assert len(shown) >= 40
    code, output = _run("corridor run", folder, monkeypatch)
    assert code == 0
    printed = [line.rstrip() for line in output.splitlines()]
    assert printed[:len(shown)] == shown
