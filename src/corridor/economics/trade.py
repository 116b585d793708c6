"""Trade impact: the change in bilateral trade from the change in transit time and cost between two scenarios.

Three cases, each the ratio of trade after to trade before, applied to the share of a pair's baseline trade that
can use the corridor:

* low: Djankov, Freund & Pham (2010) for time, dln(trade) = -b * d_days with b = 1 %/day (their lower bound),
  times the cost channel at sigma_low;
* central / high: Hummels & Schaur (2013), where a day in transit is an ad-valorem tariff tau_day (0.6-2.1 %) and
  trade falls as (1 + tau)^-sigma, with tau = tau_day * days + cost / value of the goods;
* cost channel (all cases): ((1 + c_after / v) / (1 + c_before / v))^-sigma, the transport cost as an ad-valorem
  share of the goods' value v.

Treatments (stated in the results): routes of the same unordered country pair are averaged (``weight``); a pair
within one country is domestic and not counted; a route missing in one scenario (no route before, or none after)
is given the other scenario's cost and its time plus ``new_route_cap_days``; a pair without a baseline trade
value is reported but not counted in the totals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from corridor._errors import Problem, ValidationError
from corridor.sourced import Sourced, iter_sourced, line_of, load_yaml, validate

REQUIRED = (
    "origin_country",
    "destination_country",
    "time_h_before",
    "time_h_after",
    "cost_usd_per_t_before",
    "cost_usd_per_t_after",
)
CASES = ("low", "central", "high")
_NUMERIC = (*REQUIRED[2:], "weight", "corridor_share")


def _data(name: str) -> Path:
    return Path(str(resources.files("corridor.economics") / "data" / name))


class TradeParameters(BaseModel):
    """Elasticities and treatment choices, each with its source."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dfp_semi_elasticity_per_day: Sourced[float]
    hs_tariff_per_day_low: Sourced[float]
    hs_tariff_per_day_central: Sourced[float]
    hs_tariff_per_day_high: Sourced[float]
    sigma_low: Sourced[float]
    sigma_central: Sourced[float]
    sigma_high: Sourced[float]
    value_usd_per_t: Sourced[float]
    new_route_cap_days: Sourced[float]

    def assumptions(self) -> list[str]:
        return [f"{p}: {s.source}" for p, s in iter_sourced(self) if s.is_assumption]


def _load_model(model: type[BaseModel], path: Path, data: Any = None, node: Any = None) -> Any:
    if data is None:
        data, node = load_yaml(path)
    return validate(model, data, file=str(path), node=node)


def load_parameters(path: str | Path | None = None, **overrides: float) -> TradeParameters:
    """The bundled (or given) parameters; ``overrides`` (e.g. ``value_usd_per_t=2000``) are marked as user input."""
    p = Path(path) if path else _data("trade_parameters.yaml")
    params: TradeParameters = _load_model(TradeParameters, p)
    if overrides:
        unknown = sorted(set(overrides) - set(TradeParameters.model_fields))
        if unknown:
            raise ValidationError(f"unknown trade parameter(s) {unknown}")
        params = params.model_copy(
            update={k: Sourced[float](value=float(v), source="user input") for k, v in overrides.items()}
        )
    return params


