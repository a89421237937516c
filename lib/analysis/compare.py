"""Two sources on the same words: how alike are their similarity structures?

:func:`align_results` restricts two graphs to the words both sources draw;
:func:`compare_graphs` then measures

- RSA: Spearman and Pearson correlation of the two upper triangles (scipy),
  with a Mantel permutation test (:func:`mantel_test`, vectorised);
- edge agreement: Jaccard index of the edge sets, shared / only-A / only-B;
- degree agreement: Spearman correlation of degrees, and the hubs of each;
- communities: Louvain on each graph, their adjusted Rand index, and with the
  list's categories when it has them;
- category selectivity: mean within-category cosine minus mean between.

Examples
--------
>>> import numpy as np
>>> from lib.engine import ring_graph
>>> x = np.random.default_rng(0).standard_normal((8, 5))
>>> g = ring_graph(list("abcdefgh"), x)
>>> c = compare_graphs(g, g, permutations=99, seed=0)
>>> round(c.rsa.spearman, 6), c.edges.jaccard, c.rsa.p_value
(1.0, 1.0, 0.01)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats

from ..engine import RingGraph
from ..engine import upper_triangle as upper
from ..errors import InputError
from ..graph import GraphResult, align_all
from ..measures.draws import permutation_batches as _permutation_batches
from ..sources.base import Source
from .communities import Partition, category_ari, louvain, partition_ari

__all__ = [
    "DEFAULT_PERMUTATIONS",
    "RSA",
    "EdgeAgreement",
    "Comparison",
    "MAX_PAIR_ROWS",
    "MAX_EDGE_ROWS",
    "QUADRANT_NAMES",
    "sample_pairs",
    "capped",
    "common_words",
    "align_results",
    "upper",
    "batch_correlation",
    "correlation",
    "edge_jaccard",
    "mantel_test",
    "mantel_matrix",
    "selectivity",
    "compare_graphs",
]

#: Permutations of the Mantel test unless asked otherwise.
DEFAULT_PERMUTATIONS = 10_000
#: The pair table's quadrants: an edge in both rings, in A only, in B only, in neither.
QUADRANT_NAMES = ("both", "only A", "only B", "neither")
#: Most permuted values held in memory at once (permutations x pairs).
_CHUNK_VALUES = 4_000_000


@dataclass(frozen=True)
class RSA:
    """Correlation of two upper triangles; ``p_value`` is the Mantel test's for Spearman."""

    spearman: float | None
    pearson: float | None
    p_value: float | None
    permutations: int


@dataclass(frozen=True)
class EdgeAgreement:
    """Edges of A and B as DataFrames of ``source``, ``target``, ``cosine_a``, ``cosine_b``."""

    jaccard: float
    shared: pd.DataFrame
    only_a: pd.DataFrame
    only_b: pd.DataFrame


@dataclass(frozen=True)
class Comparison:
    """Every two-source measure of :func:`compare_graphs`."""

    words: tuple[str, ...]
    rsa: RSA
    edges: EdgeAgreement
    degree_spearman: float | None
    hubs_a: tuple[str, ...]
    hubs_b: tuple[str, ...]
    communities_a: Partition
    communities_b: Partition
    ari: float
    category_ari_a: float | None
    category_ari_b: float | None
    selectivity_a: float | None
    selectivity_b: float | None
    #: One row per pair: ``source``, ``target``, ``cosine_a``, ``cosine_b``, ``quadrant``.
    pairs: pd.DataFrame
    #: Rows of ``pairs``, ``edges.shared``, ``edges.only_a``, ``edges.only_b`` before :func:`capped` cut them.
    totals: tuple[int, int, int, int] | None = None

    @property
    def hubs_shared(self) -> tuple[str, ...]:
        return tuple(w for w in self.hubs_a if w in set(self.hubs_b))

    def counts(self) -> tuple[int, int, int, int]:
        """Pairs, shared edges, edges only in A, edges only in B (all of them, also when capped)."""
        if self.totals is not None:
            return self.totals
        return (len(self.pairs), len(self.edges.shared), len(self.edges.only_a), len(self.edges.only_b))


#: Pair rows a capped comparison keeps (the pair scatter draws them).
MAX_PAIR_ROWS = 5000
#: Rows each edge list of a capped comparison keeps (the strongest).
MAX_EDGE_ROWS = 1000


