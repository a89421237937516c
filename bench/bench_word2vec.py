"""Word2vec streaming: first use, cached re-open and gensim's loader, whole process each.

Generates synthetic word2vec files once under ``--dir`` (default
/tmp/cosine-rings-bench-w2v): a 1,000,000 x 300 binary (1.2 GB), a
300,000 x 100 text .gz and, with ``--big``, a 3,000,000 x 300 binary
(Google News' shape, 3.6 GB). Each case runs in a fresh process; its wall
time, CPU time (user + system) and peak resident memory (``ru_maxrss``
of the child, the same as VmHWM) are printed; on a shared machine the CPU
time is the steadier figure. The anchor is gensim's
``KeyedVectors.load_word2vec_format`` on the same file in the same run;
the ratio is gensim's time over ours. The graph command runs with an empty
cache for "first use" and again for "cached re-open". Each case runs
``--repeat`` times (default 3), alternating with the anchor so that both see
the same load; the best wall and the best CPU time are printed, and the
ratios are taken between those bests. An uncompressed binary's table
indexes the file in place (no vectors copied); its size on disk is printed.
The generated files are deleted at the end unless ``--keep`` is given.

Run: python bench/bench_word2vec.py [--big] [--no-text] [--repeat N] [--keep] [--dir DIR]
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
WORDS = "word_0000001,word_0000002,New_York_0000010,word_0000100,word_0001000,word_0010000,word_0000300,word_0000020"
GENSIM = (
    "import sys; from gensim.models import KeyedVectors as K; "
    "K.load_word2vec_format(sys.argv[1], binary=sys.argv[2] == 'b')"
)


def _word(i: int) -> str:
    return f"New_York_{i:07d}" if i % 10 == 0 else f"word_{i:07d}"


def generate(path: Path, n: int, dim: int, *, binary: bool) -> Path:
    """Write ``n`` seeded N(0,1) rows of ``dim`` as word2vec (gensim's layout); skip when present."""
    if path.exists():
        return path
    rng = np.random.default_rng(0)
    tmp = path.with_suffix(".part")
    with gzip.open(tmp, "wb", compresslevel=1) if path.suffix == ".gz" else open(tmp, "wb") as fh:
        fh.write(f"{n} {dim}\n".encode())
        for start in range(0, n, 20_000):
            block = rng.standard_normal((min(20_000, n - start), dim)).astype(np.float32)
            if binary:
                rows = (f"{_word(start + i)} ".encode() + row.tobytes() for i, row in enumerate(block))
            else:
                rows = (
                    f"{_word(start + i)} {' '.join(f'{x:.6f}' for x in row.tolist())}\n".encode()
                    for i, row in enumerate(block)
                )
            fh.write(b"".join(rows))
    tmp.replace(path)
    return path


def run_child(argv: list[str], env: dict) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace").strip()
    proc.stderr.close()
    if status != 0:
        raise SystemExit(f"{' '.join(argv[:4])}: failed: {err.splitlines()[-1] if err else status}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def graph_cmd(spec: str) -> list[str]:
    return [sys.executable, "-m", "lib", "graph", "--source", spec, "--words", WORDS]


def disk_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def best(runs: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """Best wall, best CPU and the highest peak of repeated runs."""
    return min(r[0] for r in runs), min(r[1] for r in runs), max(r[2] for r in runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=Path("/tmp/cosine-rings-bench-w2v"))
    ap.add_argument("--big", action="store_true", help="also the 3,000,000 x 300 binary (3.6 GB)")
    ap.add_argument("--no-gensim", action="store_true", help="skip the gensim anchor")
    ap.add_argument("--no-text", action="store_true", help="skip the 300k x 100 text .gz file")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each case (best of them is shown)")
    ap.add_argument("--keep", action="store_true", help="keep the generated files for the next run")
    args = ap.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    cache = args.dir / "cache"
    env = {**os.environ, "COSINE_RINGS_CACHE": str(cache), "PYTHONPATH": str(ROOT)}
    files = [("1M x 300 binary", generate(args.dir / "w1m.bin", 1_000_000, 300, binary=True), "b")]
    if not args.no_text:
        files.append(("300k x 100 text .gz", generate(args.dir / "w300k.txt.gz", 300_000, 100, binary=False), "t"))
    if args.big:
        files.append(("3M x 300 binary", generate(args.dir / "w3m.bin", 3_000_000, 300, binary=True), "b"))
    print(f"load average before: {os.getloadavg()[0]:.1f}; best of {args.repeat}")
    print(f"{'file':22} {'case':28} {'wall s':>8} {'cpu s':>8} {'peak MB':>8}")

    def show(label: str, case: str, m: tuple[float, float, float], extra: str = "") -> None:
        print(f"{label:22} {case:28} {m[0]:8.2f} {m[1]:8.2f} {m[2]:8.0f}{extra}", flush=True)

    try:
        for label, path, kind in files:
            size = path.stat().st_size / 1e9
            firsts, reopens, anchors, table_mb = [], [], [], 0.0
            for _ in range(args.repeat):
                shutil.rmtree(cache, ignore_errors=True)
                firsts.append(run_child(graph_cmd(f"word2vec:{path}"), env))
                table_mb = disk_mb(cache)
                reopens.append(run_child(graph_cmd(f"word2vec:{path}"), env))
                if not args.no_gensim and "3M" not in label:
                    anchors.append(run_child([sys.executable, "-c", GENSIM, str(path), kind], env))
            first = best(firsts)
            show(label, "first use (graph, streamed)", first, f"   file {size:.2f} GB, table {table_mb:.0f} MB")
            show(label, "cached re-open (graph)", best(reopens))
            if anchors:
                anchor = best(anchors)
                ratio = f"   ours {anchor[0] / first[0]:.1f}x faster (wall), {anchor[1] / first[1]:.1f}x (cpu)"
                show(label, "gensim load_word2vec_format", anchor, ratio)
            shutil.rmtree(cache, ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(args.dir, ignore_errors=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
