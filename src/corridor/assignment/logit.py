"""Path-based logit stochastic user equilibrium (SUE) on a generated path set.

Every O–D pair splits its demand over its paths by a logit on their generalised costs,
``f_p = d · exp(−θ c_p) / Σ_q exp(−θ c_q)``, with the costs at the flows this split produces (Fisk 1980: the
unique minimiser of ``Σ_a ∫₀^{x_a} t_a + Σ_p f_p·fixed_p + Σ_p f_p ln f_p / θ``). ``θ`` is per unit of
generalised cost (a float, or one value per class and O–D pair); as θ grows the SUE tends to the deterministic
user equilibrium.

Path set (choice set): the paths of a deterministic equilibrium solved first (``gp`` to :data:`UE_START_GAP`);
with ``alternatives`` = k, k rounds of the link-penalty method at those equilibrium times (each origin's
shortest paths again with the arcs its paths use so far made ``penalty`` times dearer: routes that avoid the
used ones); plus, by column generation, every path that is shortest at the flows of an SUE iterate. A warm
start (``start``: an earlier solution's paths, e.g. a sweep's central solution) replaces the equilibrium start and
the penalty routes.

Equilibration: a path set of at most :data:`NEWTON_MAX_PATHS` paths takes Newton steps on the fixed point in path
costs, ``c = C(y(c))`` (:func:`_newton`: quadratic convergence, flows positive and pairs' demand kept at any
step), with columns generated once it has converged on the set; a larger one, or a step that does not descend,
takes Gauss–Seidel sweeps over the O–D pairs (compiled, :func:`_sweep`: per pair, a Newton step on Fisk's
objective in its path flows, Hessian Δᵀ diag(t') Δ + diag(1 / (θ f)), projected so that the pair's flow is kept,
the link flows updated at once), with columns every :data:`COLGEN_EVERY` iterations.

SUE gap (:data:`SUE_GAP_DEFINITION`): ``Σ_p |f_p − y_p| / Σ_od d_od``, the share of the demand that the logit
split at the current costs would put on other paths of the set. Converged when it is at most the target and a
column generation at the final costs adds no path.
"""

from __future__ import annotations

import threading
import time as _time
import weakref
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from corridor._errors import ValidationError
from corridor.assignment._native import _kernels, _logit, _paths
from corridor.assignment.pathbased import PathSet, _od_structure, run_path_based
from corridor.assignment.problem import AssignmentProblem
from corridor.assignment.result import AssignmentResult, ClassCosts, arc_times

SUE_GAP_DEFINITION = "sum over paths |f_p - d * logit share_p| / total demand, on the generated path set"
#: relative gap of the deterministic equilibrium whose paths start the path set
UE_START_GAP = 1e-5
#: SUE iterations between column generations (Gauss–Seidel sweeps)
COLGEN_EVERY = 10
#: path sets up to this size take Newton steps in all path costs at once (dense: cubic in the paths); larger ones
#: take Gauss–Seidel sweeps of per-pair Newton steps, which converge linearly, slowly where pairs share steep
#: delays (the bundled region's border-post queues: 30–140 sweeps a solve against 3–17 Newton steps, ~120 paths)
#: but fast where they do not (SiouxFalls, θ 0.5, to 1e-5: 0.10 s in 51 sweeps against 0.64 s in 15 Newton steps
#: on 716 paths; 2026-12-02)
NEWTON_MAX_PATHS = 400


