"""Vocabulary-scale hubs: time against the matrix-multiply bound, and peak memory.

Each case runs in a fresh Python process, so its peak resident memory
(``VmHWM`` from ``/proc/self/status``) is its own. A case builds its float32
matrix, runs :func:`lib.hubs.hub_degrees` (two passes of block products),
reads the peak, then times the plain float32 products of the same blocks
(``np.matmul`` of the unit rows into a reused buffer, blocks a <= b), with
no other work, twice over: as many products as the run's two passes.
Reported:

- ``ratio``: total time / that time of the plain products (the issue's
  measure: two passes of products are the least the exact method needs);
- ``products s``: time spent inside the products during the run. The run
  overlaps each block's other work (one worker thread) with the next
  product, so they compete for the cores and this is longer than the plain
  products; it is shown, not used for the ratio.

Run: ``python bench/bench_hubs.py`` (about 5 minutes on 2 cores);
``--quick`` for small sizes; ``--glove-full`` adds GloVe at 400,000 x 50
(long: 80 billion pairs).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: name -> (source, N, d); source "random" is a seeded N(0,1) float32 matrix.
CASES = {
    "random 20k x 768": ("random", 20_000, 768),
    "random 50k x 768": ("random", 50_000, 768),
    "glove 50k x 50": ("glove", 50_000, 50),
    "glove 400k x 50": ("glove", 400_000, 50),
}
QUICK = {"random 5k x 768": ("random", 5_000, 768), "glove 20k x 50": ("glove", 20_000, 50)}


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(source: str, n: int, d: int, block: int) -> dict:
    """One case, in this (fresh) process."""
    import numpy as np

    from lib.hubs import hub_degrees
    from lib.hubs.store import vocabulary_matrix

    if source == "random":
        vectors = np.random.default_rng(0).standard_normal((n, d), dtype=np.float32)
        tokens = [f"r{i}" for i in range(n)]
    else:
        tokens, vectors = vocabulary_matrix(source, n)
    base_mb = _peak_rss_mb()
    result = hub_degrees(tokens, vectors, block=block)
    peak_mb = _peak_rss_mb()
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    buf = np.empty(block * block, dtype=np.float32)
    t0 = time.perf_counter()
    for _ in range(2):
        for a in range(0, n, block):
            for b in range(a, n, block):
                ua, ub = unit[a : a + block], unit[b : b + block]
                np.matmul(ua, ub.T, out=buf[: len(ua) * len(ub)].reshape(len(ua), len(ub)))
    plain = time.perf_counter() - t0
    t = result.timings
    return {
        "n": n,
        "d": d,
        "total_s": t["total_s"],
        "plain_s": plain,
        "products_s": t["products_s"],
        "pass1_s": t["pass1_s"],
        "pass2_s": t["pass2_s"],
        "prepare_s": t["prepare_s"],
        "candidates": t["candidates"],
        "peak_mb": peak_mb,
        "input_mb": base_mb,
        "threshold": result.threshold,
        "edges": result.n_edges,
    }


def run_case(name: str, spec: tuple, block: int) -> dict:
    source, n, d = spec
    code = (
        f"import json, sys; sys.path.insert(0, {str(ROOT)!r}); "
        f"from bench.bench_hubs import child; print(json.dumps(child({source!r}, {n}, {d}, {block})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        raise SystemExit(f"{name} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small sizes only")
    p.add_argument("--glove-full", action="store_true", help="add GloVe 400,000 x 50 (long)")
    p.add_argument("--block", type=int, default=2048)
    p.add_argument("--only", help="run only the cases whose name contains this")
    args = p.parse_args()
    cases = dict(QUICK) if args.quick else {k: v for k, v in CASES.items() if "400k" not in k or args.glove_full}
    if args.only:
        cases = {k: v for k, v in cases.items() if args.only in k}
    print(
        f"{'case':<18}{'total s':>9}{'plain products s':>17}{'ratio':>7}{'products s (in run)':>20}"
        f"{'pass1 s':>9}{'pass2 s':>9}{'prep s':>8}{'cands':>11}{'peak MB':>9}{'input MB':>9}"
    )
    for name, spec in cases.items():
        r = run_case(name, spec, args.block)
        print(
            f"{name:<18}{r['total_s']:>9.1f}{r['plain_s']:>17.1f}{r['total_s'] / r['plain_s']:>7.2f}"
            f"{r['products_s']:>20.1f}"
            f"{r['pass1_s']:>9.1f}{r['pass2_s']:>9.1f}{r['prepare_s']:>8.1f}{r['candidates']:>11,}"
            f"{r['peak_mb']:>9.0f}{r['input_mb']:>9.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
