"""Write an assignment result: link table (Parquet or CSV), convergence history (CSV), summary (JSON) and
skims (time, distance, generalised cost per class) as OMX.

The link table goes straight from the result's numpy columns to pyarrow (no pandas frame in between), and the
columns are computed once for the writers and the CLI's tables."""

from __future__ import annotations

import csv
import json
import re
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
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    f = out / ("links.parquet" if table_format == "parquet" else "links.csv")
    write_table(result.link_columns, f)
    files = [f]
    f = out / "iterations.csv"
    write_rows(result.iteration_rows, f)
    files.append(f)
    f = out / "summary.json"
    f.write_text(json.dumps(result.summary(), indent=2, default=float))
    files.append(f)
    if with_skims:
        f = out / "skims.omx"
        write_omx(f, skims(result), zone_ids(result.problem))
        files.append(f)
    return files


def write_table(columns: dict[str, np.ndarray], path: Path) -> None:
    """Write numpy columns as Parquet (``*.parquet``, with pyarrow) or CSV (anything else: the csv module, so
    that writing CSV imports neither pyarrow nor pandas, which pyarrow loads to convert arrays). Floats are
    written in their shortest exact form, NaN as an empty cell."""
    if path.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({k: pa.array(v) for k, v in columns.items()}), path)
        return
    arrays = [np.asarray(v) for v in columns.values()]
    cells = [_cells(v) for v in arrays]
    names = [str(k) for k in columns]
    texts = [names, *(c for c, v in zip(cells, arrays, strict=True) if v.dtype.kind != "f")]  # floats need none
    if len(names) > 1 and not any(_NEEDS_QUOTES.search("".join(t)) for t in texts):
        with path.open("w", newline="") as fh:  # what csv.writer writes for such cells, without its per-cell work
            fh.write(",".join(names) + "\r\n" + "".join(",".join(row) + "\r\n" for row in zip(*cells, strict=True)))
        return
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(list(columns))
        w.writerows(zip(*cells, strict=True))


#: a cell csv.writer would quote (delimiter, quote character, line ends)
_NEEDS_QUOTES = re.compile(r'[,"\r\n]')


def _cells(v: np.ndarray) -> list[str]:
    """A column's cells as csv.writer writes them: ``str`` of each value (floats in their shortest exact form),
    NaN and None empty."""
    if v.dtype.kind == "f" and np.isnan(v).any():
        return ["" if x != x else repr(x) for x in v.tolist()]
    if v.dtype.kind == "f":
        return list(map(repr, v.tolist()))
    return ["" if x is None else str(x) for x in v.tolist()]


def write_rows(rows: tuple[dict, ...] | list[dict], path: Path, fields: list[str] | None = None) -> None:
    """Write dict rows as CSV (header: ``fields``, else the union of the rows' keys in first-seen order;
    missing cells and NaN empty)."""
    if fields is None:
        seen: dict[str, None] = {}
        for r in rows:
            seen.update(dict.fromkeys(r))
        fields = list(seen)
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, restval="")
        w.writeheader()
        w.writerows({k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()} for r in rows)


def zone_ids(p) -> np.ndarray:
    """OMX zone numbers: the zones' node labels when they are all integers, else 1..n."""
    labels, zones = p.node_labels, p.zone_nodes
    if labels is not None and all(s.isdigit() for s in labels[zones]):
        return labels[zones].astype(np.int64)
    return zones + 1


def write_omx(path: Path, matrices: dict[str, np.ndarray], zones: np.ndarray) -> None:
    """Write zone × zone matrices to an OpenMatrix file with the ``zone`` mapping."""
    import openmatrix as omx

    with omx.open_file(str(path), "w") as h:
        for name, m in matrices.items():
            h[name] = m
        h.create_mapping("zone", zones)
