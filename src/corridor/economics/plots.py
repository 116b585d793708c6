"""Plots for the report as inline SVG strings.

Matplotlib ``Figure`` objects without pyplot (no global backend or state); ``svg.fonttype: none`` keeps text
as text; no external resources."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

_RC = {"svg.fonttype": "none", "font.size": 9, "axes.spines.top": False, "axes.spines.right": False}


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg") :]  # drop the XML prolog and DOCTYPE so it can be inlined in HTML


def trade_change_svg(case: Mapping[str, Any]) -> str:
    """Bars of the change in trade by country pair (USD M/yr): central bar, low-high whisker.

    ``case`` is :func:`corridor.economics.trade.bundled_trade_case` output (or ``TradeImpact.summary()``)."""
    pairs = [p for p in case["pairs"] if p.get("counted")]
    labels = [p["pair"] for p in pairs]
    lo = np.array([p["change_usd_low"] for p in pairs], float) / 1e6
    mid = np.array([p["change_usd_central"] for p in pairs], float) / 1e6
    hi = np.array([p["change_usd_high"] for p in pairs], float) / 1e6
    with mpl.rc_context(_RC):
        fig = Figure(figsize=(6.4, 0.45 * max(len(pairs), 2) + 1.2))
        ax = fig.subplots()
        y = np.arange(len(pairs))
        ax.barh(y, mid, color="#3b7dd8", label="central")
        ax.errorbar(mid, y, xerr=[mid - np.minimum(lo, hi), np.maximum(lo, hi) - mid], fmt="none", ecolor="#222",
                    capsize=3, label="low – high")
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        ax.axvline(0, color="#888", lw=0.8)
        t = case["totals_usd"]
        ax.set_xlabel("change in bilateral trade, USD M per year")
        ax.set_title(
            f"Trade change by pair: total {t['low'] / 1e6:,.0f} / {t['central'] / 1e6:,.0f} / "
            f"{t['high'] / 1e6:,.0f} USD M/yr (low / central / high)",
            fontsize=9,
        )
        ax.legend(loc="lower right", frameon=False)
        return _svg(fig)


def cashflow_svg(bid_summary: Mapping[str, Any]) -> str:
    """Yearly project cash flow (bars), cumulative project cash flow and debt service of one bid (USD M).

    ``bid_summary`` is ``BidResult.summary()`` (an entry of ``bundled_finance_case()["bids"]``)."""
    a = bid_summary["annual"]
    years = np.asarray(a["year"], int)
    cf = np.asarray(a["project_cf_usd"], float) / 1e6
    ds = np.asarray(a["debt_service_usd"], float) / 1e6
    m = bid_summary["metrics"]
    irr = m.get("project_irr")
    irr_txt = f"{100 * irr:.1f} %" if irr is not None else m.get("project_irr_status", "n/a")
    with mpl.rc_context(_RC):
        fig = Figure(figsize=(7.0, 3.4))
        ax = fig.subplots()
        ax.bar(years, cf, color=np.where(cf < 0, "#c0504d", "#4f9d4f"), width=0.85, label="project cash flow")
        ax.plot(years, ds, color="#444", lw=1.2, ls="--", label="debt service")
        ax.axhline(0, color="#888", lw=0.8)
        ax2 = ax.twinx()
        ax2.plot(years, np.cumsum(cf), color="#3b7dd8", lw=1.6, label="cumulative (right)")
        ax2.set_ylabel("cumulative, USD M")
        ax2.spines["top"].set_visible(False)
        ax.set_xlabel("year from financial close")
        ax.set_ylabel("USD M per year (real)")
        ax.set_title(
            f"{bid_summary['name']}: project IRR {irr_txt}, NPV {m['project_npv_usd'] / 1e6:,.0f} USD M", fontsize=9
        )
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, loc="lower right", frameon=False)
        return _svg(fig)


def distribution_svg(samples: Mapping[str, np.ndarray], labels: Mapping[str, str]) -> str:
    """Histograms of the draws of each metric (one panel each) with P10 / P50 / P90 marked.

    ``samples`` maps a metric to its draws (already in the unit of its label)."""
    keys = [k for k in samples if np.isfinite(np.asarray(samples[k], float)).any()]
    with mpl.rc_context(_RC):
        fig = Figure(figsize=(7.0, 2.2 * max(len(keys), 1)))
        axes = fig.subplots(max(len(keys), 1), 1, squeeze=False)[:, 0]
        for ax, k in zip(axes, keys, strict=False):
            v = np.asarray(samples[k], float)
            v = v[np.isfinite(v)]
            ax.hist(v, bins=min(40, max(5, v.size // 10)), color="#9bbce6", edgecolor="#3b7dd8")
            p10, p50, p90 = np.percentile(v, [10, 50, 90])
            for p, ls in ((p10, "--"), (p50, "-"), (p90, "--")):
                ax.axvline(p, color="#222", lw=1.0, ls=ls)
            ax.set_title(f"{labels.get(k, k)}: P50 {p50:,.2f} (P10 {p10:,.2f} – P90 {p90:,.2f})", fontsize=9)
            ax.set_ylabel("draws")
        fig.tight_layout()
        return _svg(fig)


def tornado_svg(rows: list[Mapping[str, Any]], central_usd: float) -> str:
    """Tornado of ENPV (M USD): for each input, ENPV with it at its P10 and at its P90, others central.

    ``rows`` are the ``tornado_enpv`` entries of the uncertainty summary (widest swing first)."""
    names = [r["input"] for r in rows]
    lo = np.array([r["enpv_low_usd"] for r in rows], float) / 1e6
    hi = np.array([r["enpv_high_usd"] for r in rows], float) / 1e6
    c = central_usd / 1e6
    with mpl.rc_context(_RC):
        fig = Figure(figsize=(7.0, 0.42 * max(len(rows), 2) + 1.0))
        ax = fig.subplots()
        y = np.arange(len(rows))
        ax.barh(y - 0.2, lo - c, left=c, height=0.4, color="#c0504d", label="input at its P10")
        ax.barh(y + 0.2, hi - c, left=c, height=0.4, color="#4f9d4f", label="input at its P90")
        ax.axvline(c, color="#222", lw=1.0)
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.set_xlabel(f"ENPV, M USD (central {c:,.0f})")
        ax.set_title("The ten inputs that move ENPV most", fontsize=9)
        ax.legend(loc="lower right", frameon=False)
        return _svg(fig)
