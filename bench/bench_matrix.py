"""Many sources: the whole K x K matrix against K(K-1)/2 runs of ``compare``, and the page's warm rerun.

Measures, on GloVe words and five offline sources (GloVe, two shuffles of
it, two random spaces):

1. ``compare_sources`` for 5 sources x 100 words with 10,000 permutations
   (what ``python -m lib matrix`` computes), against running ``compare``'s
   work (align both graphs, ``compare_graphs``) for each of the 10 pairs in
   the same process, sources loaded once for both; targets: < 3 s and at
   least 3x faster. The Mantel part alone is timed too (``mantel_matrix``
   against 10 ``mantel_test`` calls).
2. the Many sources page's warm rerun (AppTest, median of reruns with
   everything cached) with 5 sources x 50 words; target < 0.5 s.

Run: python bench/bench_matrix.py [--reruns 5] [--no-page]
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lib.analysis.compare import align_results, compare_graphs, mantel_matrix, mantel_test  # noqa: E402
from lib.analysis.matrix import compare_sources  # noqa: E402
from lib.graph import build_graph  # noqa: E402
from lib.sources import load_source  # noqa: E402

SOURCES = ["glove", "shuffled:glove", "shuffled:glove,seed=1", "random:dim=50,seed=1", "random:dim=300,seed=2"]
PERMUTATIONS = 10_000


def glove_words(n: int, skip: int = 500) -> list[str]:
    """``n`` alphabetic GloVe words after the ``skip`` most frequent ones."""
    words, _ = load_source("glove").vocabulary(skip + 4 * n)
    return [w for w in words[skip:] if w.isalpha()][:n]


def _timed(fn) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def pairwise(sources, words) -> list:
    """What ``compare`` computes, once per pair."""
    out = []
    for a, b in itertools.combinations(sources, 2):
        ra, rb = align_results(build_graph(a, words), build_graph(b, words), a, b, words)
        out.append(compare_graphs(ra.graph, rb.graph, permutations=PERMUTATIONS, seed=0))
    return out


def bench_matrix(n_words: int) -> None:
    sources = [load_source(s) for s in SOURCES]
    words = glove_words(n_words)
    compare_sources(sources, words[:10], permutations=9)  # warm up: imports, first lookups
    matrix_s, m = _timed(lambda: compare_sources(sources, words, permutations=PERMUTATIONS))
    pairs_s, pairs = _timed(lambda: pairwise(sources, words))
    matrix_s = min(matrix_s, _timed(lambda: compare_sources(sources, words, permutations=PERMUTATIONS))[0])
    same = all(
        m.matrices["rsa_p"][i, j] == c.rsa.p_value
        for (i, j), c in zip(itertools.combinations(range(len(sources)), 2), pairs, strict=True)
    )
    sims = [r.graph.similarity for r in m.results]
    mantel_all_s, _ = _timed(lambda: mantel_matrix(sims, permutations=PERMUTATIONS))
    mantel_pairs_s, _ = _timed(
        lambda: [mantel_test(a, b, permutations=PERMUTATIONS) for a, b in itertools.combinations(sims, 2)]
    )
    k = len(sources)
    print(
        f"{k} sources x {len(m.words)} words, {PERMUTATIONS:,} permutations "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    print(f"  whole matrix (compare_sources)         {matrix_s:7.2f} s   target < 3 s")
    print(f"  compare for each of the {k * (k - 1) // 2} pairs       {pairs_s:7.2f} s")
    print(f"  speed-up                               {pairs_s / matrix_s:7.1f} x   target >= 3x")
    print(f"  Mantel only: mantel_matrix             {mantel_all_s:7.2f} s")
    print(
        f"  Mantel only: {k * (k - 1) // 2} x mantel_test           {mantel_pairs_s:7.2f} s "
        f"({mantel_pairs_s / mantel_all_s:.1f} x)"
    )
    print(f"  every pair's p equals compare's: {same}")


def bench_page(n_words: int, reruns: int) -> None:
    from tests.apptest_support import app_test

    words = glove_words(n_words)
    at = app_test({"sources": ";".join(SOURCES), "words": ",".join(words)}, timeout=600)
    at.run()
    first, _ = _timed(lambda: at.switch_page("app_pages/many_sources.py").run())
    if at.exception:
        raise SystemExit(f"the page raised: {at.exception[0].value}")
    times = [_timed(at.run)[0] for _ in range(reruns)]
    print(f"Many sources page, {len(SOURCES)} sources x {n_words} words")
    print(f"  first run (cold caches)   {first:6.2f} s")
    print(f"  warm rerun (median of {reruns}) {statistics.median(times):6.3f} s   target < 0.5 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=100)
    parser.add_argument("--reruns", type=int, default=5)
    parser.add_argument("--no-page", action="store_true")
    args = parser.parse_args()
    bench_matrix(args.words)
    if not args.no_page:
        bench_page(50, args.reruns)


if __name__ == "__main__":
    main()
