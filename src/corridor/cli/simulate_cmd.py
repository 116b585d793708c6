"""CLI: ``corridor simulate [SCENARIO]`` (the corridor's operations as a discrete-event model) and
``corridor simulate queue`` (one facility against queueing theory)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import click
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from typer.core import TyperGroup

from corridor._errors import Problem, ValidationError
from corridor.cli import _options as check
from corridor.cli._common import JsonOpt
from corridor.cli._output import cli_errors, console, emit, err_console, table


class _DefaultCommand(TyperGroup):
    """``corridor simulate ARGS`` runs ``corridor simulate corridor ARGS`` unless ARGS start with a subcommand."""

    default = "corridor"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ctx.help_option_names):
            args = [self.default, *args]
        return super().parse_args(ctx, args)


simulate_app = typer.Typer(
    cls=_DefaultCommand, no_args_is_help=False,
    help="Discrete-event simulation of corridor operations: border posts, single track, gauge change, ferries. "
         "`corridor simulate [SCENARIO]` runs the corridor; `corridor simulate queue` one facility.")


def register(app: typer.Typer) -> None:
    app.add_typer(simulate_app, name="simulate")


def _bad(option: str, message: str, value) -> ValidationError:
    return ValidationError([Problem(message, field=option, value=value)])


@contextmanager
def _progress(description: str, total: int, disable: bool) -> Iterator[Callable[[int, int], None]]:
    """A transient progress bar over replications, on stderr."""
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, transient=True, disable=disable) as bar:
        task = bar.add_task(description, total=total)
        yield lambda done, _total: bar.update(task, completed=done)


def duration(hours: float) -> str:
    """A wait in the unit that reads best: minutes under an hour, hours under two days, else days."""
    if hours is None or hours != hours:
        return "–"
    if hours < 1:
        return f"{hours * 60:.0f} min" if hours * 60 >= 9.5 else f"{hours * 60:.1f} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} d"


def _pm(mean: float, half: float) -> str:
    if half is None or half != half:
        return duration(mean)
    return f"{duration(mean)} ±{duration(half).replace(' ', '')}"


@simulate_app.command("corridor")
def corridor_cmd(
    scenario: Annotated[str, typer.Argument(help="Scenario whose assigned flows feed the model: bundled name or "
                                                 "YAML file.")] = "tripp",
    year: Annotated[int, typer.Option("--year", help="Bundled demand year (2024, 2030).")] = 2030,
    days: Annotated[int | None, typer.Option("--days", help="Days simulated from 1 January (default 365; a "
                                                            "replay: the days it spans).")] = None,
    replications: Annotated[int, typer.Option("--replications", "-r", help="Independent replications.")] = 10,
    seed: Annotated[int, typer.Option("--seed", callback=check.at_least(0), help="Seed of the whole experiment.")] = 1,
    out: Annotated[Path | None, typer.Option("--out", help="Write summary.json, facilities.csv, queues.csv and "
                                                           "SVG plots here.")] = None,
    workers: Annotated[int | None, typer.Option("--workers", help="Processes for the replications "
                                                                  "(default: one per CPU; results do not "
                                                                  "depend on it).")] = None,
    warmup_days: Annotated[float, typer.Option("--warmup-days", help="Days discarded at the start.")] = 0.0,
    red_rate: Annotated[float | None, typer.Option("--red-rate", help="What-if: random red selection rate (0–1) "
                                                                      "with no daily quota.")] = None,
    replay_db: Annotated[str | None, typer.Option("--replay-db", callback=check.database_url, help="Replay the transit service's database "
                                                                      "(SQLAlchemy URL) instead of random "
                                                                      "arrivals at the posts.")] = None,
    operations: Annotated[Path | None, typer.Option("--operations", help="Operations YAML (default: bundled "
                                                                         "TRIPP).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Simulate the corridor's facilities at a year's assigned volumes; per-facility waits with 95 % CIs."""
    from corridor.assignment.freight import bundled_demand_files

    bundled = bundled_demand_files()

    with cli_errors():
        if year not in bundled:
            raise _bad("--year", f"no bundled demand for this year; accepted: "
                                 f"{', '.join(map(str, bundled))}", year)
        if days is not None and days < 1:
            raise _bad("--days", "must be >= 1", days)
        if replications < 1:
            raise _bad("--replications", "must be >= 1", replications)
        if workers is not None and workers < 1:
            raise _bad("--workers", "must be >= 1", workers)
        if not 0 <= warmup_days < (days or 365):
            raise _bad("--warmup-days", f"must be in [0, --days) = [0, {days or 365})", warmup_days)
        if red_rate is not None and not 0 <= red_rate <= 1:
            raise _bad("--red-rate", "must be in [0, 1]", red_rate)
        if out is not None:  # before the work, not after it
            from corridor.run import check_out

            check_out(out)
        from corridor.simulation.channels import with_red_rate
        from corridor.simulation.config import load_operations
        from corridor.simulation.experiment import simulate
        from corridor.simulation.traffic import corridor_traffic, replay_days, replay_traffic
        from corridor.transit.risk import DEFAULT_RULES

        ops = load_operations(operations)
        rules = with_red_rate(DEFAULT_RULES, red_rate) if red_rate is not None else DEFAULT_RULES
        with console.status("assigning the corridor's flows…") if not as_json else _nothing():
            traffic = replay_traffic(replay_db, year=year) if replay_db else corridor_traffic(scenario, year=year,
                                                                                              ops=ops)
        days = days or (replay_days(traffic) if replay_db else 365)
        with _progress(f"simulating {days} days", replications, as_json) as progress:
            res = simulate(traffic, ops=ops, days=days, replications=replications, seed=seed,
                           warmup_days=warmup_days, rules=rules, workers=workers, progress=progress)
        files = _write(res, out) if out else []
    data = res.to_dict() | {"scenario": None if replay_db else scenario, "rules": rules.version,
                            "files": [str(f) for f in files]}
    emit(data, as_json, lambda: _render(res, data, files))


