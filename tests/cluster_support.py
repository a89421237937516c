"""A Dask scheduler and single-thread workers on 127.0.0.1, as separate processes.

Used by tests/test_cluster.py and bench/bench_cluster.py. The scheduler
unpickles the tasks and the workers run them, so both get this project on
their path, and one BLAS thread each.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

__all__ = ["cluster_env", "start_scheduler", "start_worker", "stop"]


def cluster_env() -> dict:
    """The environment of the scheduler and the workers."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.pop("COSINE_RINGS_SCHEDULER", None)
    return env


def _popen(args: list[str], log: Path | None) -> subprocess.Popen:
    err = log.open("wb") if log is not None else subprocess.DEVNULL
    return subprocess.Popen(
        [sys.executable, "-m", *args], cwd=ROOT, env=cluster_env(), stdout=subprocess.DEVNULL, stderr=err
    )


def start_scheduler(folder: Path, log: Path | None = None, timeout: float = 60) -> tuple[str, subprocess.Popen]:
    """Start a scheduler on a free port; its address and process (RuntimeError if it does not come up)."""
    info = folder / "scheduler.json"
    proc = _popen(
        ["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
         "--scheduler-file", str(info)],
        log,
    )  # fmt: skip
    deadline = time.monotonic() + timeout
    while not info.is_file() or not info.read_text().strip():
        if time.monotonic() > deadline or proc.poll() is not None:
            stop([proc])
            tail = log.read_text(errors="replace")[-2000:] if log is not None and log.is_file() else ""
            raise RuntimeError(f"the scheduler did not start: {tail}")
        time.sleep(0.2)
    return json.loads(info.read_text())["address"], proc


def start_worker(address: str, log: Path | None = None) -> subprocess.Popen:
    """Start one single-thread worker (no nanny, no memory limit) for the scheduler at ``address``."""
    return _popen(
        ["distributed.cli.dask_worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
         "--host", "127.0.0.1", "--memory-limit", "0"],
        log,
    )  # fmt: skip


def stop(procs: list[subprocess.Popen]) -> None:
    """Stop the processes, workers first (without a scheduler they retry for a while)."""
    procs = procs[::-1]
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=10)
