"""CLI commands: ``corridor economics trade`` and ``corridor economics finance``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from corridor._errors import NotFoundError, ValidationError
from corridor.cli import _options as check
from corridor.cli._output import cli_errors, console, emit, table

economics_app = typer.Typer(
    help="Trade impact of a scenario and concession finance of the corridor.", no_args_is_help=True
)


def _musd(x: Any) -> float | None:
    return None if x is None or pd.isna(x) else float(x) / 1e6


def _pct(x: Any) -> str:
    return "–" if x is None or pd.isna(x) else f"{100 * float(x):.2f} %"


def _ratio(x: Any) -> str:
    return "–" if x is None or pd.isna(x) else f"{float(x):.2f}"


def _routes_file(value: Path | None) -> Path | None:
    if value is not None and value.suffix.lower() not in (".yaml", ".yml", ".csv"):
        raise typer.BadParameter(f"expected a .yaml/.yml routes file or a .csv table (got {str(value)!r})")
    return check.existing_file(value)


_RATE = "a yearly rate as a fraction, e.g. 0.08 for 8 %"


def _read_routes(path: Path) -> tuple[pd.DataFrame, list[str], int]:
    from corridor.economics import trade

    if path.suffix.lower() in (".yaml", ".yml"):
        df, assumptions = trade.load_routes(path)
        return df, assumptions, 1
    if path.suffix.lower() == ".csv":
        return pd.read_csv(path), [], 2
    raise ValidationError(f"{path}: expected a .yaml/.yml routes file or a .csv table")


@economics_app.command("trade")
def trade_cmd(
    routes: Annotated[
        Path | None,
        typer.Argument(callback=_routes_file, help="Routes YAML (routes: [...], numbers as {value, source}) or CSV with columns "
                       "origin_country, destination_country, time_h_before, time_h_after, cost_usd_per_t_before, "
                       "cost_usd_per_t_after [, weight, corridor_share, baseline_trade_usd, label]. "
                       "Default: the bundled TRIPP case."),
    ] = None,
    origin_country: Annotated[str | None, typer.Option(callback=check.country,
                                                       help="One pair from flags: origin (ISO code or name).")] = None,
    destination_country: Annotated[str | None, typer.Option(callback=check.country,
                                                            help="Destination (ISO code or name).")] = None,
    time_before_h: Annotated[float | None, typer.Option(callback=check.positive("h"),
                                                        help="Transit time before, hours (omit: no route).")] = None,
    time_after_h: Annotated[float | None, typer.Option(callback=check.positive("h"),
                                                       help="Transit time after, hours.")] = None,
    cost_before: Annotated[float | None, typer.Option(callback=check.at_least(0, "USD/t"),
                                                      help="Transport cost before, USD/t.")] = None,
    cost_after: Annotated[float | None, typer.Option(callback=check.at_least(0, "USD/t"),
                                                     help="Transport cost after, USD/t.")] = None,
    baseline_usd: Annotated[float | None, typer.Option(callback=check.positive("USD/yr"),
                                                       help="Baseline bilateral trade, USD/yr (else bundled).")] = None,
    corridor_share: Annotated[float, typer.Option(callback=check.between(0, 1, low_open=True),
                                                  help="Share of the pair's trade that can use the route.")] = 1.0,
    value_usd_per_t: Annotated[float | None, typer.Option(callback=check.positive("USD/t"),
                                                          help="Value of the goods, USD/t (cost channel).")] = None,
    cap_days: Annotated[float | None, typer.Option(callback=check.positive("days"),
                                                   help="Days saved assumed for a route missing before.")] = None,
    params_file: Annotated[Path | None, typer.Option("--params", callback=check.existing_file,
                                                     help="Parameters YAML (elasticities).")] = None,
    baseline_file: Annotated[Path | None, typer.Option("--baseline", callback=check.existing_file,
                                                       help="Baseline trade YAML.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Change in bilateral trade (USD/yr, low / central / high) from the change in transit time and cost."""
    from corridor.economics import trade

    pair_flags = ["time_before_h", "time_after_h", "cost_before", "cost_after", "baseline_usd", "corridor_share"]
    if not (origin_country or destination_country):
        check.refuse_unused(pair_flags, "describes one pair from flags: give --origin-country and "
                                        "--destination-country (a routes file carries its own)")
    with cli_errors():
        over = {k: v for k, v in (("value_usd_per_t", value_usd_per_t), ("new_route_cap_days", cap_days))
                if v is not None}
        params = trade.load_parameters(params_file, **over)
        baseline = trade.load_baseline(baseline_file)
        route_assumptions: list[str] = []
        file, offset = None, 1
        if origin_country or destination_country:
            if routes is not None:
                raise ValidationError("give either a routes file or --origin-country/--destination-country, not both")
            if None in (origin_country, destination_country, time_after_h, cost_after):
                raise ValidationError(
                    "a pair from flags needs --origin-country, --destination-country, --time-after-h and "
                    "--cost-after (and --time-before-h/--cost-before unless the route is new)"
                )
            row = {
                "label": "flags", "origin_country": origin_country, "destination_country": destination_country,
                "time_h_before": time_before_h, "time_h_after": time_after_h, "cost_usd_per_t_before": cost_before,
                "cost_usd_per_t_after": cost_after, "corridor_share": corridor_share,
            }
            if baseline_usd is not None:
                row |= {"baseline_trade_usd": baseline_usd, "baseline_source": "user input (--baseline-usd)"}
            elif trade.pair_key(origin_country, destination_country) not in baseline:
                raise ValidationError(f"no baseline trade bundled for {origin_country}–{destination_country}; "
                                      "give --baseline-usd (USD/yr) or --baseline FILE")
            df = pd.DataFrame([row])
            df[["time_h_before", "cost_usd_per_t_before"]] = df[["time_h_before", "cost_usd_per_t_before"]].astype(
                float
            )
        else:
            path = routes or trade._data("trade_case.yaml")
            df, route_assumptions, offset = _read_routes(path)
            file = str(path)
        impact = trade.trade_impact(df, params=params, baseline=baseline, file=file, row_offset=offset)
        data = impact.summary()
        data["assumptions"] = route_assumptions + data["assumptions"]

    def render() -> None:
        p = impact.pairs
        rows = [
            (
                r.pair, r.routes, r.days_saved, r.cost_saved_usd_per_t, _musd(r.baseline_trade_usd),
                r.corridor_share, *(f"{r[f'change_pct_{c}']:+.2f} %" for c in trade.CASES),
                *(_musd(r[f"change_usd_{c}"]) for c in trade.CASES),
                "no" if not r.counted else ("new route" if r.newly_possible else "yes"),
            )
            for _, r in p.iterrows()
        ]
        console.print(
            table(
                "Trade change by country pair (USD M/yr)",
                ["pair", "routes", "days saved", "USD/t saved", "baseline", "share", "low %", "central %",
                 "high %", "low", "central", "high", "counted"],
                rows,
            )
        )
        t = impact.totals_usd
        console.print(
            f"Total change: low [bold]{t['low'] / 1e6:,.1f}[/], central [bold]{t['central'] / 1e6:,.1f}[/], "
            f"high [bold]{t['high'] / 1e6:,.1f}[/] USD M/yr"
        )
        for n in impact.notes:
            console.print(f"note: {n}")
        console.print(f"{len(data['assumptions'])} input(s) are assumptions (see --json for the list).")

    emit(data, as_json, render)


