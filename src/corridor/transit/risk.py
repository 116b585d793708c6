"""Selectivity: versioned field-based rules, then random selection with per-channel daily quotas (ASYCUDA,
transit-anchors §3). Each decision names the rule that fired and the rule-set version.

Order as in ASYCUDA: criteria hits first (the strictest channel wins; ties go to the first rule listed), then,
if none hit, a random draw per channel (red, then yellow) as long as that channel's random quota for the day is
not used up; otherwise green.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Channel = Literal["green", "yellow", "red"]
_RANK = {"green": 0, "yellow": 1, "red": 2}


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    channel: Channel
    kind: Literal["hs_chapter", "carrier_history", "overload", "value_density"]
    description: str
    #: hs_chapter: the two-digit chapters that hit
    chapters: tuple[int, ...] = ()
    #: carrier_history: hits when the carrier had at least this many rejections or failed inspections
    min_incidents: int = 1
    #: overload: hits when declared gross mass exceeds this share of what the wagons/truck can carry
    load_factor: float = 1.0
    #: value_density: hits when declared value per kg is below this (under-valuation), USD/kg
    min_usd_per_kg: float = 0.0


class RuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    rules: tuple[Rule, ...]
    #: probability of a random selection into each channel (when no rule hit)
    random_rate: dict[Channel, float] = Field(default_factory=dict)
    #: most random selections per channel per day (quota); criteria hits are not capped
    daily_quota: dict[Channel, int] = Field(default_factory=dict)


#: The bundled rule set. Chapters from the HS nomenclature: 93 arms and ammunition, 28/29 chemicals (precursors),
#: 24 tobacco, 71 precious metals and stones, 27 mineral fuels. Rates and quotas: assumption (ASYCUDA lets
#: each administration set them; a few percent is the usual order of magnitude for random control).
DEFAULT_RULES = RuleSet(
    version="2026.1",
    rules=(
        Rule(
            id="HS-ARMS", channel="red", kind="hs_chapter", chapters=(93,), description="arms and ammunition"
        ),
        Rule(
            id="OVERLOAD",
            channel="red",
            kind="overload",
            load_factor=1.0,
            description="declared mass exceeds what the wagons or truck can carry",
        ),
        Rule(
            id="HS-SENSITIVE",
            channel="yellow",
            kind="hs_chapter",
            chapters=(24, 28, 29, 71),
            description="tobacco, chemical precursors, precious metals: documentary check",
        ),
        Rule(
            id="CARRIER-HISTORY",
            channel="yellow",
            kind="carrier_history",
            min_incidents=2,
            description="carrier had two or more rejections or failed inspections",
        ),
        Rule(
            id="LOW-VALUE",
            channel="yellow",
            kind="value_density",
            min_usd_per_kg=0.05,
            description="declared value under 0.05 USD/kg suggests under-valuation",
        ),
    ),
    random_rate={"red": 0.02, "yellow": 0.05},
    daily_quota={"red": 20, "yellow": 40},
)


@dataclass(frozen=True)
class Facts:
    """What the rules look at: fields of the declaration and the carrier's record."""

    hs_codes: tuple[str, ...]
    total_mass_kg: float
    total_value_usd: float
    payload_kg: float
    carrier_incidents: int


@dataclass(frozen=True)
class Decision:
    channel: Channel
    rule: str  # id of the rule that fired, RANDOM-<CHANNEL>, or NONE
    version: str
    hits: tuple[str, ...] = field(default=())  # every rule that hit


def _hits(rule: Rule, f: Facts) -> bool:
    if rule.kind == "hs_chapter":
        return any(int(code[:2]) in rule.chapters for code in f.hs_codes)
    if rule.kind == "carrier_history":
        return f.carrier_incidents >= rule.min_incidents
    if rule.kind == "overload":
        return f.total_mass_kg > rule.load_factor * f.payload_kg
    if rule.kind == "value_density":
        return f.total_value_usd / f.total_mass_kg < rule.min_usd_per_kg
    raise AssertionError(rule.kind)  # pragma: no cover - Literal restricts kinds


def assess(
    facts: Facts, rules: RuleSet, *, rng: random.Random, random_used_today: dict[str, int]
) -> Decision:
    """Choose the channel. ``random_used_today`` counts today's random selections per channel (for quotas)."""
    hits = [r for r in rules.rules if _hits(r, facts)]
    if hits:
        top = max(hits, key=lambda r: _RANK[r.channel])  # max keeps the first of equals
        return Decision(top.channel, top.id, rules.version, tuple(r.id for r in hits))
    draw = rng.random()
    threshold = 0.0
    for channel in ("red", "yellow"):
        threshold += rules.random_rate.get(channel, 0.0)
        if draw < threshold:
            if random_used_today.get(channel, 0) < rules.daily_quota.get(channel, 0):
                return Decision(channel, f"RANDOM-{channel.upper()}", rules.version)
            break
    return Decision("green", "NONE", rules.version)
