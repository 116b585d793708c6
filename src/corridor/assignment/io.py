"""Write an assignment result: link table (Parquet or CSV), convergence history (CSV), summary (JSON) and
skims (time, distance, generalised cost per class) as OMX."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from corridor.assignment._native import _kernels
from corridor.assignment.result import AssignmentResult


def skims(result: AssignmentResult) -> dict[str, np.ndarray]:
    """Zone × zone skims along each class's shortest generalised-cost paths at the final flows:
    ``time_<class>``, ``distance_<class>``, ``cost_<class>`` (inf where unreachable)."""
    p = result.problem
    fixed = p.fixed_costs()
    out: dict[str, np.ndarray] = {}
    for k, c in enumerate(p.classes):
        cost = result.time + fixed[k]
        w = np.vstack([result.time, p.length, np.where(np.isfinite(cost), cost, 0.0)])
        m = np.empty((3, p.n_zones, p.n_zones))
        _kernels.skims(p.indptr, p.head, p.tail, result.time + fixed[k], p.zone_nodes, p.no_through_u8, w, m)
        for i, name in enumerate(("time", "distance", "cost")):
            out[f"{name}_{c.name}"] = m[i]
    return out


def write_results(result: AssignmentResult, out_dir: str | Path, *, table_format: str = "parquet",
                  with_skims: bool = True) -> list[Path]:
    """Write the result files into ``out_dir`` (created); return their paths."""
    import openmatrix as omx

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = []
    links = result.link_table()
    if table_format == "parquet":
        f = out / "links.parquet"
        links.to_parquet(f, index=False)
    else:
        f = out / "links.csv"
        links.to_csv(f, index=False)
    files.append(f)
    f = out / "iterations.csv"
    result.iterations.to_csv(f, index=False)
    files.append(f)
    f = out / "summary.json"
    f.write_text(json.dumps(result.summary(), indent=2, default=float))
    files.append(f)
    if with_skims:
        f = out / "skims.omx"
        with omx.open_file(str(f), "w") as h:
            for name, m in skims(result).items():
                h[name] = m
            labels = result.problem.node_labels
            zones = result.problem.zone_nodes
            ids = labels[zones].astype(np.int64) if labels is not None and all(
                s.isdigit() for s in labels[zones]) else zones + 1
            h.create_mapping("zone", ids)
        files.append(f)
    return files
