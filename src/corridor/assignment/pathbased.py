"""Path-based gradient projection driver: converges to relative gaps of 1e-8 and below.

Start: every O–D pair is loaded on its shortest path, batch of origins by batch at the then-current costs.
Each iteration then either (a) generates columns Gauss–Seidel style: trees for a batch of (class, origin)
groups in parallel, then each pair gets its current shortest path and one projected Newton step; the excess
cost met on the way estimates the gap; or (b), once that estimate is within ``CHECK`` × the target, builds
every tree at the current flows (in parallel, flows untouched): these give the exact relative gap, used for
the stop test and reported (``gap_exact``), and their paths become the iteration's columns. ``INNER``
Gauss–Seidel sweeps over the path sets (cheap: no trees) follow. The final gap is always an exact one.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import get_num_threads, parallel_chunksize

from corridor.assignment import _kernels, _paths
from corridor.assignment.linkbased import aon
from corridor.assignment.problem import AssignmentProblem
from corridor.assignment.result import AssignmentResult, arc_derivs, arc_times, beckmann


@dataclass(frozen=True, eq=False)
class PathSet:
    """The used paths of a path-based solution (arc indices in CSR order)."""

    od_class: np.ndarray
    od_origin: np.ndarray  # zone index
    od_dest: np.ndarray  # zone index
    od_first: np.ndarray
    p_next: np.ndarray
    p_start: np.ndarray
    p_len: np.ndarray
    p_flow: np.ndarray
    pool: np.ndarray

    def paths(self, k: int) -> list[tuple[np.ndarray, float]]:
        """(arcs, flow) of every path of O–D record ``k``."""
        out = []
        r = int(self.od_first[k])
        while r != -1:
            out.append((self.pool[self.p_start[r] : self.p_start[r] + self.p_len[r]].copy(), float(self.p_flow[r])))
            r = int(self.p_next[r])
        return out

    def __len__(self) -> int:
        return len(self.od_first)


def _od_structure(p: AssignmentProblem):
    """Groups (class, origin) and their O–D pairs with positive demand (intrazonal left out)."""
    grp_class, grp_origin, grp_ptr = [], [], [0]
    od_class, od_o, od_d, od_dem = [], [], [], []
    zn = p.zone_nodes
    for c, cls in enumerate(p.classes):
        for i in range(p.n_zones):
            row = cls.demand[i]
            js = np.flatnonzero((row > 0) & (zn != zn[i]))
            if js.size == 0:
                continue
            grp_class.append(c)
            grp_origin.append(zn[i])
            od_class.append(np.full(js.size, c, dtype=np.int32))
            od_o.append(np.full(js.size, i, dtype=np.int32))
            od_d.append(js.astype(np.int32))
            od_dem.append(row[js])
            grp_ptr.append(grp_ptr[-1] + js.size)
    cat = lambda v, dt: np.concatenate(v).astype(dt, copy=False) if v else np.zeros(0, dt)  # noqa: E731
    od_d_arr = cat(od_d, np.int32)
    return (np.asarray(grp_class, dtype=np.int32), np.asarray(grp_origin, dtype=np.int32),
            np.asarray(grp_ptr, dtype=np.int64), cat(od_class, np.int32), cat(od_o, np.int32), od_d_arr,
            zn[od_d_arr].astype(np.int32), cat(od_dem, np.float64))


#: (class, origin) groups per thread whose trees are built together (in parallel) before their pairs are
#: loaded and equilibrated: the trees then see the costs of their batch's start. That costs little while the
#: gap is large (> LOOSE); the first loading uses smaller batches (a rough start slows the tail) and the tail
#: one group per thread (close to origin-by-origin Gauss–Seidel)
INIT_BATCH, SHIFT_BATCH, TAIL_BATCH, LOOSE = 4, 8, 1, 1e-3
#: groups per batch when the trees only measure the gap and add columns (flows unchanged)
GAP_BATCH = 16
#: measure the exact gap once the estimate from column generation is below CHECK × target
CHECK = 5.0
#: Gauss–Seidel sweeps over the path sets after each column generation
INNER = 3


def run_path_based(
    p: AssignmentProblem,
    *,
    gap: float,
    max_iter: int,
    callback: Callable[[dict], None] | None = None,
) -> AssignmentResult:
    start = _time.perf_counter()
    pce = np.array([c.pce for c in p.classes])
    fixed = p.fixed_costs()
    fixed0 = np.where(np.isfinite(fixed), fixed, 0.0)
    m, n = p.n_arcs, p.n_nodes
    x = np.zeros(m)
    t = arc_times(p, x)
    dt = arc_derivs(p, x)
    grp_class, grp_origin, grp_ptr, od_class, od_o, od_d, od_dest, od_dem = _od_structure(p)
    n_od, n_grp = len(od_dem), len(grp_class)
    cap_rec = max(n_od + n_od // 4, 16)  # grows by half when full
    p_next = np.full(cap_rec, -1, dtype=np.int32)
    p_start = np.zeros(cap_rec, dtype=np.int64)
    p_len = np.zeros(cap_rec, dtype=np.int32)
    p_flow = np.zeros(cap_rec)
    free_rec = np.zeros(cap_rec, dtype=np.int32)
    pool = np.zeros(max(8 * n_od, 64), dtype=np.int32 if m < 2**31 else np.int64)
    od_first = np.full(n_od, -1, dtype=np.int32)
    cnt = np.zeros(5, dtype=np.int64)
    xc = np.zeros((len(p.classes), m))
    mark = np.zeros(m, dtype=np.int64)
    n_lanes = get_num_threads()
    dist, _, order, hk, hn, pos, target = _kernels.lanes(n_lanes, n)
    preds = np.empty((max(1, min(GAP_BATCH, n_grp)), n), dtype=np.int32)
    od_sp = np.empty(n_od)
    buf = np.empty(n, dtype=np.int64)
    cost = np.empty((len(p.classes), m))

    def tree_pass(shift: bool, estimate: float | None = None) -> tuple[float, float]:
        """Column generation over every group: (demand without a path, excess). With ``shift`` pairs are
        equilibrated as they go (Gauss–Seidel; each batch's trees at the costs of its start) and the excess
        estimates TSTT − SPTT; without it flows stay put and ``od_sp`` holds the exact shortest costs."""
        nonlocal p_next, p_start, p_len, p_flow, pool, free_rec
        lost = excess = 0.0
        per = INIT_BATCH if estimate is None else SHIFT_BATCH if estimate > LOOSE else TAIL_BATCH
        step = per * n_lanes if shift else preds.shape[0]
        for g0 in range(0, n_grp, step):
            g1 = min(n_grp, g0 + step)
            if shift or g0 == 0:
                np.add(t, fixed, out=cost)
            with parallel_chunksize(1):
                _paths.trees_batch(p.indptr, p.head, cost, grp_class, grp_origin, grp_ptr, od_dest, p.no_through,
                                   g0, g1, dist, preds, order, hk, hn, pos, target, od_sp)
            p_next, p_start, p_len, p_flow, pool, free_rec, lost_b, excess_b = _paths.colgen_batch(
                p.tail, p.vdf, p.free_flow_time, p.capacity, p.alpha, p.beta, fixed, pce, grp_class, grp_origin,
                grp_ptr, od_dest, od_dem, od_first, p_next, p_start, p_len, p_flow, pool, free_rec, cnt, x, xc,
                t, dt, mark, g0, g1, preds, od_sp, shift, buf,
            )
            lost += lost_b
            excess += excess_b
        return lost, excess

    if tree_pass(True)[0] > 0:  # initial loading; demand without a path: let aon name the pair
        aon(p, t, fixed, load=False)
    rows: list[dict] = []
    converged = False
    g = estimate = np.inf
    sptt = tstt = 0.0
    for it in range(1, max_iter + 1):
        _paths.path_flows_jit(od_class, od_first, p_next, p_start, p_len, p_flow, pool, xc)
        x[:] = pce @ xc
        t[:] = arc_times(p, x)
        dt[:] = arc_derivs(p, x)
        tstt = float(np.sum(xc * (t[None, :] + fixed0)))
        exact = estimate <= CHECK * gap or it == max_iter
        if exact:
            tree_pass(False)
            sptt = float(od_dem @ od_sp)
            g = (tstt - sptt) / tstt if tstt > 0 else 0.0
        else:  # the estimate comes from this iteration's column generation below
            _, excess = tree_pass(True, estimate)
            estimate = excess / tstt if tstt > 0 else 0.0
        row = {"iteration": it, "relative_gap": g if exact else estimate, "gap_exact": exact,
               "beckmann": beckmann(p, xc, fixed), "tstt": tstt, "sptt": sptt if exact else np.nan, "step": np.nan,
               "direction": "gp", "paths": int(cnt[0] - cnt[2]), "seconds": _time.perf_counter() - start}
        rows.append(row)
        if callback:
            callback(row)
        if exact and g <= gap:
            converged = True
            break
        if it == max_iter:
            break
        if exact:  # the gap's trees already added this iteration's columns (at the current costs)
            estimate = g
        for _ in range(INNER):
            _paths.gp_sweep_jit(p.vdf, p.free_flow_time, p.capacity, p.alpha, p.beta, fixed, pce, od_class, od_dem,
                                od_first, p_next, p_start, p_len, p_flow, pool, free_rec, cnt, x, xc, t, dt, mark)
        if cnt[3] > cnt[1] // 2:
            pool = _paths.compact_jit(od_first, p_next, p_start, p_len, pool, cnt)
    paths = PathSet(od_class, od_o, od_d, od_first, p_next, p_start, p_len, p_flow, pool)
    return AssignmentResult(
        problem=p,
        algorithm="gp",
        class_flow=xc,
        flow=x,
        time=t,
        relative_gap=float(g),
        beckmann=beckmann(p, xc, fixed),
        tstt=tstt,
        sptt=float(sptt),
        total_time=float(np.sum(xc * t[None, :])),
        converged=converged,
        target_gap=gap,
        iterations=pd.DataFrame(rows),
        seconds=_time.perf_counter() - start,
        paths=paths,
    )
