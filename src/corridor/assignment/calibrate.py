"""Calibration: fit base-year demand rows to observed counts (screenlines), each row kept inside its range.

With route choice held at an equilibrium, a screenline's modelled value is linear in the demand rows: the
fraction of each origin–destination cell's tonnes whose paths use the screenline (:mod:`.screenlines`) times the
rows' tonnes. The fit alternates an equilibrium (path-based, so path fractions are exact) with a bounded linear
least-squares step (``scipy.optimize.lsq_linear``) on row factors ``z = tonnes / prior`` within
``[low/prior, high/prior]``:

    minimise  Σ_s ((m_s(z) − o_s) / (σ_s o_s))²  +  λ Σ_r (z_r − 1)²

``σ_s`` is a screenline's relative uncertainty (half its low–high range, at least ``SIGMA_MIN``), ``λ`` a small
pull towards the prior tables. It stops when no factor moves by more than ``tol`` or after ``max_outer`` rounds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import lsq_linear

from corridor._errors import Problem, ValidationError
from corridor.assignment.corridor import CorridorAssignment, class_name
from corridor.assignment.freight import FreightAssumptions, bundled_assumptions
from corridor.assignment.screenlines import Screenline

#: relative uncertainty given to a screenline whose low and high equal its observed value
SIGMA_MIN = 0.05
#: pull of the row factors towards 1 (the prior tables)
LAMBDA = 0.02
#: the target: modelled within ±15 % of observed on screenlines above 1 Mt/yr
TARGET_REL = 0.15
TARGET_ABOVE_T = 1e6
#: freight modes whose border links the calibration table lists
BORDER_MODES = ("rail", "road", "ferry")

AssignFn = Callable[[pd.DataFrame], CorridorAssignment]


@dataclass(frozen=True, eq=False)
class Calibration:
    """The fitted demand, each screenline's observed and modelled values, every border crossing's flow."""

    demand: pd.DataFrame  # the rows with tonnes_per_yr fitted; prior_t and factor added
    screenlines: pd.DataFrame  # name, mode, unit, year, observed, low, high, prior, modelled, diff, within, target
    borders: pd.DataFrame  # link_id, name, mode, observed, unit, modelled (t/yr both ways), screenline
    iterations: list[dict] = field(default_factory=list)  # per round: max factor change, cost
    converged: bool = False
    assignment: CorridorAssignment | None = None

    @property
    def factors(self) -> pd.Series:
        """Row factor (fitted ÷ prior) by (origin, destination, cargo, modes)."""
        d = self.demand
        return pd.Series(d["factor"].to_numpy(), index=pd.MultiIndex.from_arrays(
            [d["origin"], d["destination"], d["cargo"], d["modes"]]))

    @property
    def within_target(self) -> bool:
        """Every screenline above 1 Mt/yr observed within ±15 %."""
        t = self.screenlines[self.screenlines["target"]]
        return bool(t["within"].all())

    def to_dict(self) -> dict:
        def records(df):
            return df.replace({np.nan: None}).to_dict(orient="records")

        rows = self.demand.drop(columns=["line"], errors="ignore").assign(
            modes=[";".join(m) for m in self.demand["modes"]])
        return {"screenlines": records(self.screenlines), "borders": records(self.borders),
                "rows": records(rows), "iterations": self.iterations, "converged": self.converged,
                "within_target": self.within_target}


def _check(lines: Sequence[Screenline], ca: CorridorAssignment, file: str) -> None:
    index = ca.freight.network.link_index
    modes = ca.freight.network.links["mode"].to_numpy(dtype=object)
    problems = []
    for s in lines:
        for lid in s.links:
            if lid not in index:
                problems.append(Problem(f"screenline {s.name!r}: link {lid!r} is not in the network", file=file,
                                        row=s.line, field="links", value=lid))
            elif s.mode and modes[index[lid]] != s.mode:
                problems.append(Problem(f"screenline {s.name!r}: link {lid!r} is {modes[index[lid]]}, not "
                                        f"{s.mode}", file=file, row=s.line, field="mode", value=s.mode))
    if ca.result.paths is None:
        problems.append(Problem("calibration needs path sets: use the path-based algorithm (gp)"))
    if problems:
        raise ValidationError(problems)


def incidence(ca: CorridorAssignment, lines: Sequence[Screenline]) -> tuple[np.ndarray, list[tuple]]:
    """``F[s, k]``: the share of O–D cell ``k``'s tonnes whose routes use screenline ``s`` (each route once), and
    the cells as (origin place, destination place, class name)."""
    fp, r = ca.freight, ca.result
    p, net, ps = fp.problem, fp.network, r.paths
    index = net.link_index
    from_node = net.links["from_node_id"].to_numpy(dtype=object)
    node_ids = net.nodes["node_id"].to_numpy(dtype=object)
    place_country = dict(zip(net.nodes["place"], net.nodes["country"], strict=False))
    wanted = []  # per screenline: {link index: direction}
    for s in lines:
        wanted.append({index[lid]: s.direction for lid in s.links})
    cells = [(fp.zones[ps.od_origin[k]], fp.zones[ps.od_dest[k]], p.classes[int(ps.od_class[k])].name)
             for k in range(len(ps))]
    F = np.zeros((len(lines), len(ps)))
    for k in range(len(ps)):
        o, d = cells[k][0], cells[k][1]
        co, cd = place_country.get(o), place_country.get(d)
        in_scope = []
        for s in lines:
            ok = not (s.transit_of and s.transit_of in (co, cd))
            if s.between:
                ok = ok and {co, cd} == set(s.between)
            in_scope.append(ok)
        total = 0.0
        for arcs, flow in ps.paths(k):
            if flow <= 0:
                continue
            total += flow
            li = p.arc_link[arcs]
            real = li < fp.n_links
            li, ta = li[real], p.tail[arcs][real]
            forward = node_ids[ta] == from_node[li]
            for si, want in enumerate(wanted):
                if not in_scope[si]:
                    continue
                for lk, fw in zip(li, forward, strict=True):
                    dirn = want.get(int(lk))
                    if dirn is not None and (dirn == "both" or (dirn == "forward") == bool(fw)):
                        F[si, k] += flow
                        break
        if total > 0:
            F[:, k] /= total
    return F, cells


def _row_matrix(demand: pd.DataFrame, cells: list[tuple]) -> np.ndarray:
    """``R[k, r] = 1`` when demand row ``r`` belongs to cell ``k`` (served rows only)."""
    cidx = {c: k for k, c in enumerate(cells)}
    R = np.zeros((len(cells), len(demand)))
    for r, rec in enumerate(demand.itertuples()):
        k = cidx.get((rec.origin_place, rec.destination_place, class_name(rec.cargo, rec.modes)))
        if k is not None:
            R[k, r] = 1.0
    return R


def _modelled(F: np.ndarray, R: np.ndarray, tonnes: np.ndarray) -> np.ndarray:
    return F @ (R @ tonnes)


def calibrate(demand: pd.DataFrame, lines: Sequence[Screenline], assign: AssignFn, *,
              assumptions: FreightAssumptions | None = None, max_outer: int = 12, tol: float = 1e-3,
              counts_file: str = "counts", progress: Callable[[str], None] | None = None) -> Calibration:
    """Fit ``demand`` (rows with ``low``/``high``) to ``lines``; ``assign(demand)`` solves the base-year
    equilibrium (path-based). Returns the fitted rows, the screenline table and every border crossing's flow."""
    a = assumptions or bundled_assumptions()
    payload = float(a.truck_payload_t.value)
    say = progress or (lambda _m: None)
    prior = demand["tonnes_per_yr"].to_numpy(dtype=float)
    lo = demand["low"].to_numpy(dtype=float) / prior
    hi = demand["high"].to_numpy(dtype=float) / prior
    fixed = hi - lo < 1e-12
    obs_t = np.array([s.to_tonnes(s.observed, payload) for s in lines])
    sigma = np.array([max((s.high - s.low) / (2 * s.observed), SIGMA_MIN) for s in lines])

    say("assigning the prior demand")
    ca0 = assign(demand)
    _check(lines, ca0, counts_file)
    places = _places(ca0)
    rows = demand.assign(origin_place=places(demand["origin"]), destination_place=places(demand["destination"]))
    F, cells = incidence(ca0, lines)
    R = _row_matrix(rows, cells)
    prior_model = _modelled(F, R, prior)
    z = np.ones(len(prior))
    ca, history, converged = ca0, [], False
    for it in range(1, max_outer + 1):
        A = (F @ R) * prior[None, :] / (obs_t * sigma)[:, None]
        b = 1.0 / sigma
        A_full = np.vstack([A, np.sqrt(LAMBDA) * np.eye(len(z))])
        b_full = np.concatenate([b, np.sqrt(LAMBDA) * np.ones(len(z))])
        free = ~fixed
        sol = lsq_linear(A_full[:, free], b_full - A_full[:, fixed] @ z[fixed], bounds=(lo[free], hi[free]),
                         method="bvls")
        z_new = z.copy()
        z_new[free] = sol.x
        step = float(np.max(np.abs(z_new - z))) if z.size else 0.0
        z = z_new
        history.append({"round": it, "max_factor_change": step, "cost": float(sol.cost)})
        say(f"calibration round {it}: largest factor change {step:.4f}")
        ca = assign(demand.assign(tonnes_per_yr=prior * z))
        F, cells = incidence(ca, lines)
        R = _row_matrix(rows, cells)
        if step < tol:
            converged = True
            break
    fitted_t = prior * z
    model = _modelled(F, R, fitted_t)
    sl = pd.DataFrame({
        "name": [s.name for s in lines], "mode": [s.mode for s in lines], "unit": [s.unit for s in lines],
        "year": [s.year for s in lines], "observed": [s.observed for s in lines],
        "low": [s.low for s in lines], "high": [s.high for s in lines],
        "prior": [s.from_tonnes(v, payload) for s, v in zip(lines, prior_model, strict=True)],
        "modelled": [s.from_tonnes(v, payload) for s, v in zip(lines, model, strict=True)],
        "source": [s.source for s in lines],
    })
    sl["diff"] = sl["modelled"] / sl["observed"] - 1.0
    sl["within"] = sl["diff"].abs() <= TARGET_REL + 1e-9
    sl["target"] = obs_t > TARGET_ABOVE_T
    fitted = demand.assign(prior_t=prior, tonnes_per_yr=fitted_t, factor=z)
    return Calibration(fitted, sl, border_table(ca, lines, payload), history, converged, ca)


