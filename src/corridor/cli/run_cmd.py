"""``corridor run``: the corridor study — a project case against the do-minimum — with its report.

A summary that fits an 80-column terminal in about 60 lines (headline, attribution, third parties); ``--full``
prints every table; ``--json`` prints :meth:`corridor.study.StudyResult.to_dict` (plus the files written).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.markup import escape
from rich.table import Table

from corridor._errors import Problem, ValidationError
from corridor.cli import _options as check
from corridor.cli._common import CargoOpt, JsonOpt, NetworkOpt
from corridor.cli._output import cli_errors, console, print_json


def register(app: typer.Typer) -> None:
    app.command("run")(run)


def _num(v, digits: int = 2, sign: bool = False) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return f"{v:{'+' if sign else ''},.{digits}f}"


def frame_table(title: str, df: pd.DataFrame, *, text: tuple[str, ...] = (), digits: int = 2,
                signed: tuple[str, ...] = ()) -> Table:
    """A rich table of ``df``: text columns wrap at spaces only (at least as wide as their longest word),
    numbers never wrap, so no number or word is split. A ``_digits`` column sets a row's decimals."""
    t = Table(title=escape(title), title_justify="left", pad_edge=False, padding=(0, 1), show_edge=False)
    cols = [c for c in df.columns if c != "_digits"]
    for col in cols:
        if col in text:
            cells = [str(v) for v in df[col]]
            words = [w for v in [col, *cells] for w in v.split()]
            widest = max(map(len, cells), default=1)
            t.add_column(escape(col), overflow="fold", min_width=widest if widest <= 24 else max(map(len, words)))
        else:  # a long header goes on two lines: its unit under its name
            t.add_column(escape("\n".join(col.rsplit(" ", 1)) if len(col) > 9 and " " in col else col), justify="right",
                         no_wrap=True)
    row_digits = df["_digits"].tolist() if "_digits" in df.columns else [digits] * len(df)
    for row, d in zip(df[cols].itertuples(index=False), row_digits, strict=True):
        t.add_row(*[escape(str(v)) if c in text else _num(v, int(d), sign=c in signed or c.startswith("Δ"))
                    for c, v in zip(cols, row, strict=True)])
    return t


def _summary(res, files: list[Path], full: bool) -> None:
    from corridor.study import tables

    b, a = res.against.name, res.project.name
    console.print(f"[bold]{escape(res.spec.title or res.spec.name)}[/]: {escape(a)} minus {escape(b)} "
                  f"({res.cargo}; freight {res.finance_year})")
    head = tables.headline(res)
    console.print(frame_table(f"Headline: {a} minus {b}", head, text=("metric",), signed=("change",)))
    if res.forecast is not None:
        console.print(f"[bold]flows by year[/]: {escape(tables.forecast_headline(res))}")
    if res.ranges is not None and full:
        rg = res.ranges
        console.print(frame_table(f"Ranges: {rg.draws} draws of the ranged inputs (seed {rg.seed})",
                                  tables.ranges_table(res), text=("metric",)))
    if res.ranges is not None:
        console.print(f"[bold]ranges[/]: {escape(tables.ranges_headline(res))}")
    att = tables.attribution(res)
    if not full:
        att["step"] = tables.attribution_steps(res)
        att = att[tables.attribution_summary_columns(res, att)]
    console.print(frame_table(f"Attribution: what each step adds, in this order ({res.attribution.year} "
                              "freight)", att, text=("step",), signed=tuple(att.columns[1:])))
    tp = tables.third_parties(res)
    if not full:
        tp = tp.drop(columns=["Δ bn t-km", "Δ transit Mt"])
    console.print(frame_table(f"Third parties {res.third_parties.year}: tonnes on each country's territory and "
                              "transit revenue, M USD/yr (central, low, high)", tp, text=("country",),
                              signed=("low", "high")))
    for line in tables.case_lines(res):
        console.print(f"• {escape(line)}")
    from corridor.study.tables import (
        calibration_headline,
        economics_headline,
        lines_headline,
        passengers_headline,
    )

    if full and res.calibration is not None:
        console.print(f"[bold]calibration[/]: {escape(calibration_headline(res))}")
    if full and res.passengers:
        console.print(f"[bold]passengers[/]: {escape(passengers_headline(res))}")
    console.print(f"[bold]economics[/]: {escape(economics_headline(res))}")
    if res.appraisal is not None:
        from corridor.economics.appraisal_report import summary as appraisal_summary

        console.print(f"[bold]appraisal[/]: {escape(appraisal_summary(res.appraisal)['headline'])}")
    if res.lines is not None:
        console.print(f"[bold]lines[/]: {escape(lines_headline(res))}")
    if res.spec.simulation is not None:
        console.print(f"[bold]delays[/]: {escape(tables.delays_headline(res))}")
    if full:
        _full(res)
    folder = files[0].parent if files else ""
    console.print(escape(f"wrote {', '.join(f.name for f in files)} to {folder} (study {res.seconds:.1f} s)"))