class _Paths:
    """Paths as Python lists while the set grows; arrays (:meth:`arrays`) for the vectorised iterations."""

    def __init__(self, n_od: int):
        self.arcs: list[np.ndarray] = []
        self.od: list[int] = []
        self.keys: list[set[bytes]] = [set() for _ in range(n_od)]

    def add(self, k: int, arcs: np.ndarray) -> bool:
        key = np.ascontiguousarray(arcs, dtype=np.int32).tobytes()
        if key in self.keys[k]:
            return False
        self.keys[k].add(key)
        self.arcs.append(np.asarray(arcs, dtype=np.int64))
        self.od.append(k)
        return True

    def clone(self) -> _Paths:
        """A copy that can grow on its own (the arc arrays are shared: never written)."""
        out = _Paths(0)
        out.arcs, out.od, out.keys = list(self.arcs), list(self.od), [set(k) for k in self.keys]
        return out

    def incidence(self, m: int) -> _Incidence:
        """Arcs × paths (1 where the path uses the arc)."""
        return _Incidence.of(self.arcs, m)


class _Incidence(NamedTuple):
    """The arcs × paths incidence as flat arrays: each path's arcs (``rows``, path after path) and the path each
    entry belongs to (``owner``); products with it by ``np.bincount``, entries summed in path order."""

    rows: np.ndarray
    owner: np.ndarray
    m: int

    @classmethod
    def of(cls, arcs: list[np.ndarray], m: int) -> _Incidence:
        lens = np.fromiter((a.size for a in arcs), dtype=np.int64, count=len(arcs))
        rows = np.concatenate(arcs) if arcs else np.zeros(0, np.int64)
        return cls(rows, np.repeat(np.arange(lens.size, dtype=np.int64), lens), m)

    @property
    def n_paths(self) -> int:
        return int(self.owner[-1]) + 1 if self.owner.size else 0

    def arc_flows(self, f: np.ndarray) -> np.ndarray:
        """Arc flows of path flows ``f`` (incidence @ f)."""
        return np.bincount(self.rows, weights=f[self.owner], minlength=self.m).astype(float, copy=False)

    def path_sums_of(self, entries: np.ndarray, n_paths: int) -> np.ndarray:
        """Each path's sum of per-entry values (one per entry of ``rows``)."""
        return np.bincount(self.owner, weights=entries, minlength=n_paths).astype(float, copy=False)

    def path_sums(self, v: np.ndarray, n_paths: int) -> np.ndarray:
        """Each path's sum of the arc values ``v`` (incidenceᵀ @ v)."""
        return np.bincount(self.owner, weights=v[self.rows], minlength=n_paths).astype(float, copy=False)


def _theta_per_od(p: AssignmentProblem, theta, od_class, od_o, od_d) -> np.ndarray:
    th = np.asarray(theta, dtype=float)
    if th.ndim == 0:
        th = np.full(od_class.size, float(th))
    elif th.shape == (len(p.classes), p.n_zones, p.n_zones):
        th = th[od_class, od_o, od_d]
    else:
        raise ValidationError(f"theta must be a number or one per class and O-D pair "
                              f"({len(p.classes)} × {p.n_zones} × {p.n_zones}); got shape {th.shape}")
    if not (np.all(np.isfinite(th)) and np.all(th > 0)):
        raise ValidationError(f"theta must be finite and > 0 (got min {th.min() if th.size else 'none'})")
    return th


#: predecessor entries (groups × nodes) a batch of trees may hold: small graphs build all their groups' trees in
#: one call (the trees are independent: the batch changes no result, only the calls)
TREE_BATCH_NODES = 1 << 16


