"""The demo traffic as data: cargo mix, fates and the durations of each step of a movement's life cycle.

:mod:`corridor.transit.demo` plays these into the service; :mod:`corridor.simulation` draws the same cargo through
the same risk rules and times inspections with the same ranges, so the two never disagree. Every figure is an
assumption (a start-up corridor; no published procedure times for the corridor): ranges are uniform (low, high) in minutes.
"""

from __future__ import annotations

#: Typical cargo on the Middle Corridor (HS code, description, kg range, USD/kg range); assumption.
CARGO: tuple[tuple[str, str, tuple[float, float], tuple[float, float]], ...] = (
    ("100199", "wheat in bulk", (20_000, 26_000), (0.2, 0.35)),
    ("271019", "diesel fuel", (18_000, 24_000), (0.7, 1.0)),
    ("720839", "hot-rolled steel coils", (20_000, 25_000), (0.6, 0.9)),
    ("310230", "ammonium nitrate fertiliser", (22_000, 26_000), (0.3, 0.45)),
    ("847130", "laptops", (4_000, 9_000), (40.0, 90.0)),
    ("081010", "fresh strawberries", (8_000, 16_000), (2.0, 4.0)),
    ("240220", "cigarettes", (6_000, 12_000), (15.0, 30.0)),
    ("390110", "polyethylene granules", (18_000, 24_000), (1.0, 1.4)),
)
#: Cargo that travels by train (bulk and industrial goods; no high-value or perishable loads); assumption.
TRAIN_CARGO = CARGO[:4] + CARGO[7:]
#: Wagons per block train (one container each); assumption.
TRAIN_WAGONS = (20, 40)
#: Share of trucks declared above their payload (the OVERLOAD rule sends them red) and the mass they declare, kg.
OVERLOAD_SHARE = 0.03
OVERLOAD_MASS_KG = 31_000.0

#: Share of declarations cancelled by the carrier, and (cumulative) of those rejected by the officer.
CANCEL_SHARE = 0.03
REJECT_SHARE = 0.06  # cumulative: fates in [CANCEL_SHARE, REJECT_SHARE) are rejected
#: Submission to the officer's acceptance and risk assessment.
REVIEW_MIN = (5.0, 45.0)
#: Assessment to release (green, or yellow not held) or to the hold for inspection: the documentary check.
DOCUMENT_CHECK_MIN = (2.0, 20.0)
#: Share of yellow-channel movements the officer holds for physical inspection (red ones always are).
YELLOW_INSPECTED_SHARE = 0.3
#: Hold to the recorded inspection result.
INSPECTION_MIN = (60.0, 240.0)
#: Share of inspections that pass.
INSPECTION_PASS_SHARE = 0.85
#: Release to arrival at the entry checkpoint.
TO_BORDER_MIN = (30.0, 300.0)
#: Running time through the segment as a multiple of length / speed.
RUNNING_FACTOR = (0.9, 1.6)
#: Share of movements that break down in the segment, and the time they lose.
BREAKDOWN_SHARE = 0.06
BREAKDOWN_MIN = 540.0
#: Exit to discharge by the office of destination.
DISCHARGE_MIN = (60.0, 360.0)