@contextmanager
def _nothing():
    yield


def _render(res, data: dict, files: list[Path]) -> None:
    rows = []
    for r in res.facilities.itertuples():
        flag = " [red]saturated[/]" if r.saturated else ""
        if not r.served:  # nothing arrived: no wait to report, not a wait of nan
            rows.append([f"{r.name}{flag}", "no traffic", "–", "–", "0"])
            continue
        util = "–" if r.utilisation != r.utilisation else f"{100 * r.utilisation:.0f}%"
        rows.append([f"{r.name}{flag}", _pm(r.mean_wait_h, r.ci95_mean_wait_h), duration(r.p95_wait_h), util,
                     f"{r.units_per_day:,.1f}"])
    plural = "s" if res.days != 1 else ""
    title = (f"{data.get('scenario') or 'replay'} {res.traffic.year}: {res.days} day{plural} × "
             f"{res.replications} replications, seed {res.seed}")
    console.print(table(title, ["facility", "mean wait ±95%", "P95 wait", "util", "per day"], rows))
    tr = res.track
    if tr:
        cap = tr["capacity"]
        def achieved(d: str) -> str:
            v = tr[f"trains_per_day_{d}"]
            return "no traffic" if not v else f"{v:.2f}"

        console.print(table("Single track: trains per day (per direction)", ["", "westbound", "eastbound"], [
            ["achieved", achieved("westbound"), achieved("eastbound")],
            ["capacity (lines.rail)", f"{cap['trains_per_day']:.1f}", f"{cap['trains_per_day']:.1f}"]]))
    sat = [r.name for r in res.facilities.itertuples() if r.saturated]
    if sat:
        console.print(f"[red]saturated[/] (arrivals exceed service; waits grow with the run length): "
                      f"{', '.join(sat)}", highlight=False)
    console.print(f"{res.events:,} events in {res.wall_s:.1f} s ({res.events / max(res.wall_s, 1e-9):,.0f}/s); "
                  f"traffic: {res.traffic.source}", highlight=False)
    for f in files:
        console.print(f"wrote {f}", highlight=False)


