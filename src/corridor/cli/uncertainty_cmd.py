"""``corridor uncertainty``: every ranged input sampled, N study evaluations (Dask), P10/P50/P90 and a tornado."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

from corridor.cli import _options as check
from corridor.cli._common import JsonOpt, NetworkOpt, load
from corridor.cli._output import cli_errors, console, err_console, print_json


def register(app: typer.Typer) -> None:
    app.command("uncertainty")(uncertainty)


def _cell(m: dict[str, Any], key: str, scale: float) -> str:
    v = m.get(key)
    return "–" if v is None else f"{v * scale:,.2f}"


def sweep(model, draws: int, seed: int, *, workers: int, scheduler: str | None, quiet: bool):
    """The draws and tornado of a prepared study, with a progress bar on stderr (none when ``quiet``): in this
    process (``workers`` 0 and no scheduler), on a LocalCluster of ``workers`` processes or on ``scheduler``."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from corridor.uncertainty.summary import analyse
    from corridor.uncertainty.sweep import dask_client

    n_inputs = len(model.inputs)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, disable=quiet, transient=True) as bar:
        task = bar.add_task(f"{draws} draws of {n_inputs} inputs + tornado", total=draws + 2 * n_inputs)

        def tick(n: int) -> None:
            bar.advance(task, n)

        if workers == 0 and not scheduler:
            return analyse(model, draws, seed, progress=tick)
        with dask_client(scheduler, workers) as client:
            return analyse(model, draws, seed, client=client, progress=tick)


def uncertainty(
    draws: Annotated[int, typer.Option("--draws", "-N", min=2, max=100_000, help="Number of study evaluations.")]
    = 200,
    seed: Annotated[int, typer.Option("--seed", "-s", min=0, help="Seed of the Latin hypercube (same seed, same "
                                      "numbers, whatever the workers).")] = 1,
    scheduler: Annotated[str | None, typer.Option("--scheduler", callback=check.scheduler_address, help="Address of a running Dask scheduler "
                                                  "(tcp://host:port); default: a LocalCluster.")] = None,
    workers: Annotated[int, typer.Option("--workers", "-w", min=0, max=64, help="LocalCluster worker processes "
                                         "(0: a plain loop in this process).")] = 2,
    out: Annotated[Path | None, typer.Option("--out", "-o", callback=check.out_folder, help="Folder for uncertainty.json, draws.csv, "
                                             "distribution.svg, tornado.svg and uncertainty.html.")] = None,
    corridor: Annotated[str, typer.Option("--corridor", help="Corridor spec: bundled name or YAML file.")]
    = "tripp",
    project: Annotated[str | None, typer.Option("--project", help="Project case (default: the corridor's "
                                                "first).")] = None,
    against: Annotated[str, typer.Option("--against", help="Comparison base.")] = "do-minimum",
    network: NetworkOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Sample every input the bundled data gives a range, run DRAWS studies and report P10/P50/P90 of the
    corridor's flows, trade change, ENPV, EIRR, project IRR and third-party tonne-km, P(ENPV > 0), and the ten
    inputs that move ENPV most."""
    from corridor.study.tables import headline_metrics
    from corridor.uncertainty.model import prepare
    from corridor.uncertainty.report import write_outputs

    t0 = time.perf_counter()
    with cli_errors():
        # the bundled network's ranged link figures (border times, capacities) are sampled; a user network's
        # figures have no ranges
        model = prepare(corridor, network=load(network) if network else None, project=project, against=against)
        result = sweep(model, draws, seed, workers=workers, scheduler=scheduler, quiet=as_json)
        summary = result.summary()
        files = write_outputs(result, summary, out) if out is not None else []
    seconds = time.perf_counter() - t0
    if as_json:
        print_json(summary)
        return
    from rich.table import Table

    m = summary["metrics"]
    t = Table(title=f"{model.project} against {model.without}: {draws} draws (seed {seed})", show_lines=False)
    for col in ("metric", "P10", "P50", "P90"):
        t.add_column(col, justify="left" if col == "metric" else "right")
    for key, scale, label in headline_metrics(m):
        if key in m:
            t.add_row(label, *(_cell(m[key], p, scale) for p in ("p10", "p50", "p90")))
    console.print(t)
    third = [k for k in m if k.startswith("tkm_change_") and (m[k]["p10"] or m[k]["p90"])]
    if third:
        tp = Table(title="third parties: change in tonne-km on each country's territory, M tkm/yr")
        for col in ("country", "P10", "P50", "P90"):
            tp.add_column(col, justify="left" if col == "country" else "right")
        for k in third:
            tp.add_row(k.removeprefix("tkm_change_"), *(_cell(m[k], p, 1e-6) for p in ("p10", "p50", "p90")))
        console.print(tp)
    console.print(f"P(ENPV > 0) = {summary['p_enpv_positive']:.2f}")
    tt = Table(title="tornado: ENPV, M USD, each input at its P10 / P90 (others central)")
    for col in ("input", "at P10", "at P90", "swing"):
        tt.add_column(col, justify="left" if col == "input" else "right")
    for r in summary["tornado_enpv"]:
        tt.add_row(r["input"], f"{r['enpv_low_usd'] / 1e6:,.0f}", f"{r['enpv_high_usd'] / 1e6:,.0f}",
                   f"{r['swing_usd'] / 1e6:,.0f}")
    console.print(tt)
    where = f"; wrote {', '.join(str(f) for f in files)}" if files else ""
    console.print(f"{draws} draws in {seconds:.1f} s ({'loop' if workers == 0 and not scheduler else 'Dask'})"
                  f"{where}")
