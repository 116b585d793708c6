# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled Gauss–Seidel sweep of the path-based logit SUE (see ``corridor.assignment.logit``).

The O–D pairs with two paths or more are blocks in flat arrays: ``blk_ptr`` into ``paths`` (the block's path
indices), ``arc_ptr`` into ``arcs`` (the distinct arcs its paths use) and ``inc_ptr`` into ``inc`` (the block's
path × arc incidence, dense, row-major). Per block, one Newton step on Fisk's objective in the block's path flows
(Hessian Δᵀ diag(t') Δ + diag(1 / (θ f)), symmetric positive definite: solved by Cholesky), projected onto
Σ Δ = 0, with the step rule of :func:`corridor.assignment.logit._sweep` (at most 90 % of the way to a zero
flow, halved while the slope at the new point exceeds half its magnitude at the start).
"""

from libc.math cimport INFINITY, log, sqrt
from libc.stdint cimport int32_t, int64_t

import numpy as np
from libc.stdlib cimport free, malloc

from corridor.assignment._vdf cimport vdf_time, vdf_time_deriv


cdef int _cholesky_solve2(double* h, double* r1, double* r2, Py_ssize_t n) noexcept nogil:
    """Solve h·z = r for two right-hand sides in place (h overwritten by its Cholesky factor). 0 if h is not
    positive definite (numerically)."""
    cdef Py_ssize_t i, j, k
    cdef double s
    for j in range(n):
        s = h[j * n + j]
        for k in range(j):
            s -= h[j * n + k] * h[j * n + k]
        if not s > 0.0:
            return 0
        h[j * n + j] = sqrt(s)
        for i in range(j + 1, n):
            s = h[i * n + j]
            for k in range(j):
                s -= h[i * n + k] * h[j * n + k]
            h[i * n + j] = s / h[j * n + j]
    for i in range(n):  # L y = r
        for k in range(i):
            r1[i] -= h[i * n + k] * r1[k]
            r2[i] -= h[i * n + k] * r2[k]
        r1[i] /= h[i * n + i]
        r2[i] /= h[i * n + i]
    for i in range(n - 1, -1, -1):  # Lᵀ z = y
        for k in range(i + 1, n):
            r1[i] -= h[k * n + i] * r1[k]
            r2[i] -= h[k * n + i] * r2[k]
        r1[i] /= h[i * n + i]
        r2[i] /= h[i * n + i]
    return 1


cdef double _centred_slope(const double* a, const double* tu, const double* fixed, const double* lf,
                           const double* th, const double* delta, double* g, Py_ssize_t np_, Py_ssize_t nu,
                           const int64_t* idx) noexcept nogil:
    """g_i = Σ_j a_ij tu_j + fixed_{idx_i} + ln f_i / θ_i, centred (g − mean g); returns g·δ (δ may be NULL)."""
    cdef Py_ssize_t i, j
    cdef double s, mean = 0.0, out = 0.0
    for i in range(np_):
        s = fixed[idx[i]] + lf[i] / th[i]
        for j in range(nu):
            s += a[i * nu + j] * tu[j]
        g[i] = s
        mean += s
    mean /= np_
    for i in range(np_):
        g[i] -= mean
        if delta != NULL:
            out += g[i] * delta[i]
    return out


def sweep(const int64_t[::1] blk_ptr, const int64_t[::1] paths, const int64_t[::1] arc_ptr,
          const int64_t[::1] arcs, const int64_t[::1] inc_ptr, const double[::1] inc,
          const signed char[::1] kind, const double[::1] t0, const double[::1] cap, const double[::1] alpha,
          const double[::1] beta, double[::1] f, double[::1] x, const double[::1] fixed_p,
          const double[::1] theta_p) -> float:
    """One Gauss–Seidel pass over the blocks, ``f`` and ``x`` updated in place; returns the smallest step."""
    cdef Py_ssize_t n_blk = blk_ptr.shape[0] - 1, b, i, j, l, np_, nu, it
    cdef Py_ssize_t max_p = 1, max_u = 1
    for b in range(n_blk):
        max_p = max(max_p, blk_ptr[b + 1] - blk_ptr[b])
        max_u = max(max_u, arc_ptr[b + 1] - arc_ptr[b])
    cdef double* work = <double*>malloc((max_p * max_p + 9 * max_p + 4 * max_u) * sizeof(double))
    if work == NULL:
        raise MemoryError()
    cdef double* h = work
    cdef double* fk = h + max_p * max_p
    cdef double* th = fk + max_p
    cdef double* lf = th + max_p
    cdef double* g = lf + max_p
    cdef double* hg = g + max_p
    cdef double* h1 = hg + max_p
    cdef double* delta = h1 + max_p
    cdef double* fn = delta + max_p
    cdef double* gn = fn + max_p
    cdef double* xu = gn + max_p
    cdef double* tu = xu + max_u
    cdef double* du = tu + max_u
    cdef double* xn = du + max_u
    cdef const int64_t* idx
    cdef const int64_t* u
    cdef const double* a
    cdef double smallest = 1.0, slope0, lam, s, shg, sh1, rmin
    try:
        with nogil:
            for b in range(n_blk):
                idx = &paths[blk_ptr[b]]
                np_ = blk_ptr[b + 1] - blk_ptr[b]
                u = &arcs[arc_ptr[b]]
                nu = arc_ptr[b + 1] - arc_ptr[b]
                a = &inc[inc_ptr[b]]
                for i in range(np_):
                    fk[i] = f[idx[i]]
                    th[i] = theta_p[idx[i]]
                    lf[i] = log(fk[i])
                for j in range(nu):
                    xu[j] = x[u[j]]
                    vdf_time_deriv(kind[u[j]], t0[u[j]], cap[u[j]], alpha[u[j]], beta[u[j]], xu[j], &tu[j],
                                   &du[j])
                _centred_slope(a, tu, &fixed_p[0], lf, th, NULL, g, np_, nu, idx)
                for i in range(np_):
                    for l in range(i + 1):
                        s = 0.0
                        for j in range(nu):
                            s += a[i * nu + j] * a[l * nu + j] * du[j]
                        h[i * np_ + l] = s
                        h[l * np_ + i] = s
                    h[i * np_ + i] += 1.0 / (th[i] * fk[i])
                    hg[i] = g[i]
                    h1[i] = 1.0
                if not _cholesky_solve2(h, hg, h1, np_):
                    continue
                shg = 0.0
                sh1 = 0.0
                for i in range(np_):
                    shg += hg[i]
                    sh1 += h1[i]
                slope0 = 0.0
                for i in range(np_):
                    delta[i] = -(hg[i] - h1[i] * (shg / sh1))
                    slope0 += g[i] * delta[i]
                if not slope0 < 0.0:
                    continue
                rmin = INFINITY
                for i in range(np_):
                    if delta[i] < 0.0 and fk[i] / -delta[i] < rmin:
                        rmin = fk[i] / -delta[i]
                lam = min(1.0, 0.9 * rmin)
                for it in range(40):
                    for i in range(np_):
                        fn[i] = fk[i] + lam * delta[i]
                        lf[i] = log(fn[i])
                    for j in range(nu):
                        s = 0.0
                        for i in range(np_):
                            s += a[i * nu + j] * delta[i]
                        xn[j] = xu[j] + lam * s
                        tu[j] = vdf_time(kind[u[j]], t0[u[j]], cap[u[j]], alpha[u[j]], beta[u[j]], xn[j])
                    if _centred_slope(a, tu, &fixed_p[0], lf, th, delta, gn, np_, nu, idx) <= -0.5 * slope0:
                        break
                    lam *= 0.5
                for i in range(np_):
                    f[idx[i]] = fn[i]
                for j in range(nu):
                    x[u[j]] = xn[j]
                if lam < smallest:
                    smallest = lam
    finally:
        free(work)
    return smallest


def trace_paths(const int32_t[:, ::1] preds, const int64_t[::1] tail, const int32_t[::1] grp_origin,
                const int64_t[::1] grp_ptr, const int32_t[::1] od_dest, const double[::1] od_sp, Py_ssize_t g0,
                Py_ssize_t g1, list out):
    """``out[k]`` = the arcs (destination → origin) of O–D pair k's path in its group's tree (``preds`` row
    g − g0: each node's predecessor arc), for the groups g0..g1 − 1; pairs with an infinite cost are left."""
    cdef Py_ssize_t g, k, n_arcs
    cdef int32_t v, o
    cdef int64_t a
    cdef int64_t[::1] buf = np.empty(preds.shape[1], dtype=np.int64)
    for g in range(g0, g1):
        o = grp_origin[g]
        for k in range(grp_ptr[g], grp_ptr[g + 1]):
            if not od_sp[k] < INFINITY:
                continue
            n_arcs = 0
            v = od_dest[k]
            while v != o:
                a = preds[g - g0, v]
                buf[n_arcs] = a
                n_arcs += 1
                v = <int32_t>tail[a]
            out[k] = np.asarray(buf[:n_arcs]).copy()

