"""Sovereign transit control for the corridor: declarations, life cycle, risk, checkpoints, capacity, audit.

The service layer (`corridor.transit.service.TransitService`) works without FastAPI; the HTTP API lives in
`corridor.transit.api` (``create_app``).
"""

from corridor.transit.auth import Principal, Role
from corridor.transit.errors import Conflict, Forbidden, Missing, TransitError, Unauthenticated, Unprocessable
from corridor.transit.route import Corridor, Direction, load_corridor
from corridor.transit.service import Idem, TransitService
from corridor.transit.settings import Settings
from corridor.transit.states import Act, State

__all__ = [
    "Act",
    "Conflict",
    "Corridor",
    "Direction",
    "Forbidden",
    "Idem",
    "Missing",
    "Principal",
    "Role",
    "Settings",
    "State",
    "TransitError",
    "TransitService",
    "Unauthenticated",
    "Unprocessable",
    "load_corridor",
]
