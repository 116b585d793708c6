"""The body of ``corridor assign`` on a TNTP network, shared by the typer command and the fast path
(:mod:`corridor.cli._fast`): it imports neither typer, click nor rich at module level, and with ``--json`` not at
all (tables and the progress bar import rich when they are drawn)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import numpy as np


def run_tntp(network: Path, *, trips: Path | None, algorithm: str, gap: float, max_iter: int,
             toll_factor: float | None, distance_factor: float | None, out: Path | None, csv: bool,
             no_skims: bool, selections: dict[str, list[str]], as_json: bool) -> int:
    """Solve, write the files, print the summary (JSON or tables); the exit code: 0, or 1 if not converged.
    Errors are raised (the caller sends them through :func:`corridor.cli._output.fail`)."""
    from corridor.assignment import assign, problem_from_tntp
    from corridor.assignment.io import write_results
    from corridor.network.tntp import load_tntp

    data = load_tntp(network, trips=trips)
    problem = problem_from_tntp(data, toll_factor=toll_factor, distance_factor=distance_factor)
    with progress_bar(f"{algorithm} on {data.name}", gap, as_json) as progress:
        result = assign(problem, algorithm=algorithm, gap=gap, max_iter=max_iter, callback=progress)
    traced = trace(result, selections)
    files = write_results(result, out, table_format="csv" if csv else "parquet", with_skims=not no_skims) \
        if out else []
    files += write_traced(traced, out)
    summary = result.summary() | {"files": [str(f) for f in files]}
    if traced:
        summary["select_link"] = [s.summary() for s in traced]
    if as_json:
        from corridor._json import to_json

        print(to_json(summary), flush=True)
    else:
        _render(summary, result, traced, files)
    return 0 if result.converged else 1


def _render(s: dict, result, traced: list, files: list[Path]) -> None:
    from corridor.cli._output import console, table

    console.print(table(
        f"Assignment of {s['network']}",
        ["algorithm", "iterations", "relative gap", "converged", "Beckmann", "TSTT", "seconds"],
        [[s["algorithm"], s["iterations"], f"{s['relative_gap']:.3e}", s["converged"], f"{s['beckmann']:.10g}",
          f"{s['tstt']:.8g}", f"{s['seconds']:.2f}"]],
    ))
    cols = result.link_columns
    top = np.argsort(-cols["voc"], kind="stable")[:5]
    console.print(table("Highest volume/capacity", ["link", "flow", "capacity", "v/c", "time"],
                        [[cols["link"][i], float(cols["flow"][i]), float(cols["capacity"][i]),
                          f"{cols['voc'][i]:.3f}", f"{cols['time'][i]:.4g}"] for i in top]))
    render_traced(traced)
    for f in files:
        console.print(f"wrote {f}")


def selections(specs: list[str] | None) -> dict[str, list[str]]:
    """``--select-link`` values as {selection name: link ids}."""
    if not specs:
        return {}
    from corridor.assignment.select_link import parse_selection

    return dict(parse_selection(s) for s in specs or [])


def trace(result, selections: dict[str, list[str]]) -> list:
    if not selections:
        return []
    from corridor.assignment.select_link import select_links

    return list(select_links(result, selections).values())


def write_traced(traced: list, out: Path | None) -> list[Path]:
    if not out:
        return []
    from corridor.assignment.select_link import write_selection

    return [f for s in traced for f in write_selection(s, out)]


def render_traced(traced: list, unit: str = "", scale: float = 1.0) -> None:
    """One table per selection: the top O–D pairs through it."""
    if not traced:
        return
    from corridor.cli._output import console, table

    for s in traced:
        how = "exact (paths)" if s.exact else "approximate (all-or-nothing at final costs)"
        console.print(table(
            f"Select link {s.name}: {s.total / scale:,.2f}{unit} ({how})",
            ["class", "origin", "destination", f"flow{unit}", "share", "of pair"],
            [[r["class"], r["origin"], r["destination"], f"{r['flow'] / scale:,.2f}", f"{r['share']:.1%}",
              f"{r['share_of_pair']:.0%}"] for r in s.top_pairs(10)],
        ))
        if not s.exact:
            console.print(f"  traced flow on the selected links differs from the assigned flow by up to "
                          f"{s.conservation_error:.1%}; use --algorithm gp for exact select-link flows")


def progress_bar(description: str, gap: float, disable: bool):
    """A transient progress bar on stderr yielding the per-iteration callback; with ``disable`` (``--json``)
    no bar and no callback (rich is not imported)."""
    return nullcontext(None) if disable else _progress(description, gap)


@contextmanager
def _progress(description: str, gap: float) -> Iterator[Callable[[dict], None]]:
    """The bar, filled on a log-gap scale."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from corridor.cli._output import err_console

    start_gap: list[float] = []
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("iter {task.fields[it]}  gap {task.fields[gap]}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=1.0, it=0, gap="–")

        def progress(row: dict) -> None:
            g = max(row["relative_gap"], 1e-300)
            if not start_gap:
                start_gap.append(g)
            span = math.log10(start_gap[0]) - math.log10(gap)
            done = (math.log10(start_gap[0]) - math.log10(g)) / span if span > 0 else 1.0
            bar.update(task, completed=min(max(done, 0.0), 1.0), it=row["iteration"], gap=f"{g:.2e}")

        yield progress
