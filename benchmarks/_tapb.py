"""Build and run tap-b (Dial's Algorithm B in C, MIT; ../shared/peers/tap-b, see its SOURCE.txt) on TNTP data.

tap-b reads the toll and distance factors only from the net file's metadata (``<TOLL FACTOR>``,
``<DISTANCE FACTOR>``), so the net file is copied with the factors our reader applies (ChicagoSketch's README:
0.02 and 0.04). Its relative gap is TSTT/SPTT − 1; ours is (TSTT − SPTT)/TSTT = g/(1 + g) for its g, so a target
``ours`` is given to tap-b as ``ours / (1 − ours)`` and its final gap is converted back before printing.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

#: tap-b's sources: $CORRIDOR_TAPB_DIR, else ../shared/peers/tap-b beside the repository
SOURCE = Path(os.environ.get("CORRIDOR_TAPB_DIR", Path(__file__).resolve().parents[2] / "shared" / "peers" / "tap-b"))


def to_tapb_gap(ours: float) -> float:
    return ours / (1.0 - ours)


def from_tapb_gap(tapb: float) -> float:
    return tapb / (1.0 + tapb)


def build(work: Path, source: Path | None = None) -> Path:
    """Copy tap-b into ``work`` (shared/ is read-only in CI) and ``make serial``; return the binary."""
    src = source or SOURCE
    if not (src / "Makefile").is_file():
        raise SystemExit(f"tap-b sources not found at {src}")
    dest = work / "tap-b"
    shutil.copytree(src, dest, dirs_exist_ok=True)
    for p in [dest, *dest.rglob("*")]:
        p.chmod(p.stat().st_mode | stat.S_IWUSR)
    subprocess.run(["make", "serial"], cwd=dest, check=True, capture_output=True)
    return dest / "bin" / "tap"


def prepare(work: Path, folder: Path, cost_factors: tuple[float, float], gap: float) -> Path:
    """A run folder with the net file (factors in its metadata), the trips file and a parameters file asking
    for ``gap`` in our definition; returns the parameters file."""
    run = work / f"{folder.name}-{gap:.0e}"
    run.mkdir(parents=True, exist_ok=True)
    net = next(p for p in folder.iterdir() if p.name.lower().endswith("_net.tntp"))
    trips = next(p for p in folder.iterdir() if p.name.lower().endswith("_trips.tntp"))
    text = net.read_text()
    toll, dist = cost_factors
    if toll or dist:
        text = re.sub(r"(?im)^(\s*<END OF METADATA>)", f"<TOLL FACTOR> {toll}\n<DISTANCE FACTOR> {dist}\n\\1",
                      text, count=1)
    (run / "net.tntp").write_text(text)
    link = run / "trips.tntp"
    if not link.exists():
        link.symlink_to(trips)
    params = run / "params.txt"
    params.write_text(f"<NETWORK FILE> net.tntp\n<TRIPS FILE> trips.tntp\n<CONVERGENCE GAP> {to_tapb_gap(gap):.17g}\n"
                      f"<FILE PATH> ./\n<DATA PATH> ./\n<FLOWS FILE> flows.txt\n")
    return params


_ITER = re.compile(r"Iteration (\d+):.*?gap ([0-9.eE+-]+)")


def parse(stdout: str) -> tuple[int, float]:
    """(iterations, final gap in our definition) from tap-b's log."""
    hits = _ITER.findall(stdout)
    if not hits:
        raise RuntimeError(f"no iteration lines in tap-b's output:\n{stdout[-2000:]}")
    it, g = hits[-1]
    return int(it), from_tapb_gap(float(g))
