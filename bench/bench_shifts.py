"""Per-word shifts and map positions: their cost against the neighbours run they ride on.

In one process, on one synthetic shared vocabulary of N x d (A: Gaussian
rows; B: A rotated, with noise, and 2 % of the words moved), alternating:

- ``neighbours``: :func:`lib.analysis.neighbours.compare_neighbourhoods`
  with ``shifts=False`` (the exact k-NN in A and in B, and the Jaccard);
- ``with shifts``: the same call with ``shifts=True`` (adds both shifts and
  the two PCA maps; with ``--null`` also both shifts against the shuffled null).

Reported: each run's seconds, the shifts' own seconds, and the ratio
(with shifts) / (neighbours) per repeat; the target is < 1.3 at 50,000 x 300, k = 10.

Run: ``python bench/bench_shifts.py`` (default 50,000 x 300, k = 10, 1 repeat;
minutes on a busy 2-core machine); ``--n 8000`` for a quick look.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lib.analysis.neighbours import compare_neighbourhoods  # noqa: E402
from lib.analysis.neighbours_vocab import SharedVocabulary  # noqa: E402


def vocabulary(n: int, d: int, seed: int = 0) -> SharedVocabulary:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, d), dtype=np.float32)
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    b = (a @ q.astype(np.float32) + 0.3 * rng.standard_normal((n, d), dtype=np.float32)).astype(np.float32)
    moved = rng.choice(n, n // 50, replace=False)
    b[moved] = rng.standard_normal((len(moved), d), dtype=np.float32)
    return SharedVocabulary(tuple(f"w{i}" for i in range(n)), a, b)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=50_000)
    p.add_argument("--d", type=int, default=300)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--null", action="store_true", help="also the shuffled null (both runs)")
    args = p.parse_args()
    vocab = vocabulary(args.n, args.d)
    print(f"{args.n:,} words x {args.d} dimensions, k = {args.k}, null = {args.null}", flush=True)
    for r in range(args.repeats):
        t0 = time.perf_counter()
        compare_neighbourhoods(vocab, args.k, null=args.null, shifts=False)
        alone = time.perf_counter() - t0
        t0 = time.perf_counter()
        result = compare_neighbourhoods(vocab, args.k, null=args.null, shifts=True)
        both = time.perf_counter() - t0
        print(
            f"repeat {r + 1}: neighbours {alone:.1f} s; with shifts {both:.1f} s "
            f"(shifts and maps themselves {result.shifts.seconds:.1f} s); ratio {both / alone:.2f}",
            flush=True,
        )
        s = result.summary()
        print(
            f"  mean local shift {s['mean_local_shift']:.3f}, mean Procrustes shift {s['mean_procrustes_shift']:.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
