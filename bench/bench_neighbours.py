"""Neighbourhoods at vocabulary scale: whole-process time against faiss, peak memory, page rerun.

1. **Time.** Two word2vec files of N x d (A: clustered vectors; B: A rotated,
   with noise and 2% of the words moved) are written once and read once
   through ``python -m lib`` so their memory-mapped tables are cached. Then,
   alternating, each timed as a whole process (start to exit):

   - ours: ``python -m lib neighbours --a A --b B --top N --k 10 --no-cache --allow-large --permutations 0
     --no-shifts`` (the k-NN comparison alone, the work faiss does; exact: float32 blocks, float64 at the
     k-th neighbour; JSON to /dev/null), and the same without ``--no-shifts`` (the command's default,
     which adds both per-word shifts and the two maps);
   - faiss: a process that imports faiss, reads the same float32 matrices
     (``.npy`` files: the fastest way to load them), normalises the rows
     and runs ``IndexFlatIP`` exact search (k + 1, the word itself is its
     own nearest) in each space, then the same Jaccard per word.

   Reported: every repeat, the ratios ours / faiss of the medians, of the
   best runs and of the best CPU times, and the pairs the float64 step settled
   (from the command's stderr).
   Ours runs its blocks over the usable CPUs' threads; faiss uses its OpenMP threads.
2. **Memory.** Peak RSS (``/usr/bin/time -f %M``) of the command at 50,000 x 768.
3. **Page.** Warm rerun of the Neighbours page at N = 10,000 (AppTest, result cached).

Run: ``python bench/bench_neighbours.py`` (several minutes on a busy 2-core machine);
``--quick`` for 8,000 x 300 and no memory case.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

FAISS = """
import sys, numpy as np, faiss
k = int(sys.argv[3])
index = []
for path in sys.argv[1:3]:
    v = np.load(path)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    flat = faiss.IndexFlatIP(v.shape[1])
    flat.add(v)
    _, found = flat.search(v, k + 1)
    index.append(found)
