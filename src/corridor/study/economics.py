"""Economics of a study: trade impact of the route changes, and the concession bids on modelled volumes."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from corridor._errors import Problem, ValidationError
from corridor.assignment.freight import FreightAssumptions
from corridor.economics.finance import Bid, compare_bids, evaluate_bid, load_bids
from corridor.economics.trade import bundled_trade_case, load_routes, pair_key, trade_impact
from corridor.network.model import Network
from corridor.scenario import Comparison
from corridor.study.result import CorridorVolumes, EconomicsResult, FinanceResult
from corridor.study.spec import CorridorSpec


def trade_routes(c: Comparison, net: Network) -> pd.DataFrame:
    """One row per OD pair (unconstrained routes): time and money before and after, with the country pair.

    Corridor shares (the part of a pair's trade that can use such routes) come from the bundled trade case.
    """
    country = dict(zip(net.places["place"], net.places["country"], strict=True))
    shares, _ = load_routes()
    share = (shares.assign(pair=[pair_key(a, b) for a, b in zip(shares.origin_country, shares.destination_country,
                                                                  strict=True)])
             .groupby("pair")["corridor_share"].mean())
    rows = []
    for r in c.table[c.table["constraint"] == "any"].itertuples():
        rb = c.routes.get((c.before, r.origin_id, r.destination_id, "any"))
        ra = c.routes.get((c.after, r.origin_id, r.destination_id, "any"))
        oc, dc = country[r.origin_id], country[r.destination_id]
        rows.append({
            "label": f"{r.origin}–{r.destination}", "origin_country": oc, "destination_country": dc,
            "time_h_before": rb.time_h if rb else np.nan, "time_h_after": ra.time_h if ra else np.nan,
            "cost_usd_per_t_before": rb.money_usd if rb else np.nan,
            "cost_usd_per_t_after": ra.money_usd if ra else np.nan,
            "corridor_share": float(share.get(pair_key(oc, dc), 1.0)),
        })
    return pd.DataFrame(rows)


def trade_summary(c: Comparison, net: Network) -> dict:
    """Trade impact (low / central / high) of the route changes in ``c``; no pair routable: zero change."""
    routes = trade_routes(c, net)
    routes = routes[routes["time_h_before"].notna() | routes["time_h_after"].notna()]
    if routes.empty:
        return {"pairs": [], "totals_usd": {"low": 0.0, "central": 0.0, "high": 0.0},
                "assumptions": [], "notes": ["no OD pair has a route in either scenario"]}
    return trade_impact(routes.reset_index(drop=True)).summary()


def bid_volumes(spec: CorridorSpec, volumes: CorridorVolumes, bid_units: dict[str, str],
                freight: FreightAssumptions) -> tuple[dict[str, float], dict[str, str]]:
    """Modelled volumes in each mapped bid line's unit (``t``: tonnes; ``truck``: tonnes / truck payload), and
    how every line's volume is set. A mapping to a missing line or mode, or an unknown unit, is an error."""
    fin = spec.finance
    where = f"corridor spec {spec.name!r}"
    out, basis, problems = {}, {}, []
    payload = freight.truck_payload_t
    for line, mode in fin.lines.items():
        field = f"finance.lines.{line}"
        if line not in bid_units:
            problems.append(Problem(f"the bids have no line {line!r} (lines: {', '.join(bid_units)})", file=where,
                                    field=field))
            continue
        if mode not in volumes.tonnes:
            problems.append(Problem(f"the project has no {mode!r} links carrying freight (modes: "
                                    f"{', '.join(volumes.tonnes) or 'none'})", file=where, field=field))
            continue
        t = volumes.tonnes[mode]
        unit = bid_units[line]
        what = f"modelled: {t / 1e6:,.2f} Mt/yr on the project's {mode} links, {volumes.scenario} {volumes.year}"
        if unit == "t":
            out[line] = t
        elif unit == "truck":
            out[line] = t / payload.value
            what += f" at {payload.value:g} t per truck ({payload.source})"
        else:
            problems.append(Problem(f"bid line unit {unit!r} cannot take tonnes (accepted: t, truck)", file=where,
                                    field=field))
            continue
        basis[line] = what
    if problems:
        raise ValidationError(problems)
    for line in bid_units:
        basis.setdefault(line, "stated in the bid file (not modelled by the freight assignment)")
    return out, basis


def without_ramp_up(bid: Bid, lines: Mapping[str, float]) -> Bid:
    """``bid`` with a flat ramp-up on ``lines``: their modelled volumes already carry the study's ramp-up."""
    data = bid.model_dump()
    for line in lines:
        data["lines"][line]["ramp_up"] = {"value": [1.0], "source": "ramp-up applied in the study's forecast "
                                                                     "(corridor.study.forecast)"}
    return Bid.model_validate(data)


def finance(spec: CorridorSpec, volumes: CorridorVolumes, freight: FreightAssumptions,
            by_year: Mapping[int, CorridorVolumes] | None = None) -> FinanceResult:
    """The bids on the modelled volumes: of every demand year in ``by_year`` (each operating year interpolated
    between them, :func:`corridor.economics.finance.line_volumes`), else of ``volumes`` alone."""
    fin = spec.finance
    bids = load_bids(None if fin.bids == "bundled" else spec.path(fin.bids))
    units = {name: line.unit for name, line in bids[0].lines.items()}
    vols, basis = bid_volumes(spec, volumes, units, freight)
    years: dict[str, dict[int, float]] = {}
    for y, v in (by_year or {}).items():
        for line, x in bid_volumes(spec, v, units, freight)[0].items():
            years.setdefault(line, {})[y] = x
    for line in years:
        ys = sorted(years[line])
        basis[line] += (f"; each operating year from the modelled years {', '.join(map(str, ys))} (interpolated "
                        f"between them, held flat after {ys[-1]}; ramp-up applied once)")
    source = f"flows from assignment ({volumes.scenario}, {volumes.year})"
    if volumes.ramp_up_applied:
        bids = [without_ramp_up(b, vols) for b in bids]
        basis = {k: v + ("; ramp-up applied in the study's forecast, not again here" if k in vols else "")
                 for k, v in basis.items()}
    results = [evaluate_bid(b, volumes=vols, volume_source=source, volumes_by_year=years or None) for b in bids]
    case = {"source_file": fin.bids, "comparison": compare_bids(results).to_dict(orient="records"),
            "bids": [r.summary() for r in results]}
    return FinanceResult(volumes, vols, basis, case, years)


def economics(spec: CorridorSpec, c: Comparison, net: Network, volumes: CorridorVolumes | None,
              freight: FreightAssumptions, by_year: Mapping[int, CorridorVolumes] | None = None) -> EconomicsResult:
    fin = (finance(spec, volumes, freight, by_year) if spec.finance is not None and volumes is not None
           else None)
    return EconomicsResult(trade_summary(c, net), bundled_trade_case()["totals_usd"], fin)
