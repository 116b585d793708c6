"""The multimodal network: schema, model (tables + CSR), IO (GMNS, GeoJSON/GPKG, TNTP) and validation.

The names below are loaded on first use (PEP 562), so that ``corridor.network.tntp`` — what a TNTP
assignment needs — imports neither pandas, scipy nor the geometry stack.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_EXPORTS = {
    "bundled_dir": "io", "export_geo": "io", "load_network": "io", "read_gmns": "io", "write_gmns": "io",
    "Network": "model", "great_circle_km": "model", "NetworkWarning": "validate", "validate_network": "validate",
}

__all__ = [
    "Network", "NetworkWarning", "bundled_dir", "export_geo", "great_circle_km", "load_network", "read_gmns",
    "validate_network", "write_gmns",
]

if TYPE_CHECKING:
    from corridor.network.io import bundled_dir, export_geo, load_network, read_gmns, write_gmns
    from corridor.network.model import Network, great_circle_km
    from corridor.network.validate import NetworkWarning, validate_network


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f"corridor.network.{_EXPORTS[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'corridor.network' has no attribute {name!r}")
