"""The economics section of the ``corridor run`` report: trade impact of the run's routes, concession finance
on modelled volumes. A view of :class:`corridor.study.StudyResult`; it computes nothing but plots."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

import pandas as pd

from corridor.economics.plots import cashflow_svg, trade_change_svg
from corridor.report import Section, frame_html

if TYPE_CHECKING:
    from corridor.study import StudyResult


def section(res: StudyResult) -> Section:
    econ = res.economics
    trade, stated = econ.trade, econ.stated_trade
    pairs = pd.DataFrame(trade["pairs"])
    counted = pairs[pairs["counted"]] if len(pairs) else pd.DataFrame(columns=[
        "pair", "labels", "days_saved", "cost_saved_usd_per_t", "corridor_share", "change_usd_low",
        "change_usd_central", "change_usd_high"])
    table = pd.DataFrame({
        "country pair": counted["pair"], "routes": counted["labels"].map(lambda x: "; ".join(x) if isinstance(
            x, list) else str(x)),
        "days saved": counted["days_saved"], "USD/t saved": counted["cost_saved_usd_per_t"],
        "corridor share": counted["corridor_share"],
        "low, M USD/yr": counted["change_usd_low"] / 1e6, "central": counted["change_usd_central"] / 1e6,
        "high": counted["change_usd_high"] / 1e6,
    })
    tot = trade["totals_usd"]
    fin = econ.finance
    if fin is None:
        finance_html = "<p>This corridor's spec has no concession finance case.</p>"
        return Section("economics", "Economics", _trade_html(res, table, trade, tot, stated) + finance_html)
    finance = fin.case
    bids = pd.DataFrame(finance["comparison"])
    bid_table = pd.DataFrame({
        "bid": bids["bid"], "term, years": bids["term_years"], "capex, M USD": bids["total_capex_usd"] / 1e6,
        "project IRR, %": bids["project_irr"] * 100, "project NPV, M USD": bids["project_npv_usd"] / 1e6,
        "equity IRR, %": bids["equity_irr"] * 100, "payback, years": bids["payback_years"],
        "min DSCR": bids["min_dscr"], "LLCR": bids["llcr"],
    })
    first = finance["bids"][0]
    assumptions = "".join(f"<li>{escape(a)}</li>" for a in [*trade["assumptions"], *first["assumptions"]])
    basis = "".join(f"<li><b>{escape(line)}</b>: {escape(how)}</li>" for line, how in fin.basis.items())
    html = (
        _trade_html(res, table, trade, tot, stated)
        + "<h3>Concession finance: the bids on modelled volumes</h3>"
        + f"<p>Volumes per line:</p><ul>{basis}</ul>"
        + frame_html(bid_table, text_columns=("bid",), digits=2)
        + f"<figure>{cashflow_svg(first)}</figure>"
        + f"<details><summary>Assumptions ({len(trade['assumptions']) + len(first['assumptions'])})</summary>"
        f"<ul class='assumption'>{assumptions}</ul></details>"
    )
    return Section("economics", "Economics", html)


def _trade_html(res: StudyResult, table: pd.DataFrame, trade: dict, tot: dict, stated: dict) -> str:
    return (
        "<h3>Trade impact of this run's route changes</h3>"
        f"<p>Change in bilateral trade from the change in route time and money cost between "
        f"<b>{escape(res.against.name)}</b> and <b>{escape(res.project.name)}</b> (unconstrained routes of the OD "
        "pairs above; Djankov–Freund–Pham low case, Hummels–Schaur central and high). Total: <b>"
        f"{tot['low'] / 1e6:+,.0f} / {tot['central'] / 1e6:+,.0f} / {tot['high'] / 1e6:+,.0f} M USD per year</b> "
        "(low / central / high). For comparison, the stated-assumption case of <code>corridor economics trade</code> "
        f"gives {stated['low'] / 1e6:+,.0f} / {stated['central'] / 1e6:+,.0f} / {stated['high'] / 1e6:+,.0f} M USD "
        "per year.</p>"
        + frame_html(table, text_columns=("country pair", "routes"), digits=1)
        + (f"<figure>{trade_change_svg(trade)}</figure>" if trade["pairs"] else "")
    )