def _write(res, out: Path) -> list[Path]:
    import pandas as pd

    from corridor._json import to_json
    from corridor.simulation.plots import queue_over_time_svg, wait_distribution_svg

    out.mkdir(parents=True, exist_ok=True)
    run = res.runs[0]
    files = [out / "summary.json", out / "facilities.csv", out / "queues.csv", out / "queue_over_time.svg",
             out / "wait_distribution.svg"]
    files[0].write_text(to_json(res.to_dict()), encoding="utf-8")
    res.facilities.to_csv(files[1], index=False)
    pd.DataFrame({"hour": run.queue_h, **run.queues}).to_csv(files[2], index=False)
    posts = [k for k in res.facilities["facility"] if k.endswith(":entry")] + ["single_track"]
    files[3].write_text(queue_over_time_svg(res, posts), encoding="utf-8")
    files[4].write_text(wait_distribution_svg(res, posts), encoding="utf-8")
    return files


@simulate_app.command("queue")
def queue_cmd(
    arrivals_per_h: Annotated[float, typer.Option("--arrivals-per-h", help="Poisson arrival rate, per hour.")],
    servers: Annotated[int, typer.Option("--servers", help="Parallel servers (lanes, bays).")],
    service_min: Annotated[float, typer.Option("--service-min", help="Mean service time, minutes.")],
    hours: Annotated[float, typer.Option("--hours", help="Length of each replication, hours.")],
    service_cv: Annotated[float, typer.Option("--service-cv", help="Coefficient of variation of the service time "
                                                                  "(0 deterministic, 1 exponential).")] = 1.0,
    replications: Annotated[int, typer.Option("--replications", "-r", help="Independent replications.")] = 10,
    seed: Annotated[int, typer.Option("--seed", callback=check.at_least(0), help="Seed.")] = 1,
    as_json: JsonOpt = False,
) -> None:
    """One M/G/c facility: simulated wait with its 95 % CI next to the Erlang C / Pollaczek–Khinchine value."""
    from corridor.simulation.experiment import simulate_queue

    checks = [("--arrivals-per-h", arrivals_per_h > 0, "must be > 0", arrivals_per_h),
              ("--servers", servers >= 1, "must be >= 1", servers),
              ("--service-min", service_min > 0, "must be > 0", service_min),
              ("--service-cv", service_cv >= 0, "must be >= 0", service_cv),
              ("--hours", hours > 0 and math.isfinite(hours), "must be > 0", hours),
              ("--replications", replications >= 1, "must be >= 1", replications)]
    with cli_errors():
        for option, ok, message, value in checks:
            if not ok:
                raise _bad(option, message, value)
        with _progress(f"{replications} replications of {hours:g} h", replications, as_json) as progress:
            r = simulate_queue(arrivals_per_h, servers, service_min, service_cv=service_cv, hours=hours,
                               replications=replications, seed=seed, progress=progress)

    def render() -> None:
        ci = r["ci95_wait_min"]
        rows = [["simulated mean wait", f"{r['mean_wait_min']:.2f} min"],
                ["95 % CI of the mean", f"{ci[0]:.2f} – {ci[1]:.2f} min" if ci else "– (one replication)"],
                ["simulated P95 wait", f"{r['p95_wait_min']:.2f} min"],
                [r["analytic_formula"], "–" if r["analytic_wait_min"] != r["analytic_wait_min"]
                 else f"{r['analytic_wait_min']:.2f} min"],
                ["analytic within the CI", "–" if r["within_ci"] is None else r["within_ci"]],
                ["utilisation (simulated / offered)", f"{r['utilisation']:.3f} / {r['offered_utilisation']:.3f}"],
                ["customers served", f"{r['served']:,}"]]
        console.print(table(f"M/G/{servers}: λ {arrivals_per_h:g}/h, service {service_min:g} min (cv "
                            f"{service_cv:g}), {replications} × {hours:g} h", ["quantity", "value"], rows))

    emit(r, as_json, render)


