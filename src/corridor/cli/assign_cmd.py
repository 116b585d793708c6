"""CLI: ``corridor assign`` — user-equilibrium assignment of a TNTP network, with a live gap progress bar."""

from __future__ import annotations

import math
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from corridor.cli._output import cli_errors, console, emit, err_console, table


def assign_command(
    network: Path = typer.Argument(..., help="TNTP folder or *_net.tntp file."),
    trips: Path | None = typer.Option(None, "--trips", help="Trips file (default: the *_trips.tntp beside it)."),
    algorithm: str = typer.Option("gp", "--algorithm", "-a", help="gp (path-based), bfw, cfw, fw or msa."),
    gap: float = typer.Option(1e-4, "--gap", help="Target relative gap (TSTT - SPTT) / TSTT."),
    max_iter: int = typer.Option(1000, "--max-iter", help="Stop after this many iterations."),
    toll_factor: float | None = typer.Option(None, help="Time units per toll unit (default: network README)."),
    distance_factor: float | None = typer.Option(None, help="Time units per length unit (default: README)."),
    out: Path | None = typer.Option(None, "--out", help="Write links, iterations, summary and skims here."),
    csv: bool = typer.Option(False, "--csv", help="Write the link table as CSV instead of Parquet."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Solve the user equilibrium and report the gap, objective and busiest links."""
    from corridor.assignment import assign, problem_from_tntp
    from corridor.assignment.io import write_results
    from corridor.network.tntp import load_tntp

    with cli_errors():
        data = load_tntp(network, trips=trips)
        problem = problem_from_tntp(data, toll_factor=toll_factor, distance_factor=distance_factor)
        start_gap: list[float] = []
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("iter {task.fields[it]}  gap {task.fields[gap]}"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
            disable=as_json,
        ) as bar:
            task = bar.add_task(f"{algorithm} on {data.name}", total=1.0, it=0, gap="–")

            def progress(row: dict) -> None:
                g = max(row["relative_gap"], 1e-300)
                if not start_gap:
                    start_gap.append(g)
                span = math.log10(start_gap[0]) - math.log10(gap)
                done = (math.log10(start_gap[0]) - math.log10(g)) / span if span > 0 else 1.0
                bar.update(task, completed=min(max(done, 0.0), 1.0), it=row["iteration"], gap=f"{g:.2e}")

            result = assign(problem, algorithm=algorithm, gap=gap, max_iter=max_iter, callback=progress)
        files = write_results(result, out, table_format="csv" if csv else "parquet") if out else []
    summary = result.summary() | {"files": [str(f) for f in files]}

    def render() -> None:
        s = summary
        console.print(table(
            f"Assignment of {s['network']}",
            ["algorithm", "iterations", "relative gap", "converged", "Beckmann", "TSTT", "seconds"],
            [[s["algorithm"], s["iterations"], f"{s['relative_gap']:.3e}", s["converged"], f"{s['beckmann']:.10g}",
              f"{s['tstt']:.8g}", f"{s['seconds']:.2f}"]],
        ))
        top = result.link_table().sort_values("voc", ascending=False).head(5)
        console.print(table("Highest volume/capacity", ["link", "flow", "capacity", "v/c", "time"],
                            [[r.link, r.flow, r.capacity, f"{r.voc:.3f}", f"{r.time:.4g}"] for r in top.itertuples()]))
        for f in files:
            console.print(f"wrote {f}")

    emit(summary, as_json, render)
    if not result.converged:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""
    app.command("assign")(assign_command)
