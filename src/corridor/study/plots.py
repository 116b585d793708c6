"""The study's plots for the report, as inline SVG strings (views of a :class:`~corridor.study.StudyResult`)."""

from __future__ import annotations

import matplotlib as mpl
from matplotlib.figure import Figure

from corridor.economics.plots import _RC, _svg
from corridor.study.result import StudyResult


def flows_by_year_svg(r: StudyResult) -> str:
    """The project's tonnes by year (ramp-up applied, and the modelled full effect) and the route families in
    the project case, Mt/yr; markers at the modelled years."""
    fc = r.forecast
    t = fc.table
    label = r.spec.project.label
    with mpl.rc_context(_RC):
        fig = Figure(figsize=(6.4, 3.2))
        ax = fig.subplots()
        ax.plot(t["year"], t["project_t"] / 1e6, color="#c0392b", lw=2, label=f"{label} (ramp-up applied)")
        ax.plot(t["year"], t["project_full_t"] / 1e6, color="#c0392b", lw=1, ls="--",
                label=f"{label}, modelled full effect")
        m = t[t["modelled"]]
        ax.plot(m["year"], m["project_t"] / 1e6, "o", color="#c0392b", ms=4)
        for c in (c for c in t.columns if c.startswith("family_")):
            ax.plot(t["year"], t[c] / 1e6, lw=1, label=c.removeprefix("family_").removesuffix("_t"))
        ax.axvline(fc.opening_year, color="#888", lw=0.8, ls=":")
        ax.set_xlabel("year")
        ax.set_ylabel("Mt per year")
        ax.set_yscale("symlog", linthresh=0.1)
        ax.set_title(f"Flows by year in {r.project.name} (opening {fc.opening_year})", fontsize=9)
        ax.legend(loc="upper left", frameon=False, fontsize=7)
        return _svg(fig)
