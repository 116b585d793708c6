"""Darcy friction factors: Colebrook (solved with scipy), Swamee–Jain (explicit), AGA fully turbulent.

All functions take numpy arrays (broadcast) or scalars and return the same shape. Below Re 2300 the flow is
taken as laminar, f = 64/Re (Hagen–Poiseuille); above it the turbulent formula is used as is.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import newton

LAMINAR_RE = 2300.0
_LN10 = np.log(10.0)


def swamee_jain(re, rel_roughness):
    """Swamee & Jain (1976): f = 0.25 / [log10(ε/3.7D + 5.74/Re^0.9)]^2 (turbulent); 64/Re if laminar."""
    re, ed = np.broadcast_arrays(np.asarray(re, float), np.asarray(rel_roughness, float))
    turb = 0.25 / np.log10(ed / 3.7 + 5.74 / re**0.9) ** 2
    return _laminar(re, turb)


def colebrook(re, rel_roughness):
    """Colebrook (1939): 1/√f = −2 log10(ε/3.7D + 2.51/(Re √f)), solved by Newton from Swamee–Jain."""
    re, ed = np.broadcast_arrays(np.asarray(re, float), np.asarray(rel_roughness, float))
    if np.any(re <= 0) or np.any(ed < 0):
        raise ValueError("Reynolds number must be > 0 and relative roughness >= 0")
    lam = re
    re = np.maximum(re, LAMINAR_RE)  # the turbulent formula is solved where it applies only
    x0 = 1.0 / np.sqrt(0.25 / np.log10(ed / 3.7 + 5.74 / re**0.9) ** 2)

    def g(x):
        return x + 2.0 * np.log10(ed / 3.7 + 2.51 * x / re)

    def dg(x):
        return 1.0 + 2.0 * 2.51 / (re * _LN10 * (ed / 3.7 + 2.51 * x / re))

    x = newton(g, np.atleast_1d(x0), fprime=dg, tol=1e-13, maxiter=50)
    turb = (1.0 / np.asarray(x) ** 2).reshape(re.shape)
    return _laminar(lam, turb)


def aga_fully_turbulent(rel_roughness):
    """AGA fully turbulent transmission factor F = 4 log10(3.7 D/ε) as a Darcy factor f = 4/F²."""
    ed = np.asarray(rel_roughness, float)
    return 4.0 / (4.0 * np.log10(3.7 / ed)) ** 2


def friction_factor(re, rel_roughness, method: str = "colebrook"):
    """Darcy friction factor by ``method``: "colebrook" or "swamee_jain"."""
    if method == "colebrook":
        return colebrook(re, rel_roughness)
    if method == "swamee_jain":
        return swamee_jain(re, rel_roughness)
    raise ValueError(f"unknown friction method {method!r}; expected 'colebrook' or 'swamee_jain'")


def _laminar(re, turb):
    out = np.where(re < LAMINAR_RE, 64.0 / np.maximum(re, 1e-300), turb)
    return out if out.ndim else float(out)
