"""``corridor calibrate``: fit the base-year demand to observed counts and print modelled beside observed, for
every screenline and every border crossing of the network."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from corridor.cli._common import JsonOpt, NetworkOpt
from corridor.cli._output import cli_errors, console, print_json


def register(app: typer.Typer) -> None:
    app.command("calibrate")(calibrate)


def screenline_frame(cal) -> pd.DataFrame:
    """The screenline table as printed: name, mode, year, observed, modelled, unit, diff %."""
    sl = cal.screenlines
    mt = sl["unit"].eq("t/yr")
    scale = mt.map({True: 1e-6, False: 1.0})
    return pd.DataFrame({
        "screenline": sl["name"], "mode": sl["mode"], "year": sl["year"].astype(str),
        "observed": sl["observed"] * scale, "modelled": sl["modelled"] * scale,
        "unit": sl["unit"].where(~mt, "Mt/yr"), "diff %": sl["diff"] * 100,
    })


def border_frame(cal) -> pd.DataFrame:
    """Every border crossing: link, mode, modelled and observed (Mt/yr both ways), passengers (k/yr) if any."""
    b = cal.borders
    out = pd.DataFrame({
        "border crossing": b["link_id"], "mode": b["mode"],
        "modelled Mt/yr": [v / 1e6 if o else float("nan") for v, o in zip(b["modelled_t"], b["open"], strict=True)],
        "observed Mt/yr": b["observed_t"].astype(float) / 1e6,
    })
    if "passengers_per_yr" in b.columns:
        out["k pax/yr"] = b["passengers_per_yr"] / 1e3
    return out


def calibrate(
    counts: Annotated[Path | None, typer.Option("--counts", help="Screenline CSV (name, place, links, direction, "
                                                "mode, transit_of, between, observed, low, high, unit, year, "
                                                "source); default: the bundled counts.")] = None,
    corridor: Annotated[str, typer.Option("--corridor", help="Corridor spec: bundled name or YAML file.")]
    = "tripp",
    network: NetworkOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fit the base-year demand rows (inside their low/high ranges) to observed counts; print modelled beside
    observed for every screenline and every border crossing."""
    from corridor.cli.run_cmd import frame_table
    from corridor.study import load_spec
    from corridor.study.calibration import calibrate_spec
    from corridor.study.pipeline import study_network

    with cli_errors():
        spec = load_spec(corridor)
        if network is not None:
            from corridor.network import load_network

            net = load_network(network)
        else:
            net = study_network(spec)
        if as_json:
            cal = calibrate_spec(spec, net, counts=counts)
        else:
            with console.status("calibrating…") as status:
                cal = calibrate_spec(spec, net, counts=counts, progress=lambda m: status.update(f"{m}…"))
    if as_json:
        out = cal.to_dict()
        out["screenlines"] = [{k: r[k] for k in ("name", "mode", "observed", "modelled", "unit", "year", "low",
                                                 "high", "prior", "diff", "within", "target", "source")}
                              for r in out["screenlines"]]
        print_json(out)
        return
    sl = screenline_frame(cal)
    console.print(frame_table("Screenlines: fitted base-year flows vs observed", sl,
                              text=("screenline", "mode", "year", "unit"), signed=("diff %",)))
    console.print(frame_table("Border crossings, both directions (– closed or not built)", border_frame(cal),
                              text=("border crossing", "mode")))
    t = cal.screenlines[cal.screenlines["target"]]
    ok = int(t["within"].sum())
    moved = cal.demand[(cal.demand["factor"] - 1).abs() > 1e-3]
    console.print(f"{ok} of {len(t)} screenlines above 1 Mt/yr within ±15 %; {len(moved)} of {len(cal.demand)} "
                  f"demand rows adjusted (factors {cal.demand['factor'].min():.2f}–{cal.demand['factor'].max():.2f}); "
                  f"base year {cal.demand['tonnes_per_yr'].sum() / 1e6:,.1f} Mt/yr (prior "
                  f"{cal.demand['prior_t'].sum() / 1e6:,.1f}); "
                  + ("converged" if cal.converged else "NOT converged") + f" in {len(cal.iterations)} rounds")