def sample_pairs(pairs: pd.DataFrame, max_rows: int = MAX_PAIR_ROWS) -> pd.DataFrame:
    """At most ``max_rows`` rows of a pair table, edges first: a seeded sample beyond the cap.

    Pairs that are an edge in A or B come first; when they alone exceed the
    cap, a seeded sample of them is kept, otherwise a seeded sample of the
    other pairs fills the rest. Rows keep their order.

    >>> df = pd.DataFrame({"quadrant": ["both"] * 3 + ["neither"] * 7})
    >>> sample_pairs(df, 5)["quadrant"].tolist()
    ['both', 'both', 'both', 'neither', 'neither']
    """
    if len(pairs) <= max_rows:
        return pairs
    rng = np.random.default_rng(0)
    edge = np.asarray(pairs["quadrant"] != "neither")
    edges, neither = np.flatnonzero(edge), np.flatnonzero(~edge)
    if len(edges) >= max_rows:
        keep = rng.choice(edges, size=max_rows, replace=False)
    else:
        keep = np.concatenate([edges, rng.choice(neither, size=max_rows - len(edges), replace=False)])
    return pairs.iloc[np.sort(keep)]


def capped(c: Comparison, max_pairs: int = MAX_PAIR_ROWS, max_edges: int = MAX_EDGE_ROWS) -> Comparison:
    """``c`` with its pair table sampled (:func:`sample_pairs`) and each edge list cut to its strongest rows.

    What the app keeps and draws of a comparison: every measure stays, the
    full counts are in :attr:`Comparison.totals`.
    """
    e = c.edges

    def strongest(df: pd.DataFrame, by: list[str]) -> pd.DataFrame:
        if len(df) <= max_edges:
            return df
        return df.iloc[np.argsort(-df[by].to_numpy().sum(axis=1), kind="stable")[:max_edges]].reset_index(drop=True)

    edges = EdgeAgreement(
        e.jaccard,
        strongest(e.shared, ["cosine_a", "cosine_b"]),
        strongest(e.only_a, ["cosine_a"]),
        strongest(e.only_b, ["cosine_b"]),
    )
    return replace(c, pairs=sample_pairs(c.pairs, max_pairs).reset_index(drop=True), edges=edges, totals=c.counts())


def common_words(words_a: Sequence[str], words_b: Sequence[str]) -> list[str]:
    """The words in both lists, in the order of ``words_a``."""
    in_b = set(words_b)
    return [w for w in words_a if w in in_b]


def align_results(
    result_a: GraphResult, result_b: GraphResult, source_a: Source, source_b: Source, words: Sequence[str]
) -> tuple[GraphResult, GraphResult]:
    """Rebuild both graphs of ``words`` on the words both sources draw, decided together, in list order.

    Each result's ``missing`` says why its source does not draw a word
    (:func:`lib.graph.build_graphs`). Results already on the same words come
    back unchanged.

    Raises
    ------
    InputError
        If fewer than 3 words are in both.
    """
    a, b = align_all([result_a, result_b], [source_a, source_b], words)
    return a, b