shared = [len(set(a[a != i][:k]) & set(b[b != i][:k])) for i, (a, b) in enumerate(zip(*index))]
print(np.mean([x / (2 * k - x) for x in shared]))
"""


def spaces(n: int, d: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A: 200 clusters with spread; B: A rotated, 10% noise, 2% of the rows replaced."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((200, d))
    a = centres[rng.integers(0, 200, n)] + 0.8 * rng.standard_normal((n, d))
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    b = a @ q + 0.1 * rng.standard_normal((n, d))
    moved = rng.choice(n, n // 50, replace=False)
    b[moved] = rng.standard_normal((len(moved), d)) * 2
    return a.astype(np.float32), b.astype(np.float32)


def prepare(folder: Path, n: int, d: int) -> dict:
    from source_fixtures import write_word2vec

    words = [f"w{i}" for i in range(n)]
    out = {}
    for name, v in zip("ab", spaces(n, d), strict=True):
        path = folder / f"{name}-{n}x{d}.bin"
        if not path.exists():
            write_word2vec(path, words, v)
        np.save(folder / f"{name}-{n}x{d}.npy", v)
        out[name] = path
    # Read once through the command: builds the cached memory-mapped tables.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "lib",
            "neighbours",
            "--a",
            f"word2vec:{out['a']}",
            "--b",
            f"word2vec:{out['b']}",
            "--top",
            "20",
            "--k",
            "2",
            "--no-cache",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        env=os.environ,
    )
    return out


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(cmd: list[str], cpu: list | None = None) -> tuple[float, str, str]:
    """Wall seconds, stdout and stderr of ``cmd``; its CPU seconds (user + system) go to ``cpu``."""
    c0, t0 = _cpu_children(), time.perf_counter()
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=os.environ)
    took = time.perf_counter() - t0
    if cpu is not None:
        cpu.append(_cpu_children() - c0)
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[:4]} failed: {p.stderr[-800:]}")
    return took, p.stdout, p.stderr


def time_case(folder: Path, n: int, d: int, k: int, repeats: int) -> dict:
    files = prepare(folder, n, d)
    default_cmd = [
        sys.executable,
        "-m",
        "lib",
        "neighbours",
        "--a",
        f"word2vec:{files['a']}",
        "--b",
        f"word2vec:{files['b']}",
        "--top",
        str(n),
        "--k",
        str(k),
        "--no-cache",
        "--allow-large",
        "--permutations",
        "0",  # the k-NN, not the vocabulary-level CKA/Procrustes permutation tests
    ]
    runs = {
        "knn": [*default_cmd, "--no-shifts"],  # the k-NN comparison alone: the work faiss does
        "with_shifts": default_cmd,  # the command's default: also both shifts and the two maps
        "faiss": [sys.executable, "-c", FAISS, str(folder / f"a-{n}x{d}.npy"), str(folder / f"b-{n}x{d}.npy"), str(k)],
    }
    wall: dict[str, list[float]] = {name: [] for name in runs}
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    means, stderr = {}, ""
    for r in range(repeats):  # alternate, so all three see the same machine load
        for name, cmd in runs.items():
            t, out, err = _timed(cmd, cpu[name])
            wall[name].append(t)
            means[name] = float(out) if name == "faiss" else json.loads(out)["summary"]["mean_jaccard"]
            stderr = err if name == "knn" else stderr
        print(
            f"repeat {r + 1}: "
            + ", ".join(f"{name} {wall[name][-1]:.1f} s ({cpu[name][-1]:.1f} s CPU)" for name in runs)
            + f", load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    settled = re.findall(
        r"k-NN in (\w): ([\d,]+) pairs summed in float64, ([\d,]+) of them near the k-th "
        r"neighbour, ([\d,]+) words settled",
        stderr,
    )
    ratios = {
        f"{name}_{kind}": f(values[name]) / f(values["faiss"])
        for name in ("knn", "with_shifts")
        for kind, f, values in (("median", statistics.median, wall), ("best", min, wall), ("cpu_best", min, cpu))
    }
    return {
        "n": n,
        "d": d,
        "k": k,
        "wall_s": wall,
        "cpu_s": cpu,
        "ratio": ratios,
        "load_average": os.getloadavg(),
        "mean_jaccard": means,
        "float64": settled,
    }


def memory_case(folder: Path, n: int, d: int, k: int) -> dict:
    files = prepare(folder, n, d)
    p = subprocess.run(
        [
            "/usr/bin/time",
            "-f",
            "%M %e",
            sys.executable,
            "-m",
            "lib",
            "neighbours",
            "--a",
            f"word2vec:{files['a']}",
            "--b",
            f"word2vec:{files['b']}",
            "--top",
            str(n),
            "--k",
            str(k),
            "--no-cache",
            "--allow-large",
            "--format",
            "csv",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=os.environ,
    )
    peak_kb, wall = p.stderr.strip().splitlines()[-1].split()
    return {"n": n, "d": d, "peak_rss_mb": int(peak_kb) / 1024, "wall_s": float(wall), "rc": p.returncode}


def page_case(n: int = 10_000, k: int = 10, reruns: int = 5) -> dict:
    from lib.analysis.neighbours_store import neighbours_for
    from tests.apptest_support import app_test, server_like_navigation

    neighbours_for("glove", "minilm", top=n, k=k, null=True)  # the cached result the page shows
    with server_like_navigation():
        at = app_test({"a": "glove", "b": "minilm", "top": str(n), "nk": str(k), "nword": "bank"}, timeout=300)
        at.run()
        at.switch_page("app_pages/neighbours.py").run()
        assert not at.exception and at.metric, "the page did not show the cached result"
        times = []
        for _ in range(reruns):
            t0 = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t0)
    return {"n": n, "k": k, "warm_rerun_s": statistics.median(times), "runs": times}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-page", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("COSINE_RINGS_CACHE", tempfile.mkdtemp(prefix="bench-neighbours-cache-"))
    folder = Path(os.environ["COSINE_RINGS_CACHE"]) / "bench-neighbours"
    folder.mkdir(parents=True, exist_ok=True)
    n, d = (8_000, 300) if args.quick else (30_000, 300)
    print(json.dumps({"time": time_case(folder, n, d, 10, args.repeats)}), flush=True)
    if not args.quick and not args.skip_memory:
        print(json.dumps({"memory": memory_case(folder, 50_000, 768, 10)}), flush=True)
    if not args.skip_page:
        print(json.dumps({"page": page_case()}), flush=True)


if __name__ == "__main__":
    main()
