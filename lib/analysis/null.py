"""Is it more than chance? Null distributions from random and shuffled spaces.

For one source's ring graph, :func:`null_distributions` recomputes the
graph statistics for K draws of two null models and reports, for each
statistic, the real value, the null values, a z-score and an empirical
p-value:

- ``random``: N(0, 1) vectors of the same dimension, a fresh draw per word
  (what the ``random`` source gives, drawn as one batched array);
- ``shuffled``: the source's own vectors handed to the words in a random
  order (what ``shuffled:`` means). The similarity matrix is only permuted,
  so the graph's shape (threshold, density, degrees, modularity) is kept and
  only its alignment with the words changes (the real Louvain communities
  are carried over to the shuffled words rather than searched again).

Statistics: ``density`` (fraction of pairs kept), ``modularity`` (Louvain),
and, when the list has categories, ``selectivity`` and ``category_ari``;
with a second source, ``rsa`` (Spearman of the upper triangles).

Examples
--------
>>> import numpy as np
>>> from lib.engine import ring_graph
>>> g = ring_graph([f"w{i}" for i in range(12)], np.random.default_rng(1).standard_normal((12, 20)))
>>> res = null_distributions(g, 20, draws=20, seed=0)
>>> sorted(res.statistics), res.statistics["density"].random.shape
(['density', 'modularity'], (20,))
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
from scipy import stats as sstats

from ..engine import RingGraph
from ..errors import InputError
from ..graph import json_float
from .communities import Partition, category_ari, louvain
from .compare import batch_correlation, selectivity, upper
from .sweep import mask_at

__all__ = ["DEFAULT_DRAWS", "NULL_KINDS", "NullStatistic", "NullResult", "null_distributions", "null_to_dict"]

#: Draws per null model unless asked otherwise.
DEFAULT_DRAWS = 200
#: The two null models, in display order.
NULL_KINDS = ("random", "shuffled")
#: Most random numbers drawn at once (draws x words x dim).
_CHUNK_NUMBERS = 4_000_000


def _z(real: float, values: np.ndarray) -> float | None:
    v = values[np.isfinite(values)]
    if v.size < 2:
        return None
    sd = float(np.std(v, ddof=1))
    # A null that never varies (e.g. density under shuffling) has no z-score.
    if sd <= 1e-12 * max(1.0, abs(float(np.mean(v)))):
        return None
    return (real - float(np.mean(v))) / sd


def _p(real: float, values: np.ndarray) -> float:
    v = values[np.isfinite(values)]
    return (1 + int(np.count_nonzero(v >= real - 1e-12))) / (1 + v.size)


@dataclass(frozen=True)
class NullStatistic:
    """One statistic: its real value and its values under each null model."""

    name: str
    real: float
    random: np.ndarray
    shuffled: np.ndarray

    def values(self, kind: str) -> np.ndarray:
        return {"random": self.random, "shuffled": self.shuffled}[kind]

    def z(self, kind: str) -> float | None:
        """(real - mean of null) / std of null (ddof 1); None when the null does not vary."""
        return _z(self.real, self.values(kind))

    def p(self, kind: str) -> float:
        """Empirical one-sided p: (1 + #{null >= real}) / (1 + draws)."""
        return _p(self.real, self.values(kind))


@dataclass(frozen=True)
class NullResult:
    """Null distributions of every statistic for one source and word list."""

    words: tuple[str, ...]
    dim: int
    draws: int
    seed: int
    statistics: dict[str, NullStatistic]


def _random_similarities(n: int, dim: int, draws: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    chunk = max(1, _CHUNK_NUMBERS // max(1, n * dim))
    done = 0
    while done < draws:
        m = min(chunk, draws - done)
        x = rng.standard_normal((m, n, dim))
        x /= np.linalg.norm(x, axis=2, keepdims=True)
        s = x @ x.transpose(0, 2, 1)
        np.clip(s, -1.0, 1.0, out=s)
        for one in s:
            np.fill_diagonal(one, 1.0)
            yield one
        done += m


def _shuffled_permutations(n: int, draws: int, rng: np.random.Generator) -> np.ndarray:
    """One row per draw: word i gets the vector of word p[i]."""
    return rng.permuted(np.tile(np.arange(n), (draws, 1)), axis=1)


def _relabelled(part: Partition, p: np.ndarray) -> Partition:
    """The real partition carried over to the shuffled space of permutation ``p``.

    The shuffled graph is the real graph with its words relabelled, and
    Louvain's result is carried along with the labels, so the communities
    need not be searched again: word i is in the community of word p[i].
    """
    labels = part.labels[p]
    words = part.words
    communities = tuple(tuple(words[i] for i in np.flatnonzero(labels == c)) for c in range(len(part.communities)))
    return Partition(words, communities, labels, part.modularity)


def _statistics(
    words: tuple[str, ...],
    s: np.ndarray,
    mask: np.ndarray,
    categories: Mapping[str, str],
    other_ranks: np.ndarray | None,
    part: Partition | None = None,
) -> dict[str, float]:
    n = len(words)
    out = {"density": float(np.triu(mask, k=1).sum()) / (n * (n - 1) // 2)}
    part = louvain(words, s, mask) if part is None else part
    out["modularity"] = part.modularity
    if categories:
        sel = selectivity(words, s, categories)
        ari = category_ari(part, categories)
        out["selectivity"] = np.nan if sel is None else sel
        out["category_ari"] = np.nan if ari is None else ari
    if other_ranks is not None:
        out["rsa"] = float(batch_correlation(sstats.rankdata(upper(s))[None, :], other_ranks)[0])
    return out


def null_distributions(
    graph: RingGraph,
    dim: int,
    categories: Mapping[str, str] | None = None,
    other: RingGraph | None = None,
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = 0,
) -> NullResult:
    """Statistics of ``graph`` against ``draws`` random and ``draws`` shuffled spaces.

    Parameters
    ----------
    graph : RingGraph
        The real source's graph; its rule and k are applied to every draw.
    dim : int
        The source's dimension (the random draws use the same).
    categories : mapping word -> category, optional
        Adds ``selectivity`` and ``category_ari``.
    other : RingGraph, optional
        A second source's graph on the same words; adds ``rsa``.
    draws : int
        K, the draws per null model (1 to 10000).
    seed : int
        Seeds both null models.

    Raises
    ------
    InputError
        On a bad ``draws``, ``dim`` or an ``other`` graph of other words.
    """
    if not 1 <= int(draws) <= 10_000:
        raise InputError(f"draws must be between 1 and 10000, got {draws}")
    if not 1 <= int(dim) <= 100_000:
        raise InputError(f"dim must be between 1 and 100000, got {dim}")
    if other is not None and other.words != graph.words:
        raise InputError("the other source's graph must be on the same words in the same order")
    cats = {w: c for w, c in (categories or {}).items() if w in set(graph.words)}
    words, s = graph.words, np.asarray(graph.similarity, dtype=np.float64)
    value = graph.value
    other_ranks = None
    if other is not None and np.ptp(upper(other.similarity)) > 0:
        other_ranks = sstats.rankdata(upper(other.similarity))
    mask = np.asarray(graph.mask)
    part = louvain(words, s, mask)
    real = _statistics(words, s, mask, cats, other_ranks, part)
    rng = np.random.default_rng(seed)
    values: dict[str, dict[str, list[float]]] = {name: {k: [] for k in NULL_KINDS} for name in real}
    for sim in _random_similarities(len(words), int(dim), int(draws), rng):
        sim_mask, _ = mask_at(sim, graph.rule, k=graph.k, value=value)
        for name, v in _statistics(words, sim, sim_mask, cats, other_ranks).items():
            values[name]["random"].append(v)
    for p in _shuffled_permutations(len(words), int(draws), rng):
        idx = np.ix_(p, p)
        for name, v in _statistics(words, s[idx], mask[idx], cats, other_ranks, _relabelled(part, p)).items():
            values[name]["shuffled"].append(v)
    statistics = {
        name: NullStatistic(name, r, np.asarray(values[name]["random"]), np.asarray(values[name]["shuffled"]))
        for name, r in real.items()
        if np.isfinite(r)
    }
    return NullResult(words, int(dim), int(draws), int(seed), statistics)


def null_to_dict(result: NullResult) -> dict:
    """The ``statistics`` part of ``python -m lib null``'s JSON (NaN values become null)."""
    out = {}
    for name, st in result.statistics.items():
        entry: dict = {"real": json_float(st.real)}
        for kind in NULL_KINDS:
            v = st.values(kind)
            finite = v[np.isfinite(v)]
            entry[kind] = {
                "mean": json_float(float(np.mean(finite))) if finite.size else None,
                "std": json_float(float(np.std(finite, ddof=1))) if finite.size > 1 else None,
                "z": json_float(st.z(kind)),
                "p": json_float(st.p(kind)),
                "values": [json_float(x) for x in v.tolist()],
            }
        out[name] = entry
    return out