def _with_ranges(res, net, draws: int, seed: int, workers: int, *, quiet: bool):
    """``res`` with its headline ranges: the sweep is a separate step on the pure study result."""
    from contextlib import nullcontext
    from dataclasses import replace

    from corridor.cli.uncertainty_cmd import sweep
    from corridor.uncertainty.study_ranges import headline_ranges, prepare_for

    with nullcontext() if quiet else console.status("ranges: preparing the draws…"):
        model = prepare_for(res, net)
    return replace(res, ranges=headline_ranges(sweep(model, draws, seed, workers=workers, scheduler=None,
                                                     quiet=quiet)))


def _full(res) -> None:
    """Every table: OD pairs stacked (one block per pair), flows per year, lines, bids, route shares."""
    c = res.comparison
    t = Table(title=escape(f"OD pairs: {c.before} → {c.after}"), title_justify="left", show_edge=False, show_header=True)
    t.add_column("pair, constraint", overflow="fold", ratio=1)
    t.add_column(escape(c.before), overflow="fold", ratio=1)
    t.add_column(escape(c.after), overflow="fold", ratio=1)
    t.add_column("Δ h", justify="right", no_wrap=True)
    t.add_column("Δ USD/t", justify="right", no_wrap=True)

    def cell(r, tag: str) -> str:
        if not getattr(r, f"{tag}_possible"):
            return "no route"
        return (f"{getattr(r, f'{tag}_family')}: {_num(getattr(r, f'{tag}_distance_km'), 0)} km "
                f"{_num(getattr(r, f'{tag}_time_h'), 1)} h")

    for r in c.table.itertuples():
        new = " (newly possible)" if r.newly_possible else ""
        t.add_row(escape(f"{r.origin} → {r.destination}, {r.constraint}"), escape(cell(r, "before")),
                  escape(cell(r, "after") + new),
                  _num(r.delta_time_h, 1, sign=True), _num(r.delta_cost_usd, 1, sign=True))
    console.print(t)
    for y in res.assignment.years:
        cmp = res.assignment.comparison(y)
        fam = cmp.families()
        df = pd.DataFrame({"route family": fam["family"], c.before: fam["before_t"] / 1e6,
                           c.after: fam["after_t"] / 1e6, "Δ": fam["change_t"] / 1e6})
        console.print(frame_table(f"Flows by route family {y}, Mt/yr", df, text=("route family",)))
        console.print(escape(cmp.headline()))
    from corridor.study import tables

    fc = tables.forecast_table(res)
    if fc is not None:
        console.print(frame_table(f"{res.spec.project.label} flows by year in {res.project.name}, Mt/yr (ramp-up "
                                  f"applied, opening {res.forecast.opening_year})", fc, text=("year",)))
    fin = res.economics.finance
    if fin is not None:
        bids = pd.DataFrame(fin.comparison)
        df = pd.DataFrame({"bid": bids["bid"], "IRR %": bids["project_irr"] * 100,
                           "NPV M USD": bids["project_npv_usd"] / 1e6, "min DSCR": bids["min_dscr"]})
        console.print(frame_table("Concession bids on modelled volumes", df, text=("bid",)))
        for line, how in fin.basis.items():
            console.print(f"  {escape(line)}: {escape(how)}")
    if res.delays is not None:
        from corridor.study import tables

        d = tables.delays_table(res)
        d = d[d["state"] != "no traffic"].drop(columns=["± 95 %"])
        console.print(frame_table("Simulated delays the assignment used (facilities traffic reached)", d,
                                  text=("scenario", "year", "facility", "state"), digits=1))
    sh = res.third_parties.shares
    df = sh.rename(columns={"against_share": c.before, "project_share": c.after})
    console.print(frame_table("Route shares of the tonnes on each country's territory", df,
                              text=("country", "route")))