def _load_bids(finance: Any, bids_file: Path | None, over: dict[str, Any]) -> list:
    """The bids with the flags applied; a problem the flags cause is blamed on the flags, not on the file line
    whose value they replaced."""
    try:
        return finance.load_bids(bids_file, overrides=over or None)
    except ValidationError as e:
        if not over:
            raise
        finance.load_bids(bids_file)  # the file alone loads: the flags caused the problem
        flags = [f"{str(v['source']).removeprefix('user input (').removesuffix(')')} {v['value']:g}"
                 for v in _flat(over)]
        problems = dict.fromkeys(m for p in e.problems for m in p.message.removeprefix("Value error, ").split("; "))
        raise ValidationError(f"{', '.join(flags)}: {'; '.join(problems)}") from None


def _flat(over: dict[str, Any]) -> list[dict]:
    out = []
    for v in over.values():
        out += [v] if "source" in v else _flat(v)
    return out


def _finance_overrides(**flags: Any) -> dict[str, Any]:
    """Map CLI flags onto the bid fields they override; each value is sourced as the flag that set it."""
    over: dict[str, Any] = {}
    top = {
        "term_years": "term_years", "extension_years": "extension_years", "discount_rate": "discount_rate",
        "equity_discount_rate": "equity_discount_rate", "debt_rate": "debt_rate",
        "debt_tenor_years": "debt_tenor_years", "dscr": "dscr_target", "gearing": "gearing_max",
        "tax_rate": "tax_rate",
    }
    for flag, field in top.items():
        v = flags.get(flag)
        if v is not None:
            over[field] = {"value": v, "source": f"user input (--{flag.replace('_', '-')})"}
    rail = {}
    for flag, field in (("rail_tariff", "tariff_usd_per_unit"), ("rail_volume_t", "volume_per_yr"),
                        ("rail_capex_usd", "capex_usd")):
        v = flags.get(flag)
        if v is not None:
            rail[field] = {"value": v, "source": f"user input (--{flag.replace('_', '-')})"}
    if rail:
        over["lines"] = {"rail": rail}
    return over