def batch_correlation(rows: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson correlation of each row of ``rows`` (B, P) with ``y`` (P,); NaN where undefined."""
    rows = np.asarray(rows, dtype=np.float64)
    yc = np.asarray(y, dtype=np.float64) - np.mean(y)
    rc = rows - rows.mean(axis=1, keepdims=True)
    denom = np.linalg.norm(rc, axis=1) * np.linalg.norm(yc)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, rc @ yc / np.where(denom > 0, denom, 1.0), np.nan)


def _symmetric_from_upper(values: np.ndarray, n: int) -> np.ndarray:
    full = np.zeros((n, n))
    iu = np.triu_indices(n, k=1)
    full[iu] = values
    return full + full.T


def mantel_test(
    s_a: np.ndarray,
    s_b: np.ndarray,
    *,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = 0,
    method: str = "spearman",
) -> tuple[float | None, float | None, np.ndarray]:
    """Mantel test: correlate the upper triangles, then permute B's rows and columns together.

    Spearman ranks B's upper triangle once; a permutation of the words only
    reorders those ranks, so each permuted statistic is one dot product.

    Returns
    -------
    (statistic, p_value, null)
        ``p_value = (1 + #{null >= statistic}) / (1 + permutations)``
        (one-sided: "more alike than chance"); ``null`` holds the permuted
        statistics. Statistic and p are None when a triangle is constant.
    """
    s_a, s_b = np.asarray(s_a, dtype=np.float64), np.asarray(s_b, dtype=np.float64)
    n = s_a.shape[0]
    if s_a.shape != (n, n) or s_b.shape != (n, n):
        raise InputError(
            f"the two similarity matrices must have the same square shape, got {s_a.shape} and {s_b.shape}"
        )
    if method not in ("spearman", "pearson"):
        raise InputError(f"unknown correlation {method!r}; use spearman or pearson")
    if not 1 <= int(permutations) <= 1_000_000:
        raise InputError(f"permutations must be between 1 and 1000000, got {permutations}")
    a, b = upper(s_a), upper(s_b)
    if a.size < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return None, None, np.empty(0)
    if method == "spearman":
        a, b = stats.rankdata(a), stats.rankdata(b)
    full_b = _symmetric_from_upper(b, n)
    ac = a - a.mean()
    ac /= np.linalg.norm(ac)
    b_norm = np.linalg.norm(b - b.mean())
    # ac sums to zero, so centring the permuted values is unnecessary.
    observed = float(b @ ac / b_norm)
    iu, ju = np.triu_indices(n, k=1)
    chunk = max(1, min(int(permutations), _CHUNK_VALUES // a.size))
    null = np.concatenate(
        [full_b[p[:, iu], p[:, ju]] @ ac / b_norm for p in _permutation_batches(n, int(permutations), seed, chunk)]
    )
    exceed = int(np.count_nonzero(null >= observed - 1e-12))
    return observed, (1 + exceed) / (1 + int(permutations)), null


def mantel_matrix(
    similarities: Sequence[np.ndarray],
    *,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = 0,
    method: str = "spearman",
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`mantel_test` of every pair of K similarity matrices of the same words, at once.

    Pair (i, j), i < j, is tested exactly as ``mantel_test(s[i], s[j])``: the
    same seeded permutations, applied to the later matrix. Each permutation's
    index set is drawn once and gathers all K matrices together; one matrix
    product then gives the permuted statistic of every pair.

    Returns
    -------
    (statistic, p_value)
        K x K symmetric arrays; NaN on the diagonal and where a triangle is constant.
    """
    mats = [np.asarray(s, dtype=np.float64) for s in similarities]
    k = len(mats)
    n = mats[0].shape[0] if k else 0
    if any(m.shape != (n, n) for m in mats):
        raise InputError("the similarity matrices must all have the same square shape")
    if method not in ("spearman", "pearson"):
        raise InputError(f"unknown correlation {method!r}; use spearman or pearson")
    if not 1 <= int(permutations) <= 1_000_000:
        raise InputError(f"permutations must be between 1 and 1000000, got {permutations}")
    stat, p_value = np.full((k, k), np.nan), np.full((k, k), np.nan)
    tri = [upper(m) for m in mats]
    ok = [i for i in range(k) if tri[i].size >= 2 and np.ptp(tri[i]) > 0]
    if len(ok) < 2:
        return stat, p_value
    vals = np.stack([stats.rankdata(tri[i]) if method == "spearman" else tri[i] for i in ok])  # (K', M)
    centred = vals - vals.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(centred, axis=1)
    ac = centred / norms[:, None]  # row i: the "A" side of every pair (i, j)
    observed = ac @ vals.T / norms[None, :]  # [i, j]: A = i, B = j (B permuted)
    # (n*n, K'-1): the symmetric matrices of the sources that are ever B (all
    # but the first) side by side, so one gather of a permuted index set
    # fetches all of them at once.
    stacked = np.stack([_symmetric_from_upper(v, n).ravel() for v in vals[1:]], axis=1)
    iu, ju = np.triu_indices(n, k=1)
    exceed = np.zeros((len(ok) - 1, len(ok) - 1), dtype=np.int64)
    chunk = max(1, min(int(permutations), _CHUNK_VALUES // (iu.size * (len(ok) - 1))))
    iu, ju = iu.astype(np.int32), ju.astype(np.int32)  # half the index traffic of int64
    threshold = observed[:-1, 1:] - 1e-12
    for perm in _permutation_batches(n, int(permutations), seed, chunk):
        perm = perm.astype(np.int32)
        gathered = np.take(stacked, (perm * n)[:, iu] + perm[:, ju], axis=0)  # (chunk, M, K'-1)
        null = np.matmul(ac[:-1], gathered) / norms[None, None, 1:]  # [., A, B - 1]
        exceed += np.count_nonzero(null >= threshold[None], axis=0)
    full = np.zeros((len(ok), len(ok)), dtype=np.int64)
    full[:-1, 1:] = exceed
    exceed = full
    sub = np.ix_(ok, ok)
    upper_p = np.triu((1 + exceed) / (1 + int(permutations)), k=1)
    upper_stat = np.triu(observed, k=1)
    stat[sub] = upper_stat + upper_stat.T
    p_value[sub] = upper_p + upper_p.T
    idx = np.arange(k)
    stat[idx, idx], p_value[idx, idx] = np.nan, np.nan
    return stat, p_value


def selectivity(words: Sequence[str], s: np.ndarray, categories: Mapping[str, str]) -> float | None:
    """Mean within-category cosine minus mean between-category cosine (pairs i < j).

    Only words with a category count; None without both kinds of pair.
    """
    idx = np.array([i for i, w in enumerate(words) if w in categories], dtype=np.int64)
    if idx.size < 3:
        return None
    cats = np.array([categories[words[i]] for i in idx], dtype=object)
    same = upper(cats[:, None] == cats[None, :]).astype(bool)
    vals = upper(np.asarray(s)[np.ix_(idx, idx)])
    if same.all() or not same.any():
        return None
    return float(vals[same].mean() - vals[~same].mean())


def correlation(x: np.ndarray, y: np.ndarray, method: str = "spearman") -> float | None:
    """Spearman or Pearson correlation of ``x`` and ``y`` (scipy); None when either is constant."""
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    fn = stats.spearmanr if method == "spearman" else stats.pearsonr
    return float(fn(x, y)[0])


def edge_jaccard(in_a: np.ndarray, in_b: np.ndarray) -> float:
    """Jaccard index of two edge sets given as boolean masks over the same pairs.

    Two empty edge sets are identical: Jaccard 1.
    """
    in_a, in_b = np.asarray(in_a, dtype=bool), np.asarray(in_b, dtype=bool)
    union = int(np.count_nonzero(in_a | in_b))
    return int(np.count_nonzero(in_a & in_b)) / union if union else 1.0


def _hubs(words: Sequence[str], degree: np.ndarray, top: int) -> tuple[str, ...]:
    order = sorted(range(len(words)), key=lambda i: (-int(degree[i]), i))
    return tuple(words[i] for i in order[:top] if degree[i] > 0)


def _pairs(a: RingGraph, b: RingGraph) -> pd.DataFrame:
    iu, ju = np.triu_indices(a.n, k=1)
    in_a, in_b = a.mask[iu, ju], b.mask[iu, ju]
    # A categorical column: one byte a pair instead of a Python string each.
    codes = np.select([in_a & in_b, in_a, in_b], [0, 1, 2], default=3).astype(np.int8)
    quadrant = pd.Categorical.from_codes(codes, categories=list(QUADRANT_NAMES))
    labels = np.asarray(a.words, dtype=object)
    return pd.DataFrame(
        {
            "source": labels[iu],
            "target": labels[ju],
            "cosine_a": a.similarity[iu, ju],
            "cosine_b": b.similarity[iu, ju],
            "quadrant": quadrant,
        }
    )


def compare_graphs(
    a: RingGraph,
    b: RingGraph,
    categories: Mapping[str, str] | None = None,
    *,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = 0,
    hubs: int = 5,
    mantel_p: tuple[float | None] | None = None,
) -> Comparison:
    """Compare two ring graphs of the same words (see the module docstring).

    ``mantel_p``, a 1-tuple, is the Mantel p already found with these
    permutations and seed (e.g. by :func:`lib.measures.calibrate`, which draws
    the same ones), so the test is not run twice.

    Raises
    ------
    InputError
        If the graphs are not of the same words in the same order.
    """
    if a.words != b.words:
        raise InputError("compare needs both graphs on the same words in the same order (align them first)")
    ua, ub = upper(a.similarity), upper(b.similarity)
    if mantel_p is None:
        _, p_value, _ = mantel_test(a.similarity, b.similarity, permutations=permutations, seed=seed)
    else:
        (p_value,) = mantel_p
    rsa = RSA(correlation(ua, ub, "spearman"), correlation(ua, ub, "pearson"), p_value, int(permutations))
    pairs = _pairs(a, b)
    cols = ["source", "target", "cosine_a", "cosine_b"]
    shared = pairs.loc[pairs["quadrant"] == "both", cols].reset_index(drop=True)
    only_a = pairs.loc[pairs["quadrant"] == "only A", cols].reset_index(drop=True)
    only_b = pairs.loc[pairs["quadrant"] == "only B", cols].reset_index(drop=True)
    jaccard = edge_jaccard(upper(a.mask), upper(b.mask))
    da, db = np.asarray(a.degree, float), np.asarray(b.degree, float)
    part_a, part_b = louvain(a.words, a.similarity, a.mask), louvain(b.words, b.similarity, b.mask)
    cats = dict(categories or {})
    return Comparison(
        words=a.words,
        rsa=rsa,
        edges=EdgeAgreement(jaccard, shared, only_a, only_b),
        degree_spearman=correlation(da, db, "spearman"),
        hubs_a=_hubs(a.words, a.degree, hubs),
        hubs_b=_hubs(b.words, b.degree, hubs),
        communities_a=part_a,
        communities_b=part_b,
        ari=partition_ari(part_a, part_b),
        category_ari_a=category_ari(part_a, cats) if cats else None,
        category_ari_b=category_ari(part_b, cats) if cats else None,
        selectivity_a=selectivity(a.words, a.similarity, cats) if cats else None,
        selectivity_b=selectivity(b.words, b.similarity, cats) if cats else None,
        pairs=pairs,
    )