def run(
    scenario: Annotated[str | None, typer.Argument(
        help="Project case: a case of the corridor (default: its first), a bundled scenario or a YAML file.",
        show_default=False)] = None,
    against: Annotated[str, typer.Option("--against", help="Scenario to compare with (do-nothing, do-minimum, "
                                                           "a case, a bundled name or a YAML file).")]
    = "do-minimum",
    corridor: Annotated[str, typer.Option("--corridor", help="Corridor spec: bundled name or YAML file.")]
    = "tripp",
    out: Annotated[Path, typer.Option("--out", "-o", callback=check.out_folder,
                                      help="Output folder.")]
    = Path("corridor-out"),
    cargo: CargoOpt = "container",
    network: NetworkOpt = None,
    full: Annotated[bool, typer.Option("--full", help="Print every table, not the summary.")] = False,
    simulate: Annotated[bool | None, typer.Option(
        "--simulate/--no-simulate", help="Assign with the operations simulation's delays at border posts, "
                                         "ferries and single track, iterating until they settle (default: the "
                                         "corridor spec's simulation.feedback).", show_default=False)] = None,
    draws: Annotated[int | None, typer.Option(
        "--draws", "-N", min=0, help="Draws of every ranged input for the headline ranges (P10 / P50 / "
        "P90, tornado); 0: none (default: the corridor spec's uncertainty.draws).", show_default=False)] = None,
    seed: Annotated[int | None, typer.Option("--seed", "-s", min=0, help="Seed of the draws (default: the corridor "
                                             "spec's uncertainty.seed).", show_default=False)] = None,
    workers: Annotated[int, typer.Option("--workers", "-w", min=0, help="Dask LocalCluster processes for "
                                         "the draws (0: a plain loop in this process).")] = 2,
    as_json: JsonOpt = False,
) -> None:
    """Compare a project case with the do-minimum on the corridor's network: routes, freight flows, lines,
    economics, third parties and attribution, with the headline's P10-P90 ranges when draws are asked for; write
    the report."""
    from corridor.run import check_out, write_outputs
    from corridor.study import load_spec, run_study

    with cli_errors():
        check_out(out)
        spec = load_spec(corridor)
        net = None
        if network is not None:
            from corridor.network import load_network

            net = load_network(network)
        if simulate and spec.simulation is None:
            raise ValidationError([Problem(f"corridor {spec.name!r} has no simulation section to run",
                                           field="--simulate")])
        sweep = spec.uncertainty
        n_draws = draws if draws is not None else int(sweep.draws.value) if sweep else 0
        if n_draws == 1:
            raise ValidationError([Problem("needs 0 (no ranges) or at least 2 draws", field="--draws", value="1")])
        if as_json:
            res = run_study(spec, network=net, project=scenario, against=against, cargo=cargo, simulate=simulate)
        else:
            with console.status("corridor study…") as status:
                res = run_study(spec, network=net, project=scenario, against=against, cargo=cargo,
                                simulate=simulate, progress=lambda msg: status.update(f"corridor study: {msg}…"))
        if n_draws:
            res = _with_ranges(res, net, n_draws, seed if seed is not None else sweep.seed if sweep else 1,
                               workers, quiet=as_json)
        files = write_outputs(res, out)
    if as_json:
        print_json(res.to_dict() | {"files": [str(f) for f in files]})
        return
    _summary(res, files, full)
