"""Concession finance: a developer's annual model of a corridor concession and the comparison of bids.

Per year (t = 0 is financial close and the first construction year; the term counts from t = 0):
capex by line spread over the construction phasing; revenue = volume x tariff x ramp-up per line; opex; tax on
EBITDA less straight-line depreciation (no loss carry-forward); CFADS = EBITDA - tax; project cash flow = CFADS -
capex. Debt is drawn pro rata to capex, interest during construction is paid by equity, and the debt is sized
by DSCR sculpting under a gearing cap (:mod:`corridor.economics.debt`). Equity receives CFADS - debt service.
Real terms throughout, no reserve accounts or working capital; assets revert to the state at the end of the
term with no payment (facts[24][25]). Every input is a :class:`Sourced` value; results list the assumptions.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, model_validator
from pydantic import ValidationError as PydanticValidationError

from corridor._errors import NotFoundError, Problem, ValidationError
from corridor.economics import cashflow as cf
from corridor.economics.debt import DebtSchedule, sculpted_debt
from corridor.sourced import Sourced, iter_sourced, load_yaml, problems_from_pydantic

LineKind = Literal["rail", "road", "pipeline_oil", "pipeline_gas", "fibre", "other"]

BUNDLED_BIDS = "bids.yaml"


class LineSpec(BaseModel):
    """One line of the concession (rail, road, a pipeline, fibre): its costs and its revenue."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: LineKind
    capex_usd: Sourced[float]
    opex_usd_per_yr: Sourced[float]
    unit: str  # unit of volume and tariff: "t", "1000 m3", "lease"
    volume_per_yr: Sourced[float]
    tariff_usd_per_unit: Sourced[float]
    ramp_up: Sourced[list[float]]  # share of volume reached in operating years 1, 2, ...; the last one holds

    @model_validator(mode="after")
    def _check(self) -> LineSpec:
        errs = []
        for name in ("capex_usd", "opex_usd_per_yr", "volume_per_yr", "tariff_usd_per_unit"):
            if getattr(self, name).value < 0:
                errs.append(f"{name} must be >= 0")
        r = self.ramp_up.value
        if not r or any(not 0 <= x <= 2 for x in r):
            errs.append("ramp_up must be a non-empty list of shares in [0, 2]")
        if errs:
            raise ValueError("; ".join(errs))
        return self


