"""Link-based algorithms: MSA, Frank–Wolfe, conjugate FW and bi-conjugate FW (Mitradjieva & Lindberg 2013).

All share one loop: times at the current flows, all-or-nothing (the gap's SPTT and the FW vertex ``y``), then a
direction ``s − x`` and a step. CFW/BFW build ``s`` from ``y`` and the previous one or two ``s`` so that the
directions are conjugate with respect to the Hessian ``diag(t'(x))`` of the Beckmann objective.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable

import numpy as np

from corridor._errors import NoRouteError
from corridor.assignment._native import _kernels, _vdf
from corridor.assignment.problem import AssignmentProblem
from corridor.assignment.result import AssignmentResult, ClassCosts, arc_derivs, arc_times, beckmann

LINK_BASED = ("msa", "fw", "cfw", "bfw")
_CONJ_MAX = 1.0 - 1e-6  # keep s^{k} from collapsing onto s^{k-1}


def aon(p: AssignmentProblem, t: np.ndarray, fixed: np.ndarray, *, load: bool = True):
    """All-or-nothing for every class at times ``t``: (flows classes × arcs, SPTT, O–D costs per class)."""
    y = np.zeros((len(p.classes), p.n_arcs))
    sp = np.empty((len(p.classes), p.n_zones, p.n_zones))
    sptt = 0.0
    for k, c in enumerate(p.classes):
        s, lost = _kernels.aon_load(p.indptr, p.head, p.tail, t + fixed[k], p.zone_nodes, c.demand,
                                    p.no_through_u8, load, y[k], sp[k])
        if lost > 0:
            bad = np.argwhere((c.demand > 0) & ~np.isfinite(sp[k]))
            o, d = bad[0]
            lab = p.node_labels if p.node_labels is not None else np.arange(p.n_nodes).astype(str)
            raise NoRouteError(
                f"class {c.name!r}: {lost:g} demand between {len(bad)} O-D pairs has no path "
                f"(first: {lab[p.zone_nodes[o]]} -> {lab[p.zone_nodes[d]]})"
            )
        sptt += s
    return y, sptt, sp


def _line_search(p, x, d_tot, const):
    """Step λ in [0, 1] minimising the Beckmann objective along d (bisection on its derivative)."""

    def g(lam):
        return _vdf.line_derivative(*p.vdf_arrays(), x, d_tot, lam) + const

    if g(0.0) >= 0.0:
        return 0.0
    if g(1.0) <= 0.0:
        return 1.0
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if g(mid) < 0.0:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-15:
            break
    return 0.5 * (lo + hi)


def run_link_based(
    p: AssignmentProblem,
    algorithm: str,
    *,
    gap: float,
    max_iter: int,
    callback: Callable[[dict], None] | None = None,
) -> AssignmentResult:
    start = _time.perf_counter()
    costs = ClassCosts.of(p)
    pce, fixed, fixed0 = costs.pce, costs.fixed, costs.fixed0
    t = arc_times(p, np.zeros(p.n_arcs))
    xc, _, _ = aon(p, t, fixed)
    s1 = s2 = None
    tau = 0.0
    restart = True
    rows: list[dict] = []
    converged = False
    g = np.inf
    for it in range(1, max_iter + 1):
        x = pce @ xc
        t = arc_times(p, x)
        y, sptt, _ = aon(p, t, fixed)
        tstt = costs.tstt(xc, t)
        g = (tstt - sptt) / tstt if tstt > 0 else 0.0
        row = {"iteration": it, "relative_gap": g, "beckmann": beckmann(p, xc, fixed), "tstt": tstt,
               "sptt": sptt, "step": np.nan, "direction": "", "seconds": _time.perf_counter() - start}
        if g <= gap:
            converged = True
            rows.append(row)
            if callback:
                callback(row)
            break
        if algorithm == "msa":
            s, lam, direction = y, 1.0 / (it + 1), "msa"
        else:
            direction = "fw"
            s = y
            if algorithm in ("cfw", "bfw") and not restart and s1 is not None:
                h = arc_derivs(p, x)
                yx = pce @ (y - xc)
                s1x = pce @ (s1 - xc)
                if algorithm == "bfw" and s2 is not None and tau < 1.0:
                    xb = pce @ (tau * s1 + (1.0 - tau) * s2 - xc)
                    mu_den = float(np.sum(xb * h * (pce @ (s2 - s1))))
                    mu = max(0.0, -float(np.sum(xb * h * yx)) / mu_den) if mu_den != 0.0 else 0.0
                    nu_den = float(np.sum(s1x * h * s1x))
                    nu = -float(np.sum(s1x * h * yx)) / nu_den + mu * tau / (1.0 - tau) if nu_den != 0.0 else 0.0
                    nu = max(0.0, nu)
                    b0 = 1.0 / (1.0 + mu + nu)
                    s = b0 * y + nu * b0 * s1 + mu * b0 * s2
                    direction = "bfw"
                else:
                    den = float(np.sum(s1x * h * (pce @ (y - s1))))
                    alpha = float(np.sum(s1x * h * yx)) / den if den != 0.0 else 0.0
                    alpha = min(max(alpha, 0.0), _CONJ_MAX)
                    s = alpha * s1 + (1.0 - alpha) * y
                    direction = "cfw"
            d = s - xc
            lam = _line_search(p, x, pce @ d, float(np.sum(fixed0 * d)))
            if lam == 0.0 and direction != "fw":  # not a descent direction: fall back to FW
                s, direction = y, "fw"
                d = s - xc
                lam = _line_search(p, x, pce @ d, float(np.sum(fixed0 * d)))
        xc = xc + lam * (s - xc)
        # a full step collapses the conjugate history; a vanishing conjugate step means the direction stalled
        restart = lam >= 1.0 - 1e-12 or (direction != "fw" and lam < 1e-6)
        s2, s1, tau = (s1 if direction == "bfw" or direction == "cfw" else None), s, lam
        row["step"], row["direction"] = lam, direction
        rows.append(row)
        if callback:
            callback(row)
    sptt = float(rows[-1]["sptt"])
    if not converged:  # the loop stopped after a step: measure the gap of the flows returned
        t = arc_times(p, pce @ xc)
        _, sptt, _ = aon(p, t, fixed, load=False)
        tstt = costs.tstt(xc, t)
        g = (tstt - sptt) / tstt if tstt > 0 else 0.0
    return AssignmentResult.build(p, algorithm, costs, xc, relative_gap=g, sptt=sptt, converged=converged,
                                  target_gap=gap, rows=rows, started=start)
