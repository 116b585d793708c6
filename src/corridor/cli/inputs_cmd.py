"""``corridor inputs``: every sourced value of the bundled data, or those with a range (for uncertainty work)."""

from __future__ import annotations

from typing import Annotated

import typer

from corridor.cli._common import JsonOpt
from corridor.cli._output import cli_errors, console, emit, table


def register(app: typer.Typer) -> None:
    app.command("inputs")(inputs)


def inputs(
    ranges: Annotated[bool, typer.Option("--ranges", help="Only the inputs with a low/high range.")] = False,
    match: Annotated[str | None, typer.Option("--match", "-m", help="Only inputs whose name contains this text.")]
    = None,
    assumptions: Annotated[bool, typer.Option("--assumptions", help="Only inputs whose source is an assumption.")]
    = False,
    as_json: JsonOpt = False,
) -> None:
    """The bundled sourced inputs: value, unit, range and source (dataset:path names, e.g. network:ranges.…)."""
    from corridor.sourced import bundled_inputs

    with cli_errors():
        items = [(name, s) for name, s in bundled_inputs()
                 if (not ranges or s.has_range) and (not match or match.lower() in name.lower())
                 and (not assumptions or s.is_assumption)]
        if match and not items:
            raise typer.BadParameter(f"no bundled input's name contains {match!r}", param_hint="'--match'")
    rows = [{"input": name, "value": s.value, "unit": s.unit, "low": s.low, "high": s.high,
             "distribution": s.kind, "source": s.source} for name, s in items]

    def render() -> None:
        def val(r: dict) -> str:
            v = r["value"]
            text = f"{v:g}" if isinstance(v, int | float) and not isinstance(v, bool) else str(v)
            return f"{text} {r['unit']}" if r["unit"] and r["unit"] != "-" else text

        def rng(r: dict) -> str:
            return f"{r['low']:g}–{r['high']:g} {r['distribution']}" if r["low"] is not None else ""

        console.print(table(f"Sourced inputs ({len(rows)})", ["input", "value", "range", "source"],
                            ((r["input"], val(r), rng(r), r["source"]) for r in rows)))

    emit(rows, as_json, render)
