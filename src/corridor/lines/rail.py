"""Rail line capacity: the CIS parallel-graph method (1520 mm practice) and UIC 406 compression.

- Single track, non-packet parallel graph: period T = t' + t'' + τ_a + τ_b on each section between passing
  loops (running times both ways plus the station intervals at its ends); the section with the largest T is
  critical and N = (1440 − t_tech) α / T pairs of trains per day (anchors §3).
- Double track: each track one direction; with automatic block N = (1440 − t_tech) α / I trains per day and
  direction, I = 0.06 (3 l_block + l_train)/v minutes (lengths m, speed km/h; the CIS textbook headway of a
  three-aspect block); without it the period of a section is its running time plus the station interval.
- Passenger trains remove ε freight paths each; freight trains × net mass × days = tonnes per year.
- UIC Code 406 (2004): blocking-time stairways pushed together to zero buffer in timetable order; the
  compressed occupancy (+ supplements) over the reference period is the capacity consumption, compared with
  the UIC ceiling for the period.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from corridor._errors import Problem, ValidationError
from corridor.lines._inputs import Inputs

DAY_MIN = 1440.0


@dataclass
class RailCapacity:
    """Capacity of a line: trains per day per direction (= pairs per day), the critical section, tonnes."""

    method: str
    tracks: int
    trains_per_day: float  # per direction (pairs per day on single track)
    critical_section: str
    critical_period_min: float
    sections: pd.DataFrame  # section, period_min, trains_per_day
    passenger_trains_per_day: float = 0.0
    freight_trains_per_day: float = math.nan
    net_t_per_train: float = math.nan
    tonnes_per_year: float = math.nan  # one loaded direction
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def assumptions(self) -> list[str]:
        return [k for k, s in self.sources.items() if s.lower().startswith("assumption")]

    def summary(self) -> dict:
        return {
            "method": self.method, "tracks": self.tracks, "trains_per_day_per_direction": self.trains_per_day,
            "critical_section": self.critical_section, "critical_period_min": self.critical_period_min,
            "passenger_trains_per_day": self.passenger_trains_per_day,
            "freight_trains_per_day_per_direction": self.freight_trains_per_day,
            "net_t_per_train": self.net_t_per_train, "tonnes_per_year_per_direction": self.tonnes_per_year,
            "mt_per_year_per_direction": self.tonnes_per_year / 1e6,
            "sections": self.sections.to_dict(orient="records"), "sources": self.sources,
            "assumptions": self.assumptions,
        }


def parallel_graph_trains_per_day(period_min, *, tech_window_min: float = 90.0, alpha: float = 0.9):
    """N = (1440 − t_tech) α / T (vectorised over ``period_min``)."""
    period = np.asarray(period_min, float)
    if np.any(period <= 0):
        raise ValidationError(f"period of the graph must be > 0 min (got {period_min})")
    if not 0 <= tech_window_min < DAY_MIN or not 0 < alpha <= 1:
        raise ValidationError(f"need 0 <= tech_window_min < 1440 and 0 < alpha <= 1 (got {tech_window_min}, {alpha})")
    n = (DAY_MIN - tech_window_min) * alpha / period
    return float(n) if n.ndim == 0 else n


def automatic_block_headway_min(*, block_length_km: float, train_length_m: float, speed_kmh: float) -> float:
    """Headway of a three-aspect automatic block, I = 0.06 (3 l_block + l_train)/v (m, km/h → min)."""
    return 0.06 * (3 * block_length_km * 1e3 + train_length_m) / speed_kmh


def _sections_frame(sections) -> pd.DataFrame:
    df = pd.DataFrame(list(sections))
    need = {"name", "run_up_min", "run_down_min"}
    problems = [Problem(f"missing column {c!r}", field=c) for c in sorted(need - set(df.columns))]
    if problems:
        raise ValidationError(problems)
    for c in ("run_up_min", "run_down_min", "interval_a_min", "interval_b_min"):
        if c in df and (df[c].dropna() < 0).any():
            bad = int(df.index[df[c] < 0][0])
            problems.append(Problem("must be >= 0", row=bad + 1, field=c, value=float(df.loc[bad, c])))
    if problems:
        raise ValidationError(problems)
    return df


def single_track_capacity(sections, *, tech_window_min: float | None = None, alpha: float | None = None,
                          interval_min: float | None = None, passenger_trains_per_day: float = 0.0,
                          passenger_removal: float | None = None, net_t_per_train: float | None = None,
                          days_per_year: float | None = None) -> RailCapacity:
    """Capacity of a single-track line from its sections (parallel graph, non-packet).

    ``sections``: mappings with ``name``, ``run_up_min``, ``run_down_min`` and optional ``interval_a_min``,
    ``interval_b_min`` (station intervals at the two ends; default ``interval_min``, sourced).
    """
    inp = Inputs("rail")
    df = _sections_frame(sections)
    cols = ("interval_a_min", "interval_b_min")
    if interval_min is not None or any(c not in df or df[c].isna().any() for c in cols):
        tau = inp.get("station_interval_min", interval_min)  # recorded only when used
        for c in cols:
            df[c] = df[c].fillna(tau) if c in df else tau
    df["period_min"] = df["run_up_min"] + df["run_down_min"] + df["interval_a_min"] + df["interval_b_min"]
    t_tech = inp.get("tech_window_min", tech_window_min)
    a = inp.get("alpha", alpha, key="reliability_alpha")
    df["trains_per_day"] = parallel_graph_trains_per_day(df["period_min"].to_numpy(), tech_window_min=t_tech, alpha=a)
    crit = int(df["period_min"].to_numpy().argmax())
    cap = RailCapacity("parallel graph, single track", 1, float(df["trains_per_day"].iloc[crit]),
                       str(df["name"].iloc[crit]), float(df["period_min"].iloc[crit]),
                       df[["name", "period_min", "trains_per_day"]], sources=inp.sources)
    return _freight(cap, inp, passenger_trains_per_day, passenger_removal, net_t_per_train, days_per_year)


def double_track_capacity(*, headway_min: float | None = None, sections=None, block_length_km: float | None = None,
                          train_length_m: float | None = None, speed_kmh: float | None = None,
                          tech_window_min: float | None = None, alpha: float | None = None,
                          interval_min: float | None = None, passenger_trains_per_day: float = 0.0,
                          passenger_removal: float | None = None, net_t_per_train: float | None = None,
                          days_per_year: float | None = None) -> RailCapacity:
    """Capacity per direction of a double-track line.

    With automatic block (no ``sections``): N = (1440 − t_tech) α / I, I = ``headway_min`` or from block
    length, train length and speed. With ``sections`` (station-to-station working): the period of a section
    is the larger of its running times plus the station interval, and the largest period is critical.
    """
    inp = Inputs("rail")
    t_tech = inp.get("tech_window_min", tech_window_min)
    a = inp.get("alpha", alpha, key="reliability_alpha")
    if sections is None:
        if headway_min is None:
            headway_min = automatic_block_headway_min(
                block_length_km=inp.get("block_length_km", block_length_km),
                train_length_m=inp.get("train_length_m", train_length_m),
                speed_kmh=inp.get("speed_kmh", speed_kmh, key="freight_speed_kmh"))
        else:
            inp.note("headway_min", "given")
        n = parallel_graph_trains_per_day(headway_min, tech_window_min=t_tech, alpha=a)
        df = pd.DataFrame({"name": ["automatic block"], "period_min": [headway_min], "trains_per_day": [n]})
        cap = RailCapacity("automatic block, double track", 2, n, "automatic block", float(headway_min), df,
                           sources=inp.sources)
    else:
        df = _sections_frame(sections)
        tau = inp.get("station_interval_min", interval_min)
        df["period_min"] = np.maximum(df["run_up_min"], df["run_down_min"]) + tau
        df["trains_per_day"] = parallel_graph_trains_per_day(df["period_min"].to_numpy(), tech_window_min=t_tech,
                                                             alpha=a)
        crit = int(df["period_min"].to_numpy().argmax())
        cap = RailCapacity("station block, double track", 2, float(df["trains_per_day"].iloc[crit]),
                           str(df["name"].iloc[crit]), float(df["period_min"].iloc[crit]),
                           df[["name", "period_min", "trains_per_day"]], sources=inp.sources)
    return _freight(cap, inp, passenger_trains_per_day, passenger_removal, net_t_per_train, days_per_year)


def _freight(cap: RailCapacity, inp: Inputs, n_pass, eps, net_t, days) -> RailCapacity:
    if n_pass < 0:
        raise ValidationError(f"passenger_trains_per_day must be >= 0 (got {n_pass})")
    eps = inp.get("passenger_removal", eps) if n_pass > 0 else 0.0
    cap.passenger_trains_per_day = float(n_pass)
    cap.freight_trains_per_day = max(cap.trains_per_day - eps * n_pass, 0.0)
    cap.net_t_per_train = inp.get("net_t_per_train", net_t)
    cap.tonnes_per_year = tonnes_per_year(cap.freight_trains_per_day, cap.net_t_per_train,
                                          days_per_year=inp.get("days_per_year", days))
    cap.sources = dict(inp.sources)
    return cap


def freight_trains_per_day(trains_per_day: float, passenger_trains_per_day: float, *,
                           passenger_removal: float) -> float:
    """Freight paths left after passenger trains, each removing ``passenger_removal`` freight paths."""
    return max(trains_per_day - passenger_removal * passenger_trains_per_day, 0.0)


def tonnes_per_year(freight_trains_per_day: float, net_t_per_train: float, *, days_per_year: float = 365.0) -> float:
    """Net tonnes per year in one direction."""
    return float(freight_trains_per_day) * float(net_t_per_train) * float(days_per_year)


def section_running_min(length_km, *, speed_kmh: float, start_stop_min: float = 0.0):
    """Running time of a section between loops (min): length/speed plus start and stop allowances."""
    return np.asarray(length_km, float) / speed_kmh * 60.0 + start_stop_min


def rail_link_capacity(length_km: float, *, tracks: int = 1, automatic_block: bool = True,
                       speed_kmh: float | None = None, loop_spacing_km: float | None = None,
                       start_stop_min: float | None = None, passenger_trains_per_day: float = 0.0,
                       net_t_per_train: float | None = None, **kw) -> RailCapacity:
    """Capacity of a rail link from its length alone (for links without a timetable).

    Single track: loops every ``loop_spacing_km``, each section run both ways at ``speed_kmh`` with
    start/stop allowances. Double track: automatic-block headway (or station block if not ``automatic_block``).
    The result's ``tonnes_per_year`` is usable as a link ``capacity`` in t/yr.
    """
    if length_km <= 0:
        raise ValidationError(f"length_km must be > 0 (got {length_km})")
    if tracks not in (1, 2):
        raise ValidationError(f"tracks must be 1 or 2 (got {tracks})")
    inp = Inputs("rail")
    v = inp.get("speed_kmh", speed_kmh, key="freight_speed_kmh")
    spacing = inp.get("loop_spacing_km", loop_spacing_km)
    ss = inp.get("start_stop_min", start_stop_min)
    n_sec = max(1, math.ceil(length_km / spacing - 1e-9))
    sec_len = length_km / n_sec
    run = float(section_running_min(sec_len, speed_kmh=v, start_stop_min=ss))
    secs = [{"name": f"section {i + 1} ({sec_len:.1f} km)", "run_up_min": run, "run_down_min": run}
            for i in range(n_sec)]
    if tracks == 1:
        cap = single_track_capacity(secs, passenger_trains_per_day=passenger_trains_per_day,
                                    net_t_per_train=net_t_per_train, **kw)
    elif automatic_block:
        cap = double_track_capacity(speed_kmh=v, passenger_trains_per_day=passenger_trains_per_day,
                                    net_t_per_train=net_t_per_train, **kw)
    else:
        cap = double_track_capacity(sections=secs, passenger_trains_per_day=passenger_trains_per_day,
                                    net_t_per_train=net_t_per_train, **kw)
    cap.sources = {**inp.sources, **cap.sources}
    return cap


# --- UIC 406 compression ---------------------------------------------------------------------------------

@dataclass
class Uic406Result:
    """Capacity consumption of a timetable by UIC 406 compression."""

    occupancy_min: float
    supplements_min: float
    period_min: float
    consumption: float  # fraction of the period
    ceiling: float
    within_ceiling: bool
    compressed: pd.DataFrame  # train, block, start_min, end_min after compression
    sources: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict:
        return {"occupancy_min": self.occupancy_min, "supplements_min": self.supplements_min,
                "period_min": self.period_min, "consumption_pct": 100 * self.consumption,
                "ceiling_pct": 100 * self.ceiling, "within_ceiling": self.within_ceiling, "sources": self.sources}


def blocking_stairway(train: str, block_ends_km, *, depart_min: float, speed_kmh: float,
                      train_length_m: float, setup_min: float = 0.1, release_min: float = 0.1,
                      approach_blocks: int = 1) -> pd.DataFrame:
    """Blocking times of a train at constant speed over consecutive blocks ending at ``block_ends_km``.

    A block is blocked from the moment the train passes the signal ``approach_blocks`` blocks before it
    (minus the setup time) until its tail has cleared the block (plus the release time).
    """
    ends = np.asarray(block_ends_km, float)
    starts = np.concatenate([[0.0], ends[:-1]])
    if np.any(ends <= starts):
        raise ValidationError("block_ends_km must be increasing and > 0")
    t_km = 60.0 / speed_kmh
    look = np.concatenate([np.zeros(approach_blocks), starts])[: starts.size]
    begin = depart_min + look * t_km - setup_min
    end = depart_min + (ends + train_length_m / 1e3) * t_km + release_min
    return pd.DataFrame({"train": train, "block": np.arange(ends.size), "start_min": begin, "end_min": end})


def uic406_consumption(blocking: pd.DataFrame, *, period_min: float, supplements_min: float = 0.0,
                       ceiling: float | None = None) -> Uic406Result:
    """Compress blocking times (columns train, block, start_min, end_min) to zero buffer in timetable order.

    Trains keep their order (by first blocking start); each is moved as early as its predecessors' blocking
    times on shared blocks allow. Consumption = (compressed occupancy + ``supplements_min``) / ``period_min``.
    """
    need = {"train", "block", "start_min", "end_min"}
    if missing := need - set(blocking.columns):
        raise ValidationError([Problem(f"missing column {c!r}", field=c) for c in sorted(missing)])
    if period_min <= 0:
        raise ValidationError(f"period_min must be > 0 (got {period_min})")
    if (blocking["end_min"] <= blocking["start_min"]).any():
        raise ValidationError("every blocking time needs end_min > start_min")
    inp = Inputs("rail")
    key = "uic406_ceiling_peak" if period_min <= 180 else "uic406_ceiling_day"
    ceil_value = inp.get("ceiling", ceiling, key=key)
    order = blocking.groupby("train", sort=False)["start_min"].min().sort_values(kind="stable").index
    blocks = np.sort(blocking["block"].unique())
    n, m = len(order), blocks.size
    s = np.full((n, m), np.nan)
    e = np.full((n, m), np.nan)
    bi = {b: j for j, b in enumerate(blocks)}
    ti = {t: i for i, t in enumerate(order)}
    rows = blocking["train"].map(ti).to_numpy()
    cols = blocking["block"].map(bi).to_numpy()
    s[rows, cols] = blocking["start_min"].to_numpy(float)
    e[rows, cols] = blocking["end_min"].to_numpy(float)
    shift = np.zeros(n)
    free = np.full(m, -np.inf)  # time each block becomes free after the trains placed so far
    prev_first = np.nanmin(s[0])
    for i in range(n):
        used = ~np.isnan(s[i])
        first = np.nanmin(s[i])
        # as early as the blocks allow, but never before the previous train (the order is kept)
        shift[i] = max(np.max(free[used] - s[i, used]), prev_first - first) if i else 0.0
        free[used] = np.maximum(free[used], e[i, used] + shift[i])
        prev_first = first + shift[i]
    cs, ce = s + shift[:, None], e + shift[:, None]
    occupancy = float(np.nanmax(ce) - np.nanmin(cs))
    out = blocking.copy()
    out["start_min"] = cs[rows, cols]
    out["end_min"] = ce[rows, cols]
    cons = (occupancy + supplements_min) / period_min
    return Uic406Result(occupancy, supplements_min, period_min, cons, ceil_value, cons <= ceil_value, out,
                        dict(inp.sources))


def rail_link_capacities(links: pd.DataFrame, *, tracks: int = 1, use_link_speed: bool = True,
                         **kw) -> pd.DataFrame:
    """Capacity of every rail link of a network link table from its length (see :func:`rail_link_capacity`).

    Uses each link's ``free_speed_kmh`` when ``use_link_speed`` and it is set, else the sourced default;
    a ``tracks`` column, if present, overrides ``tracks`` per link. Returns one row per rail link:
    link_id, tracks, trains_per_day (per direction), freight_trains_per_day, tonnes_per_year, critical_period_min.
    """
    rail_links = links[links["mode"] == "rail"]
    rows = []
    for r in rail_links.itertuples(index=False):
        n_tracks = int(getattr(r, "tracks", tracks) or tracks)
        speed = getattr(r, "free_speed_kmh", None) if use_link_speed else None
        speed = float(speed) if speed is not None and np.isfinite(speed) and speed > 0 else None
        cap = rail_link_capacity(float(r.length_km), tracks=n_tracks, speed_kmh=speed, **kw)
        rows.append({"link_id": r.link_id, "tracks": n_tracks, "trains_per_day": cap.trains_per_day,
                     "freight_trains_per_day": cap.freight_trains_per_day, "tonnes_per_year": cap.tonnes_per_year,
                     "critical_period_min": cap.critical_period_min})
    return pd.DataFrame(rows, columns=["link_id", "tracks", "trains_per_day", "freight_trains_per_day",
                                       "tonnes_per_year", "critical_period_min"])
