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

from corridor.assignment._native import _kernels, _paths
from corridor.assignment.linkbased import aon
from corridor.assignment.problem import AssignmentProblem
from corridor.assignment.result import AssignmentResult, ClassCosts, arc_derivs, arc_times, beckmann


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

    def flat(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every path of the records, in the order of :meth:`paths` over ``k``, as whole arrays: (path rows,
        their O–D record, each arc's position in ``pool`` and each arc's index into the path rows), for
        vectorised sums over paths."""
        rows, ods = [], []
        nxt, first = self.p_next.tolist(), self.od_first.tolist()
        for k, r in enumerate(first):
            while r != -1:
                rows.append(r)
                ods.append(k)
                r = nxt[r]
        rows_a = np.asarray(rows, dtype=np.int64)
        lens = self.p_len[rows_a].astype(np.int64)
        owner = np.repeat(np.arange(rows_a.size, dtype=np.int64), lens)
        offset = np.arange(owner.size, dtype=np.int64) - np.repeat(np.cumsum(lens) - lens, lens)
        return rows_a, np.asarray(ods, dtype=np.int64), self.p_start[rows_a].astype(np.int64)[owner] + offset, owner


#: classes × zones² up to which :func:`_od_structure` stacks the classes' demand (one pass instead of one per class)
_STACK_MAX = 1 << 20


def _od_structure(p: AssignmentProblem):
    """Groups (class, origin) and their O–D pairs with positive demand (intrazonal left out), pairs ordered by
    class, origin, destination; built whole-array (no per-origin temporaries left behind in the heap). Computed
    once per problem (read-only arrays)."""
    return p.cached("od_structure", _make_od_structure)


def _make_od_structure(p: AssignmentProblem):
    zn = p.zone_nodes
    other = zn[:, None] != zn[None, :]
    if len(p.classes) > 1 and len(p.classes) * other.size <= _STACK_MAX:  # small: all classes at once
        dem = np.stack([cls.demand for cls in p.classes])
        flat = np.flatnonzero((dem > 0) & other)  # C order: by class, origin, destination (np.nonzero's, faster)
        z = zn.size
        od_class, od_o, od_d = (flat // (z * z)).astype(np.int32), (flat // z % z).astype(np.int32), \
            (flat % z).astype(np.int32)
        od_dem = dem.ravel()[flat]
    else:
        parts = []
        for c, cls in enumerate(p.classes):
            o, d = np.nonzero((cls.demand > 0) & other)
            parts.append((np.full(o.size, c, dtype=np.int32), o.astype(np.int32), d.astype(np.int32),
                          cls.demand[o, d]))
        od_class, od_o, od_d, od_dem = (np.concatenate(v) for v in zip(*parts, strict=True))
    # a group starts wherever the (class, origin) pair changes
    starts = np.flatnonzero(np.r_[True, (np.diff(od_class) != 0) | (np.diff(od_o) != 0)]) if od_o.size else \
        np.zeros(0, np.int64)
    grp_ptr = np.append(starts, od_o.size).astype(np.int64)
    return (od_class[starts], zn[od_o[starts]].astype(np.int32), grp_ptr, od_class, od_o, od_d,
            zn[od_d].astype(np.int32), od_dem.astype(np.float64, copy=False))


#: (class, origin) groups per thread whose trees are built together (in parallel) before their pairs are
#: loaded and equilibrated: the trees then see the costs of their batch's start. That costs little while the
#: gap is large (> LOOSE); the first loading uses smaller batches (a rough start slows the tail) and the tail
#: one group per thread (close to origin-by-origin Gauss–Seidel)
INIT_BATCH, SHIFT_BATCH, TAIL_BATCH, LOOSE = 4, 8, 1, 1e-3
#: groups per batch when the trees only measure the gap and add columns (flows unchanged)
GAP_BATCH = 16
#: measure the exact gap once the estimate from column generation is below CHECK × target
CHECK = 5.0
#: Gauss–Seidel sweeps over the path sets after each column generation. Sweeps are cheap (no trees): 12 instead
#: of 3 took ChicagoSketch to 1e-8 in 12 iterations instead of 21 (0.94 → 0.52 s CPU) and Berlin-Center to 1e-6
#: in 7 instead of 11 (2.6 → 1.8 s), with the same 7 and 4 iterations to 1e-4 (CPU time, 2026-12-01, load 4–7)
INNER = 12


def run_path_based(
    p: AssignmentProblem,
    *,
    gap: float,
    max_iter: int,
    callback: Callable[[dict], None] | None = None,
) -> AssignmentResult:
    start = _time.perf_counter()
    costs = ClassCosts.of(p)
    pce, fixed = costs.pce, costs.fixed
    m, n = p.n_arcs, p.n_nodes
    x = np.zeros(m)
    t = arc_times(p, x)
    dt = arc_derivs(p, x)
    grp_class, grp_origin, grp_ptr, od_class, od_o, od_d, od_dest, od_dem = _od_structure(p)
    n_od, n_grp = len(od_dem), len(grp_class)
    store = _paths.PathStore(n_od, m)
    xc = np.zeros((len(p.classes), m))
    state = (*p.vdf_arrays(), x, xc, t, dt)  # the link state the kernels update in place
    lane_arrays = _kernels.lanes(_kernels.n_threads(), n)
    preds = np.empty((max(1, min(GAP_BATCH, n_grp)), n), dtype=np.int32)
    od_sp = np.empty(n_od)
    cost = np.empty((len(p.classes), m))
    no_through = p.no_through_u8

    def tree_pass(shift: bool, estimate: float | None = None) -> tuple[float, float]:
        """Column generation over every group: (demand without a path, excess). With ``shift`` pairs are
        equilibrated as they go (Gauss–Seidel; each batch's trees at the costs of its start) and the excess
        estimates TSTT − SPTT; without it flows stay put and ``od_sp`` holds the exact shortest costs."""
        lost = excess = 0.0
        per = INIT_BATCH if estimate is None else SHIFT_BATCH if estimate > LOOSE else TAIL_BATCH
        step = per * len(lane_arrays[0]) if shift else preds.shape[0]
        for g0 in range(0, n_grp, step):
            g1 = min(n_grp, g0 + step)
            if shift or g0 == 0:
                np.add(t, fixed, out=cost)
            _paths.trees_batch(p.indptr, p.head, cost, grp_class, grp_origin, grp_ptr, od_dest, no_through, g0, g1,
                               lane_arrays, preds, od_sp)
            lost_b, excess_b = store.colgen(state, p.tail, fixed, pce, grp_class, grp_origin, grp_ptr, od_dest,
                                            od_dem, g0, g1, preds, od_sp, shift)
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
        store.class_flows(od_class, xc)
        x[:] = pce @ xc
        t[:] = arc_times(p, x)
        dt[:] = arc_derivs(p, x)
        tstt = costs.tstt(xc, t)
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
               "direction": "gp", "paths": store.n_paths, "seconds": _time.perf_counter() - start}
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
            store.sweep(state, fixed, pce, od_class, od_dem)
        if store.garbage > store.pool_used // 2:
            store.compact()
    paths = PathSet(od_class, od_o, od_d, store.od_first, store.p_next, store.p_start, store.p_len, store.p_flow,
                    store.pool)
    return AssignmentResult.build(p, "gp", costs, xc, relative_gap=g, sptt=sptt, converged=converged,
                                  target_gap=gap, rows=rows, started=start, paths=paths)