@simulate_app.command("feedback")
def feedback_cmd(
    scenario: Annotated[str, typer.Argument(help="Scenario: bundled name or YAML file.")] = "tripp",
    year: Annotated[int, typer.Option("--year", help="Bundled demand year (2024, 2030).")] = 2030,
    days: Annotated[int, typer.Option("--days", help="Days simulated per round.")] = 365,
    replications: Annotated[int, typer.Option("--replications", "-r", help="Replications per round.")] = 5,
    seed: Annotated[int, typer.Option("--seed", callback=check.at_least(0), help="Seed of every round's simulation.")] = 1,
    tol_h: Annotated[float, typer.Option("--tol-h", help="Converged when every delay moves less than this many "
                                                         "hours (or --tol-share of it).")] = 0.25,
    tol_share: Annotated[float, typer.Option("--tol-share", help="Relative tolerance.")] = 0.10,
    tol_flow: Annotated[float, typer.Option("--tol-flow", help="Converged only when the round's flows on the "
                                                               "facility links are within this share of the "
                                                               "averaged flows.")] = 0.05,
    max_rounds: Annotated[int, typer.Option("--max-rounds", help="Stop after this many rounds.")] = 6,
    workers: Annotated[int | None, typer.Option("--workers", help="Processes per round (default: one per "
                                                                  "CPU).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Iterate assignment and simulation until the simulated delays at border posts, the gauge change, ferries
    and single track agree with the ones the assignment used."""
    from corridor.assignment.freight import bundled_demand_files

    bundled = bundled_demand_files()

    with cli_errors():
        for option, ok, message, value in [
                ("--year", year in bundled, f"accepted: {', '.join(map(str, bundled))}", year),
                ("--days", days >= 1, "must be >= 1", days),
                ("--replications", replications >= 1, "must be >= 1", replications),
                ("--tol-h", tol_h > 0, "must be > 0", tol_h), ("--tol-share", tol_share >= 0, "must be >= 0", tol_share),
                ("--tol-flow", 0 <= tol_flow < 1, "must be in [0, 1)", tol_flow),
                ("--max-rounds", max_rounds >= 1, "must be >= 1", max_rounds),
                ("--workers", workers is None or workers >= 1, "must be >= 1", workers)]:
            if not ok:
                raise _bad(option, message, value)
        from corridor.simulation.delays import feedback

        with _progress("rounds of assignment and simulation", max_rounds, as_json) as progress:
            fb = feedback(scenario, year=year, days=days, replications=replications, seed=seed, tol_h=tol_h,
                          tol_share=tol_share, tol_flow=tol_flow, max_rounds=max_rounds, workers=workers,
                          progress=lambda k, _row: progress(k, max_rounds))
    data = fb.to_dict() | {"scenario": scenario, "year": year}

    def render() -> None:
        d = fb.converged_delays()
        rows = [[r.link_id, f"{r.assumed_h:.2f}", f"{r.simulated_h:.2f}" if r.observed else "no traffic",
                 "yes" if r.saturated else ""] for r in d.itertuples()]
        state = "converged" if fb.converged else "NOT converged"
        console.print(table(f"{scenario} {year}: {state} after {fb.n_rounds} round(s) (tolerance {tol_h:g} h or "
                            f"{100 * tol_share:g} %, flows {100 * tol_flow:g} %)", ["link", "used h", "simulated h", "saturated"], rows))
        for h in fb.history:
            console.print(f"round {h['round']}: largest change {h['max_change_h']:.2f} h, flow gap "
                          f"{100 * h['flow_gap']:.1f} %, TRIPP "
                          f"{h['project_t'] / 1e6:.2f} Mt/yr" + (f", saturated: {', '.join(h['saturated'])}"
                                                               if h["saturated"] else ""), highlight=False)

    emit(data, as_json, render)
    if not fb.converged:
        raise typer.Exit(1)
