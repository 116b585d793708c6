"""The multimodal network: schema, model (tables + CSR), IO (GMNS, GeoJSON/GPKG, TNTP) and validation."""

from corridor.network.io import bundled_dir, export_geo, load_network, read_gmns, write_gmns
from corridor.network.model import Network, great_circle_km
from corridor.network.validate import NetworkWarning, validate_network

__all__ = [
    "Network", "NetworkWarning", "bundled_dir", "export_geo", "great_circle_km", "load_network", "read_gmns",
    "validate_network", "write_gmns",
]
