# Volume-delay functions as inline C: time, derivative and integral of one arc (see _vdf.pyx).
from libc.math cimport asinh, pow, sqrt

cdef enum:
    KIND_BPR = 0
    KIND_CONICAL = 1


cdef inline double vdf_time(int kind, double t0, double cap, double a, double b, double x) noexcept nogil:
    cdef double r, u, beta
    if kind == KIND_BPR:
        if a == 0.0 or t0 == 0.0:
            return t0
        r = x / cap
        if r <= 0.0:
            return t0
        return t0 * (1.0 + a * pow(r, b))
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
    beta = (2.0 * a - 1.0) / (2.0 * a - 2.0)
    return t0 * cap * (_conical_primitive(a, beta, 1.0) - _conical_primitive(a, beta, 1.0 - x / cap))


# the arrays of the volume-delay parameters, one entry per arc (pointers into the problem's arrays)
cdef struct Vdf:
    const signed char* kind
    const double* t0
    const double* cap
    const double* alpha
    const double* beta
