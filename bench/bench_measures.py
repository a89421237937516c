"""Calibrated measures: the whole suite against RSA alone, and the vocabulary-scale measures.

Synthetic vectors (numpy, seeded): A is N(0, 1) in 300 dimensions; B, in
384 dimensions, holds a random rotation of A's first 200 coordinates plus
noise, so the spaces are related but not copies. Sources hand over float32
rows, so the inputs are float32.

(a) 2,000 words, 300 vs 384 dimensions, 1,000 permutations:
    ``calibrate`` with all five measures against ``calibrate`` with
    ``rsa_spearman`` alone (what ``compare --measures rsa_spearman`` adds), same
    seed, no bootstrap (``--bootstrap 0``: the permutation pass is what the two
    share); target: the suite <= 3x RSA alone. Then the same two with
    ``--boot`` resamples and ``--boot-permutations`` permutations, to show
    what the intervals add.
(b) N = 50,000 shared words, 300 vs 384 dimensions, 100 permutations: the
    three vocabulary-scale measures (linear CKA, debiased CKA, Procrustes;
    what ``neighbours --top N`` adds); targets: < 60 s and < 1.5 GB.

Each case runs in a fresh process; peak memory is that process's maximum
resident set (``ru_maxrss``), inputs and the Python interpreter included.

Run: python bench/bench_measures.py [--words 2000] [--permutations 1000] [--vocabulary 50000]
     [--vocab-permutations 100] [--boot 100] [--boot-permutations 100]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

SUITE = ("rsa_spearman", "cka_linear", "cka_debiased", "procrustes_angular", "mutual_knn")
VOCABULARY = ("cka_linear", "cka_debiased", "procrustes_angular")


def spaces(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 300), dtype=np.float32)
    q = np.linalg.qr(rng.standard_normal((200, 200)))[0].astype(np.float32)
    y = np.hstack([x[:, :200] @ q, np.zeros((n, 184), dtype=np.float32)])
    y += rng.standard_normal((n, 384), dtype=np.float32)
    return x, y


def case(names: list[str], n: int, permutations: int, bootstrap: int) -> dict:
    from lib.measures import calibrate

    x, y = spaces(n)
    t, usage = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    got = calibrate(x, y, names, permutations=permutations, bootstrap=bootstrap, seed=0)
    seconds = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    values = {k: (round(r.value, 4), r.p) for k, r in got.items()}
    return {"seconds": round(seconds, 2), "cpu_s": round(cpu, 2), "peak_mb": round(peak_mb), "values": values}


def run_case(names, n, permutations, bootstrap) -> dict:
    cmd = [sys.executable, __file__, "--case", ",".join(names), str(n), str(permutations), str(bootstrap)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--words", type=int, default=2000)
    p.add_argument("--permutations", type=int, default=1000)
    p.add_argument("--boot", type=int, default=100)
    p.add_argument("--boot-permutations", type=int, default=100)
    p.add_argument("--vocabulary", type=int, default=50_000)
    p.add_argument("--vocab-permutations", type=int, default=100)
    p.add_argument("--skip", default="", help="comma-separated parts to skip: a, boot, b")
    p.add_argument("--case", nargs=4, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.case:
        names, n, perms, boot = args.case
        print(json.dumps(case(names.split(","), int(n), int(perms), int(boot))))
        return
    skip = set(args.skip.split(","))
    if "a" not in skip:
        n, perms = args.words, args.permutations
        print(f"(a) {n:,} words, 300 vs 384 dimensions, {perms:,} permutations, no bootstrap", flush=True)
        rsa = run_case(["rsa_spearman"], n, perms, 0)
        print(f"  rsa_spearman alone: {rsa['seconds']:.1f} s, peak {rsa['peak_mb']} MB", flush=True)
        suite = run_case(list(SUITE), n, perms, 0)
        print(f"  all five measures:  {suite['seconds']:.1f} s, peak {suite['peak_mb']} MB", flush=True)
        print(f"  ratio {suite['seconds'] / rsa['seconds']:.2f}x (target <= 3x); values, p: {suite['values']}")
    if "boot" not in skip:
        n, perms, boot = args.words, args.boot_permutations, args.boot
        print(f"(a') {n:,} words, {perms:,} permutations and {boot:,} bootstrap resamples", flush=True)
        rsa = run_case(["rsa_spearman"], n, perms, boot)
        suite = run_case(list(SUITE), n, perms, boot)
        print(f"  rsa_spearman alone: {rsa['seconds']:.1f} s; all five: {suite['seconds']:.1f} s", flush=True)
        print(f"  ratio {suite['seconds'] / rsa['seconds']:.2f}x")
    if "b" not in skip:
        n, perms = args.vocabulary, args.vocab_permutations
        print(f"(b) N = {n:,} shared words, 300 vs 384 dimensions, {perms:,} permutations", flush=True)
        vocab = run_case(list(VOCABULARY), n, perms, 0)
        print(
            f"  cka_linear, cka_debiased, procrustes_angular: {vocab['seconds']:.1f} s (target < 60 s), "
            f"peak {vocab['peak_mb']} MB (target < 1,500 MB)"
        )
        print(f"  values, p: {vocab['values']}")


if __name__ == "__main__":
    main()