class _BaselinePair(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    countries: tuple[str, str]
    year: int
    trade_usd: Sourced[float]


class _BaselineFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    pairs: list[_BaselinePair]


def pair_key(a: str, b: str) -> str:
    """Unordered pair label, e.g. ``AZ–TR``."""
    x, y = sorted((str(a).upper(), str(b).upper()))
    return f"{x}–{y}"


def load_baseline(path: str | Path | None = None) -> dict[str, Sourced[float]]:
    """Baseline bilateral trade by unordered pair (``AZ–TR``), USD/yr with source."""
    p = Path(path) if path else _data("trade_baseline.yaml")
    f: _BaselineFile = _load_model(_BaselineFile, p)
    return {pair_key(*x.countries): x.trade_usd for x in f.pairs}


def tariff_equivalent(days: float | np.ndarray, per_day: float) -> float | np.ndarray:
    """Hummels & Schaur: the ad-valorem tariff equivalent of ``days`` in transit (0.6-2.1 % a day)."""
    return per_day * np.asarray(days, dtype=float) if np.ndim(days) else per_day * float(days)


def dfp_change(days_saved: float | np.ndarray, *, per_day: float = 0.01) -> float | np.ndarray:
    """Djankov, Freund & Pham: relative change in trade from ``days_saved`` (lower bound, 1 % a day)."""
    return np.expm1(per_day * np.asarray(days_saved, dtype=float))


def trade_ratios(
    days_before: np.ndarray,
    days_after: np.ndarray,
    cost_before: np.ndarray,
    cost_after: np.ndarray,
    params: TradeParameters,
    *,
    value_usd_per_t: np.ndarray | float | None = None,
) -> dict[str, np.ndarray]:
    """Trade after / trade before for each case (arrays over pairs)."""
    v = params.value_usd_per_t.value if value_usd_per_t is None else value_usd_per_t
    db, da = np.asarray(days_before, float), np.asarray(days_after, float)
    cb, ca = np.asarray(cost_before, float) / v, np.asarray(cost_after, float) / v
    p = params
    low = np.exp(-p.dfp_semi_elasticity_per_day.value * (da - db)) * ((1 + ca) / (1 + cb)) ** -p.sigma_low.value
    out = {"low": low}
    for case in ("central", "high"):
        tau = getattr(p, f"hs_tariff_per_day_{case}").value
        sigma = getattr(p, f"sigma_{case}").value
        out[case] = ((1 + tau * da + ca) / (1 + tau * db + cb)) ** -sigma
    return out


@dataclass(frozen=True)
class TradeImpact:
    """Change in trade by country pair (rows) and totals (USD/yr) for the low, central and high cases."""

    pairs: pd.DataFrame
    totals_usd: dict[str, float]
    assumptions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "pairs": self.pairs.to_dict(orient="records"),
            "totals_usd": self.totals_usd,
            "assumptions": self.assumptions,
            "notes": self.notes,
        }


def _check_input(
    df: pd.DataFrame, place_country: Mapping[str, str] | None, file: str | None, row_offset: int
) -> pd.DataFrame:
    """Validate and normalise the routes table; errors name the line (``_line`` column, else row + offset)."""
    df = df.reset_index(drop=True).copy()
    lines = df["_line"].tolist() if "_line" in df.columns else [i + row_offset for i in range(len(df))]
    problems: list[Problem] = []
    if "origin_country" not in df.columns and {"origin", "destination"} <= set(df.columns):
        if place_country is None:
            raise ValidationError(
                [Problem("place pairs need a place -> country mapping (place_country=...)", file=file)]
            )
        for col in ("origin", "destination"):
            mapped = df[col].map(lambda x: place_country.get(str(x)))
            for i in np.nonzero(mapped.isna().to_numpy())[0]:
                problems.append(Problem("place has no country", file=file, row=lines[i], field=col, value=df[col][i]))
            df[f"{col}_country"] = mapped
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise ValidationError([Problem(f"missing column(s) {missing}; need {list(REQUIRED)}", file=file)])
    for c in ("weight", "corridor_share"):
        df[c] = pd.to_numeric(df[c], errors="coerce").fillna(1.0) if c in df.columns else 1.0
    for c in _NUMERIC:
        num = pd.to_numeric(df[c], errors="coerce")
        for i in np.nonzero((num.isna() & df[c].notna()).to_numpy())[0]:
            problems.append(Problem("not a number", file=file, row=lines[i], field=c, value=df[c][i]))
        df[c] = num.astype(float)
    for c in ("time_h_before", "time_h_after", "cost_usd_per_t_before", "cost_usd_per_t_after"):
        for i in np.nonzero((df[c] < 0).to_numpy())[0]:
            problems.append(Problem("must be >= 0 (or empty for no route)", file=file, row=lines[i], field=c,
                                    value=df[c][i]))
    for i in np.nonzero((df.time_h_before.isna() & df.time_h_after.isna()).to_numpy())[0]:
        problems.append(Problem("no route in either scenario", file=file, row=lines[i], field="time_h_before"))
    for c, lo, hi in (("weight", 0.0, np.inf), ("corridor_share", 0.0, 1.0)):
        bad = ~df[c].between(lo, hi)
        for i in np.nonzero(bad.to_numpy())[0]:
            problems.append(Problem(f"must be in [{lo:g}, {hi:g}]", file=file, row=lines[i], field=c, value=df[c][i]))
    for c in ("origin_country", "destination_country"):
        bad = ~df[c].astype(str).str.fullmatch(r"[A-Za-z]{2}")
        for i in np.nonzero(bad.to_numpy())[0]:
            problems.append(Problem("expected an ISO alpha-2 country code", file=file, row=lines[i], field=c,
                                    value=df[c][i]))
    if problems:
        raise ValidationError(problems)
    return df


