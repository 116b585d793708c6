"""The economics section of the ``corridor run`` report: trade impact of this run's routes, concession finance."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from corridor.economics.finance import bundled_finance_case
from corridor.economics.plots import cashflow_svg, trade_change_svg
from corridor.economics.trade import bundled_trade_case, load_routes, pair_key, trade_impact
from corridor.report import Section, frame_html

if TYPE_CHECKING:
    from corridor.run import JobContext


def routes_table(ctx: JobContext) -> pd.DataFrame:
    """One row per OD pair of the run (unconstrained routes): time and money before and after, by country pair.

    Corridor shares (the part of a pair's trade that can use such routes) come from the bundled trade case.
    """
    c, net = ctx.comparison, ctx.network
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


def section(ctx: JobContext) -> tuple[Section, dict] | None:
    trade = trade_impact(routes_table(ctx)).summary()
    stated = bundled_trade_case()["totals_usd"]
    volumes = ctx.extras.get("tripp_volumes_t")
    finance = bundled_finance_case(volumes=volumes) if volumes else bundled_finance_case()
    pairs = pd.DataFrame(trade["pairs"])
    counted = pairs[pairs["counted"]] if len(pairs) else pairs
    table = pd.DataFrame({
        "country pair": counted["pair"], "routes": counted["labels"].map(lambda x: "; ".join(x) if isinstance(
            x, list) else str(x)),
        "days saved": counted["days_saved"], "USD/t saved": counted["cost_saved_usd_per_t"],
        "corridor share": counted["corridor_share"],
        "low, M USD/yr": counted["change_usd_low"] / 1e6, "central": counted["change_usd_central"] / 1e6,
        "high": counted["change_usd_high"] / 1e6,
    })
    tot = trade["totals_usd"]
    bids = pd.DataFrame(finance["comparison"])
    bid_table = pd.DataFrame({
        "bid": bids["bid"], "term, years": bids["term_years"], "capex, M USD": bids["total_capex_usd"] / 1e6,
        "project IRR, %": bids["project_irr"] * 100, "project NPV, M USD": bids["project_npv_usd"] / 1e6,
        "equity IRR, %": bids["equity_irr"] * 100, "payback, years": bids["payback_years"],
        "min DSCR": bids["min_dscr"], "LLCR": bids["llcr"],
    })
    first = finance["bids"][0]
    assumptions = "".join(f"<li>{escape(a)}</li>" for a in [*trade["assumptions"], *first["assumptions"]])
    html = (
        "<h3>Trade impact of this run's route changes</h3>"
        f"<p>Change in bilateral trade from the change in route time and money cost between <b>{escape(ctx.comparison.before)}</b> "
        f"and <b>{escape(ctx.comparison.after)}</b> (unconstrained routes of the OD pairs above; Djankov–Freund–Pham "
        "low case, Hummels–Schaur central and high). Total: <b>"
        f"{tot['low'] / 1e6:+,.0f} / {tot['central'] / 1e6:+,.0f} / {tot['high'] / 1e6:+,.0f} M USD per year</b> "
        "(low / central / high). For comparison, the stated-assumption case of <code>corridor economics trade</code> "
        f"gives {stated['low'] / 1e6:+,.0f} / {stated['central'] / 1e6:+,.0f} / {stated['high'] / 1e6:+,.0f} M USD "
        "per year.</p>"
        + frame_html(table, text_columns=("country pair", "routes"), digits=1)
        + f"<figure>{trade_change_svg(trade)}</figure>"
        + "<h3>Concession finance: the bundled bids</h3>"
        + f"<p>Volumes: {'flows from assignment' if volumes else 'stated volumes (bundled bid file)'}.</p>"
        + frame_html(bid_table, text_columns=("bid",), digits=2)
        + f"<figure>{cashflow_svg(first)}</figure>"
        + f"<details><summary>Assumptions ({len(trade['assumptions']) + len(first['assumptions'])})</summary>"
        f"<ul class='assumption'>{assumptions}</ul></details>"
    )
    m = first["metrics"]
    irr = m["project_irr"]
    headline = (f"trade {tot['low'] / 1e6:+,.0f} to {tot['high'] / 1e6:+,.0f} M USD/yr (central "
                f"{tot['central'] / 1e6:+,.0f}); project IRR of '{first['name']}' "
                + (f"{irr * 100:.2f} %" if irr is not None else "not unique"))
    return Section("economics", "Economics", html), {"headline": headline, "trade": trade, "stated_trade_case": stated,
                                                    "finance": finance["comparison"]}