def _tree_batch(n_grp: int, n: int) -> int:
    return max(1, min(n_grp, max(16, TREE_BATCH_NODES // max(n, 1))))


def _shortest_paths(p: AssignmentProblem, t: np.ndarray, fixed: np.ndarray, st,
                    cost: np.ndarray | None = None) -> list[np.ndarray | None]:
    """Each O–D pair's shortest path (arcs destination → origin) at times ``t``; None where unreachable. With
    ``cost`` (groups × arcs) each (class, origin) group uses its own row instead."""
    grp_class, grp_origin, grp_ptr, od_dest = st[0], st[1], st[2], st[6]
    n, n_od, n_grp = p.n_nodes, len(od_dest), len(grp_class)
    if cost is None:
        cost = np.ascontiguousarray(t[None, :] + fixed)
    else:
        grp_class = np.arange(n_grp, dtype=np.int32)
    lanes = _kernels.lanes(_kernels.n_threads(), n)
    batch = _tree_batch(n_grp, n)
    preds = np.empty((batch, n), dtype=np.int32)
    od_sp = np.empty(n_od)
    out: list[np.ndarray | None] = [None] * n_od
    for g0 in range(0, n_grp, batch):
        g1 = min(n_grp, g0 + batch)
        _paths.trees_batch(p.indptr, p.head, cost, grp_class, grp_origin, grp_ptr, od_dest, p.no_through_u8, g0,
                           g1, lanes, preds, od_sp)
        _logit.trace_paths(preds, p.tail, grp_origin, grp_ptr, od_dest, od_sp, g0, g1, out)
    return out


def pair_costs(p: AssignmentProblem, t: np.ndarray, fixed: np.ndarray, st=None) -> np.ndarray:
    """Each O–D pair's shortest generalised cost at times ``t`` (pairs of :func:`_od_structure`, ``st``: given or
    built here; inf where unreachable): trees from the (class, origin) groups with demand only."""
    st = _od_structure(p) if st is None else st
    grp_class, grp_origin, grp_ptr, od_dest = st[0], st[1], st[2], st[6]
    n, n_grp = p.n_nodes, len(grp_class)
    cost = np.ascontiguousarray(t[None, :] + fixed)
    lanes = _kernels.lanes(_kernels.n_threads(), n)
    batch = _tree_batch(n_grp, n)
    preds = np.empty((batch, n), dtype=np.int32)
    od_sp = np.empty(len(od_dest))
    for g0 in range(0, n_grp, batch):
        _paths.trees_batch(p.indptr, p.head, cost, grp_class, grp_origin, grp_ptr, od_dest, p.no_through_u8, g0,
                           min(n_grp, g0 + batch), lanes, preds, od_sp)
    return od_sp


def _penalty_paths(p: AssignmentProblem, t: np.ndarray, fixed: np.ndarray, st, ps: _Paths, rounds: int,
                   penalty: float) -> None:
    """Add ``rounds`` rounds of link-penalty alternatives to ``ps`` (see the module docstring)."""
    grp_class, grp_ptr = st[0], st[2]
    n_grp = len(grp_class)
    grp_of_od = np.repeat(np.arange(n_grp), np.diff(grp_ptr))
    base = t[None, :] + fixed[grp_class]
    for _ in range(rounds):
        used = np.zeros((n_grp, p.n_arcs), dtype=bool)
        for k, arcs in zip(ps.od, ps.arcs, strict=True):
            used[grp_of_od[k], arcs] = True
        cost = np.ascontiguousarray(np.where(used, base * penalty, base))
        for k, arcs in enumerate(_shortest_paths(p, t, fixed, st, cost)):
            if arcs is not None:
                ps.add(k, arcs)


def _load_paths(ps: _Paths, paths: PathSet, st, od_dem: np.ndarray) -> np.ndarray:
    """Add the paths of ``paths`` to ``ps`` by (class, origin, destination) — the pairs of another problem on
    the same graph, or of this one — and return their flows, scaled so that each pair carries its demand."""
    pairs, shares = _start_paths(ps, paths, st)
    return od_dem[pairs] * shares if pairs.size else np.zeros(0)


#: a warm start's paths as loaded for a pair structure (the draws of a sweep load the same start many times)
_STARTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _start_paths(ps: _Paths, paths: PathSet, st) -> tuple[np.ndarray, np.ndarray]:
    """Add the paths of ``paths`` to the empty ``ps``: returns each kept path's pair and its share of the pair's
    flow in ``paths``. Computed once per start and pair structure (kept with the start)."""
    cached = _STARTS.get(paths)
    if cached is not None and all(np.array_equal(a, b) for a, b in zip(cached[0], st[3:6], strict=True)):
        loaded, pairs, shares = cached[1:]
    else:
        loaded = _Paths(len(st[7]))
        key = {(int(c), int(o), int(d)): k for k, (c, o, d) in enumerate(zip(st[3], st[4], st[5], strict=True))}
        pairs, shares = [], []
        for j in range(len(paths)):
            k = key.get((int(paths.od_class[j]), int(paths.od_origin[j]), int(paths.od_dest[j])))
            if k is None:
                continue
            kept = [(arcs, flow) for arcs, flow in paths.paths(j) if loaded.add(k, arcs)]
            total = sum(flow for _, flow in kept)
            pairs += [k] * len(kept)
            shares += [flow / total if total > 0 else 1.0 / len(kept) for _, flow in kept]
        pairs, shares = np.asarray(pairs, dtype=np.int64), np.asarray(shares, dtype=float)
        _STARTS[paths] = (tuple(np.array(a) for a in st[3:6]), loaded, pairs, shares)
    if ps.od:
        raise ValueError("the start's paths load into an empty path set")
    clone = loaded.clone()
    ps.arcs, ps.od, ps.keys = clone.arcs, clone.od, clone.keys
    return pairs, shares


def _logit_split(cost: np.ndarray, od: np.ndarray, theta_p: np.ndarray, dem: np.ndarray, n_od: int) -> np.ndarray:
    """``y_p = d_od · softmax(−θ c)`` within each O–D pair (shifted by the pair's cheapest path: no overflow)."""
    cmin = np.full(n_od, np.inf)
    np.minimum.at(cmin, od, cost)
    w = np.exp(np.maximum(-theta_p * (cost - cmin[od]), -600.0))  # > 0: every path keeps a (tiny) flow
    tot = np.bincount(od, weights=w, minlength=n_od)
    return dem[od] * w / tot[od]


def run_logit(
    p: AssignmentProblem,
    *,
    theta,
    gap: float,
    max_iter: int,
    callback: Callable[[dict], None] | None = None,
    alternatives: int = 0,
    penalty: float = 1.5,
    start: PathSet | None = None,
) -> AssignmentResult:
    """Logit SUE to SUE gap ``gap`` (see the module docstring); ``relative_gap`` of the result is the SUE gap.

    ``start``: the paths of an earlier solution on the same graph (a warm start: a sweep's draws start from the
    central solution). They replace the equilibrium start and the penalty routes: the choice set is theirs plus
    column generation's, their flows rescaled to this problem's demand (a pair they do not serve starts on its
    shortest path)."""
    if alternatives < 0 or not penalty > 1:
        raise ValidationError(f"alternatives must be >= 0 and penalty > 1 (got {alternatives}, {penalty})")
    started = _time.perf_counter()
    if any(c.pce != 1.0 for c in p.classes):
        raise ValidationError("logit route choice needs pce = 1 for every class (Fisk's objective in vehicles)")
    costs = p.cached("class_costs", ClassCosts.of)
    st = _od_structure(p)
    od_class, od_o, od_d, od_dem = st[3], st[4], st[5], st[7]
    n_od, m = len(od_dem), p.n_arcs
    theta_od = _theta_per_od(p, theta, od_class, od_o, od_d)
    total = float(od_dem.sum())

    ps = _Paths(n_od)
    if start is None:
        ue = run_path_based(p, gap=min(UE_START_GAP, gap), max_iter=max(max_iter, 200))
        f = _load_paths(ps, ue.paths, st, od_dem)
        if alternatives:
            _penalty_paths(p, ue.time, costs.fixed, st, ps, alternatives, penalty)
        f = np.r_[f, np.zeros(len(ps.od) - f.size)]
    else:
        f = _load_paths(ps, start, st, od_dem)
        missing = np.setdiff1d(np.arange(n_od), ps.od)
        if missing.size:
            for k, arcs in enumerate(_shortest_paths(p, np.asarray(p.free_flow_time, float), costs.fixed, st)):
                if k in missing and arcs is not None and ps.add(k, arcs):
                    f = np.r_[f, od_dem[k]]
        # the columns of this problem's costs at the start's flows, before the set's arrays are built
        for k, arcs in enumerate(_shortest_paths(p, arc_times(p, ps.incidence(m).arc_flows(f)), costs.fixed, st)):
            if arcs is not None and ps.add(k, arcs):
                f = np.r_[f, 0.0]

    def rebuild():
        inc = ps.incidence(m)
        od = np.asarray(ps.od, dtype=np.int64)
        cls = od_class[od]
        fixed_p = inc.path_sums_of(costs.fixed0[cls[inc.owner], inc.rows], od.size)  # Σ over each path's arcs
        return (inc, od.size, od, cls, fixed_p, theta_od[od],
                _Dense.of(p, inc, od.size) if od.size <= NEWTON_MAX_PATHS else None, None)

    def colgen(t: np.ndarray) -> int:
        added = 0
        for k, arcs in enumerate(_shortest_paths(p, t, costs.fixed, st)):
            if arcs is not None and ps.add(k, arcs):
                added += 1
        return added

    inc, n_p, od, cls, fixed_p, theta_p, pairs, blocks = rebuild()
    rows: list[dict] = []
    converged = False
    g = np.inf
    c_state = None  # the Newton iterate in path costs (its flows are f): kept while the path set is
    for it in range(1, max_iter + 1):
        x = inc.arc_flows(f)
        t = arc_times(p, x)
        # Newton steps converge on a path set in a few iterations: columns when they have (below); Gauss–Seidel
        # sweeps take many: columns every COLGEN_EVERY iterations too
        added = colgen(t) if pairs is None and it % COLGEN_EVERY == 0 else 0
        if added:
            f = np.r_[f, np.zeros(added)]
            inc, n_p, od, cls, fixed_p, theta_p, pairs, blocks = rebuild()
        c = inc.path_sums(t, n_p) + fixed_p
        y = _logit_split(c, od, theta_p, od_dem, n_od)
        d = y - f
        g = float(np.abs(d).sum() / total) if total > 0 else 0.0
        if g <= gap and not added:
            if colgen(t) == 0:
                converged = True
            else:
                f = np.r_[f, np.zeros(len(ps.od) - f.size)]
                inc, n_p, od, cls, fixed_p, theta_p, pairs, blocks = rebuild()
                c = inc.path_sums(t, n_p) + fixed_p
                y = _logit_split(c, od, theta_p, od_dem, n_od)
                d = y - f
                g = float(np.abs(d).sum() / total)
        step, tstt = np.nan, float(c @ f)
        if not converged:
            step = 0.0
            if pairs is not None:
                if c_state is None or c_state.size != c.size:
                    c_state = c
                c_state, y_new, step = _newton(pairs, c_state, fixed_p, theta_p, od, od_dem)
                if step > 0.0:
                    f = y_new
                else:
                    c_state = None
            if step == 0.0:
                if not (f > 0).all():  # paths just added: half-way to the logit split (every flow > 0, pairs kept)
                    f = np.where(np.isin(od, od[f <= 0]), 0.5 * (f + y), f)
                    x = inc.arc_flows(f)
                if blocks is None:
                    blocks = _od_blocks(p, ps, od, n_od)
                step = _sweep(p, blocks, f, x, fixed_p, theta_p)
        rows.append({"iteration": it, "relative_gap": g, "gap_exact": True, "step": step, "tstt": tstt,
                     "direction": "logit", "paths": len(ps.od), "seconds": _time.perf_counter() - started})
        if callback:
            callback(rows[-1])
        if converged:
            break
    n_cls = len(p.classes)
    xc = np.bincount(cls[inc.owner] * m + inc.rows, weights=f[inc.owner], minlength=n_cls * m).astype(float)
    xc = xc.reshape(n_cls, m)
    t = arc_times(p, costs.pce @ xc)
    sptt = float(od_dem @ _pair_min(inc.path_sums(t, n_p) + fixed_p, od, n_od))
    return AssignmentResult.build(p, "logit", costs, xc, relative_gap=g, sptt=sptt, converged=converged,
                                  target_gap=gap, rows=rows, started=started, paths=_path_set(st, ps, od, f))


def _pair_min(cost: np.ndarray, od: np.ndarray, n_od: int) -> np.ndarray:
    out = np.full(n_od, np.inf)
    np.minimum.at(out, od, cost)
    return out


class _Dense(NamedTuple):
    """A path set small enough for dense Newton steps: its paths as lists of the arcs they use (local indices
    into ``used``), those arcs as lists of the paths through them, and the used arcs' volume-delay arrays."""

    p_ptr: np.ndarray
    p_arcs: np.ndarray
    a_ptr: np.ndarray
    a_paths: np.ndarray
    vdf: tuple[np.ndarray, ...]

    @classmethod
    def of(cls, p: AssignmentProblem, inc: _Incidence, n_paths: int) -> _Dense:
        mark = np.zeros(inc.m, dtype=bool)
        mark[inc.rows] = True
        used = np.flatnonzero(mark)
        index = np.zeros(inc.m, dtype=np.int64)
        index[used] = np.arange(used.size)
        local = index[inc.rows]
        order = np.argsort(local, kind="stable")
        a_ptr = np.r_[0, np.cumsum(np.bincount(local, minlength=used.size))].astype(np.int64)
        p_ptr = np.r_[0, np.cumsum(np.bincount(inc.owner, minlength=n_paths))].astype(np.int64)
        return cls(p_ptr, local, a_ptr, inc.owner[order], tuple(np.ascontiguousarray(v[used]) for v in p.vdf_arrays()))


def _newton(dn: _Dense, c: np.ndarray, fixed_p: np.ndarray, theta_p: np.ndarray, od: np.ndarray,
            dem: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, float]:
    """One Newton step on the SUE fixed point in path costs, ``G(c) = c − C(y(c)) = 0`` (``y`` the logit split,
    ``C`` the path costs at the flows ``y`` loads): returns the new costs, the logit split at them and the step
    (0: no descent; the costs unchanged, no split).

    Jacobian ``I + Δᵀ diag(t') Δ · Θ`` with ``Θ = −∂y/∂c = θ (diag y − y yᵀ / d)`` within each pair. In costs,
    the flows ``y(c)`` stay positive and keep each pair's demand whatever the step, and a path's flow moves by
    orders of magnitude in one step when its cost says so (a Newton step in the flows, on Fisk's objective or on
    ``f − y``, must stop short of zero flows and crawls there). The step is halved until ``|G|²`` falls enough
    (Armijo). Compiled (:func:`_newton.newton_step`): the Jacobian from the used arcs' path lists, LU by LAPACK."""
    from corridor.assignment import _newton as kernel  # loads SciPy (LAPACK): only once a Newton step runs

    cn = np.array(c, dtype=float)
    y = np.empty(cn.size)
    step = kernel.newton_step(dn.p_ptr, dn.p_arcs, dn.a_ptr, dn.a_paths, *dn.vdf, cn,
                              np.ascontiguousarray(fixed_p, dtype=float), np.ascontiguousarray(theta_p, dtype=float),
                              np.ascontiguousarray(od, dtype=np.int64), np.ascontiguousarray(dem, dtype=float), y,
                              *_scratch(kernel, cn.size, dn.vdf[1].size, dem.size))
    return (cn, y, step) if step > 0.0 else (c, None, 0.0)


_SCRATCH = threading.local()


def _scratch(kernel, n_p: int, n_u: int, n_od: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """This thread's work arrays for :func:`_newton.newton_step`, grown as needed and kept (no large allocation
    per step)."""
    need_d, need_i = kernel.scratch_sizes(n_p, n_u, n_od)
    have = getattr(_SCRATCH, "arrays", None)
    if have is None or have[0].size < need_d or have[1].size < need_i or have[2].size < n_p + 1:
        have = (np.empty(max(need_d, 2 * (have[0].size if have else 0))), np.empty(need_i + 64, dtype=np.int64),
                np.empty(n_p + 64, dtype=np.intc))
        _SCRATCH.arrays = have
    return have


def _od_blocks(p: AssignmentProblem, ps: _Paths, od: np.ndarray, n_od: int) -> tuple[np.ndarray, ...]:
    """The O–D pairs with two paths or more as the flat block arrays of :func:`_logit.sweep`: path indices, the
    distinct arcs they use and the dense path × arc incidence, each with its block pointer."""
    order = np.argsort(od, kind="stable")
    ends = np.searchsorted(od[order], np.arange(n_od + 1))
    paths, arcs, inc = [], [], []
    for k in np.flatnonzero(np.diff(ends) >= 2):
        idx = order[ends[k]:ends[k + 1]]
        u = np.unique(np.concatenate([ps.arcs[i] for i in idx]))
        a = np.zeros((idx.size, u.size))
        for j, i in enumerate(idx):
            a[j, np.searchsorted(u, ps.arcs[i])] = 1.0
        paths.append(idx)
        arcs.append(u)
        inc.append(a.ravel())

    def flat(parts: list[np.ndarray], dtype) -> tuple[np.ndarray, np.ndarray]:
        ptr = np.r_[0, np.cumsum([q.size for q in parts])].astype(np.int64)
        return ptr, (np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype))

    blk_ptr, path_idx = flat(paths, np.int64)
    arc_ptr, arc_idx = flat(arcs, np.int64)
    inc_ptr, inc_flat = flat(inc, np.float64)
    return blk_ptr, path_idx, arc_ptr, arc_idx, inc_ptr, inc_flat


def _sweep(p: AssignmentProblem, blocks: tuple[np.ndarray, ...], f: np.ndarray, x: np.ndarray,
           fixed_p: np.ndarray, theta_p: np.ndarray) -> float:
    """One Gauss–Seidel pass: per O–D pair, one Newton step on Fisk's objective in its path flows (the others and
    their link flows held), ``f`` and ``x`` updated in place (compiled: :func:`_logit.sweep`). The step keeps the
    pair's total (projected onto Σ Δ = 0), stops at 90 % of the way to a zero flow and is halved while the slope
    along it at the new point exceeds half its magnitude at the start. Returns the smallest step taken."""
    return _logit.sweep(*blocks, *p.vdf_arrays(), f, x, np.ascontiguousarray(fixed_p, dtype=float),
                        np.ascontiguousarray(theta_p, dtype=float))


def _path_set(st, ps: _Paths, od: np.ndarray, f: np.ndarray) -> PathSet:
    """The solution's paths in :class:`~corridor.assignment.pathbased.PathSet` form (select-link, path tables)."""
    n_od = len(st[7])
    lens = np.array([len(a) for a in ps.arcs], dtype=np.int32)
    pool = np.concatenate(ps.arcs).astype(np.int32) if ps.arcs else np.zeros(0, np.int32)
    p_start = np.r_[0, np.cumsum(lens)[:-1]].astype(np.int64)
    # each pair's paths linked in the set's order: first the lowest index, each to the next of its pair
    od_first = np.full(n_od, -1, dtype=np.int32)
    p_next = np.full(len(ps.arcs), -1, dtype=np.int32)
    order = np.argsort(od, kind="stable")
    same = od[order[1:]] == od[order[:-1]]
    p_next[order[:-1][same]] = order[1:][same]
    head = np.r_[True, ~same] if order.size else np.zeros(0, bool)
    od_first[od[order[head]]] = order[head]
    return PathSet(st[3], st[4], st[5], od_first, p_next, p_start, lens, f.copy(), pool)
