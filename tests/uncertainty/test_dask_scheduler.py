"""``corridor uncertainty --scheduler``: a real ``dask scheduler`` and two ``dask worker`` processes on loopback,
started here and stopped at the end; the JSON equals the plain loop's."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corridor.cli import app
from support import REPO, skip_or_fail

runner = CliRunner()


#: loopback ports of the test's scheduler (the first free one); its workers take 18800-18809, nannies 18810-18819
PORTS = range(18786, 18800)


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    skip_or_fail(f"no free loopback port in {PORTS.start}-{PORTS.stop - 1}")
    raise AssertionError("unreachable")


def _wait_for_workers(address: str, n: int, timeout: float = 90.0) -> None:
    from distributed import Client

    with Client(address, timeout="30s") as c:
        c.wait_for_workers(n, timeout=timeout)


@pytest.fixture
def dask_cluster(tmp_path):
    dask = shutil.which("dask") or skip_or_fail("the `dask` command is not installed (pip install 'dask[distributed]')")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]),
           "OMP_NUM_THREADS": "1"}
    logs = [open(tmp_path / f"{n}.log", "w") for n in ("scheduler", "worker1", "worker2")]  # noqa: SIM115
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              env=env, stdout=logs[0], stderr=subprocess.STDOUT)]
    try:
        time.sleep(1.0)
        for k in (1, 2):
            procs.append(subprocess.Popen(
                [dask, "worker", address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard",
                 "--host", "127.0.0.1", "--worker-port", "18800:18809", "--nanny-port", "18810:18819",
                 "--local-directory", str(tmp_path / f"w{k}")],
                env=env, stdout=logs[k], stderr=subprocess.STDOUT))
        _wait_for_workers(address, 2)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in reversed(procs):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=10)
        for f in logs:
            f.close()


def test_scheduler_gives_the_loop_json(dask_cluster, tmp_path):
    args = ["uncertainty", "--draws", "6", "--seed", "11", "--json"]
    on_cluster = runner.invoke(app, [*args, "--scheduler", dask_cluster])
    assert on_cluster.exit_code == 0, on_cluster.output + "".join(
        Path(p).read_text() for p in sorted(tmp_path.glob("*.log")))
    loop = runner.invoke(app, [*args, "--workers", "0"])
    assert loop.exit_code == 0, loop.output
    assert on_cluster.stdout == loop.stdout
