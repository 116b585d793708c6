"""The operations a simulation runs: facilities, their resources and the arrival profiles (YAML, every figure
sourced). The bundled corridor case is ``data/operations.yaml``; :func:`load_operations` reads another."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic import ValidationError as PydanticError

from corridor._errors import ValidationError
from corridor.sourced import Sourced, iter_sourced, load_yaml, problems_from_pydantic

Channel = Literal["green", "yellow", "red"]
CHANNELS: tuple[Channel, ...] = ("green", "yellow", "red")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _range(v: tuple[float, ...], n: int, what: str) -> tuple[float, ...]:
    if len(v) != n or any(x < 0 for x in v) or list(v) != sorted(v):
        raise ValueError(f"{what}: expected {n} increasing values >= 0 (got {list(v)})")
    return v


class Profiles(_Model):
    """Relative arrival intensities (normalised to mean 1 where used)."""

    road_day_of_week: Sourced[tuple[float, float, float, float, float, float, float]]
    rail_day_of_week: Sourced[tuple[float, float, float, float, float, float, float]]
    month: Sourced[tuple[float, float, float, float, float, float, float, float, float, float, float, float]]
    road_hour_of_day: Sourced[tuple[float, ...]] | None = None

    @model_validator(mode="after")
    def _positive(self) -> Profiles:
        for name in ("road_day_of_week", "rail_day_of_week", "month", "road_hour_of_day"):
            p = getattr(self, name)
            if p is not None and (any(x < 0 for x in p.value) or sum(p.value) <= 0):
                raise ValueError(f"{name}: weights must be >= 0 with a positive sum")
        if self.road_hour_of_day is not None and len(self.road_hour_of_day.value) != 24:
            raise ValueError("road_hour_of_day: expected 24 weights")
        return self


class SegmentSpec(_Model):
    """One mode's controlled segment: the link whose flow is its traffic, and its posts from east to west."""

    link: str
    east_node: str
    posts: tuple[str, str]
    empty_return: Sourced[bool] | None = None


class BorderPostSpec(_Model):
    name: str
    link: str
    loop: str | None = None  # rail: the passing loop (station) of the single track where the post is
    lanes: Sourced[dict[Channel, int]]
    inspection_bays: Sourced[int]
    exit_lanes: Sourced[int]
    exit_check_min: Sourced[tuple[float, float]]

    @field_validator("lanes")
    @classmethod
    def _lanes(cls, v: Sourced[dict[Channel, int]]) -> Sourced[dict[Channel, int]]:
        missing = [c for c in CHANNELS if c not in v.value]
        if missing or any(n < 1 for n in v.value.values()):
            raise ValueError(f"need at least one lane for each of {', '.join(CHANNELS)} (got {dict(v.value)})")
        return v

    @field_validator("exit_lanes", "inspection_bays")
    @classmethod
    def _at_least_one(cls, v: Sourced[int]) -> Sourced[int]:
        if v.value < 1:
            raise ValueError("must be >= 1")
        return v

    @field_validator("exit_check_min")
    @classmethod
    def _check(cls, v: Sourced[tuple[float, float]]) -> Sourced[tuple[float, float]]:
        _range(v.value, 2, "exit_check_min")
        return v


class SingleTrackSpec(_Model):
    name: str
    maintenance_start_h: Sourced[float]


class GaugeStationSpec(_Model):
    name: str
    link: str
    tracks: Sourced[int]
    service_h: Sourced[tuple[float, float, float]]  # triangular low, mode, high

    @field_validator("service_h")
    @classmethod
    def _service(cls, v: Sourced[tuple[float, float, float]]) -> Sourced[tuple[float, float, float]]:
        _range(v.value, 3, "service_h")
        if v.value[2] <= 0:
            raise ValueError("service_h: the high value must be > 0")
        return v


