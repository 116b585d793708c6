"""Risk channels and inspection times from the transit service itself: each simulated movement carries cargo
drawn like the demo's (:mod:`corridor.transit.traffic`) and is assessed by the service's rule set
(:func:`corridor.transit.risk.assess`, random selection with daily quotas); its time at the entry post follows the
demo's documentary-check and inspection ranges. Nothing here is a second copy of those figures.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from corridor.transit import traffic as tt
from corridor.transit.risk import DEFAULT_RULES, Facts, RuleSet, assess
from corridor.transit.schemas import TRUCK_PAYLOAD_KG, WAGON_PAYLOAD_KG

#: Facts drawn per mode once per replication; each movement picks one (cheap, and the mix is the demo's).
POOL_SIZE = 2048


def _truck_facts(rng: random.Random) -> Facts:
    hs, _desc, kg, usd = rng.choice(tt.CARGO)
    mass = rng.uniform(*kg)
    if rng.random() < tt.OVERLOAD_SHARE:
        mass = tt.OVERLOAD_MASS_KG
    return Facts((hs,), mass, mass * rng.uniform(*usd), TRUCK_PAYLOAD_KG, 0)


def _train_facts(rng: random.Random) -> Facts:
    wagons = rng.randint(*tt.TRAIN_WAGONS)
    codes, mass, value = [], 0.0, 0.0
    for _ in range(wagons):
        hs, _desc, kg, usd = rng.choice(tt.TRAIN_CARGO)
        m = rng.uniform(*kg)
        codes.append(hs)
        mass += m
        value += m * rng.uniform(*usd)
    return Facts(tuple(codes), mass, value, WAGON_PAYLOAD_KG * wagons, 0)


def with_red_rate(rules: RuleSet, red_rate: float) -> RuleSet:
    """``rules`` with the random red-selection rate set to ``red_rate`` and no red quota (what-if: "30 % red")."""
    if not 0 <= red_rate <= 1:
        raise ValueError(f"red rate must be in [0, 1] (got {red_rate})")
    rates = {**rules.random_rate, "red": red_rate}
    rates["yellow"] = min(rates.get("yellow", 0.0), 1 - red_rate)
    quota = {**rules.daily_quota, "red": 10**9}
    return rules.model_copy(update={"random_rate": rates, "daily_quota": quota,
                                    "version": f"{rules.version}+red{red_rate:g}"})


@dataclass
class ChannelDraw:
    """Assigns channels and entry-post service times for one replication (seeded)."""

    rng: random.Random
    rules: RuleSet = DEFAULT_RULES
    pools: dict[str, list[Facts | None]] = field(default_factory=dict)  # drawn lazily (see _pick)
    _day: int = -1
    _used: dict[str, int] = field(default_factory=dict)

    _fixed: dict[str, list[str | None]] = field(default_factory=dict)
    _random_only: RuleSet | None = None
    _scratch: random.Random = field(default_factory=lambda: random.Random(0))

    def __post_init__(self) -> None:
        # the criteria do not depend on time or chance: each pooled declaration is assessed once (a hit fixes
        # the channel; assess draws nothing then) and the rest go to the random selection alone (the rule set
        # without criteria), as assess would send them
        self._random_only = self.rules.model_copy(update={"rules": ()})
        for mode, pool in self.pools.items():
            self._fixed[mode] = [self._criteria(f) for f in pool]

    def _criteria(self, f: Facts) -> str | None:
        d = assess(f, self.rules, rng=self._scratch, random_used_today={})  # a draw here is not the stream's
        return d.channel if d.hits else None

    def _pick(self, mode: str) -> int:
        """A uniform slot of the mode's pool of POOL_SIZE declarations, each drawn the first time it is picked
        (a run with a few hundred trains draws a few hundred, not the whole pool)."""
        if mode not in self.pools:
            self.pools[mode], self._fixed[mode] = [None] * POOL_SIZE, [None] * POOL_SIZE
        pool = self.pools[mode]
        i = self.rng.randrange(len(pool))
        if pool[i] is None:
            pool[i] = (_train_facts if mode == "rail" else _truck_facts)(self.rng)
            self._fixed[mode][i] = self._criteria(pool[i])
        return i

    def channel(self, mode: str, now_h: float) -> str:
        """Assess one movement at time ``now_h``: criteria first, then random selection within today's quota."""
        day = int(now_h // 24)
        if day != self._day:
            self._day, self._used = day, {}
        i = self._pick(mode)
        fixed = self._fixed[mode][i]
        if fixed is not None:
            return fixed
        decision = assess(self.pools[mode][i], self._random_only, rng=self.rng, random_used_today=self._used)
        if decision.rule.startswith("RANDOM-"):
            self._used[decision.channel] = self._used.get(decision.channel, 0) + 1
        return decision.channel

    def entry_service_h(self, channel: str) -> tuple[float, float]:
        """(documentary check, inspection) hours: red, and the demo's share of yellow, are held and inspected."""
        check = self.rng.uniform(*tt.DOCUMENT_CHECK_MIN) / 60.0
        held = channel == "red" or (channel == "yellow" and self.rng.random() < tt.YELLOW_INSPECTED_SHARE)
        return check, (self.rng.uniform(*tt.INSPECTION_MIN) / 60.0 if held else 0.0)
