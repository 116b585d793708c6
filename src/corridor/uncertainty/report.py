"""Files of ``corridor uncertainty --out DIR``: the summary JSON, every draw as CSV, the distribution and tornado
plots (SVG) and a self-contained HTML page whose headlines carry their P10–P90 ranges."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corridor._json import to_json
from corridor.study.tables import headline_metrics
from corridor.uncertainty.summary import UncertaintyResult

#: metrics whose distribution the page plots (with the project's tonnes of every modelled year)
PLOTTED = ("trade_change_usd", "enpv_usd", "eirr", "bcr", "project_irr")

def headline_cards(summary: dict[str, Any]) -> list[dict[str, str]]:
    """One card per headline: P50 with its P10–P90 range."""
    cards = []
    for key, scale, label in headline_metrics(summary["metrics"]):
        m = summary["metrics"].get(key)
        if not m or m["p50"] is None:
            continue
        cards.append({"label": label, "value": f"{m['p50'] * scale:,.2f}",
                      "range": f"P10 {m['p10'] * scale:,.2f} – P90 {m['p90'] * scale:,.2f}"})
    return cards


def inputs_table(inputs: list[dict[str, Any]]) -> pd.DataFrame:
    """The sampled inputs (``UncertainInput.describe`` rows): name, low, central, high, unit, distribution, source."""
    return pd.DataFrame(list(inputs), columns=["name", "low", "central", "high", "unit", "distribution", "source"])


def page_html(summary: dict[str, Any], distribution: str, tornado: str) -> str:
    from corridor.report import frame_html

    cards = "".join(f"<div class='card'><div class='label'>{escape(c['label'])}</div>"
                    f"<div class='value'>{escape(c['value'])}</div><div class='range'>{escape(c['range'])}</div></div>"
                    for c in headline_cards(summary))
    inputs = inputs_table(summary["inputs"])
    third = pd.DataFrame([{"country": k.removeprefix("tkm_change_"), **{p.upper(): (m[p] or 0.0) / 1e6
                                                                         for p in ("p10", "p50", "p90")}}
                          for k, m in summary["metrics"].items() if k.startswith("tkm_change_")])
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Uncertainty</title><style>"
        "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
        ".cards{display:flex;flex-wrap:wrap;gap:1em}.card{border:1px solid #ccc;border-radius:6px;padding:.6em 1em}"
        ".value{font-size:1.6em;font-weight:600}.range{color:#555}table{border-collapse:collapse;font-size:.85em}"
        "td,th{border-bottom:1px solid #ddd;padding:2px 6px;text-align:right}.text{text-align:left}"
        "svg{max-width:100%;height:auto}</style></head><body>"
        f"<h1>Uncertainty: {summary['draws']} draws, seed {summary['seed']}</h1>"
        f"<p>{escape(summary['sampler'])}; correlations: {escape(summary['correlations'])}. "
        f"P(ENPV &gt; 0) = {summary['p_enpv_positive']:.2f}.</p>"
        f"<div class='cards'>{cards}</div><h2>Distributions</h2>{distribution}<h2>Tornado</h2>{tornado}"
        "<h2>Third parties: change in tonne-km on each country's territory, M tkm/yr</h2>"
        + (frame_html(third, text_columns=("country",), digits=1) if len(third) else "<p>None.</p>")
        +
        "<h2>Sampled inputs</h2>"
        + frame_html(inputs, text_columns=("name", "unit", "distribution", "source"), digits=4)
        + "</body></html>"
    )


def write_outputs(result: UncertaintyResult, summary: dict[str, Any], out: Path) -> list[Path]:
    """Write the files; returns their paths."""
    from corridor.economics.plots import distribution_svg, tornado_svg

    out.mkdir(parents=True, exist_ok=True)
    d = result.draws
    shown = [m for m in headline_metrics(d.columns) if m[0] in PLOTTED or m[0].startswith("corridor_flow_t_")]
    dist = distribution_svg({k: d[k].to_numpy(float) * s for k, s, _ in shown}, {k: label for k, _, label in shown})
    torn = tornado_svg(summary["tornado_enpv"], float(result.central["enpv_usd"]))
    files = {"uncertainty.json": to_json(summary), "distribution.svg": dist, "tornado.svg": torn,
             "uncertainty.html": page_html(summary, dist, torn)}
    paths = []
    for name, text in files.items():
        p = out / name
        p.write_text(text, encoding="utf-8")
        paths.append(p)
    p = out / "draws.csv"
    d.replace({np.nan: None}).to_csv(p, index=False)
    paths.append(p)
    return paths