class Bid(BaseModel):
    """A developer's offer: the term, the financing terms and the lines with their capex, opex and tariffs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    term_years: Sourced[int]
    extension_years: Sourced[int]
    construction_phasing: Sourced[list[float]]  # share of capex spent in construction years 1, 2, ...
    discount_rate: Sourced[float]  # project cash flows (real)
    equity_discount_rate: Sourced[float]
    tax_rate: Sourced[float]
    debt_rate: Sourced[float]
    debt_tenor_years: Sourced[int]
    dscr_target: Sourced[float]
    gearing_max: Sourced[float]
    shareholders: Sourced[dict[str, float]]
    extension_shareholders: Sourced[dict[str, float]] | None = None
    first_year: Sourced[int] | None = None  # calendar year of t = 0 (needed for year-by-year volumes)
    value_tariff_share: Sourced[float] | None = None  # value-based tariff: share of the goods' value per tonne
    lines: dict[str, LineSpec]

    @model_validator(mode="after")
    def _check(self) -> Bid:
        errs = []
        ph = self.construction_phasing.value
        if not ph or any(x < 0 for x in ph) or abs(sum(ph) - 1) > 1e-6:
            errs.append(f"construction_phasing must be non-negative shares summing to 1 (sum {sum(ph):g})")
        if self.term_years.value <= len(ph):
            errs.append("term_years must exceed the construction years (the term includes construction)")
        if self.extension_years.value < 0:
            errs.append("extension_years must be >= 0")
        for name in ("shareholders", "extension_shareholders"):
            s = getattr(self, name)
            if s is not None and (abs(sum(s.value.values()) - 1) > 1e-6 or min(s.value.values()) < 0):
                errs.append(f"{name} shares must be >= 0 and sum to 1")
        ops = self.total_years - len(ph)
        if not 1 <= self.debt_tenor_years.value <= ops:
            errs.append(f"debt_tenor_years must be between 1 and the operating years ({ops})")
        if not self.dscr_target.value >= 1:
            errs.append("dscr_target must be >= 1")
        if not 0 <= self.gearing_max.value < 1:
            errs.append("gearing_max must be in [0, 1)")
        if not 0 <= self.tax_rate.value < 1:
            errs.append("tax_rate must be in [0, 1)")
        for name in ("discount_rate", "equity_discount_rate", "debt_rate"):
            if not -0.5 < getattr(self, name).value < 1:
                errs.append(f"{name} must be a yearly rate in (-0.5, 1)")
        if not self.lines:
            errs.append("a bid needs at least one line")
        if errs:
            raise ValueError("; ".join(errs))
        return self

    @property
    def total_years(self) -> int:
        return self.term_years.value + self.extension_years.value

    @property
    def construction_years(self) -> int:
        return len(self.construction_phasing.value)

    def assumptions(self) -> list[str]:
        """Dotted paths of the inputs that are assumptions, with the stated reason."""
        return [f"{p}: {s.source}" for p, s in iter_sourced(self) if s.is_assumption]

    def sources(self) -> dict[str, str]:
        return {p: s.source for p, s in iter_sourced(self)}

    def with_line_values(self, field: str, values: Mapping[str, float], *, source: str) -> Bid:
        """A copy with one sourced field of the named lines replaced (``volume_per_yr``, ``tariff_usd_per_unit``)."""
        unknown = sorted(set(values) - set(self.lines))
        if unknown:
            raise NotFoundError(f"bid {self.name!r} has no line(s) {unknown}; lines: {sorted(self.lines)}")
        data = self.model_dump()
        for k, v in values.items():
            data["lines"][k][field] = {"value": float(v), "source": source}
        return Bid.model_validate(data)

    def with_volumes(self, volumes: Mapping[str, float], *, source: str) -> Bid:
        """A copy with line volumes replaced (e.g. by assignment flows, in the line's unit per year)."""
        return self.with_line_values("volume_per_yr", volumes, source=source)

    def with_tariffs(self, tariffs: Mapping[str, float], *, source: str) -> Bid:
        """A copy with line tariffs replaced (USD per the line's unit)."""
        return self.with_line_values("tariff_usd_per_unit", tariffs, source=source)


def _merge(base: Any, over: Any) -> Any:
    """Deep-merge ``over`` into ``base``; a ``{value, source}`` leaf or a list replaces what it overrides."""
    if isinstance(base, dict) and isinstance(over, dict) and "value" not in over:
        out = dict(base)
        for k, v in over.items():
            out[k] = _merge(base.get(k), v) if k in base else copy.deepcopy(v)
        return out
    return copy.deepcopy(over)


def bundled_bids_path() -> Path:
    return Path(str(resources.files("corridor.economics") / "data" / BUNDLED_BIDS))


def load_bids(path: str | Path | None = None, *, overrides: Mapping[str, Any] | None = None) -> list[Bid]:
    """Read bids from YAML: ``defaults`` (a full bid) and ``bids`` (each a name plus the fields it changes).

    ``overrides`` (same shape as a bid) are applied to every bid last (used by CLI flags).
    """
    p = Path(path) if path is not None else bundled_bids_path()
    data, node = load_yaml(p)
    if not isinstance(data, dict) or "bids" not in data:
        raise ValidationError([Problem("expected a mapping with 'defaults' and a list 'bids'", file=str(p), row=1)])
    defaults = data.get("defaults") or {}
    raw_bids = data["bids"]
    if not isinstance(raw_bids, list) or not raw_bids:
        raise ValidationError([Problem("'bids' must be a non-empty list", file=str(p), field="bids")])
    bids, problems = [], []
    for i, raw in enumerate(raw_bids):
        if not isinstance(raw, dict):
            problems.append(Problem("each bid must be a mapping", file=str(p), field=f"bids[{i}]"))
            continue
        merged = _merge(defaults, raw)
        if overrides:
            merged = _merge(merged, dict(overrides))
        try:
            bids.append(Bid.model_validate(merged))
        except PydanticValidationError as e:
            # locate each error in the bid entry if it set the field, else in the defaults
            for prob in problems_from_pydantic(e, file=str(p), node=node, loc_prefix=("bids", i)):
                problems.append(prob)
    names = [b.name for b in bids]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        problems.append(Problem(f"bid names must be unique; repeated: {dup}", file=str(p), field="bids"))
    if problems:
        raise ValidationError(problems)
    return bids


@dataclass(frozen=True)
class BidResult:
    """The evaluated bid: the yearly table, the loan and the headline measures."""

    bid: Bid
    table: pd.DataFrame
    debt: DebtSchedule
    metrics: dict[str, Any]
    assumptions: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Plain data: measures, the annual series and the assumptions (for JSON and the report)."""
        return {
            "name": self.bid.name,
            "description": self.bid.description,
            "metrics": self.metrics,
            "annual": self.table.to_dict(orient="list"),
            "assumptions": self.assumptions,
        }


def _ramp(ramp: list[float], n_ops: int) -> np.ndarray:
    r = np.asarray(ramp, dtype=float)
    return r[:n_ops] if r.size >= n_ops else np.concatenate([r, np.full(n_ops - r.size, r[-1])])


def line_volumes(bid: Bid, line: str, by_year: Mapping[int, float] | None = None) -> np.ndarray:
    """Volume of one line in each operating year, ramp-up applied (once, here).

    ``by_year`` (calendar year -> volume) gives modelled volumes: interpolated between the modelled years and held
    flat before the first and after the last; without it the line's stated ``volume_per_yr``."""
    spec = bid.lines[line]
    n_ops = bid.total_years - bid.construction_years
    if by_year:
        if bid.first_year is None:
            raise ValidationError([Problem("year-by-year volumes need the bid's first_year (calendar year of "
                                           "t = 0)", field=f"bids.{bid.name}.first_year")])
        years = bid.first_year.value + bid.construction_years + np.arange(n_ops)
        ys = sorted(by_year)
        base = np.interp(years, ys, [float(by_year[y]) for y in ys])
    else:
        base = np.full(n_ops, spec.volume_per_yr.value)
    return base * _ramp(spec.ramp_up.value, n_ops)


def evaluate_bid(bid: Bid, *, volumes: Mapping[str, float] | None = None, volume_source: str = "flows",
                 volumes_by_year: Mapping[str, Mapping[int, float]] | None = None,
                 tariffs: Mapping[str, float] | None = None, tariff_source: str = "tariff option") -> BidResult:
    """Run the yearly model of one bid. ``volumes`` (line name -> units/yr) replace the stated volumes;
    ``volumes_by_year`` (line -> calendar year -> units/yr) give each operating year its modelled volume
    (:func:`line_volumes`); ``tariffs`` (line -> USD/unit) replace the stated tariffs."""
    if volumes:
        bid = bid.with_volumes(volumes, source=volume_source)
    if tariffs:
        bid = bid.with_tariffs(tariffs, source=tariff_source)
    unknown = sorted(set(volumes_by_year or {}) - set(bid.lines))
    if unknown:
        raise NotFoundError(f"bid {bid.name!r} has no line(s) {unknown}; lines: {sorted(bid.lines)}")
    n = bid.total_years
    nc = bid.construction_years
    n_ops = n - nc
    years = np.arange(n)
    phasing = np.zeros(n)
    phasing[:nc] = bid.construction_phasing.value

    cols: dict[str, np.ndarray] = {}
    capex = np.zeros(n)
    revenue = np.zeros(n)
    opex = np.zeros(n)
    for name, line in bid.lines.items():
        c = line.capex_usd.value * phasing
        r = np.zeros(n)
        r[nc:] = line_volumes(bid, name, (volumes_by_year or {}).get(name)) * line.tariff_usd_per_unit.value
        o = np.zeros(n)
        o[nc:] = line.opex_usd_per_yr.value
        cols[f"revenue_{name}_usd"] = r
        capex += c
        revenue += r
        opex += o
    ebitda = revenue - opex
    total_capex = float(capex.sum())
    depreciation = np.zeros(n)
    depreciation[nc:] = total_capex / n_ops
    tax = bid.tax_rate.value * np.maximum(ebitda - depreciation, 0.0)
    cfads = ebitda - tax
    project_cf = cfads - capex

    # debt: sculpted over the tenor from the first operating year, capped by gearing
    tenor = bid.debt_tenor_years.value
    rate = bid.debt_rate.value
    debt = sculpted_debt(
        cfads[nc : nc + tenor], rate=rate, dscr=bid.dscr_target.value, max_amount_usd=bid.gearing_max.value * total_capex
    )
    draw = capex * (debt.amount_usd / total_capex if total_capex > 0 else 0.0)
    balance = np.zeros(n)
    interest = np.zeros(n)
    principal = np.zeros(n)
    bal = 0.0
    for t in range(nc):
        interest[t] = rate * bal
        bal += draw[t]
        balance[t] = bal
    interest[nc : nc + tenor] = debt.interest_usd
    principal[nc : nc + tenor] = debt.principal_usd
    balance[nc : nc + tenor] = debt.closing_usd
    service = np.zeros(n)
    service[nc : nc + tenor] = debt.service_usd
    dscr = np.full(n, np.nan)
    has_service = debt.service_usd > 0
    dscr[nc : nc + tenor][has_service] = cfads[nc : nc + tenor][has_service] / debt.service_usd[has_service]
    equity_cf = np.where(years < nc, -(capex - draw) - interest, cfads - service)

    table = pd.DataFrame(
        {
            "year": years,
            "phase": np.where(years < nc, "construction", np.where(years < bid.term_years.value, "term", "extension")),
            "capex_usd": capex,
            "revenue_usd": revenue,
            **cols,
            "opex_usd": opex,
            "ebitda_usd": ebitda,
            "tax_usd": tax,
            "cfads_usd": cfads,
            "project_cf_usd": project_cf,
            "debt_draw_usd": draw,
            "interest_usd": interest,
            "principal_usd": principal,
            "debt_service_usd": service,
            "debt_balance_usd": balance,
            "dscr": dscr,
            "equity_cf_usd": equity_cf,
        }
    )
    # shareholders: initial shares over the term, extension shares (if any) afterwards
    shares = {k: np.full(n, v) for k, v in bid.shareholders.value.items()}
    if bid.extension_shareholders is not None and bid.extension_years.value > 0:
        for k in set(shares) | set(bid.extension_shareholders.value):
            arr = shares.get(k, np.zeros(n))
            arr = arr.copy()
            arr[bid.term_years.value :] = bid.extension_shareholders.value.get(k, 0.0)
            shares[k] = arr
    for k, s in shares.items():
        table[f"equity_cf_{k}_usd"] = equity_cf * s

    proj_irr = cf.irr_roots(project_cf)
    eq_irr = cf.irr_roots(equity_cf)
    d_rate, e_rate = bid.discount_rate.value, bid.equity_discount_rate.value
    dscr_ops = dscr[nc : nc + tenor]
    metrics: dict[str, Any] = {
        "term_years": bid.term_years.value,
        "extension_years": bid.extension_years.value,
        "total_capex_usd": total_capex,
        "revenue_full_year_usd": float(revenue[-1]),
        "project_npv_usd": cf.npv(d_rate, project_cf),
        "project_irr": proj_irr.irr,
        "project_irr_status": proj_irr.status,
        "project_irr_roots": list(proj_irr.roots),
        "project_mirr": cf.mirr(project_cf, d_rate, d_rate),
        "equity_npv_usd": cf.npv(e_rate, equity_cf),
        "equity_irr": eq_irr.irr,
        "equity_irr_status": eq_irr.status,
        "equity_irr_roots": list(eq_irr.roots),
        "payback_years": cf.payback_years(project_cf),
        "discounted_payback_year": cf.discounted_payback_year(d_rate, project_cf),
        "debt_usd": debt.amount_usd,
        "gearing": debt.amount_usd / total_capex if total_capex > 0 else 0.0,
        "debt_sizing": debt.binding,
        "min_dscr": float(np.nanmin(dscr_ops)) if has_service.any() else None,
        "avg_dscr": float(np.nanmean(dscr_ops)) if has_service.any() else None,
        "llcr": cfads_cover(cfads[nc : nc + tenor], rate, debt.amount_usd),
        "plcr": cfads_cover(cfads[nc:], rate, debt.amount_usd),
        "negative_amortisation": debt.negative_amortisation,
        "shareholder_npv_usd": {k: cf.npv(e_rate, equity_cf * s) for k, s in shares.items()},
    }
    return BidResult(bid, table, debt, metrics, bid.assumptions())


def cfads_cover(cfads: np.ndarray, rate: float, debt_usd: float) -> float | None:
    """PV of ``cfads`` (first at t = 1) at ``rate`` over ``debt_usd``: LLCR over the tenor, PLCR over the life."""
    if debt_usd <= 0:
        return None
    return float(np.sum(cfads / (1.0 + rate) ** np.arange(1, cfads.size + 1)) / debt_usd)


def compare_bids(results: list[BidResult]) -> pd.DataFrame:
    """One row per bid with the headline measures."""
    keys = (
        "term_years", "extension_years", "total_capex_usd", "revenue_full_year_usd", "project_npv_usd",
        "project_irr", "project_irr_status", "equity_npv_usd", "equity_irr", "payback_years",
        "discounted_payback_year", "debt_usd", "gearing", "debt_sizing", "min_dscr", "avg_dscr", "llcr", "plcr",
    )
    return pd.DataFrame([{"bid": r.bid.name, **{k: r.metrics[k] for k in keys}} for r in results])


def bundled_finance_case(
    *, volumes: Mapping[str, float] | None = None, volume_source: str = "flows from assignment"
) -> dict[str, Any]:
    """Plain data for the report: the comparison of the bundled bids and each bid's summary and yearly series."""
    results = [evaluate_bid(b, volumes=volumes, volume_source=volume_source) for b in load_bids()]
    return {
        "source_file": BUNDLED_BIDS,
        "comparison": compare_bids(results).to_dict(orient="records"),
        "bids": [r.summary() for r in results],
    }
