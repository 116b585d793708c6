"""The economic-appraisal section of the report: a view of the study's appraisal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from corridor.economics.appraisal import Appraisal
from corridor.report import Section, frame_html

if TYPE_CHECKING:
    from corridor.study import StudyResult


def headline(s: dict[str, Any]) -> str:
    eirr = "none unique" if s["eirr"] is None else f"{100 * s['eirr']:.1f} %"
    bcr = "–" if s["bcr"] is None else f"{s['bcr']:.2f}"
    co2 = s["co2_t_per_yr_full_operation"]
    co2_text = f"{co2:+,.0f} t/yr" if abs(co2) < 1e4 else f"{co2 / 1e3:+,.0f} kt/yr"
    return (f"ENPV {s['enpv_usd'] / 1e6:,.0f} M USD at {100 * s['discount_rate']:.0f} %, EIRR {eirr}, "
            f"BCR {bcr}; CO2 {co2_text}")


def summary(a: Appraisal) -> dict[str, Any]:
    s = a.summary()
    return {"headline": headline(s), **s}


def section(res: StudyResult) -> Section:
    a = res.appraisal
    s = summary(a)
    t = a.table
    every = t[(t["year"] - t["year"].iloc[0]) % 5 == 0]
    show = pd.DataFrame({"year": every["year"].astype(str), "corridor Mt": every["corridor_t"] / 1e6,
                         "time M USD": every["time_savings_usd"] / 1e6,
                         "money M USD": every["money_savings_usd"] / 1e6,
                         "CO2 kt": every["co2_t"] / 1e3, "costs M USD": every["costs_usd"] / 1e6,
                         "net M USD": every["net_usd"] / 1e6}).replace({np.nan: None})
    html = (f"<p><b>{s['headline']}</b> ({res.project.name} against {res.against.name}). EU Guide to CBA "
            "(DG REGIO 2014) method: costs at economic prices (conversion factors), user benefits by cargo class "
            "and year with the rule of a half, tolls as transfers, CO2 by mode at a carbon price, residual value "
            "in the last year. Air pollutants are not counted (no sourced factors). Inputs and their sources: "
            "economics/data/appraisal.yaml.</p>"
            + frame_html(show, text_columns=("year",), digits=1)
            + "".join(f"<p class='assumption'>{n}</p>" for n in a.notes))
    return Section("appraisal", "Economic appraisal", html)