def trade_impact(
    routes: pd.DataFrame,
    *,
    params: TradeParameters | None = None,
    baseline: Mapping[str, Sourced[float]] | None = None,
    place_country: Mapping[str, str] | None = None,
    file: str | None = None,
    row_offset: int = 1,
) -> TradeImpact:
    """Change in bilateral trade (USD/yr) from route times and costs before and after.

    ``routes`` has one row per route with the columns of :data:`REQUIRED` (or ``origin``/``destination`` places
    with ``place_country``); optional ``weight`` (averaging routes of one pair), ``corridor_share`` (share of the
    pair's trade that can use these routes, default 1), ``baseline_trade_usd`` and ``baseline_source`` (override
    the bundled baseline) and ``label``. An empty (NaN) time marks no route in that scenario. Errors name
    ``file`` and the line: ``_line`` if present, else the row number plus ``row_offset`` (2 for a CSV).
    """
    params = params or load_parameters()
    baseline = load_baseline() if baseline is None else baseline
    df = _check_input(routes, place_country, file, row_offset)
    cap_h = 24.0 * params.new_route_cap_days.value
    new = df.time_h_before.isna() | df.cost_usd_per_t_before.isna()
    lost = ~new & (df.time_h_after.isna() | df.cost_usd_per_t_after.isna())
    df.loc[new, "time_h_before"] = df.loc[new, "time_h_after"] + cap_h
    df.loc[new, "cost_usd_per_t_before"] = df.loc[new, "cost_usd_per_t_after"]
    df.loc[lost, "time_h_after"] = df.loc[lost, "time_h_before"] + cap_h
    df.loc[lost, "cost_usd_per_t_after"] = df.loc[lost, "cost_usd_per_t_before"]
    df["newly_possible"] = new
    df["lost"] = lost
    df["pair"] = [pair_key(a, b) for a, b in zip(df.origin_country, df.destination_country, strict=True)]
    df["domestic"] = df.origin_country.str.upper() == df.destination_country.str.upper()

    rows = []
    for key, g in df.groupby("pair", sort=True):
        w = g.weight.to_numpy()
        w = w / w.sum() if w.sum() > 0 else np.full(len(g), 1 / len(g))

        def avg(col: str, g=g, w=w) -> float:
            return float(np.dot(g[col].to_numpy(), w))

        a, b = str(key).split("–")
        row: dict[str, Any] = {
            "pair": key,
            "country_a": a,
            "country_b": b,
            "routes": len(g),
            "labels": "; ".join(str(x) for x in g["label"]) if "label" in g else "",
            "days_before": avg("time_h_before") / 24.0,
            "days_after": avg("time_h_after") / 24.0,
            "cost_usd_per_t_before": avg("cost_usd_per_t_before"),
            "cost_usd_per_t_after": avg("cost_usd_per_t_after"),
            "corridor_share": avg("corridor_share"),
            "newly_possible": bool(g.newly_possible.any()),
            "lost": bool(g.lost.any()),
            "domestic": bool(g.domestic.iloc[0]),
        }
        bl_val, bl_src = np.nan, ""
        if "baseline_trade_usd" in g and g.baseline_trade_usd.notna().any():
            bl_val = float(g.baseline_trade_usd.dropna().iloc[0])
            src = g["baseline_source"].dropna() if "baseline_source" in g else pd.Series(dtype=str)
            bl_src = str(src.iloc[0]) if len(src) else "user input"
        elif key in baseline:
            bl_val, bl_src = baseline[key].value, baseline[key].source
        row["baseline_trade_usd"] = bl_val
        row["baseline_source"] = bl_src
        rows.append(row)
    out = pd.DataFrame(rows)
    out["days_saved"] = out.days_before - out.days_after
    out["cost_saved_usd_per_t"] = out.cost_usd_per_t_before - out.cost_usd_per_t_after
    ratios = trade_ratios(
        out.days_before.to_numpy(), out.days_after.to_numpy(), out.cost_usd_per_t_before.to_numpy(),
        out.cost_usd_per_t_after.to_numpy(), params,
    )
    counted = ~out.domestic & out.baseline_trade_usd.notna()
    out["counted"] = counted
    exposed = out.baseline_trade_usd * out.corridor_share
    for case in CASES:
        out[f"change_pct_{case}"] = 100.0 * (ratios[case] - 1.0)
        out[f"change_usd_{case}"] = np.where(counted, exposed * (ratios[case] - 1.0), np.nan)
    totals = {case: float(np.nansum(out[f"change_usd_{case}"].to_numpy())) for case in CASES}

    notes = []
    if out.domestic.any():
        notes.append(f"domestic pair(s) not counted: {', '.join(out.pair[out.domestic])}")
    nob = out.pair[~out.domestic & out.baseline_trade_usd.isna()]
    if len(nob):
        notes.append(f"no baseline trade value, not counted: {', '.join(nob)}")
    if out.newly_possible.any() or out.lost.any():
        notes.append(
            f"route missing in one scenario for {', '.join(out.pair[out.newly_possible | out.lost])}: "
            f"treated as {params.new_route_cap_days.value:g} extra days at the same cost"
        )
    assumptions = params.assumptions()
    assumptions += [f"baseline {k}: {s}" for k, s in zip(out.pair, out.baseline_source, strict=True)
                    if str(s).lower().startswith("assumption")]
    return TradeImpact(out, totals, assumptions, notes)


