# Volume-delay functions as inline C: time, derivative and integral of one arc (see _vdf.pyx).
from libc.math cimport asinh, exp, log, pow, sqrt

cdef enum:
    KIND_BPR = 0
    KIND_CONICAL = 1
    KIND_QUEUE = 2

# Queue kind (facilities: border posts, ferries, rail lines): t = t0 + W(x/cap) with the Allen–Cunneen G/G/c mean
# wait W(ρ) = s · C(c, cρ) / (1 − ρ) (Erlang C; s = α = E[S]·(ca² + cs²)/(2c) in hours, c = β servers), the
# formula of corridor.queueing.allen_cunneen_wait (Kingman for c = 1). Above ρ = QUEUE_RHO_MAX it continues along
# its tangent, so that t stays finite, convex and increasing for any flow (a numerical device, not a figure).
cdef extern from *:
    """
    #define QUEUE_RHO_MAX 0.95
    """
    double QUEUE_RHO_MAX


cdef inline void _erlang_c_d(int c, double a, double* C, double* dC) noexcept nogil:
    """Erlang C(c, a) and dC/da by the Erlang B recursion and its derivative (a < c)."""
    cdef double b = 1.0, db = 0.0, den, d, dd
    cdef int k
    for k in range(1, c + 1):
        den = k + a * b
        db = (b + a * db) * k / (den * den)
        b = a * b / den
    d = c - a * (1.0 - b)
    dd = -(1.0 - b) + a * db
    C[0] = c * b / d
    dC[0] = c * (db * d - b * dd) / (d * d)


cdef inline void queue_wait(double s, double servers, double rho, double* w, double* dw) noexcept nogil:
    """W(ρ) and dW/dρ of the queue kind (tangent continuation above QUEUE_RHO_MAX; 0 at ρ ≤ 0)."""
    cdef int c = <int>servers
    cdef double r = rho, C = 0.0, dC = 0.0, u
    if rho <= 0.0:
        r = 0.0
    elif rho > QUEUE_RHO_MAX:
        r = QUEUE_RHO_MAX
    _erlang_c_d(c, c * r, &C, &dC)
    u = 1.0 - r
    w[0] = s * C / u
    dw[0] = s * (c * dC * u + C) / (u * u)
    if rho > QUEUE_RHO_MAX:
        w[0] += dw[0] * (rho - QUEUE_RHO_MAX)


cdef inline double queue_wait_integral(double s, double servers, double rho) noexcept nogil:
    """∫₀^ρ W: for ρ ≤ QUEUE_RHO_MAX by r = 1 − e^(−u), ∫ W dr = s ∫₀^U C(c, c(1 − e^(−u))) du (a smooth
    integrand), Gauss–Legendre with 8 nodes on 4 panels; above it the tangent's exact integral."""
    cdef double xs[4]
    cdef double ws[4]
    xs[:] = [0.1834346424956498, 0.5255324099163290, 0.7966664774136267, 0.9602898564975363]
    ws[:] = [0.3626837833783620, 0.3137066458778873, 0.2223810344533745, 0.1012285362903763]
    cdef int c = <int>servers, i, j, side
    cdef double r = rho if rho < QUEUE_RHO_MAX else QUEUE_RHO_MAX, U, h, mid, total = 0.0, C, dC, u, w, dw
    if rho <= 0.0:
        return 0.0
    U = -log(1.0 - r)
    h = U / 4.0
    for i in range(4):
        mid = (i + 0.5) * h
        for j in range(4):
            for side in range(2):
                u = mid + (0.5 if side else -0.5) * h * xs[j]
                _erlang_c_d(c, c * (1.0 - exp(-u)), &C, &dC)
                total += 0.5 * h * ws[j] * C
    total *= s
    if rho > QUEUE_RHO_MAX:
        queue_wait(s, servers, QUEUE_RHO_MAX, &w, &dw)
        total += w * (rho - QUEUE_RHO_MAX) + 0.5 * dw * (rho - QUEUE_RHO_MAX) ** 2
    return total


