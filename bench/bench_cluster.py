"""Hubs on a Dask cluster: 2 single-thread workers against 1 in-process thread, and a paper estimate.

Starts a scheduler and two workers (``--nthreads 1``, one BLAS thread each)
on 127.0.0.1 as separate processes, then times :func:`lib.hubs.hub_degrees`
on a seeded N(0, 1) float32 matrix (default 50,000 x 300, rule seed):

- ``1 thread``: the same block tasks run one after the other in this
  process (the anchor; ``OPENBLAS_NUM_THREADS=1``);
- ``local``: the default in-process path (products in one thread overlapped
  with the per-block work in a second), one BLAS thread;
- ``2 workers``: the tasks on the cluster (connection made before timing;
  sending the unit rows to the workers is timed; a small warm-up run first
  lets the workers import the project).

The anchor and the cluster run alternate ``--rounds`` times (the best of
each counts), so a change in the machine's load hits both. Results must be
identical (degrees, threshold, median, std). The paper
estimate scales the measured single-thread time per block (2048 rows,
d = 300) to Google News (3,000,000 x 300): hubs take two passes there (the
single pass's bands would exceed its memory budget), k-NN one pass of
blocks; the client's own work (unit rows, Gram sums, float64 refinement)
is scaled by N and added once. On a cluster the sample that brackets the
median and the float64 sums of the candidate pairs run as tasks too
(``Run.pair_products``), so only the unit rows, the Gram sums and the last
few float64 pairs stay serial.

Run: ``python bench/bench_cluster.py`` (a few minutes on 2 cores);
``--n 20000`` for a quicker run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")  # before numpy
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from lib.hubs import hub_degrees  # noqa: E402
from tests.cluster_support import start_scheduler, start_worker, stop  # noqa: E402

GOOGLE_NEWS = (3_000_000, 300)
BLOCK = 2048


class Sequential:
    """A stand-in cluster that runs the tasks in this thread, one after the other (the anchor)."""

    threads = 1

    def share(self, data):
        return data

    def task_size(self, n_blocks: int) -> int:
        return 16

    def map(self, fn, tasks, shared):
        return ((i, fn(shared, task)) for i, task in enumerate(tasks))


def start_cluster(tmp: Path, workers: int) -> tuple[str, list[subprocess.Popen]]:
    address, scheduler = start_scheduler(tmp)
    return address, [scheduler, *(start_worker(address) for _ in range(workers))]


def timed(label: str, tokens, vectors, **kw):
    t0 = time.perf_counter()
    result = hub_degrees(tokens, vectors, block=BLOCK, **kw)
    wall = time.perf_counter() - t0
    t = result.timings
    blocks_s = t["pass1_s"] + t["pass2_s"]
    client_s = t["refine_s"] + t["prepare_s"]
    print(f"{label:<12}{wall:>9.1f}{blocks_s:>10.1f}{client_s:>10.1f}{t['passes']:>8}", flush=True)
    return result, wall, blocks_s


def knn_block_seconds(vectors: np.ndarray, k: int = 10) -> float:
    """Single-thread seconds per 2048-row block pair of the exact k-NN (measured on ``vectors``)."""
    from lib.analysis.knn import block_tasks, exact_knn

    diagonal, off = block_tasks(len(vectors), BLOCK)
    pairs = len(diagonal) + sum(len(t.cols) for t in off)
    r = exact_knn(vectors, k, block=BLOCK, threads=1)
    return r.timings["blocks_s"] / pairs


def estimate(per_block_hubs: float, per_block_knn: float, client_s_per_row: float) -> None:
    n, d = GOOGLE_NEWS
    nb = -(-n // BLOCK)
    pairs = nb * (nb + 1) // 2
    client = client_s_per_row * n
    print(
        f"\nGoogle News {n:,} x {d}: {pairs:,} blocks of {BLOCK} rows; client work ~{client / 60:.0f} min "
        f"(unit rows, Gram sums, refinement); unit rows on each worker: {4 * n * d / 2**30:.1f} GiB"
    )
    print(f"{'workers':>8}{'hubs (2 passes) h':>20}{'k-NN (1 space) h':>18}")
    for w in (1, 8, 32, 128):
        hubs = (2 * pairs * per_block_hubs / w + client) / 3600
        knn = (pairs * per_block_knn / w + client) / 3600
        print(f"{w:>8}{hubs:>20.2f}{knn:>18.2f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=50_000)
    p.add_argument("--d", type=int, default=300)
    p.add_argument("--rounds", type=int, default=2, help="alternating runs of each (best counts)")
    args = p.parse_args()
    from lib.cluster import connect

    vectors = np.random.default_rng(0).standard_normal((args.n, args.d), dtype=np.float32)
    tokens = [f"r{i}" for i in range(args.n)]
    print(
        f"hubs, random {args.n:,} x {args.d}, rule seed, block {BLOCK}; load average before: "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(f"{'run':<12}{'wall s':>9}{'blocks s':>10}{'client s':>10}{'passes':>8}")
    local, local_s, _ = timed("local", tokens, vectors)
    runs: dict[str, list] = {"1 thread": [], "2 workers": []}
    with tempfile.TemporaryDirectory() as tmp:
        address, procs = start_cluster(Path(tmp), 2)
        try:
            with connect(address) as cluster:
                cluster.client.wait_for_workers(2, timeout=120)
                warm = np.random.default_rng(1).standard_normal((3000, args.d), dtype=np.float32)
                hub_degrees(tokens[:3000], warm, block=256, scheduler=cluster)  # workers import the project
                for _ in range(args.rounds):  # alternating, so a change in the machine's load hits both
                    runs["1 thread"].append(timed("1 thread", tokens, vectors, scheduler=Sequential()))
                    runs["2 workers"].append(timed("2 workers", tokens, vectors, scheduler=cluster))
        finally:
            stop(procs)
    anchor, one_s, one_blocks = min(runs["1 thread"], key=lambda r: r[1])
    remote, two_s, _ = min(runs["2 workers"], key=lambda r: r[1])
    same = all(
        np.array_equal(anchor.degree, r.degree)
        and (anchor.threshold, anchor.median, anchor.std) == (r.threshold, r.median, r.std)
        for r in [local] + [x[0] for v in runs.values() for x in v]
    )
    print(
        f"speed-up 2 workers / 1 thread (best of {args.rounds} each): {one_s / two_s:.2f}x "
        f"(local path: {one_s / local_s:.2f}x); identical results: {same}; "
        f"load average after: {os.getloadavg()[0]:.1f}"
    )
    nb = -(-args.n // BLOCK)
    per_block = one_blocks / (anchor.timings["passes"] * nb * (nb + 1) // 2)
    client_per_row = (anchor.timings["prepare_s"] + anchor.timings["refine_s"]) / args.n
    per_knn = knn_block_seconds(vectors[: min(args.n, 20_000)])
    print(f"single-thread seconds per block: hubs {per_block:.3f}, k-NN {per_knn:.3f}")
    estimate(per_block, per_knn, client_per_row)


if __name__ == "__main__":
    main()
