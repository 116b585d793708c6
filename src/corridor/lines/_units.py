"""Physical constants and unit factors used by the line models (SI inside, named units at the edges)."""

from __future__ import annotations

R_AIR = 287.05  # J/(kg K), specific gas constant of air (anchors §2)
G_ACC = 9.80665  # m/s², standard gravity
BAR = 1e5  # Pa
PSI = 6894.757293168  # Pa
FT = 0.3048  # m
MILE = 1609.344  # m
INCH = 0.0254  # m
BBL = 0.158987294928  # m³ (US oil barrel)
HP = 745.6998715822702  # W (mechanical horsepower)
DAY_S = 86400.0
YEAR_DAYS = 365.0
