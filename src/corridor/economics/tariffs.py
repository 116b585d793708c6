"""Tariff options of a concession line: as stated in the bid, cost-based or value-based.

* ``cost``: the tariff that recovers the line's own capex and opex at the bid's discount rate before tax and
  financing, ``(PV capex + PV opex) / PV volume`` over the term (a levelised cost per unit);
* ``value``: the bid's ``value_tariff_share`` of the goods' value per tonne, with the goods' value of the trade
  model (``trade_parameters.yaml: value_usd_per_t``, one value shared by both); a truck carries the freight
  assumptions' payload.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np

from corridor._errors import Problem, ValidationError
from corridor.economics.finance import Bid, line_volumes

TariffOption = Literal["stated", "cost", "value"]
TARIFF_OPTIONS: tuple[str, ...] = ("stated", "cost", "value")


def cost_based_tariffs(bid: Bid, volumes_by_year: Mapping[str, Mapping[int, float]] | None = None) -> dict[str, float]:
    """Per line: the levelised cost per unit (USD) at the bid's discount rate; lines without volume are left out."""
    n, nc = bid.total_years, bid.construction_years
    rate = bid.discount_rate.value
    disc = (1.0 + rate) ** -np.arange(n)
    phasing = np.zeros(n)
    phasing[:nc] = bid.construction_phasing.value
    out = {}
    for name, line in bid.lines.items():
        vol = line_volumes(bid, name, (volumes_by_year or {}).get(name))
        pv_vol = float(np.sum(vol * disc[nc:]))
        if pv_vol <= 0:
            continue
        pv_cost = float(np.sum(line.capex_usd.value * phasing * disc)) + float(
            np.sum(line.opex_usd_per_yr.value * disc[nc:]))
        out[name] = pv_cost / pv_vol
    return out


def value_based_tariffs(bid: Bid, goods_value_usd_per_t: float, truck_payload_t: float) -> dict[str, float]:
    """Per freight line (unit ``t`` or ``truck``): the bid's value share of the goods carried per unit."""
    if bid.value_tariff_share is None:
        raise ValidationError([Problem("a value-based tariff needs the bid's value_tariff_share",
                                       field=f"bids.{bid.name}.value_tariff_share")])
    share = bid.value_tariff_share.value
    per_t = share * goods_value_usd_per_t
    return {name: per_t * (truck_payload_t if line.unit == "truck" else 1.0)
            for name, line in bid.lines.items() if line.unit in ("t", "truck")}


def tariffs_for(option: str, bid: Bid, volumes_by_year: Mapping[str, Mapping[int, float]] | None = None
                ) -> tuple[dict[str, float], str]:
    """The tariffs of ``option`` for ``bid`` and how they were set (empty for ``stated``)."""
    if option == "stated":
        return {}, "stated in the bid file"
    if option == "cost":
        return cost_based_tariffs(bid, volumes_by_year), (
            f"cost-based: levelised capex + opex per unit at {100 * bid.discount_rate.value:g} %")
    if option == "value":
        from corridor.assignment.freight import bundled_assumptions
        from corridor.economics.trade import load_parameters

        v = load_parameters().value_usd_per_t
        payload = bundled_assumptions().truck_payload_t.value
        return value_based_tariffs(bid, v.value, payload), (
            f"value-based: {100 * bid.value_tariff_share.value:g} % of {v.value:g} USD/t goods value "  # type: ignore[union-attr]
            f"({v.source})")
    raise ValidationError([Problem(f"unknown tariff option {option!r}; accepted: {', '.join(TARIFF_OPTIONS)}",
                                   field="--tariff")])


def modelled_volumes_by_year(corridor: str | None = None) -> dict[str, dict[int, float]]:
    """The bid lines' volumes in every modelled year of the corridor's study (default: the default spec), in
    each line's unit, as the study's finance takes them."""
    from corridor.study import DEFAULT_SPEC, load_spec, run_study

    fin = run_study(load_spec(corridor or DEFAULT_SPEC)).economics.finance
    if fin is None:
        raise ValidationError([Problem(f"corridor {corridor or DEFAULT_SPEC!r} has no finance section",
                                       field="--corridor")])
    return fin.by_year