@economics_app.command("finance")
def finance_cmd(
    bids_file: Annotated[
        Path | None, typer.Argument(callback=check.existing_file,
                                    help="Bids YAML (defaults + bids). Default: the bundled TRIPP bids.")
    ] = None,
    bid: Annotated[str | None, typer.Option(help="Show one bid in detail (name).")] = None,
    annual: Annotated[bool, typer.Option(help="With --bid: print the yearly cash-flow table.")] = False,
    term_years: Annotated[int | None, typer.Option(callback=check.at_least(1, "years"),
                                                   help="Concession term, years (incl. construction).")] = None,
    extension_years: Annotated[int | None, typer.Option(callback=check.at_least(0, "years"),
                                                        help="Extension after the term, years.")] = None,
    rail_tariff: Annotated[float | None, typer.Option(callback=check.at_least(0, "USD/t"),
                                                      help="Rail tariff, USD/t.")] = None,
    rail_volume_t: Annotated[float | None, typer.Option(callback=check.at_least(0, "t/yr"),
                                                        help="Rail volume at full ramp-up, t/yr.")] = None,
    rail_capex_usd: Annotated[float | None, typer.Option(callback=check.positive("USD"),
                                                         help="Rail capex, USD.")] = None,
    discount_rate: Annotated[float | None, typer.Option(
        callback=check.between(-0.5, 1, low_open=True, high_open=True, hint=_RATE),
        help="Project discount rate (real, per year, as a fraction: 0.08).")] = None,
    equity_discount_rate: Annotated[float | None, typer.Option(
        callback=check.between(-0.5, 1, low_open=True, high_open=True, hint=_RATE),
        help="Equity discount rate (fraction).")] = None,
    debt_rate: Annotated[float | None, typer.Option(
        callback=check.between(-0.5, 1, low_open=True, high_open=True, hint=_RATE),
        help="Debt interest rate (fraction).")] = None,
    debt_tenor_years: Annotated[int | None, typer.Option(callback=check.at_least(1, "years"),
                                                         help="Debt tenor after construction, years.")] = None,
    dscr: Annotated[float | None, typer.Option(callback=check.at_least(1), help="Target DSCR for sculpting.")] = None,
    gearing: Annotated[float | None, typer.Option(callback=check.fraction(),
                                                  help="Maximum debt / capex (fraction).")] = None,
    tax_rate: Annotated[float | None, typer.Option(callback=check.fraction(),
                                                   help="Profit tax rate (fraction).")] = None,
    tariff: Annotated[str, typer.Option(callback=check.one_of("stated", "cost", "value"),
                                        help="Tariff option: stated (the bid's), cost (levelised capex + opex "
                                        "per unit) or value (a share of the goods' value).")] = "stated",
    modelled: Annotated[bool, typer.Option(help="Volumes of each operating year from the default corridor "
                                           "study's modelled years (its project case), interpolated between "
                                           "them, flat after the last, ramp-up applied once.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Concession finance of each bid: NPV, IRR, payback, sculpted debt, DSCR, LLCR, PLCR; compare the bids."""
    from corridor.economics import finance
    from corridor.economics.tariffs import modelled_volumes_by_year, tariffs_for

    if bid is None:
        check.refuse_unused(["annual"], "prints one bid's yearly cash flows, so it needs --bid NAME")
    with cli_errors():
        over = _finance_overrides(
            term_years=term_years, extension_years=extension_years, discount_rate=discount_rate,
            equity_discount_rate=equity_discount_rate, debt_rate=debt_rate, debt_tenor_years=debt_tenor_years,
            dscr=dscr, gearing=gearing, tax_rate=tax_rate, rail_tariff=rail_tariff, rail_volume_t=rail_volume_t,
            rail_capex_usd=rail_capex_usd,
        )
        bids = _load_bids(finance, bids_file, over)
        if bid is not None:
            chosen = [b for b in bids if b.name == bid]
            if not chosen:
                raise NotFoundError(f"--bid {bid!r}: no bid of that name; bids: {', '.join(b.name for b in bids)}")
            bids = chosen
        by_year = modelled_volumes_by_year() if modelled else None
        results, how = [], {}
        for b in bids:
            tariffs, how[b.name] = tariffs_for(tariff, b, by_year)
            results.append(finance.evaluate_bid(b, volumes_by_year=by_year, tariffs=tariffs,
                                                tariff_source=how[b.name]))
        comparison = finance.compare_bids(results)
        if bid is not None:
            data: dict[str, Any] = results[0].summary()
            if not annual:
                data.pop("annual")
        else:
            data = {"comparison": comparison.to_dict(orient="records"),
                    "assumptions": {r.bid.name: r.assumptions for r in results}}
        data["tariff"] = {"option": tariff, "how": how,
                          "usd_per_unit": {r.bid.name: {k: ln.tariff_usd_per_unit.value
                                                        for k, ln in r.bid.lines.items()} for r in results}}
        data["volumes"] = ({"basis": "modelled by year, ramp-up applied once", "by_year": by_year} if modelled
                           else {"basis": "stated in the bid file"})

    def render() -> None:
        rows = [
            (
                r.bid, f"{r.term_years}+{r.extension_years}", _musd(r.total_capex_usd), _musd(r.project_npv_usd),
                _pct(r.project_irr) if r.project_irr_status == "unique" else r.project_irr_status,
                _musd(r.equity_npv_usd), _pct(r.equity_irr), r.payback_years,
                r.discounted_payback_year if r.discounted_payback_year is not None else "never",
                _musd(r.debt_usd), _pct(r.gearing), *(_ratio(x) for x in (r.min_dscr, r.llcr, r.plcr)),
            )
            for r in comparison.itertuples(index=False)
        ]
        console.print(
            table(
                "Concession bids (USD M, real)",
                ["bid", "years", "capex", "project NPV", "project IRR", "equity NPV", "equity IRR", "payback yr",
                 "disc. payback", "debt", "gearing", "min DSCR", "LLCR", "PLCR"],
                rows,
            )
        )
        if bid is not None:
            r = results[0]
            m = r.metrics
            sh = ", ".join(f"{k} {v / 1e6:,.1f}" for k, v in m["shareholder_npv_usd"].items())
            roots = ", ".join(f"{x:.4f}" for x in m["project_irr_roots"]) or "none"
            console.print(
                f"Debt sized by {m['debt_sizing']}; project IRR roots: {roots}; "
                f"MIRR {_pct(m['project_mirr'])}; shareholder equity NPV (USD M): {sh}"
            )
            if annual:
                cols = ["year", "phase", "capex_usd", "revenue_usd", "opex_usd", "tax_usd", "cfads_usd",
                        "debt_service_usd", "dscr", "project_cf_usd", "equity_cf_usd"]
                t = r.table[cols]
                console.print(
                    table(
                        f"{r.bid.name}: yearly cash flows (USD M)",
                        [c.removesuffix("_usd") for c in cols],
                        [
                            [x.year, x.phase, *(_musd(getattr(x, c)) for c in cols[2:8]), x.dscr,
                             _musd(x.project_cf_usd), _musd(x.equity_cf_usd)]
                            for x in t.itertuples(index=False)
                        ],
                    )
                )
            console.print(f"{len(r.assumptions)} input(s) are assumptions:")
            for a in r.assumptions:
                console.print(f"  - {a}", highlight=False)
        else:
            n = {len(r.assumptions) for r in results}
            console.print(f"Inputs marked assumption per bid: {sorted(n)} (use --bid NAME or --json to list them).")

    emit(data, as_json, render)


def register(app: typer.Typer) -> None:
    """Add the ``economics`` sub-app to the root app."""
    app.add_typer(economics_app, name="economics")
