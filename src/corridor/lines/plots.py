"""Plots of the line cases as self-contained inline SVG strings.

Uses matplotlib's object API (``Figure``, no pyplot: no global backend or figure state; rendering is the
non-interactive SVG/Agg path), with ``svg.fonttype = 'none'`` so text stays text and no external resources.
"""

from __future__ import annotations

import io

import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure

_RC = {"svg.fonttype": "none", "font.size": 9, "axes.spines.top": False, "axes.spines.right": False}


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]  # drop the XML prolog and DOCTYPE: ready to inline in HTML


def pressure_profile_svg(profiles: dict[str, pd.DataFrame], *, title: str = "Pressure profile",
                         min_pressure_bara: float | None = None) -> str:
    """Pressure (bar a) along the line for each named profile table (km, p_bara, elevation_m), elevation below."""
    with rc_context(_RC):
        fig = Figure(figsize=(7, 4.2))
        ax, ax_e = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1])
        for label, t in profiles.items():
            ax.plot(t["km"], t["p_bara"], label=label)
        if min_pressure_bara:
            ax.axhline(min_pressure_bara, color="tab:red", ls="--", lw=1, label=f"minimum {min_pressure_bara:g} bar(a)")
        ax.set_ylabel("pressure, bar(a)")
        ax.set_title(title)
        ax.legend(frameon=False)
        first = next(iter(profiles.values()))
        ax_e.fill_between(first["km"], first["elevation_m"], color="0.8")
        ax_e.plot(first["km"], first["elevation_m"], color="0.4", lw=1)
        ax_e.set_ylabel("elevation, m")
        ax_e.set_xlabel("km from inlet")
        return _svg(fig)


def latency_svg(routes: pd.DataFrame, *, title: str = "Round-trip latency by route") -> str:
    """Horizontal bars of RTT per (pair, route), with each pair's physical floor as a tick."""
    with rc_context(_RC):
        n = len(routes)
        fig = Figure(figsize=(7, 0.32 * n + 1.2))
        ax = fig.subplots()
        labels = [f"{p}: {r}" for p, r in zip(routes["pair"], routes["route"], strict=True)]
        y = range(n)[::-1]
        ax.barh(list(y), routes["rtt_ms"], color="tab:blue", label="route RTT")
        ax.scatter(routes["floor_rtt_ms"], list(y), marker="|", s=200, color="tab:red", zorder=3,
                   label="floor: great circle at c/n")
        ax.set_yticks(list(y), labels)
        ax.set_xlabel("round-trip time, ms (propagation only)")
        ax.set_title(title)
        ax.legend(frameon=False, loc="lower right")
        return _svg(fig)


def rail_capacity_svg(sections: pd.DataFrame, *, claimed_trains_per_day: float | None = None,
                      title: str = "Single-track capacity by section") -> str:
    """Bars of trains (pairs) per day per section; the lowest is the critical section."""
    with rc_context(_RC):
        fig = Figure(figsize=(7, 2.8))
        ax = fig.subplots()
        vals = sections["trains_per_day"].to_numpy()
        colors = ["tab:red" if v == vals.min() else "tab:blue" for v in vals]
        ax.bar(sections["name"], vals, color=colors)
        if claimed_trains_per_day:
            ax.axhline(claimed_trains_per_day, color="0.3", ls="--", lw=1, label="needed for the claimed tonnage")
            ax.legend(frameon=False)
        ax.set_ylabel("train pairs per day")
        ax.set_title(title)
        return _svg(fig)


def case_plots(summary: dict) -> dict[str, str]:
    """The SVG plots of a corridor's line cases (``{"gas", "oil", "fibre", "rail"}`` of
    :mod:`corridor.lines.cases`): gas and oil profiles, latency, rail sections."""
    gas, fibre, rail = summary["gas"], summary["fibre"], summary["rail"]
    single = rail["single"]
    needed = rail["claimed_mt_yr"] * 1e6 / 365 / single["net_t_per_train"]
    return {
        "gas_pressure_profile": pressure_profile_svg(
            {f"at capacity {gas['capacity_mcm_d']:.2f} mcm/d": gas["profile_capacity"],
             f"at demand {gas['demand_mcm_d']:g} mcm/d": gas["profile_demand"]},
            title=gas["name"], min_pressure_bara=gas["p_out_bara"]),
        **({"oil_pressure_profile": pressure_profile_svg(
            {f"at capacity {summary['oil']['capacity_bbl_d'] / 1e3:.0f} kbbl/d": summary["oil"]["profile_capacity"]},
            title=summary["oil"]["name"], min_pressure_bara=summary["oil"]["p_out_bara"])} if "oil" in summary else {}),
        "fibre_latency": latency_svg(fibre["routes"]),
        "rail_sections": rail_capacity_svg(rail["sections"], claimed_trains_per_day=needed),
    }
