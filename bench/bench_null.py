"""Timing of the comparison analytics: the null model (K draws x 2) and the Mantel test.

Run: ``python bench/bench_null.py``. The issue's target is K = 200 at 50
words under 5 s (all statistics: density, modularity, selectivity,
category ARI and RSA with a second source). Sources are random N(0, 1)
vectors of dimension 300, so the script needs no downloads.
"""

from __future__ import annotations

import sys
import time
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.analysis.compare import mantel_test  # noqa: E402
from lib.analysis.null import null_distributions  # noqa: E402
from lib.engine import ring_graph  # noqa: E402

DIM = 300
REPEATS = 3


def _graphs(n: int):
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(n)]
    cats = {w: f"c{i % 5}" for i, w in enumerate(words)}
    return ring_graph(words, rng.standard_normal((n, DIM))), ring_graph(words, rng.standard_normal((n, DIM))), cats


def _best(fn, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    print(f"null model: random (dim {DIM}) + shuffled, K draws each, all 5 statistics")
    print(f"(50 words: best of {REPEATS}; larger lists: one run)")
    print(f"{'words':>6} {'K':>5} {'seconds':>9}   target")
    for n, k in ((50, 200), (100, 200), (200, 50)):
        g, other, cats = _graphs(n)
        secs = _best(partial(null_distributions, g, DIM, cats, other, draws=k, seed=0), REPEATS if n == 50 else 1)
        target = "< 5 s" if (n, k) == (50, 200) else ""
        print(f"{n:>6} {k:>5} {secs:>9.2f}   {target}")
    print()
    print("Mantel test (Spearman), 10,000 permutations; best of", REPEATS)
    print(f"{'words':>6} {'seconds':>9}")
    for n in (50, 100, 200):
        g, other, _ = _graphs(n)
        secs = _best(partial(mantel_test, g.similarity, other.similarity, permutations=10_000, seed=0))
        print(f"{n:>6} {secs:>9.2f}")


if __name__ == "__main__":
    main()
