"""The compiled kernels (Cython + OpenMP, built by ``pip install -e .``), with a clear error when they are missing.

OpenMP threads wait passively between parallel regions unless ``OMP_WAIT_POLICY`` says otherwise: spinning
threads would take the cores from the sequential Gauss–Seidel steps between the parallel tree batches (and from
other processes on a shared machine). The policy is read when the OpenMP runtime loads, so it is set first.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

try:
    from corridor.assignment import _kernels, _paths, _vdf
except ImportError as exc:  # pragma: no cover - only without a build
    raise ImportError(
        "corridor's compiled assignment kernels are not built (corridor/assignment/_kernels*.so): install the "
        "package with `pip install -e .` (needs a C compiler with OpenMP, e.g. gcc), or rebuild them in place "
        f"with `python setup.py build_ext --inplace` ({exc})"
    ) from exc

__all__ = ["_kernels", "_paths", "_vdf"]
