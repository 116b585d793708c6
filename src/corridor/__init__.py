"""corridor: plan and operate transit corridors (built first for TRIPP, the Trump Route for International
Peace and Prosperity across Armenia's Syunik province).

Public subpackages: :mod:`corridor.network`, :mod:`corridor.routing`, :mod:`corridor.scenario`,
:mod:`corridor.assignment`, :mod:`corridor.lines`, :mod:`corridor.economics`, :mod:`corridor.transit`,
:mod:`corridor.report`. The command-line interface is ``corridor`` (:mod:`corridor.cli`).
"""

from corridor._errors import CorridorError, NoRouteError, NotFoundError, PhysicsError, ValidationError

__version__ = "0.1.0"
__all__ = ["CorridorError", "NoRouteError", "NotFoundError", "PhysicsError", "ValidationError", "__version__"]
