# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled path-based gradient projection (Jayakrishnan et al. 1994): the path store and its kernels.

Paths live in a pool of arc indices (destination → origin); each O–D pair has a linked list of path records
(``p_next``). Per O–D pair, flow moves from every costlier path ``p`` to the cheapest path ``s`` by the projected
Newton step ``Δ = min(f_p, (c_p − c_s) / (pce · Σ_{a ∈ p ⊕ s} t'_a))``; link flows, times and derivatives are
updated at once (Gauss–Seidel).

Column generation runs in batches of (class, origin) groups: the batch's shortest-path trees are built in
parallel (:func:`trees_batch`) at the costs of the batch start, then :meth:`PathStore.colgen` adds each O–D
pair's shortest path to its set, sequentially.

Link state passed to the kernels is the tuple ``(vdf, t0, cap, alpha, beta, x, xc, t, dt)``: the problem's
volume-delay arrays, total flow (PCE), class flows (classes × arcs), times and derivatives, all updated in place.
"""

import numpy as np

cimport cython
from cython.parallel cimport prange, threadid
from libc.math cimport INFINITY
from libc.stdint cimport int32_t, int64_t
from libc.string cimport memmove

from corridor.assignment._kernels cimport MAX_LANES, Lane, fill_lanes, reset_tree, sp_tree
from corridor.assignment._vdf cimport Vdf, vdf_time_deriv


cdef struct Links:
    Vdf vdf
    double* x
    double* xc  # classes × m, row-major
    double* t
    double* dt
    Py_ssize_t m


cdef Links _links(tuple state):
    cdef const signed char[::1] kind = state[0]
    cdef const double[::1] t0 = state[1], cap = state[2], al = state[3], be = state[4]
    cdef double[::1] x = state[5], t = state[7], dt = state[8]
    cdef double[:, ::1] xc = state[6]
    cdef Links L
    L.vdf.kind = &kind[0]
    L.vdf.t0 = &t0[0]
    L.vdf.cap = &cap[0]
    L.vdf.alpha = &al[0]
    L.vdf.beta = &be[0]
    L.x = &x[0]
    L.xc = &xc[0, 0]
    L.t = &t[0]
    L.dt = &dt[0]
    L.m = x.shape[0]
    return L


cdef void _times(Links* L, const int32_t* arcs, Py_ssize_t n) noexcept nogil:
    """Times and derivatives of ``arcs`` at their flows. The first loading adds whole paths' demand to the flows
    and calls this once for the arcs it loaded (before the next equilibration step reads them, at the latest),
    instead of evaluating the volume-delay function at each arc of each path: the same values, as they depend
    on the final flow only."""
    cdef Py_ssize_t i
    cdef int32_t a
    for i in range(n):
        a = arcs[i]
        vdf_time_deriv(L.vdf.kind[a], L.vdf.t0[a], L.vdf.cap[a], L.vdf.alpha[a], L.vdf.beta[a], L.x[a], &L.t[a],
                       &L.dt[a])


cdef inline void _add(Links* L, int64_t a, double amount, Py_ssize_t c, double pce) noexcept nogil:
    L.x[a] += amount * pce
    L.xc[c * L.m + a] += amount
    if L.x[a] < 0.0:
        L.x[a] = 0.0
    vdf_time_deriv(L.vdf.kind[a], L.vdf.t0[a], L.vdf.cap[a], L.vdf.alpha[a], L.vdf.beta[a], L.x[a], &L.t[a],
                   &L.dt[a])


def trees_batch(const int64_t[::1] indptr, const int64_t[::1] head, const double[:, ::1] cost,
                const int32_t[::1] grp_class, const int32_t[::1] grp_origin, const int64_t[::1] grp_ptr,
                const int32_t[::1] od_dest, const unsigned char[::1] no_through, Py_ssize_t g0, Py_ssize_t g1,
                tuple lane_arrays, int32_t[:, ::1] preds, double[::1] od_sp):
    """Shortest-path trees of groups ``g0 .. g1-1`` (costs ``cost[class]``) in parallel (OpenMP, dynamic
    scheduling: the machine may be shared), each thread on its own row of ``lane_arrays``
    (:func:`corridor.assignment._kernels.lanes`): predecessor arcs into ``preds[g - g0]``, each O–D pair's
    shortest cost into ``od_sp`` (inf: unreachable)."""
    cdef Lane[MAX_LANES] lns
    cdef int n_lanes = fill_lanes(lane_arrays, lns)
    cdef Py_ssize_t g
    cdef int ln
    if g1 <= g0:
        return
    for g in prange(g0, g1, nogil=True, schedule="dynamic", chunksize=1, num_threads=n_lanes):
        ln = threadid()
        _group_tree(&indptr[0], &head[0], &cost[grp_class[g], 0], grp_origin[g], &no_through[0], &od_dest[0],
                    grp_ptr[g], grp_ptr[g + 1], &lns[ln], &preds[g - g0, 0], &od_sp[0])


cdef void _group_tree(const int64_t* indptr, const int64_t* head, const double* cost, int64_t origin,
                      const unsigned char* no_through, const int32_t* od_dest, int64_t k0, int64_t k1, Lane* ln,
                      int32_t* pred, double* od_sp) noexcept nogil:
    """One group of :func:`trees_batch` (a function of its own: its variables are private to the thread)."""
    cdef Py_ssize_t nt = 0, touched
    cdef int64_t k
    cdef int32_t v
    for k in range(k0, k1):
        v = od_dest[k]
        if not ln.target[v]:
            ln.target[v] = 1
            nt += 1
    sp_tree(indptr, head, cost, origin, no_through, nt, ln, pred, &touched)
    for k in range(k0, k1):
        v = od_dest[k]
        ln.target[v] = 0
        od_sp[k] = ln.dist[v]
    reset_tree(ln, touched)


@cython.final
cdef class PathStore:
    """The used paths of every O–D record: linked lists of records (``od_first``, ``p_next``) whose arcs sit in
    ``pool[p_start : p_start + p_len]`` (destination → origin), with flow ``p_flow``. Arrays grow by half when
    full; freed records are reused and the pool is compacted in place once half of it is garbage (a quarter,
    when the alternative is to grow it)."""

    cdef readonly object od_first, p_next, p_start, p_len, p_flow, pool, free_rec, mark
    cdef object buf  # one path's arcs while it is traced (a path has at most as many arcs as the graph)
    cdef object dirty  # arcs loaded by first paths whose times are not updated yet (colgen)
    cdef int32_t* _first
    cdef int32_t* _next
    cdef int64_t* _start
    cdef int32_t* _len
    cdef double* _flow
    cdef int32_t* _pool
    cdef int32_t* _free
    cdef int64_t* _mark
    cdef readonly Py_ssize_t n_records, pool_used, n_free, garbage
    cdef Py_ssize_t _cap_rec, _cap_pool, _n_od  # the arrays' sizes, read at every path added (no Python lookups)
    cdef int64_t stamp

    def __init__(self, Py_ssize_t n_od, Py_ssize_t n_arcs):
        if n_arcs >= 2**31:
            raise ValueError("the path store holds arc indices as int32: at most 2**31 - 1 arcs")
        cap_rec = max(n_od + n_od // 4, 16)
        self.od_first = np.full(n_od, -1, dtype=np.int32)
        self.p_next = np.full(cap_rec, -1, dtype=np.int32)
        self.p_start = np.zeros(cap_rec, dtype=np.int64)
        self.p_len = np.zeros(cap_rec, dtype=np.int32)
        self.p_flow = np.zeros(cap_rec)
        self.free_rec = np.zeros(cap_rec, dtype=np.int32)
        self.pool = np.zeros(max(4 * n_od, 64), dtype=np.int32)
        self.mark = np.zeros(n_arcs, dtype=np.int64)
        self.buf = np.empty(max(n_arcs, 1), dtype=np.int32)
        self.dirty = np.empty(max(n_arcs, 1), dtype=np.int32)
        self._refresh()

    @property
    def n_paths(self) -> int:
        return self.n_records - self.n_free

    cdef void _refresh(self):
        cdef int32_t[::1] first = self.od_first, nxt = self.p_next, ln = self.p_len, pool = self.pool
        cdef int32_t[::1] free = self.free_rec
        cdef int64_t[::1] start = self.p_start, mark = self.mark
        cdef double[::1] flow = self.p_flow
        self._first = &first[0] if first.shape[0] else NULL
        self._next = &nxt[0]
        self._start = &start[0]
        self._len = &ln[0]
        self._flow = &flow[0]
        self._pool = &pool[0]
        self._free = &free[0]
        self._mark = &mark[0] if mark.shape[0] else NULL
        self._cap_rec = nxt.shape[0]
        self._cap_pool = pool.shape[0]
        self._n_od = first.shape[0]

    cdef int _reserve(self, Py_ssize_t n_arcs) except -1:
        """Room for one more record and ``n_arcs`` more pool entries."""
        cdef Py_ssize_t size
        if self.n_free == 0 and self.n_records >= self._cap_rec:
            size = self._cap_rec + self._cap_rec // 2 + 1
            self.p_next = _grow(self.p_next, size)
            self.p_start = _grow(self.p_start, size)
            self.p_len = _grow(self.p_len, size)
            self.p_flow = _grow(self.p_flow, size)
            self.free_rec = _grow(self.free_rec, size)
            self._refresh()
        cdef Py_ssize_t live = self.n_records - self.n_free, n_od = self._n_od
        if self.pool_used + n_arcs > self._cap_pool and self.garbage > self.pool_used // 4:
            self.compact()  # room from removed paths first: growing would copy the pool
        if self.pool_used + n_arcs > self._cap_pool:
            # grow by half, or at once to what 1.25 paths per O–D pair of the mean length seen so far need (the
            # first loading fills the pool pair by pair: one copy instead of several)
            size = max(self._cap_pool + self._cap_pool // 2,
                       <Py_ssize_t>(1.25 * n_od * (self.pool_used - self.garbage) / max(live, 1))) + n_arcs
            self.pool = _grow(self.pool, size)
            self._refresh()
        return 0

    cdef inline double _path_cost(self, int32_t r, const double* t, const double* fx) noexcept nogil:
        cdef double s = 0.0
        cdef int64_t q
        cdef int32_t a
        for q in range(self._start[r], self._start[r] + self._len[r]):
            a = self._pool[q]
            s += t[a] + fx[a]
        return s

    cdef double _equilibrate(self, Links* L, Py_ssize_t k, Py_ssize_t c, double pc, const double* fx,
                             double dem) noexcept nogil:
        """One projected Newton step for O–D record ``k``; drops paths left without flow. Returns the pair's
        excess cost before the step, Σ_p f_p c_p − d · min_p c_p (its share of the restricted gap)."""
        cdef int32_t r0 = self._first[k], r, s = -1, prev, nxt, a
        cdef double cs = INFINITY, tot = 0.0, cr, excess, cp, dp, common, ds, den, f, delta
        cdef int64_t q, stamp
        cdef int32_t* pool = self._pool
        cdef double* t = L.t
        cdef double* dt = L.dt
        if r0 == -1 or self._next[r0] == -1:
            return 0.0
        r = r0
        while r != -1:
            cr = self._path_cost(r, t, fx)
            tot += self._flow[r] * cr
            if cr < cs:
                cs = cr
                s = r
            r = self._next[r]
        excess = tot - dem * cs
        self.stamp += 1
        stamp = self.stamp
        for q in range(self._start[s], self._start[s] + self._len[s]):
            self._mark[pool[q]] = stamp
        r = r0
        while r != -1:
            if r != s and self._flow[r] > 0.0:
                cp = 0.0
                dp = 0.0
                common = 0.0
                for q in range(self._start[r], self._start[r] + self._len[r]):
                    a = pool[q]
                    cp += t[a] + fx[a]
                    dp += dt[a]
                    if self._mark[a] == stamp:
                        common += dt[a]
                cs = 0.0
                ds = 0.0
                for q in range(self._start[s], self._start[s] + self._len[s]):
                    a = pool[q]
                    cs += t[a] + fx[a]
                    ds += dt[a]
                if cp > cs:
                    den = pc * (dp + ds - 2.0 * common)
                    f = self._flow[r]
                    delta = f if den <= 0.0 else min(f, (cp - cs) / den)
                    if f - delta <= 1e-13 * dem:
                        delta = f
                    if delta > 0.0:
                        for q in range(self._start[r], self._start[r] + self._len[r]):
                            _add(L, pool[q], -delta, c, pc)
                        for q in range(self._start[s], self._start[s] + self._len[s]):
                            _add(L, pool[q], delta, c, pc)
                        self._flow[r] = f - delta if delta < f else 0.0
                        self._flow[s] += delta
            r = self._next[r]
        # drop paths without flow
        prev = -1
        r = self._first[k]
        while r != -1:
            nxt = self._next[r]
            if r != s and self._flow[r] <= 0.0:
                if prev == -1:
                    self._first[k] = nxt
                else:
                    self._next[prev] = nxt
                self.garbage += self._len[r]
                self._free[self.n_free] = r
                self.n_free += 1
            else:
                prev = r
            r = nxt
        return excess

    def colgen(self, tuple state, const int64_t[::1] tail, const double[:, ::1] fixed, const double[::1] pce,
               const int32_t[::1] grp_class, const int32_t[::1] grp_origin, const int64_t[::1] grp_ptr,
               const int32_t[::1] od_dest, const double[::1] od_demand, Py_ssize_t g0, Py_ssize_t g1,
               const int32_t[:, ::1] preds, const double[::1] od_sp, bint shift) -> tuple[float, float]:
        """Add each O–D pair's shortest path (from ``preds``, the trees of groups ``g0 .. g1-1``) to its set; a
        pair's first path carries its whole demand. With ``shift``, equilibrate the pair at once (Gauss–Seidel);
        without, flows are left unchanged. Returns the demand without a path and, with ``shift``, the excess
        cost Σ_od (Σ_p f_p c_p − d · c_new) met before each pair's step (an estimate of TSTT − SPTT)."""
        cdef Links L = _links(state)
        cdef int32_t[::1] buf_mv = self.buf
        cdef int32_t* buf = &buf_mv[0]
        cdef double lost = 0.0, excess = 0.0, dem, pc
        cdef Py_ssize_t g, k, c, ln, q
        cdef int64_t o, v
        cdef int32_t r, a, st_len
        cdef int64_t st
        cdef const int32_t* pred
        cdef const double* fx
        cdef bint found, same
        cdef int32_t[::1] dirty_mv = self.dirty
        cdef int32_t* dirty = &dirty_mv[0]
        cdef Py_ssize_t n_dirty = 0
        cdef int64_t dirty_stamp = -1
        for g in range(g0, g1):
            c = grp_class[g]
            o = grp_origin[g]
            fx = &fixed[c, 0]
            pc = pce[c]
            pred = &preds[g - g0, 0]
            for k in range(grp_ptr[g], grp_ptr[g + 1]):
                dem = od_demand[k]
                if od_sp[k] == INFINITY:
                    lost += dem
                    continue
                ln = 0
                v = od_dest[k]
                while v != o:
                    a = pred[v]
                    buf[ln] = a
                    ln += 1
                    v = tail[a]
                r = self._first[k]
                found = False
                while r != -1:
                    if self._len[r] == ln:
                        same = True
                        st = self._start[r]
                        for q in range(ln):
                            if self._pool[st + q] != buf[q]:
                                same = False
                                break
                        if same:
                            found = True
                            break
                    r = self._next[r]
                if not found:
                    self._reserve(ln)
                    if self.n_free > 0:
                        self.n_free -= 1
                        r = self._free[self.n_free]
                    else:
                        r = <int32_t>self.n_records
                        self.n_records += 1
                    st = self.pool_used
                    for q in range(ln):
                        self._pool[st + q] = buf[q]
                    self.pool_used += ln
                    self._start[r] = st
                    self._len[r] = <int32_t>ln
                    self._next[r] = self._first[k]
                    self._first[k] = r
                    self._flow[r] = 0.0
                    if self._next[r] == -1:  # first path of this O–D pair: it carries the whole demand
                        self._flow[r] = dem
                        if n_dirty == 0:  # a new set of loaded arcs whose times are to follow (_times)
                            self.stamp += 1
                            dirty_stamp = self.stamp
                        for q in range(ln):
                            a = buf[q]
                            L.x[a] += dem * pc
                            L.xc[c * L.m + a] += dem
                            if self._mark[a] != dirty_stamp:
                                self._mark[a] = dirty_stamp
                                dirty[n_dirty] = a
                                n_dirty += 1
                        continue
                if shift:
                    if n_dirty:
                        _times(&L, dirty, n_dirty)
                        n_dirty = 0
                    excess += self._equilibrate(&L, k, c, pc, fx, dem)
        if n_dirty:
            _times(&L, dirty, n_dirty)
        return lost, excess

    def sweep(self, tuple state, const double[:, ::1] fixed, const double[::1] pce, const int32_t[::1] od_class,
              const double[::1] od_demand) -> float:
        """One Gauss–Seidel pass over the existing path sets (no trees). Returns the restricted excess cost
        Σ_od (Σ_p f_p c_p − d · min_p c_p) met on the way."""
        cdef Links L = _links(state)
        cdef double excess = 0.0
        cdef Py_ssize_t k, c
        with nogil:
            for k in range(od_class.shape[0]):
                c = od_class[k]
                excess += self._equilibrate(&L, k, c, pce[c], &fixed[c, 0], od_demand[k])
        return excess

    def class_flows(self, const int32_t[::1] od_class, double[:, ::1] xc):
        """Class arc flows recomputed from the path flows (exact flow conservation)."""
        cdef Py_ssize_t k, m = xc.shape[1]
        cdef int32_t r
        cdef int64_t q, c
        cdef double f
        cdef double* out = &xc[0, 0]
        with nogil:
            for k in range(xc.shape[0] * m):
                out[k] = 0.0
            for k in range(od_class.shape[0]):
                c = od_class[k]
                r = self._first[k]
                while r != -1:
                    f = self._flow[r]
                    for q in range(self._start[r], self._start[r] + self._len[r]):
                        out[c * m + self._pool[q]] += f
                    r = self._next[r]

    def compact(self):
        """Move the live paths to the front of the pool, in place (drops the arcs of removed paths): paths are
        moved in the order they sit in the pool, each to at most its own start, so none overwrites another."""
        cdef int64_t[::1] live = np.empty(self.n_records - self.n_free, dtype=np.int64)
        cdef Py_ssize_t n = 0, k, i, used = 0
        cdef int32_t r
        for k in range(self.od_first.shape[0]):
            r = self._first[k]
            while r != -1:
                live[n] = r
                n += 1
                r = self._next[r]
        cdef int64_t[::1] by_start = np.asarray(live)[np.argsort(self.p_start[np.asarray(live)[:n]], kind="stable")]
        for i in range(n):
            r = <int32_t>by_start[i]
            if self._start[r] != used:
                memmove(&self._pool[used], &self._pool[self._start[r]], self._len[r] * sizeof(int32_t))
                self._start[r] = used
            used += self._len[r]
        self.pool_used = used
        self.garbage = 0


def _grow(a, Py_ssize_t size):
    """``a`` copied into a larger array; the new entries are left unset (every record and pool entry is
    written before it is read) so that their pages are only touched, and counted as resident, when used."""
    out = np.empty(size, dtype=a.dtype)
    out[: a.shape[0]] = a
    return out