def _places(ca: CorridorAssignment) -> Callable[[pd.Series], list[str]]:
    from corridor.routing import resolve_place

    net = ca.freight.network
    return lambda col: [resolve_place(net, v) for v in col]


def border_table(ca: CorridorAssignment, lines: Sequence[Screenline], payload: float) -> pd.DataFrame:
    """Every freight border crossing of the network (rail, road, ferry), open or not, with its modelled flow
    (t/yr, both directions) and the observed value of a screenline that is exactly that link."""
    net = ca.freight.network
    links = net.links
    flow = ca.links.groupby("link_id")["flow_t"].sum()
    is_open = (links["open"].astype(bool) if "open" in links.columns else pd.Series(True, index=links.index))
    single = {s.links[0]: s for s in lines if len(s.links) == 1 and not s.transit_of and not s.between
              and s.direction == "both"}
    sel = links[links["border"].astype(bool) & links["mode"].isin(BORDER_MODES)]
    rows = []
    for i, rec in zip(sel.index, sel.itertuples(), strict=True):
        s = single.get(rec.link_id)
        rows.append({"link_id": rec.link_id, "name": rec.name, "mode": rec.mode,
                     "open": bool(is_open.loc[i]),
                     "modelled_t": float(flow.get(rec.link_id, 0.0)),
                     "observed_t": None if s is None else s.to_tonnes(s.observed, payload),
                     "screenline": None if s is None else s.name})
    return pd.DataFrame(rows, columns=["link_id", "name", "mode", "open", "modelled_t", "observed_t", "screenline"])
