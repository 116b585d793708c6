"""Re-run the ``$ corridor …`` examples of docs pages and write what the program prints now (at 80 columns) in
place of their old output, so the pages show the real terminal layout.

    python scripts/refresh_doc_examples.py docs/lines.md docs/economics.md

Only blocks whose commands are deterministic are touched: a block is skipped when one of its commands is in
``SKIP`` (servers, prompts, timings, databases). Lines after a command that start with ``$ `` (another command,
e.g. ``$ echo $?``) end its output; such lines are kept as they are.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from pathlib import Path

os.environ["COLUMNS"] = "80"

from typer.testing import CliRunner

from corridor.cli import app

SKIP = ("corridor serve", "corridor users", "corridor audit", "corridor transit", "corridor assign", "corridor run")
FENCE = re.compile(r"^```[a-z]*\n(.*?)^```\n", re.S | re.M)


def _commands(body: str) -> list[tuple[list[str], list[str]]]:
    """(command lines, output lines) pairs of one block; a command may continue over lines ending in '\\'."""
    out: list[tuple[list[str], list[str]]] = []
    lines = body.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("$ "):
            cmd = [lines[i]]
            while cmd[-1].endswith("\\") and i + 1 < len(lines):
                i += 1
                cmd.append(lines[i])
            out.append((cmd, []))
        elif out:
            out[-1][1].append(lines[i])
        i += 1
    return out


def _run(cmd_lines: list[str]) -> str:
    words = shlex.split(" ".join(line.rstrip("\\") for line in cmd_lines)[2:], comments=True)
    r = CliRunner().invoke(app, words[1:])
    return r.output.rstrip("\n")


def refresh(path: Path) -> int:
    text = path.read_text(encoding="utf-8")
    changed = 0

    def block(m: re.Match) -> str:
        nonlocal changed
        body = m.group(1)
        pairs = _commands(body)
        corridor = [c for c, _ in pairs if c[0].startswith("$ corridor")]
        if not corridor or any(c[0][2:].startswith(SKIP) for c, _ in pairs if c[0].startswith("$ corridor")):
            return m.group(0)
        new = []
        for cmd, output in pairs:
            new += cmd
            new += _run(cmd).splitlines() if cmd[0].startswith("$ corridor") else output
        fence = m.group(0).split("\n", 1)[0]
        rebuilt = f"{fence}\n" + "\n".join(line.rstrip() for line in new) + "\n```\n"
        changed += rebuilt != m.group(0)
        return rebuilt

    path.write_text(FENCE.sub(block, text), encoding="utf-8")
    return changed


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(f"{name}: {refresh(Path(name))} block(s) refreshed")