class _SourcedRoute(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str = ""
    origin_country: str
    destination_country: str
    time_h_before: Sourced[float | None]
    time_h_after: Sourced[float | None]
    cost_usd_per_t_before: Sourced[float | None]
    cost_usd_per_t_after: Sourced[float | None]
    weight: Sourced[float] | None = None
    corridor_share: Sourced[float] | None = None
    baseline_trade_usd: Sourced[float] | None = None


class _CaseFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    routes: list[_SourcedRoute]


def load_routes(path: str | Path | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Read a routes YAML (``routes:`` list, numbers as ``{value, source}``) into the input table of
    :func:`trade_impact`; also return the assumptions it states."""
    p = Path(path) if path else _data("trade_case.yaml")
    data, node = load_yaml(p)
    f: _CaseFile = _load_model(_CaseFile, p, data, node)
    rows, assumptions = [], []
    for i, r in enumerate(f.routes):
        row: dict[str, Any] = {"label": r.label or f"route {i + 1}", "origin_country": r.origin_country,
                               "destination_country": r.destination_country, "_line": line_of(node, ("routes", i))}
        for name in ("time_h_before", "time_h_after", "cost_usd_per_t_before", "cost_usd_per_t_after", "weight",
                     "corridor_share", "baseline_trade_usd"):
            s = getattr(r, name)
            if s is None:
                continue
            row[name] = np.nan if s.value is None else s.value
            if name == "baseline_trade_usd":
                row["baseline_source"] = s.source
            if s.is_assumption:
                assumptions.append(f"{row['label']}.{name}: {s.source}")
        rows.append(row)
    return pd.DataFrame(rows), assumptions


def bundled_trade_case(routes: pd.DataFrame | None = None, **kw: Any) -> dict[str, Any]:
    """Plain data for the report: change in trade by pair (low/central/high), totals and the assumptions.

    ``routes`` (e.g. from ``corridor run``) replaces the bundled routes table."""
    if routes is None:
        routes, route_assumptions = load_routes()
    else:
        route_assumptions = []
    kw.setdefault("file", str(_data("trade_case.yaml")) if "_line" in routes.columns else None)
    impact = trade_impact(routes, **kw)
    s = impact.summary()
    s["assumptions"] = route_assumptions + s["assumptions"]
    return s