class FerrySpec(_Model):
    name: str
    link: str
    vessels: Sourced[int]
    wagons_per_vessel: Sourced[int]
    t_per_wagon: Sourced[float]
    lot_wagons: Sourced[int]
    berths: Sourced[int]
    berth_h: Sourced[float]
    max_wait_h: Sourced[float]
    closures_per_year: Sourced[float]
    closure_mean_h: Sourced[float]
    closure_months: Sourced[tuple[float, float, float, float, float, float, float, float, float, float, float,
                                  float]]

    @model_validator(mode="after")
    def _positive(self) -> FerrySpec:
        for name in ("vessels", "wagons_per_vessel", "t_per_wagon", "lot_wagons", "berths", "berth_h",
                     "max_wait_h", "closure_mean_h"):
            if not getattr(self, name).value > 0:
                raise ValueError(f"{name} must be > 0")
        if self.closures_per_year.value < 0:
            raise ValueError("closures_per_year must be >= 0")
        return self


class Operations(_Model):
    """Everything the corridor model needs besides traffic."""

    name: str
    profiles: Profiles
    segments: dict[Literal["rail", "road"], SegmentSpec] = Field(default_factory=dict)
    border_posts: dict[str, BorderPostSpec] = Field(default_factory=dict)
    single_track: SingleTrackSpec | None = None
    gauge_stations: dict[str, GaugeStationSpec] = Field(default_factory=dict)
    ferries: dict[str, FerrySpec] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _posts_exist(self) -> Operations:
        for mode, seg in self.segments.items():
            for p in seg.posts:
                if p not in self.border_posts:
                    raise ValueError(f"segments.{mode}.posts: no border post {p!r} (known: "
                                     f"{', '.join(self.border_posts)})")
        if "rail" in self.segments:
            if self.single_track is None:
                raise ValueError("segments.rail needs a single_track")
            for p in self.segments["rail"].posts:
                if self.border_posts[p].loop is None:
                    raise ValueError(f"border_posts.{p}: a rail post needs the loop it stands at")
        return self

    def sources(self) -> dict[str, str]:
        """Dotted path → source of every figure."""
        return {k: s.source for k, s in iter_sourced(self)}


def _bundled_path() -> Path:
    return Path(str(resources.files("corridor.simulation") / "data" / "operations.yaml"))


def load_operations(path: str | Path | None = None) -> Operations:
    """Read operations from YAML (default: the bundled corridor case); errors name the file and field."""
    if path is None:
        return bundled_operations()
    return _read(Path(path))


@cache
def bundled_operations() -> Operations:
    return _read(_bundled_path())


def _read(path: Path) -> Operations:
    raw, node = load_yaml(path)
    try:
        return Operations.model_validate(raw)
    except PydanticError as e:
        raise ValidationError(problems_from_pydantic(e, file=str(path), node=node)) from None


def operations_queues(net=None, ops: Operations | None = None) -> dict[str, dict]:
    """Queue parameters the operations data gives for the freight assignment's facilities
    (:func:`corridor.assignment.facilities.facility_queues` overrides), by link id: a border post's servers are
    its lanes (all channels), a ferry route's its vessels and its lot one vessel load (wagons × t per wagon).
    With ``net``, only links it has."""
    ops = ops or bundled_operations()
    out: dict[str, dict] = {}
    for key, post in ops.border_posts.items():
        out[post.link] = {"servers": int(sum(post.lanes.value.values())),
                          "source": f"operations border_posts.{key}.lanes ({post.lanes.source})"}
    for key, ferry in ops.ferries.items():
        out[ferry.link] = {"servers": int(ferry.vessels.value),
                           "lot_t": float(ferry.wagons_per_vessel.value * ferry.t_per_wagon.value),
                           "source": f"operations ferries.{key}: vessels ({ferry.vessels.source}); lot = wagons "
                                     f"per vessel × t per wagon"}
    if net is not None:
        out = {k: v for k, v in out.items() if k in net.link_index}
    return out
