"""Economic appraisal of a corridor project: ENPV, EIRR and benefit-cost ratio, year by year.

Method (EU Guide to Cost-Benefit Analysis of Investment Projects, DG REGIO 2014, facts[138]; World Bank practice):

* costs at economic prices: capex by construction year and yearly opex, each times its conversion factor;
* user benefits per cargo class and year by the rule of a half, ``½ (T0 + T1) (c0 - c1)`` with ``c`` the
  generalised cost per tonne without (0) and with (1) the project: existing tonnes get the whole saving, generated
  tonnes half of it. The saving is split into time (value of time x hours), money (USD per tonne) and reliability
  (``reliability_ratio`` x the time saving). Tolls are a transfer: the users' toll saving is offset by the toll
  owners' revenue change, so the money benefit is a resource-cost saving;
* generated traffic: ``T1 = T0 (c1 / c0) ** -elasticity`` when the demand is otherwise fixed;
* external costs: CO2 per tonne-km by mode (facts[136]) at a carbon price. Air pollutants are left out: no sourced
  per-tonne-km factor for the region was found (see docs/economics.md);
* residual value in the last year: the straight-line remaining share of the investment's economic life;
* ramp-up applied once, here, to the modelled flows of the opening years; between modelled years flows are
  interpolated linearly, after the last one they are held flat.

``values[0]`` of every series falls in ``first_year`` (t = 0, not discounted), as in :mod:`~corridor.economics.cashflow`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, model_validator

from corridor._errors import Problem, ValidationError
from corridor.economics import cashflow as cf
from corridor.sourced import Sourced, load_yaml, problems_from_pydantic

APPRAISAL_FILE = "appraisal.yaml"


#: a figure of the appraisal: a :class:`~corridor.sourced.Sourced` number (or list, e.g. a phasing), ranged when
#: uncertain
Figure = Sourced[float | list[float]]


class AppraisalInputs(BaseModel):
    """Everything the appraisal needs besides the modelled flows (``data/appraisal.yaml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    discount_rate: Figure
    first_year: Figure
    opening_year: Figure
    horizon_years: Figure
    capex_usd: Figure
    capex_phasing: Figure
    opex_share_of_capex_per_yr: Figure
    conversion_factor_capex: Figure
    conversion_factor_opex: Figure
    asset_life_years: Figure
    value_of_time_factor: Figure
    reliability_ratio: Figure
    generated_traffic_elasticity: Figure
    ramp_up: Figure
    co2_g_per_tkm: dict[str, Figure]
    co2_price_usd_per_t: Figure

    @model_validator(mode="after")
    def _check(self) -> AppraisalInputs:
        errs = []
        ph = self.capex_phasing.value
        if not isinstance(ph, list) or not ph or abs(sum(ph) - 1) > 1e-6 or min(ph) < 0:
            errs.append("capex_phasing must be a list of non-negative shares summing to 1")
        if not isinstance(self.ramp_up.value, list) or not self.ramp_up.value:
            errs.append("ramp_up must be a non-empty list of shares")
        if self.opening_year.value < self.first_year.value:  # type: ignore[operator]
            errs.append("opening_year must not be before first_year")
        if not 1 <= self.horizon_years.value <= 100:  # type: ignore[operator]
            errs.append("horizon_years must be between 1 and 100")
        if errs:
            raise ValueError("; ".join(errs))
        return self

    def ranged(self) -> dict[str, Figure]:
        """The inputs with a range, by dotted name (``co2_g_per_tkm.road``)."""
        out = {n: getattr(self, n) for n in type(self).model_fields if isinstance(getattr(self, n), Sourced)}
        out.update({f"co2_g_per_tkm.{m}": f for m, f in self.co2_g_per_tkm.items()})
        return {n: f for n, f in out.items() if f.has_range}

    def central(self) -> dict[str, float]:
        return {n: float(f.value) for n, f in self.ranged().items()}  # type: ignore[arg-type]

    def with_values(self, values: Mapping[str, float]) -> AppraisalInputs:
        """A copy with the named ranged inputs set (one Monte Carlo draw)."""
        data = self.model_dump()
        for name, v in values.items():
            parts = name.split(".")
            node = data
            for p in parts[:-1]:
                node = node[p]
            if parts[-1] not in node:
                raise ValidationError(f"unknown appraisal input {name!r}; ranged: {', '.join(self.ranged())}")
            node[parts[-1]]["value"] = float(v)
            node[parts[-1]]["low"] = node[parts[-1]]["high"] = None
            node[parts[-1]]["distribution"] = None
        return AppraisalInputs.model_validate(data)


def bundled_inputs_path() -> Path:
    return Path(str(resources.files("corridor.economics") / "data" / APPRAISAL_FILE))


def load_inputs(path: str | Path | None = None) -> AppraisalInputs:
    """Read appraisal inputs (default: the bundled file); errors name file, line and field."""
    p = Path(path) if path is not None else bundled_inputs_path()
    data, node = load_yaml(p)
    try:
        return AppraisalInputs.model_validate(data)
    except Exception as e:  # pydantic.ValidationError
        if hasattr(e, "errors"):
            raise ValidationError(problems_from_pydantic(e, file=str(p), node=node)) from None  # type: ignore[arg-type]
        raise


# ---- flows ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClassFlows:
    """One cargo class in one modelled year, without (0) and with (1) the project: tonnes assigned, and their
    total hours and money (USD) over the network; value of time in USD per tonne-hour."""

    year: int
    cargo: str
    tonnes_0: float
    tonnes_1: float
    hours_0: float
    hours_1: float
    money_usd_0: float
    money_usd_1: float
    vot_usd_per_t_h: float
    toll_usd_0: float = 0.0  # the part of money that is tolls (a transfer to the toll owner, not a resource cost)
    toll_usd_1: float = 0.0


@dataclass(frozen=True)
class AppraisalFlows:
    """The modelled years' flows that the appraisal values (from the freight assignment of both scenarios)."""

    classes: tuple[ClassFlows, ...]
    tkm_0: dict[int, dict[str, float]]  # year -> mode -> tonne-km without the project
    tkm_1: dict[int, dict[str, float]]  # year -> mode -> tonne-km with the project
    corridor_t: dict[int, float] = field(default_factory=dict)  # year -> tonnes on the project's links

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(sorted({c.year for c in self.classes}))


def rule_of_a_half(t0: np.ndarray | float, t1: np.ndarray | float, c0: np.ndarray | float,
                   c1: np.ndarray | float) -> np.ndarray:
    """User benefit ``½ (T0 + T1)(c0 - c1)``: existing users the whole saving, generated (or lost) users half."""
    return 0.5 * (np.asarray(t0, float) + np.asarray(t1, float)) * (np.asarray(c0, float) - np.asarray(c1, float))


def _year_benefits(flows: AppraisalFlows, inp: AppraisalInputs) -> pd.DataFrame:
    """Per modelled year: time, money, reliability benefits (USD/yr), CO2 change (t/yr) and corridor tonnes."""
    vf = float(inp.value_of_time_factor.value)  # type: ignore[arg-type]
    rr = float(inp.reliability_ratio.value)  # type: ignore[arg-type]
    el = float(inp.generated_traffic_elasticity.value)  # type: ignore[arg-type]
    rows = []
    for y in flows.years:
        time_b = money_b = 0.0
        for c in (c for c in flows.classes if c.year == y):
            if c.tonnes_0 <= 0 or c.tonnes_1 <= 0:
                continue  # newly served or lost classes have no cost on one side: no rule-of-a-half value
            vot = c.vot_usd_per_t_h * vf
            h0, h1 = c.hours_0 / c.tonnes_0, c.hours_1 / c.tonnes_1
            m0, m1 = c.money_usd_0 / c.tonnes_0, c.money_usd_1 / c.tonnes_1
            g0, g1 = vot * h0 + m0, vot * h1 + m1
            t1 = c.tonnes_1 * (g1 / g0) ** -el if el and g0 > 0 and g1 > 0 else c.tonnes_1
            time_b += float(rule_of_a_half(c.tonnes_0, t1, vot * h0, vot * h1))
            # users perceive tolls; the toll owners' revenue change offsets them (a transfer, EU CBA guide 2014)
            money_b += float(rule_of_a_half(c.tonnes_0, t1, m0, m1))
            money_b += c.toll_usd_1 / c.tonnes_1 * t1 - c.toll_usd_0
        # in sorted order: the sum must not depend on the process's string hashing (a sweep's workers and the
        # plain loop give the same figures)
        modes = sorted(set(flows.tkm_0.get(y, {})) | set(flows.tkm_1.get(y, {})))
        co2_t = 0.0
        for m in modes:
            fct = inp.co2_g_per_tkm.get(m)
            d = flows.tkm_1.get(y, {}).get(m, 0.0) - flows.tkm_0.get(y, {}).get(m, 0.0)
            if fct is not None:
                co2_t += d * float(fct.value) / 1e6  # type: ignore[arg-type]
        rows.append({"year": y, "time_usd": time_b, "money_usd": money_b, "reliability_usd": rr * time_b,
                     "co2_t": co2_t, "corridor_t": flows.corridor_t.get(y, np.nan)})
    return pd.DataFrame(rows)


def _interpolate(modelled: pd.DataFrame, years: np.ndarray, col: str) -> np.ndarray:
    x = modelled["year"].to_numpy(float)
    return np.interp(years, x, modelled[col].to_numpy(float))  # flat beyond the first/last modelled year


@dataclass(frozen=True)
class Appraisal:
    """The economic appraisal: yearly table (USD at economic prices) and the headline measures."""

    table: pd.DataFrame
    enpv_usd: float
    eirr: float | None
    eirr_status: str
    bcr: float | None
    discount_rate: float
    co2_t_total: float
    co2_pv_usd: float
    notes: tuple[str, ...] = ()

    def summary(self) -> dict[str, Any]:
        t = self.table
        return {
            "enpv_usd": self.enpv_usd, "eirr": self.eirr, "eirr_status": self.eirr_status, "bcr": self.bcr,
            "discount_rate": self.discount_rate,
            "co2_t_per_yr_full_operation": float(t["co2_t"].iloc[-1]),
            "co2_t_total": self.co2_t_total, "co2_pv_usd": self.co2_pv_usd,
            "pv_benefits_usd": float(cf.npv(self.discount_rate, t["benefits_usd"])),
            "pv_costs_usd": float(cf.npv(self.discount_rate, t["costs_usd"])),
            "first_year": int(t["year"].iloc[0]), "last_year": int(t["year"].iloc[-1]),
            "air_pollutants": "not counted: no sourced per-tonne-km factors for the region",
            "notes": list(self.notes),
            "annual": t.to_dict(orient="list"),
        }


def measures(rate: float, benefits: np.ndarray, costs: np.ndarray) -> tuple[float, float | None, str, float | None]:
    """ENPV, EIRR (when unique), its status and the benefit-cost ratio PV(benefits) / PV(costs)."""
    net = np.asarray(benefits, float) - np.asarray(costs, float)
    enpv = cf.npv(rate, net)
    roots = cf.irr_roots(net)
    pvc = cf.npv(rate, costs)
    bcr = cf.npv(rate, benefits) / pvc if pvc > 0 else None
    return enpv, roots.irr, roots.status, bcr


def appraise(flows: AppraisalFlows, inputs: AppraisalInputs | None = None) -> Appraisal:
    """Year-by-year economic cash flow of the project and its ENPV, EIRR and BCR (see the module docstring)."""
    inp = inputs or load_inputs()
    if not flows.classes:
        raise ValidationError([Problem("no modelled flows to appraise", field="flows")])
    y0, yo = int(inp.first_year.value), int(inp.opening_year.value)  # type: ignore[arg-type]
    n = int(inp.horizon_years.value)  # type: ignore[arg-type]
    years = np.arange(y0, y0 + n)
    rate = float(inp.discount_rate.value)  # type: ignore[arg-type]
    capex = float(inp.capex_usd.value) * float(inp.conversion_factor_capex.value)  # type: ignore[arg-type]
    phasing = np.zeros(n)
    ph = np.asarray(inp.capex_phasing.value, float)
    phasing[: min(len(ph), n)] = ph[:n]
    capex_y = capex * phasing
    ops = years >= yo
    opex_y = np.where(ops, float(inp.capex_usd.value) * float(inp.opex_share_of_capex_per_yr.value)  # type: ignore[arg-type]
                      * float(inp.conversion_factor_opex.value), 0.0)  # type: ignore[arg-type]
    ramp = np.zeros(n)
    r = np.asarray(inp.ramp_up.value, float)
    k = np.flatnonzero(ops)
    ramp[k] = np.concatenate([r, np.full(max(0, len(k) - len(r)), r[-1])])[: len(k)]

    modelled = _year_benefits(flows, inp)
    cols = {c: _interpolate(modelled, years, c) * ramp for c in ("time_usd", "money_usd", "reliability_usd", "co2_t")}
    corridor_t = _interpolate(modelled.fillna(0.0), years, "corridor_t") * ramp
    co2_price = float(inp.co2_price_usd_per_t.value)  # type: ignore[arg-type]
    co2_usd = -cols["co2_t"] * co2_price  # a fall in CO2 (negative change) is a benefit
    life = float(inp.asset_life_years.value)  # type: ignore[arg-type]
    used = float(ops.sum())
    residual = np.zeros(n)
    residual[-1] = capex * max(0.0, 1.0 - used / life)
    benefits = cols["time_usd"] + cols["money_usd"] + cols["reliability_usd"] + co2_usd + residual
    costs = capex_y + opex_y
    enpv, eirr, status, bcr = measures(rate, benefits, costs)
    table = pd.DataFrame({
        "year": years, "ramp_up": ramp, "corridor_t": corridor_t, "capex_usd": capex_y, "opex_usd": opex_y,
        "time_savings_usd": cols["time_usd"], "money_savings_usd": cols["money_usd"],
        "reliability_usd": cols["reliability_usd"], "co2_t": cols["co2_t"], "co2_usd": co2_usd,
        "residual_value_usd": residual, "benefits_usd": benefits, "costs_usd": costs,
        "net_usd": benefits - costs,
    })
    notes = [f"flows modelled in {', '.join(map(str, flows.years))}; interpolated between, held flat after "
             f"{max(flows.years)}", "air pollutants not counted (no sourced factors)"]
    skipped = sorted({c.cargo for c in flows.classes if (c.tonnes_0 <= 0) != (c.tonnes_1 <= 0)})
    if skipped:
        notes.append(f"classes served in one scenario only, not valued: {', '.join(skipped)}")
    disc = (1 + rate) ** -np.arange(n)
    return Appraisal(table, enpv, eirr, status, bcr, rate, float(cols["co2_t"].sum()),
                     float(np.sum(co2_usd * disc)), tuple(notes))
