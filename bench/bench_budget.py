"""Measure what the budgeted computations cost, and how close lib/budget.py's estimates are.

Each measurement runs the real library function in a fresh Python process
and reads its peak resident memory (``ru_maxrss``) before and after the
call, and its wall time. The estimate of :mod:`lib.budget` for the same
sizes is printed beside it: ``mem ratio`` = measured / estimated extra
memory, ``time ratio`` = measured / estimated seconds. The constants of
lib/budget.py were fitted from this output (estimates should stay >= the
measurement: ratios at or below 1).

Run: python bench/bench_budget.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
import numpy as np
from lib import budget
from lib.graph import build_graph
from lib.sources._random import RandomSource
kind, n, d, extra = {kind!r}, {n}, {d}, {extra}
words = [f"w{{i}}" for i in range(n)]

def rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

if kind == "graph":
    src = RandomSource(dim=d)
    est = budget.graph_cost(n, d)
    def work(): build_graph(src, words)
elif kind == "compare":
    from lib.analysis.compare import compare_graphs
    a = build_graph(RandomSource(dim=d), words).graph
    b = build_graph(RandomSource(dim=d, seed=1), words).graph
    est = budget.compare_cost(n, extra)
    def work(): compare_graphs(a, b, permutations=extra)
elif kind == "null":
    from lib.analysis.null import null_distributions
    g = build_graph(RandomSource(dim=d), words).graph
    est = budget.null_cost(n, d, extra)
    def work(): null_distributions(g, d, draws=extra)
elif kind == "hubs":
    from lib.hubs.store import hubs_for
    est = budget.hubs_cost(n, d)
    def work(): hubs_for(f"random:dim={{d}}", n, use_cache=False)
elif kind == "heatmap":
    from lib.charts import matrix_heatmap
    g = build_graph(RandomSource(dim=d), words).graph
    est = budget.heatmap_cost(n)
    def work():
        work.size = len(json.dumps(matrix_heatmap(g, "dense").to_dict(validate=False)))
elif kind == "train":
    from lib.sources import load_source
    import tempfile, os
    os.environ["COSINE_RINGS_CACHE"] = tempfile.mkdtemp()
    from lib.sources import set_cache_root
    set_cache_root(os.environ["COSINE_RINGS_CACHE"])
    est = budget.train_cost(budget.LEE_WORDS, d, extra, 5, 7000)
    def work(): load_source(f"word2vec-train:lee,dim={{d}},epochs={{extra}}")
before = rss()
t0 = time.perf_counter()
work()
seconds = time.perf_counter() - t0
out = dict(kind=kind, n=n, d=d, extra=extra, extra_mb=(rss() - before) / 1e6, seconds=seconds,
           est_mb=est.bytes / 1e6, est_s=est.seconds, json_mb=getattr(work, "size", 0) / 1e6)
print(json.dumps(out))
"""

CASES = {
    "graph": [(250, 50, 0), (500, 50, 0), (1000, 50, 0), (1000, 2000, 0), (2000, 50, 0)],
    "compare": [(200, 50, 10_000), (400, 50, 2_500), (800, 50, 625)],
    "null": [(100, 50, 50), (100, 1000, 50), (300, 50, 20)],
    "hubs": [(2000, 50, 0), (4000, 300, 0)],
    "heatmap": [(100, 50, 0), (300, 50, 0)],
    "train": [(0, 50, 5), (0, 100, 20)],
}
QUICK = {kind: cases[:2] for kind, cases in CASES.items()}


def measure(kind: str, n: int, d: int, extra: int) -> dict:
    code = _CHILD.format(root=str(ROOT), kind=kind, n=n, d=d, extra=extra)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=900, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two sizes per computation")
    parser.add_argument("--only", help="one computation: " + ", ".join(CASES))
    args = parser.parse_args()
    cases = QUICK if args.quick else CASES
    print(
        "| computation | n | d | extra | measured MB | estimated MB | mem ratio | measured s | estimated s "
        "| time ratio | JSON MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for kind, sizes in cases.items():
        if args.only and kind != args.only:
            continue
        for n, d, extra in sizes:
            m = measure(kind, n, d, extra)
            print(
                f"| {kind} | {n} | {d} | {extra} | {m['extra_mb']:.1f} | {m['est_mb']:.1f} "
                f"| {m['extra_mb'] / max(m['est_mb'], 1e-9):.2f} | {m['seconds']:.2f} | {m['est_s']:.2f} "
                f"| {m['seconds'] / max(m['est_s'], 1e-9):.2f} | {m['json_mb']:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
