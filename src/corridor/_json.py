"""JSON that numpy values, NaN, dates and pydantic models survive (NaN/inf become null)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np


def _default(o: Any):
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return None if math.isnan(o) else float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if hasattr(o, "model_dump"):
        return o.model_dump(mode="json")
    if hasattr(o, "isoformat"):
        return o.isoformat()
    return str(o)


def _clean(o: Any):
    """Replace NaN/inf floats by None so the JSON is valid."""
    if isinstance(o, float) and not math.isfinite(o):
        return None
    if isinstance(o, dict):
        return {k: _clean(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [_clean(v) for v in o]
    return o


def to_json(data: Any) -> str:
    return json.dumps(_clean(json.loads(json.dumps(data, default=_default))), indent=2, ensure_ascii=False)
