"""``corridor run``: the main job — compare a scenario with the baseline and write a report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.table import Table

from corridor.cli import _options as check
from corridor.cli._common import CargoOpt, JsonOpt, NetworkOpt, load
from corridor.cli._output import cli_errors, console, emit, fmt, print_json


def register(app: typer.Typer) -> None:
    app.command("run")(run)


def _delta(v: float, unit: str, digits: int = 0) -> str:
    if v is None or np.isnan(v):
        return "–"
    colour = "green" if v < 0 else "red" if v > 0 else "white"
    return f"[{colour}]{v:+,.{digits}f}{unit}[/]"


def run(
    scenario: Annotated[str, typer.Argument(callback=check.scenario,
                                            help="Scenario to evaluate: bundled name or YAML file.")] = "tripp",
    against: Annotated[str, typer.Option("--against", callback=check.scenario,
                                         help="Scenario to compare with.")] = "baseline",
    out: Annotated[Path, typer.Option("--out", "-o", callback=check.out_folder,
                                      help="Folder for summary.json, CSV tables and report.html.")]
    = Path("corridor-out"),
    cargo: CargoOpt = "container",
    network: NetworkOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Compare SCENARIO with the baseline on the bundled TRIPP region (or --network) and write a report."""
    from corridor.run import run_job

    with cli_errors():
        if not as_json:
            with console.status("routing OD pairs in both scenarios and writing the report…"):
                res = run_job(load(network), scenario, against, cargo=cargo, out_dir=out)
        else:
            res = run_job(load(network), scenario, against, cargo=cargo, out_dir=out)
    if as_json:
        print_json(res.summary)
        return
    c = res.comparison
    t = Table(
        title=f"{c.after} vs {c.before} ({c.cargo}): route, distance, time, generalised cost, borders",
        show_lines=True,
    )
    for col in ("pair", "constraint", c.before, c.after, "Δ km", "Δ hours", "Δ USD/t"):
        t.add_column(col, justify="right" if col.startswith("Δ") else "left", overflow="fold")

    def cell(r, tag: str) -> str:
        if not getattr(r, f"{tag}_possible"):
            return "[red]no route[/]"
        return (
            f"{getattr(r, f'{tag}_family')}\n{fmt(getattr(r, f'{tag}_distance_km'), 0)} km · "
            f"{fmt(getattr(r, f'{tag}_time_h'))} h · {fmt(getattr(r, f'{tag}_cost_usd'))} USD/t · "
            f"{fmt(getattr(r, f'{tag}_borders'), 0)} borders"
        )

    for r in c.table.itertuples():
        new = "\n[bold green]newly possible[/]" if r.newly_possible else ""
        t.add_row(
            f"{r.origin} → {r.destination}",
            r.constraint,
            cell(r, "before"),
            cell(r, "after") + new,
            _delta(r.delta_distance_km, ""),
            _delta(r.delta_time_h, "", 1),
            _delta(r.delta_cost_usd, "", 1),
        )
    console.print(t)
    new = c.newly_possible()
    if len(new):
        console.print(
            "[bold green]Newly possible[/] in "
            + c.after
            + ": "
            + "; ".join(f"{r.origin} → {r.destination} ({r.constraint})" for r in new.itertuples())
        )
    else:
        console.print("No pair becomes newly possible.")
    for key, data in res.summary.items():
        if key in ("assignment", "lines", "economics") and isinstance(data, dict) and data.get("headline"):
            console.print(f"[bold]{key}[/]: {data['headline']}")
    console.print(f"wrote {', '.join(str(f) for f in res.files)} in {res.seconds:.1f} s")
    emit(None, False, lambda: None)
