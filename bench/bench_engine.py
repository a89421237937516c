"""Engine speed: ring_graph on N random words (cosine, threshold, mask, edges).

Run: python bench/bench_engine.py
"""

from __future__ import annotations

import sys
import time
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lib.engine import ring_graph


def best_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    print(f"{'N':>6} {'d':>4} {'edges':>9} {'best of 5 (s)':>14}")
    for n, d in [(20, 300), (300, 300), (1000, 300), (2000, 300), (2000, 768)]:
        v = np.random.default_rng(0).standard_normal((n, d)).astype(np.float32)
        words = [f"w{i}" for i in range(n)]
        g = ring_graph(words, v)
        t = best_of(partial(ring_graph, words, v))
        print(f"{n:>6} {d:>4} {g.n_edges:>9,} {t:>14.3f}")


if __name__ == "__main__":
    main()
