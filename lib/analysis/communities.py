"""Communities of a thresholded ring graph, and how well two partitions agree.

Louvain (networkx ``louvain_communities``, the cosine as edge weight, a fixed
seed) on the graph of the kept edges; its modularity; the adjusted Rand index
(scikit-learn) between two partitions or between a partition and the word
list's categories; and the ring order "by community".

Examples
--------
>>> import numpy as np
>>> s = np.array([[1, .9, .1, .1], [.9, 1, .1, .1], [.1, .1, 1, .8], [.1, .1, .8, 1]])
>>> part = louvain(["a", "b", "c", "d"], s, s > .5)
>>> part.communities, round(part.modularity, 3)
((('a', 'b'), ('c', 'd')), 0.498)
>>> community_order(["a", "c", "b", "d"], part.communities)
['a', 'b', 'c', 'd']
"""

from __future__ import annotations

import gc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
from sklearn.metrics import adjusted_rand_score

from ..errors import InputError

__all__ = [
    "LOUVAIN_SEED",
    "Partition",
    "graph_from_mask",
    "louvain",
    "partition_ari",
    "category_ari",
    "community_order",
]

#: Seed of every Louvain run, so the same graph always gives the same communities.
LOUVAIN_SEED = 0


@dataclass(frozen=True)
class Partition:
    """Louvain communities of one graph.

    ``communities`` are tuples of words, largest first (ties: the community
    whose first word comes first in ring order); ``labels`` gives each word's
    community index in ring order.
    """

    words: tuple[str, ...]
    communities: tuple[tuple[str, ...], ...]
    labels: np.ndarray
    modularity: float

    def label_of(self) -> dict[str, int]:
        return dict(zip(self.words, self.labels.tolist()))


#: Louvain on at least this many edges runs the garbage collector afterwards (a full pass costs far less).
COLLECT_EDGES = 10_000


def graph_from_mask(words: Sequence[str], similarity: np.ndarray, mask: np.ndarray) -> nx.Graph:
    """A networkx graph of the kept edges, each weighted by its cosine (attribute ``cosine``)."""
    n = len(words)
    if similarity.shape != (n, n) or mask.shape != (n, n):
        raise InputError(f"need {n} x {n} similarity and mask matrices for {n} words")
    g = nx.Graph()
    g.add_nodes_from(range(n))
    i, j = np.nonzero(np.triu(mask, k=1))
    g.add_weighted_edges_from(zip(i.tolist(), j.tolist(), np.asarray(similarity)[i, j].tolist()), weight="cosine")
    return g


def louvain(
    words: Sequence[str],
    similarity: np.ndarray,
    mask: np.ndarray,
    *,
    seed: int = LOUVAIN_SEED,
) -> Partition:
    """Louvain communities of the graph whose edges are ``mask``, weighted by cosine.

    Louvain needs positive weights; a kept edge with a cosine <= 0 (possible
    with a low fixed threshold) gets a tiny positive weight instead. A graph
    with no edges has every word in its own community and modularity 0 by
    convention (modularity is undefined without edges).
    """
    words = tuple(words)
    g = graph_from_mask(words, similarity, mask)
    for _, _, data in g.edges(data=True):
        data["cosine"] = max(data["cosine"], 1e-9)
    if g.number_of_edges() == 0:
        parts = [{i} for i in range(len(words))]
        q = 0.0
    else:
        parts = nx.community.louvain_communities(g, weight="cosine", seed=seed)
        q = float(nx.community.modularity(g, parts, weight="cosine"))
    # networkx graphs (this one, and those Louvain aggregates) refer to themselves through their
    # cached views, so they wait for the cyclic garbage collector with their edges (about 600 bytes
    # each): emptied and collected now, a large graph's memory is back before the page goes on.
    edges = g.number_of_edges()
    g.clear()
    if edges >= COLLECT_EDGES:
        gc.collect()
    ordered = sorted((sorted(p) for p in parts), key=lambda p: (-len(p), p[0]))
    labels = np.empty(len(words), dtype=np.int64)
    for c, members in enumerate(ordered):
        labels[members] = c
    communities = tuple(tuple(words[i] for i in members) for members in ordered)
    return Partition(words, communities, labels, q)


def partition_ari(a: Partition, b: Partition) -> float:
    """Adjusted Rand index between two partitions of the same words (1 = identical).

    Two all-singleton partitions (graphs without edges) make the formula
    0 / 0; scikit-learn, and so this function, returns 1 (they are identical).
    """
    if a.words != b.words:
        raise InputError("the two partitions must be of the same words in the same order")
    return float(adjusted_rand_score(a.labels, b.labels))


def category_ari(partition: Partition, categories: Mapping[str, str]) -> float | None:
    """Adjusted Rand index between communities and the list's categories.

    Only words that have a category count; None when fewer than 2 of them do.
    """
    idx = [i for i, w in enumerate(partition.words) if w in categories]
    if len(idx) < 2:
        return None
    cats = [categories[partition.words[i]] for i in idx]
    return float(adjusted_rand_score(cats, partition.labels[idx]))


def community_order(words: Sequence[str], communities: Sequence[Sequence[str]]) -> list[str]:
    """``words`` re-ordered community by community (in the order given), members in ring order.

    Words in no community keep their order at the end, so the result is
    always a permutation of ``words``.
    """
    position = {w: i for i, w in enumerate(words)}
    out: list[str] = []
    seen: set[str] = set()
    for members in communities:
        for w in sorted((w for w in members if w in position and w not in seen), key=position.get):
            out.append(w)
            seen.add(w)
    out.extend(w for w in words if w not in seen)
    return out
