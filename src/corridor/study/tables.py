"""The study's summary tables as DataFrames (display columns, plain numbers): one source for the terminal
tables of ``corridor run`` and the HTML report, so both always show the same figures."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from corridor.study.result import StudyResult

MT = 1e6
MUSD = 1e6


def _pair_row(r: StudyResult, constraint: str = "any") -> pd.Series | None:
    pair = r.spec.headline_pair
    if pair is None:
        return None
    t = r.comparison.table
    hit = t[(t["origin_id"] == pair[0]) & (t["destination_id"] == pair[1]) & (t["constraint"] == constraint)]
    return hit.iloc[0] if len(hit) else None


def headline(r: StudyResult) -> pd.DataFrame:
    """metric, against, project, change (project minus against)."""
    b, a = r.against.name, r.project.name
    year = r.finance_year
    rows: list[tuple[str, float, float]] = []
    p = _pair_row(r)
    if p is not None:
        name = f"{p.origin} → {p.destination}"
        rows += [(f"{name}: USD/t (generalised)", p.before_cost_usd, p.after_cost_usd),
                 (f"{name}: hours", p.before_time_h, p.after_time_h),
                 (f"{name}: km", p.before_distance_km, p.after_distance_km)]
    cmp = r.assignment.comparison(year)
    label = r.spec.project.label
    rows.append((f"{label} freight {year}, Mt/yr", sum(cmp.before.project_t.values()) / MT,
                 sum(cmp.after.project_t.values()) / MT))
    fam = cmp.families()
    for f in fam.itertuples():
        if f.family != label:
            rows.append((f"{f.family} {year}, Mt/yr", f.before_t / MT, f.after_t / MT))
    rows.append((f"links over capacity {year}", len(cmp.before.summary["over_capacity"]),
                 len(cmp.after.summary["over_capacity"])))
    out = pd.DataFrame(rows, columns=["metric", b, a])
    out["change"] = out[a] - out[b]
    out["_digits"] = [0 if m.startswith("links over") else 2 for m in out["metric"]]
    tot = r.economics.trade["totals_usd"]
    extra = [{"metric": f"trade, M USD/yr ({k})", b: np.nan, a: np.nan, "change": tot[k] / MUSD, "_digits": 1}
             for k in ("central", "low", "high")]
    fin = r.economics.finance
    if fin is not None:
        first = fin.comparison[0]
        irr = first["project_irr"]
        extra.append({"metric": f"project IRR '{first['bid']}', %", b: np.nan, a: np.nan,
                      "change": irr * 100 if irr is not None else np.nan, "_digits": 2})
    return pd.concat([out, pd.DataFrame(extra)], ignore_index=True)


def headline_metrics(names: Iterable[str], label: str = "corridor") -> list[tuple[str, float, str]]:
    """(metric, scale to its unit, label) of the headline metrics among ``names``, in the order they are shown:
    the project's tonnes by modelled year, its flows by year with the ramp-up, trade, appraisal and finance
    (``label``: the project's route-family label). The keys are :mod:`corridor.uncertainty.model`'s metrics."""
    names = list(names)

    def years(prefix: str) -> list[int]:
        return sorted(int(n.removeprefix(prefix)) for n in names if n.startswith(prefix))

    out = [(f"corridor_flow_t_{y}", 1e-6, f"{label} freight {y}, Mt/yr") for y in years("corridor_flow_t_")]
    out += [(f"flow_by_year_t_{y}", 1e-6, f"{label} {y} with ramp-up, Mt/yr") for y in years("flow_by_year_t_")]
    fixed = (("trade_change_usd", 1e-6, "trade change, M USD/yr"), ("enpv_usd", 1e-6, "ENPV, M USD"),
             ("eirr", 100.0, "EIRR, %"), ("bcr", 1.0, "benefit-cost ratio"),
             ("co2_t_per_yr", 1e-3, "CO2 change, kt/yr"), ("project_irr", 100.0, "project IRR (finance), %"),
             ("project_npv_usd", 1e-6, "project NPV (finance), M USD"))
    return out + [m for m in fixed if m[0] in names]


def ranges_table(r: StudyResult) -> pd.DataFrame:
    """metric, P10, P50, P90 of the headline metrics over the study's sweep (empty without one)."""
    cols = ["metric", "P10", "P50", "P90"]
    if r.ranges is None:
        return pd.DataFrame(columns=cols)
    m = r.ranges.metrics
    # with a forecast, the project's tonnes of the finance year and the flows by year from the opening (as the
    # headline); the JSON keeps every modelled year
    shown = [(k, scale, label) for k, scale, label in headline_metrics(m, r.spec.project.label)
             if r.forecast is None or not k.startswith("corridor_flow_t_") or k == f"corridor_flow_t_{r.finance_year}"]
    rows = [(label, *(np.nan if getattr(m[k], p) is None else getattr(m[k], p) * scale for p in ("p10", "p50", "p90")))
            for k, scale, label in shown]
    return pd.DataFrame(rows, columns=cols)


def ranges_headline(r: StudyResult) -> str:
    """One line: P10–P90 of the project's finance-year flow, trade, ENPV, EIRR and BCR, P(ENPV > 0) and the widest
    ENPV swings (the whole table is :func:`ranges_table`)."""
    if r.ranges is None:
        return ""
    rg, m = r.ranges, r.ranges.metrics
    keys = {f"corridor_flow_t_{r.finance_year}": (1e-6, f"{r.spec.project.label} {r.finance_year}", " Mt/yr", 2),
            "trade_change_usd": (1e-6, "trade", " M USD/yr", 0), "enpv_usd": (1e-6, "ENPV", " M USD", 0),
            "eirr": (100.0, "EIRR", " %", 1), "bcr": (1.0, "BCR", "", 2)}
    parts = []
    for k, (scale, name, unit, d) in keys.items():
        if k in m and m[k].p10 is not None and m[k].p90 is not None:
            parts.append(f"{name} {m[k].p10 * scale:,.{d}f} to {m[k].p90 * scale:,.{d}f}{unit}")
    swings = ", ".join(f"{t['input']} {t['swing_usd'] / 1e6:,.0f}" for t in rg.tornado_enpv[:3])
    return (f"P10 to P90 over {rg.draws} draws (seed {rg.seed}): " + "; ".join(parts)
            + f"; P(ENPV > 0) {rg.p_enpv_positive:.2f}; widest ENPV swings, M USD: {swings}")


def attribution(r: StudyResult) -> pd.DataFrame:
    """step, then the change each step adds: headline pair USD/t and hours, flows by family, trade."""
    t = r.attribution.table
    out = pd.DataFrame({"step": t["step"]})
    if r.attribution.pair is not None:
        out["Δ USD/t"] = t["delta_pair_cost_usd"]
        out["Δ hours"] = t["delta_pair_h"]
    for f in r.spec.route_families.names:
        out[f"Δ {f} Mt/yr"] = t[f"delta_{f}_t"] / MT
    out["trade M USD/yr"] = t["trade_central_usd"] / MUSD
    return out


def attribution_summary_columns(r: StudyResult, table: pd.DataFrame) -> list[str]:
    """The columns of the short attribution table: step, the pair's cost and time, the project's flow, the
    other family that changes most, trade."""
    label = r.spec.project.label
    fam = [c for c in table.columns if c.endswith(" Mt/yr") and c != f"Δ {label} Mt/yr"]
    other = max(fam, key=lambda c: table[c].abs().max(skipna=True) if table[c].notna().any() else -1.0,
                default=None)
    cols = ["step", "Δ USD/t", "Δ hours", f"Δ {label} Mt/yr", other, "trade M USD/yr"]
    return [c for c in cols if c is not None and c in table.columns]


def attribution_steps(r: StudyResult) -> list[str]:
    """Short step names for narrow tables: do-nothing, + committed id, …, + the case."""
    ids = [c.id for c in r.spec.committed]
    return [r.attribution.order[0], *(f"+ {i}" for i in ids), f"+ {r.project.name}"]


def third_parties(r: StudyResult) -> pd.DataFrame:
    """country, tonnes on its territory (against, project, change), tonne-km change, transit revenue change."""
    c = r.third_parties.countries
    return pd.DataFrame({
        "country": c["country"],
        f"{r.against.name} Mt/yr": c["against_t"] / MT, f"{r.project.name} Mt/yr": c["project_t"] / MT,
        "Δ Mt/yr": c["delta_t"] / MT, "Δ bn t-km": c["delta_tkm"] / 1e9,
        "Δ transit Mt": c["delta_transit_t"] / MT,
        "Δ revenue": c["delta_revenue_central_usd"] / MUSD,
        "low": c["delta_revenue_low_usd"] / MUSD, "high": c["delta_revenue_high_usd"] / MUSD,
    })


def case_lines(r: StudyResult) -> list[str]:
    """One plain sentence per named third-party case."""
    out = []
    countries = r.third_parties.countries.set_index("country")
    for case in r.third_parties.cases:
        parts = []
        if case.country in countries.index:
            row = countries.loc[case.country]
            parts.append(f"transit {row.against_transit_t / MT:,.2f} → {row.project_transit_t / MT:,.2f} Mt/yr, "
                         f"revenue {row.delta_revenue_central_usd / MUSD:+,.1f} M USD/yr "
                         f"({row.delta_revenue_low_usd / MUSD:+,.1f} to {row.delta_revenue_high_usd / MUSD:+,.1f})")
        for p in case.pairs.itertuples():
            parts.append(f"{p.pair} {p.against_h:,.1f} → {p.project_h:,.1f} h, "
                         f"{p.delta_cost_usd:+,.1f} USD/t ({p.project_route})")
        for lk in case.links.itertuples():
            parts.append(f"{lk.link_id} {lk.against_t / MT:,.2f} → {lk.project_t / MT:,.2f} Mt/yr")
        if case.shared is not None:
            s = case.shared.set_index("side")
            parts.append(f"{s.at['project', 'link_id']} shared in {r.project.name}: "
                         f"{s.at['project', 'project_t'] / MT:,.2f} Mt/yr project traffic, "
                         f"{s.at['project', 'other_t'] / MT:,.2f} other ({s.at['against', 'other_t'] / MT:,.2f} in "
                         f"{r.against.name})")
        out.append(f"{case.name} ({case.country}): " + "; ".join(parts))
    return out


def calibration_headline(res: StudyResult) -> str | None:
    """One line on the base-year calibration (None: the spec has none)."""
    cal = res.calibration
    if cal is None:
        return None
    t = cal.screenlines[cal.screenlines["target"]]
    d = cal.demand
    year = res.spec.calibration.year if res.spec.calibration else "base year"
    return (f"{int(t['within'].sum())}/{len(t)} screenlines >1 Mt/yr within ±15 %; {year} "
            f"{d['tonnes_per_yr'].sum() / 1e6:,.1f} Mt (tables {d['prior_t'].sum() / 1e6:,.1f})")


def passengers_headline(res: StudyResult) -> str | None:
    """Passengers on the project in each year (against → project); None: no passenger tables."""
    if not res.passengers:
        return None
    label = res.spec.route_families.project_label
    parts = [f"{y} {res.project_passengers(res.against.name, y) / 1e3:,.0f} → "
             f"{res.project_passengers(res.project.name, y) / 1e3:,.0f}"
             for y in res.assignment.years if (res.project.name, y) in res.passengers]
    return f"on {label}, k/yr: {'; '.join(parts)} (own class)"


def lines_headline(res: StudyResult) -> str | None:
    """One line with the headline figures of the lines (None: the spec has no line cases)."""
    if res.lines is None:
        return None
    s, label = res.lines, res.spec.project.label
    g, fib, r = s.gas, s.fibre, s.rail
    routes = fib["routes"]
    gain = routes[routes["route"] == f"best with {label}"].set_index("pair")["gain_rtt_ms"]
    best_pair = gain.idxmax()
    west = fib["what_if"].set_index("pair")["gain_rtt_ms"] if len(fib["what_if"]) else pd.Series(dtype=float)
    ea = west.index[-1] if len(west) else None
    ea_text = (f"; {ea} {gain.get(ea, float('nan')):.2f} ms ({west[ea]:.2f} ms with one more cable)"
               if ea else "")
    return (f"{label} gas line {g['capacity_mcm_d']:.2f} mcm/d ({g['capacity_bcm_yr']:.2f} bcm/yr, assumed "
            f"{g['diameter_m'] * 1000:.0f} mm inner); fibre RTT gain {gain.max():.2f} ms on {best_pair}{ea_text}; "
            f"rail single track {r['single']['trains_per_day_per_direction']:.1f} pairs/day = "
            f"{r['single_mt_yr']:.1f} Mt/yr one way (the capacity assignment uses for these links) vs "
            f"{r['claimed_mt_yr']:g} Mt/yr claimed")


def economics_headline(res: StudyResult) -> str:
    tot = res.economics.trade["totals_usd"]
    text = (f"trade {tot['low'] / MUSD:+,.0f} to {tot['high'] / MUSD:+,.0f} M USD/yr (central "
            f"{tot['central'] / MUSD:+,.0f})")
    fin = res.economics.finance
    if fin is not None:
        first = fin.comparison[0]
        irr = first["project_irr"]
        text += (f"; project IRR of '{first['bid']}' " + (f"{irr * 100:.2f} %" if irr is not None else "not unique")
                 + f" on the modelled {fin.volumes.year} volumes")
    return text


def assignment_headline(res: StudyResult) -> str:
    y = res.finance_year
    return f"{y} demand: {res.assignment.comparison(y).headline()}"


def forecast_table(r: StudyResult, *, modelled_only: bool = True) -> pd.DataFrame | None:
    """year, ramp-up share, the project's Mt/yr (total and by mode), generated and total demand Mt/yr; the
    modelled years only unless ``modelled_only=False`` (None: the spec has no forecast)."""
    fc = r.forecast
    if fc is None:
        return None
    t = fc.table[fc.table["modelled"]] if modelled_only else fc.table
    label = r.spec.project.label
    out = pd.DataFrame({"year": t["year"].astype(str), "ramp-up": t["ramp_up_share"],
                        f"{label} Mt/yr": t["project_t"] / MT})
    for c in t.columns:
        if c.startswith("mode_"):
            out[f"{c.removeprefix('mode_').removesuffix('_t')} Mt/yr"] = t[c] / MT
    out["generated Mt/yr"] = t["generated_t"] / MT
    out["demand Mt/yr"] = t["demand_t"] / MT
    return out.reset_index(drop=True)


def forecast_headline(r: StudyResult) -> str | None:
    """One line: the project's tonnes in the modelled years from its opening, ramp-up applied."""
    fc = r.forecast
    if fc is None:
        return None
    t = fc.table[fc.table["modelled"] & (fc.table["year"] >= fc.opening_year)]
    parts = [f"{v / MT:,.2f} in {y}" for y, v in zip(t["year"], t["project_t"], strict=True)]
    if parts:
        parts[0] = parts[0].replace(" in ", " Mt/yr in ", 1)
    return (f"{r.spec.project.label} {', '.join(parts) or 'not open in any modelled year'} (ramp-up applied, "
            f"opening {fc.opening_year})")


def delays_table(r: StudyResult) -> pd.DataFrame:
    """The simulated delays the study assigned with: scenario, year, facility, the network's assumption, the
    simulated delay (± 95 % CI), rounds and state ("no traffic": nothing reached it, the assumption stays)."""
    if r.delays is None:
        return pd.DataFrame(columns=["scenario", "year", "facility", "assumed h", "simulated h", "± 95 %",
                                     "rounds", "state"])
    t = r.delays.table()
    facility = [f or lid for f, lid in zip(t["facility"], t["link_id"], strict=True)]
    return pd.DataFrame({"scenario": t["scenario"], "year": t["year"].astype(str), "facility": facility,
                         "assumed h": t["assumed_h"], "simulated h": t["simulated_h"], "± 95 %": t["ci95_h"],
                         "rounds": t["rounds"], "state": [s + (", saturated" if sat else "")
                                                          for s, sat in zip(t["state"], t["saturated"],
                                                                            strict=True)]})


def delays_headline(r: StudyResult) -> str:
    """One line: each loop's convergence, and the project's largest change against the network's assumption."""
    if r.delays is None:
        return "the network's assumptions (--simulate feeds simulated ones back)"
    st = r.delays.settings
    parts = []
    for (sc, year), fb in r.delays.runs.items():
        if fb.converged:
            parts.append(f"{sc} {year} converged in {fb.n_rounds} rounds")
        else:
            unsettled = fb.history[-1]["unsettled"] if fb.history else []
            parts.append(f"{sc} {year} NOT converged after {fb.n_rounds} rounds ({', '.join(unsettled)})")
    line = "; ".join(parts) + (f" (tolerance {st['tolerance_h']:g} h or {100 * st['tolerance_share']:g} %, "
                               f"{st['days']:g} days × {st['replications']:g} per round)")
    t = r.delays.table()
    t = t[(t["scenario"] == r.project.name) & (t["state"] != "no traffic")]
    if len(t):
        t = t.assign(change=(t["simulated_h"] - t["assumed_h"]).abs()).sort_values("change", ascending=False)
        top = t.iloc[0]
        line += (f"; largest change {top['facility'] or top['link_id']} {top['assumed_h']:.1f} → "
                 f"{top['simulated_h']:.1f} h")
        sat = t.loc[t["saturated"].astype(bool), "facility"].replace("", np.nan).fillna(t["link_id"])
        if len(sat):  # a mean wait that grows with the run length: say so next to the figure
            line += (f"; saturated (arrivals exceed capacity, waits grow with the run length): "
                     f"{', '.join(dict.fromkeys(sat))}")
    return line
