"""Field lists, vocabularies and units of the GMNS-style node and link tables.

GMNS names are used where GMNS has one (node_id, from_node_id, to_node_id, directed, x_coord, y_coord,
capacity, toll); our own fields carry their unit in the name (length_km, free_speed_kmh, fixed_time_h).
"""

from __future__ import annotations

MODES: tuple[str, ...] = (
    "rail",
    "road",
    "ferry",
    "pipeline_oil",
    "pipeline_gas",
    "fibre",
    "transfer",
)
NODE_KINDS: tuple[str, ...] = ("city", "station", "port", "border_post", "junction", "terminal")
STATUSES: tuple[str, ...] = ("existing", "under_construction", "planned")
GAUGES_MM: tuple[int, ...] = (1435, 1520)
#: ISO 3166-1 alpha-2 codes accepted in the tables (the region plus neighbours and transit partners).
COUNTRIES: tuple[str, ...] = (
    "AZ", "AM", "TR", "GE", "IR", "RU", "KZ", "TM", "UZ", "CN", "KG", "TJ", "AF", "BG", "GR", "RO", "UA",
    "DE", "IQ", "SY", "US", "GB", "FR", "IT", "NL", "PL", "HU", "AT", "RS",
)
CAPACITY_UNITS: tuple[str, ...] = (
    "t/yr", "Mt/yr", "trains/day", "veh/day", "TEU/yr", "bcm/yr", "mcm/yr", "bbl/day", "Tbit/s", "pax/yr",
)

#: Node table: (name, dtype, required). Order is the CSV column order.
NODE_FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("node_id", "str", True),
    ("name", "str", True),
    ("alt_names", "str", False),  # ';'-separated alternative spellings
    ("place", "str", False),  # id of the place this node belongs to (one place, several mode layers)
    ("kind", "str", True),
    ("country", "str", True),
    ("x_coord", "float", True),  # longitude, WGS 84
    ("y_coord", "float", True),  # latitude, WGS 84
    ("source", "str", False),
)

#: Link table: (name, dtype, required).
LINK_FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("link_id", "str", True),
    ("from_node_id", "str", True),
    ("to_node_id", "str", True),
    ("directed", "bool", False),  # False: usable both ways (GMNS)
    ("name", "str", False),
    ("mode", "str", True),
    ("length_km", "float", True),
    ("free_speed_kmh", "float", False),  # required for every mode but transfer
    ("capacity", "float", False),
    ("capacity_unit", "str", False),
    ("gauge_mm", "float", False),  # required for rail
    ("country", "str", True),
    ("border", "bool", False),  # True: the link is a border crossing (border procedures happen on it)
    ("status", "str", True),
    ("fixed_time_h", "float", False),  # dwell: border procedure, transhipment, gauge change, ferry wait
    ("toll_usd", "float", False),  # per tonne (freight) or per passenger: fees, tariffs, handling
    ("length_source", "str", False),
    ("speed_source", "str", False),
    ("capacity_source", "str", False),
    ("cost_source", "str", False),  # for fixed_time_h and toll_usd
    ("notes", "str", False),
)

NODE_COLUMNS = tuple(f for f, _, _ in NODE_FIELDS)
LINK_COLUMNS = tuple(f for f, _, _ in LINK_FIELDS)

#: Factor to convert a capacity in the given unit to tonnes per year (freight units only).
TONNES_PER_YEAR = {"t/yr": 1.0, "Mt/yr": 1e6}
