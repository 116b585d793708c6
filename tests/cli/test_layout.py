"""Terminal output at 80 columns: every table fits without splitting a number or a word."""

from __future__ import annotations

import json
import re

import pytest
from rich.console import Console
from typer.testing import CliRunner

from corridor.cli import app
from corridor.cli._output import table

runner = CliRunner(env={"COLUMNS": "80"})


def _render(renderable, width=80) -> str:
    c = Console(width=width, record=True, color_system=None)
    with c.capture() as cap:
        c.print(renderable)
    return cap.get()


def test_a_wide_numeric_table_is_split_with_its_first_column_repeated():
    cols = ["pair", *(f"value number {i}" for i in range(12))]
    rows = [[f"P{r}", *(1234567.891 * (i + 1) * (r + 1) for i in range(12))] for r in range(3)]
    text = _render(table("wide", cols, rows))
    assert max(len(line) for line in text.splitlines()) <= 80
    assert text.count("P0") >= 2  # the first column starts each part
    for r in rows:
        for v in r[1:]:
            assert f"{v:,.1f}" in text  # every number whole, on one line


def test_a_table_whose_columns_cannot_fit_is_stacked():
    words = " ".join(f"word{i:02d}" for i in range(10))
    cols = ["name", "a", "b"]
    rows = [["x" * 35, "y" * 30, "short"]]  # the first column and any other exceed 60 together
    text = _render(table("stacked", cols, rows, width=60))
    assert max(len(line) for line in text.splitlines()) <= 60
    assert f"name {'x' * 35}" in text and "y" * 30 in text and "short" in text
    text = _render(table("two text columns", ["a", "b"], [[words, words]]))
    assert all(re.fullmatch(r"word\d\d", w) for w in re.findall(r"word\S*", text))  # no word cut


COMMANDS = [
    ["route", "Baku", "Nakhchivan"], ["route", "Baku", "Nakhchivan", "--avoid", "Iran", "--scenario", "tripp"],
    ["skim", "--scenario", "tripp"], ["network", "info"], ["lines", "pipeline"], ["lines", "pipeline", "--tripp", "oil"],
    ["lines", "fibre"], ["lines", "rail"], ["economics", "trade"], ["economics", "finance"],
    ["economics", "finance", "--bid", "TRIPP 49 years", "--annual"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_commands_fit_80_columns(args):
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert max(len(line) for line in lines) <= 80, next(line for line in lines if len(line) > 80)


def test_route_numbers_are_whole_at_80_columns():
    r = runner.invoke(app, ["route", "Baku", "Nakhchivan", "--json"])
    legs = json.loads(r.output)["routes"][0]["legs"]
    text = runner.invoke(app, ["route", "Baku", "Nakhchivan"]).output
    rows = [line for line in text.splitlines() if re.search(r"\d\.\d", line)]
    for leg in legs:
        assert any(f"{leg['length_km']:,.1f}" in row and f"{leg['time_h']:,.1f}" in row for row in rows), leg


def test_finance_numbers_are_whole_at_80_columns():
    data = json.loads(runner.invoke(app, ["economics", "finance", "--json"]).output)
    text = runner.invoke(app, ["economics", "finance"]).output
    for bid in data["comparison"]:
        assert f"{bid['total_capex_usd'] / 1e6:,.1f}" in text and f"{bid['debt_usd'] / 1e6:,.1f}" in text