cdef inline double vdf_time(int kind, double t0, double cap, double a, double b, double x) noexcept nogil:
    cdef double r, u, beta
    if kind == KIND_BPR:
        if a == 0.0 or t0 == 0.0:
            return t0
        r = x / cap
        if r <= 0.0:
            return t0
        return t0 * (1.0 + a * pow(r, b))
    cdef double w, dw
    if kind == KIND_QUEUE:
        queue_wait(a, b, x / cap, &w, &dw)
        return t0 + w
    u = 1.0 - x / cap
    beta = (2.0 * a - 1.0) / (2.0 * a - 2.0)
    return t0 * (2.0 + sqrt(a * a * u * u + beta * beta) - a * u - beta)


cdef inline double vdf_deriv(int kind, double t0, double cap, double a, double b, double x) noexcept nogil:
    """d t / d x (at x = 0 the BPR derivative is 0 for b > 1, the exact limit)."""
    cdef double r, u, beta
    if kind == KIND_BPR:
        if a == 0.0 or t0 == 0.0 or b == 0.0:
            return 0.0
        r = x / cap
        if r <= 0.0:
            return t0 * a / cap if b == 1.0 else 0.0
        return t0 * a * b / cap * pow(r, b - 1.0)
    cdef double w, dw
    if kind == KIND_QUEUE:
        queue_wait(a, b, x / cap, &w, &dw)
        return dw / cap
    u = 1.0 - x / cap
    beta = (2.0 * a - 1.0) / (2.0 * a - 2.0)
    return t0 / cap * (a - a * a * u / sqrt(a * a * u * u + beta * beta))


cdef inline void vdf_time_deriv(int kind, double t0, double cap, double a, double b, double x,
                                double* t, double* dt) noexcept nogil:
    """t(x) and t'(x) with one power evaluation (the path-based inner loops update both per arc)."""
    cdef double r, rb1
    if kind == KIND_BPR:
        if a == 0.0 or t0 == 0.0:
            t[0] = t0
            dt[0] = 0.0
            return
        r = x / cap
        if r <= 0.0:
            t[0] = t0
            dt[0] = t0 * a / cap if b == 1.0 else 0.0
            return
        if b == 4.0:
            rb1 = r * r * r
        elif b == 1.0:
            rb1 = 1.0
        else:
            rb1 = pow(r, b - 1.0)
        t[0] = t0 * (1.0 + a * rb1 * r)
        dt[0] = t0 * a * b / cap * rb1
        return
    if kind == KIND_QUEUE:
        queue_wait(a, b, x / cap, t, dt)
        t[0] += t0
        dt[0] /= cap
        return
    t[0] = vdf_time(kind, t0, cap, a, b, x)
    dt[0] = vdf_deriv(kind, t0, cap, a, b, x)


cdef inline double _conical_primitive(double a, double beta, double u) noexcept nogil:
    cdef double s = sqrt(a * a * u * u + beta * beta)
    return (2.0 - beta) * u - 0.5 * a * u * u + 0.5 * u * s + beta * beta / (2.0 * a) * asinh(a * u / beta)


cdef inline double vdf_integral(int kind, double t0, double cap, double a, double b, double x) noexcept nogil:
    """Integral of t from 0 to x (the arc's term of the Beckmann objective)."""
    cdef double r, beta
    if kind == KIND_BPR:
        if a == 0.0 or t0 == 0.0 or x <= 0.0:
            return t0 * x
        r = x / cap
        return t0 * (x + a * cap / (b + 1.0) * pow(r, b + 1.0))
    if kind == KIND_QUEUE:
        return t0 * x + cap * queue_wait_integral(a, b, x / cap)
    beta = (2.0 * a - 1.0) / (2.0 * a - 2.0)
    return t0 * cap * (_conical_primitive(a, beta, 1.0) - _conical_primitive(a, beta, 1.0 - x / cap))


# the arrays of the volume-delay parameters, one entry per arc (pointers into the problem's arrays)
cdef struct Vdf:
    const signed char* kind
    const double* t0
    const double* cap
    const double* alpha
    const double* beta
