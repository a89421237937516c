"""Many sources on one word list: every two-source measure for every pair, as K x K matrices.

:func:`align_sources` looks the words up in each source once and keeps
those every source has (in input order); :func:`pair_measures` then takes
the K ring graphs (one cosine matrix per source) and fills, for every pair,
the measures of :mod:`lib.analysis.compare`:

- ``rsa_spearman``, ``rsa_pearson``: correlation of the two upper triangles;
- ``rsa_p``: the Mantel permutation p of the Spearman RSA, the same test and
  seed as ``compare`` (:func:`~lib.analysis.compare.mantel_matrix`: all
  pairs share the permuted index sets);
- ``edge_jaccard``, ``degree_spearman``, ``community_ari`` (Louvain once per
  source);
- ``neighbour_jaccard``: mean over words of the Jaccard index of the two
  spaces' k nearest neighbours within the list (:func:`knn_within`, the
  exact k-NN of ``neighbours``, so both give the same Jaccard).

:func:`compare_sources`, which has the vectors, adds the calibrated measures
of :mod:`lib.measures.matrix` (``cka_linear``, ``cka_debiased``,
``procrustes_angular``, ``mutual_knn``, each with its permutation p as
``<name>_p``): the values and p's that ``compare`` gives for each pair.

Matrices are symmetric with unit diagonals (NaN where a measure is
undefined, and on ``rsa_p``'s diagonal).

Examples
--------
>>> import numpy as np
>>> from lib.engine import ring_graph
>>> x = np.random.default_rng(0).standard_normal((8, 5))
>>> g = ring_graph(list("abcdefgh"), x)
>>> m = pair_measures([g, g], permutations=99)
>>> m["rsa_spearman"].round(6).tolist(), float(m["rsa_p"][0, 1]), float(m["neighbour_jaccard"][0, 1])
([[1.0, 1.0], [1.0, 1.0]], 0.01, 1.0)
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..engine import RingGraph, ring_graph, upper_triangle
from ..errors import InputError
from ..graph import GraphResult
from ..measures.matrix import matrix_names, measure_matrices
from ..sources.base import Missing, Source
from ..sources.together import lookup_together
from ..words import clean_words
from .communities import louvain, partition_ari
from .compare import DEFAULT_PERMUTATIONS, correlation, edge_jaccard, mantel_matrix
from .knn import exact_knn

__all__ = [
    "MEASURES",
    "ALL_MATRICES",
    "DEFAULT_NK",
    "MAX_SOURCES",
    "MIN_COMMON_WORDS",
    "Dropped",
    "SourceMatrix",
    "knn_within",
    "neighbour_jaccard",
    "align_sources",
    "pair_measures",
    "compare_sources",
    "matrix_rows",
    "pair_table",
    "matrices_csv",
]

#: The K x K matrices, in the order the JSON lists them.
MEASURES = (
    "rsa_spearman",
    "rsa_pearson",
    "rsa_p",
    "edge_jaccard",
    "degree_spearman",
    "community_ari",
    "neighbour_jaccard",
)
#: Every matrix :func:`compare_sources` gives: :data:`MEASURES`, then the calibrated measures and their p's.
ALL_MATRICES = (*MEASURES, *matrix_names())
#: Neighbours per word of ``neighbour_jaccard`` unless asked otherwise.
DEFAULT_NK = 5
#: Most sources one matrix takes (the grid and the heatmaps stay readable).
MAX_SOURCES = 16
#: Fewest words all sources must share before the app shows RSA, Mantel p and the map:
#: 10 words give 45 pairs; with 4 words (6 pairs, 24 orderings) two random spaces
#: can reach RSA 0.7 by chance.
MIN_COMMON_WORDS = 10


@dataclass(frozen=True)
class Dropped:
    """A word left out of the matrix: the source that lacks it (None: the word itself is unusable)."""

    word: str
    source: str | None
    reason: str


@dataclass(frozen=True)
class SourceMatrix:
    """K sources on their common words: the ring graph of each and the K x K matrices."""

    sources: tuple[str, ...]
    results: tuple[GraphResult, ...]
    words: tuple[str, ...]
    missing: tuple[Dropped, ...]
    matrices: dict[str, np.ndarray]
    permutations: int
    seed: int
    nk: int


def knn_within(vectors: np.ndarray, k: int) -> np.ndarray:
    """Row i: the ``k`` other words with the largest cosine to word i, nearest first.

    The one k-NN of the project (:func:`lib.analysis.knn.exact_knn`): exact,
    and exact ties go to the word earlier in the list. ``k`` is capped at n - 1.

    >>> knn_within(np.array([[1.0, 6, 6], [0, 3, 3], [0, 1, 1], [1, 0, 0]]), 1).ravel().tolist()
    [1, 2, 1, 0]
    """
    if k < 1:
        raise InputError(f"the number of neighbours must be at least 1, got {k}")
    v = np.asarray(vectors)
    return exact_knn(v, min(int(k), len(v) - 1)).index


def neighbour_jaccard(knn_a: np.ndarray, knn_b: np.ndarray) -> float:
    """Mean over words of |N_A(i) ∩ N_B(i)| / |N_A(i) ∪ N_B(i)| (both k-subsets of the same size)."""
    k = knn_a.shape[1]
    shared = (knn_a[:, :, None] == knn_b[:, None, :]).any(axis=2).sum(axis=1)
    return float(np.mean(shared / (2 * k - shared)))


def align_sources(
    sources: Sequence[Source],
    words: Sequence[str],
    *,
    labels: Sequence[str] | None = None,
    rule: str = "seed",
    k: float = 1.0,
    value: float | None = None,
    with_vectors: bool = False,
) -> tuple:
    """Look ``words`` up in every source once; build each ring graph on the words all of them have.

    Returns ``(results, common words, dropped)``, and with ``with_vectors``
    also each source's vectors of the common words; ``dropped`` names, for
    each word left out, the source that lacks it (``labels``, default each
    source's SPEC), or None when the word itself is unusable.

    Raises
    ------
    InputError
        With fewer than 2 sources, or fewer than 3 words in all of them.
    """
    labels = [s.spec for s in sources] if labels is None else list(labels)
    if len(sources) < 2:
        raise InputError(f"a matrix needs at least 2 sources, got {len(sources)}")
    if len(sources) > MAX_SOURCES:
        raise InputError(f"a matrix takes at most {MAX_SOURCES} sources, got {len(sources)}")
    together = lookup_together(sources, words, labels=labels)
    common = together.words
    dropped = [Dropped(w, None if s is None else labels[s], reason) for w, s, reason in together.dropped]
    if len(common) < 3:
        asked = len(clean_words(words)[0])
        if not asked:
            raise InputError("no usable words given")
        drawn = [asked - sum(1 for _, s, _ in together.dropped if s == i) for i in range(len(sources))]
        lacking = min(range(len(sources)), key=lambda i: drawn[i])
        short = asked - drawn[lacking]
        raise InputError(
            f"only {len(common)} word(s) are in all {len(sources)} sources; need at least 3"
            + (f" ({labels[lacking]} lacks {short} of {asked})" if short else "")
        )
    results = [
        GraphResult(
            source.spec,
            source.name,
            source.dim,
            ring_graph(common, lookup.vectors, rule=rule, k=k, value=value),
            tuple(Missing(w, reason) for w, s, reason in together.dropped if s is None) + missing,
            lookup.notes,
        )
        for source, lookup, missing in zip(sources, together.lookups, together.missing, strict=True)
    ]
    out = (tuple(results), common, tuple(dropped))
    return (*out, [lookup.vectors for lookup in together.lookups]) if with_vectors else out


def _cell(value: float | None) -> float:
    return np.nan if value is None else float(value)


def pair_measures(
    graphs: Sequence[RingGraph],
    *,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = 0,
    nk: int = DEFAULT_NK,
) -> dict[str, np.ndarray]:
    """The K x K matrix of every measure of :data:`MEASURES` for ring graphs of the same words.

    Raises
    ------
    InputError
        If the graphs are not all of the same words in the same order, or ``nk`` < 1.
    """
    graphs = list(graphs)
    if len(graphs) < 2:
        raise InputError(f"a matrix needs at least 2 sources, got {len(graphs)}")
    if any(g.words != graphs[0].words for g in graphs):
        raise InputError("the matrix needs every graph on the same words in the same order")
    count = len(graphs)
    tri = [upper_triangle(g.similarity) for g in graphs]
    edges = [upper_triangle(g.mask) for g in graphs]
    degree = [np.asarray(g.degree, dtype=np.float64) for g in graphs]
    parts = [louvain(g.words, g.similarity, g.mask) for g in graphs]
    if any(g.vectors is None for g in graphs):
        raise InputError("the k-NN Jaccard needs each ring graph's vectors")
    knn = [knn_within(g.vectors, nk) for g in graphs]
    _, p_value = mantel_matrix([g.similarity for g in graphs], permutations=permutations, seed=seed)
    out = {name: np.eye(count) for name in MEASURES}
    out["rsa_p"] = p_value
    for i, j in itertools.combinations(range(count), 2):
        cells = {
            "rsa_spearman": _cell(correlation(tri[i], tri[j], "spearman")),
            "rsa_pearson": _cell(correlation(tri[i], tri[j], "pearson")),
            "edge_jaccard": edge_jaccard(edges[i], edges[j]),
            "degree_spearman": _cell(correlation(degree[i], degree[j], "spearman")),
            "community_ari": partition_ari(parts[i], parts[j]),
            "neighbour_jaccard": neighbour_jaccard(knn[i], knn[j]),
        }
        for name, value in cells.items():
            out[name][i, j] = out[name][j, i] = value
    for matrix in out.values():
        matrix.setflags(write=False)
    return out


def compare_sources(
    sources: Sequence[Source],
    words: Sequence[str],
    *,
    labels: Sequence[str] | None = None,
    rule: str = "seed",
    k: float = 1.0,
    value: float | None = None,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = 0,
    nk: int = DEFAULT_NK,
) -> SourceMatrix:
    """:func:`align_sources`, :func:`pair_measures` of the K graphs, and the calibrated measures of their vectors."""
    labels = tuple(s.spec for s in sources) if labels is None else tuple(labels)
    results, common, dropped, vectors = align_sources(
        sources, words, labels=labels, rule=rule, k=k, value=value, with_vectors=True
    )
    matrices = pair_measures([r.graph for r in results], permutations=permutations, seed=seed, nk=nk)
    matrices = {**matrices, **measure_matrices(vectors, permutations=permutations, seed=seed, nk=nk)}
    return SourceMatrix(
        labels, results, common, dropped, matrices, int(permutations), int(seed), min(int(nk), len(common) - 1)
    )


def _present(matrices: dict[str, np.ndarray]) -> list[str]:
    return [name for name in ALL_MATRICES if name in matrices]


def matrix_rows(sources: Sequence[str], matrices: dict[str, np.ndarray]) -> pd.DataFrame:
    """Every cell of every matrix as a long table: ``source_a``, ``source_b``, ``measure``, ``value``."""
    rows = [
        (sources[i], sources[j], name, float(matrices[name][i, j]))
        for name in _present(matrices)
        for i in range(len(sources))
        for j in range(len(sources))
    ]
    return pd.DataFrame(rows, columns=["source_a", "source_b", "measure", "value"])


def pair_table(sources: Sequence[str], matrices: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per pair of sources (i < j) with every measure as a column."""
    names = _present(matrices)
    rows = [
        {"source_a": sources[i], "source_b": sources[j], **{name: float(matrices[name][i, j]) for name in names}}
        for i, j in itertools.combinations(range(len(sources)), 2)
    ]
    return pd.DataFrame(rows, columns=["source_a", "source_b", *names])


def matrices_csv(sources: Sequence[str], matrices: dict[str, np.ndarray]) -> bytes:
    """:func:`matrix_rows` as CSV (empty value where a measure is undefined; full float64 precision).

    SPECs that look like spreadsheet formulas are quoted (:func:`lib.export.csv_safe`).
    """
    from ..export import csv_safe  # lib.export imports the graph module; keep this module light

    return csv_safe(matrix_rows(sources, matrices)).to_csv(index=False, lineterminator="\n").encode()
