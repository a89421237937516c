"""Hubness of a space: how unevenly words occur among the others' k nearest neighbours.

For each word w of N rows, the k-occurrence N_k(w) counts the words that
have w among their k nearest other words by cosine (Radovanović et al.
2010). Its mean is k; a space with hubs has a long right tail. The
neighbour lists come from the project's exact k-NN
(:func:`lib.analysis.knn.exact_knn`), computed once for the largest k:
its lists are ordered by cosine (a total order with a fixed tie rule), so
the first k of the largest-k list are the k-NN list for every smaller k.

Examples
--------
>>> import numpy as np
>>> h = hubness(np.array([[1.0, 0], [1, 0.1], [0, 1], [-1, 0.05]]), ["a", "b", "c", "d"], (1,))
>>> h[1].counts.tolist(), h[1].antihub_rate, h[1].robinhood
([1, 2, 1, 0], 0.25, 0.25)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..analysis.knn import exact_knn
from ..errors import InputError

__all__ = ["Hubness", "hubness", "k_occurrence", "hub_summary", "DEFAULT_KS", "TOP_HUBS"]

#: The neighbourhood sizes a card reports by default.
DEFAULT_KS = (5, 10, 50)
#: How many of the strongest hubs a card lists.
TOP_HUBS = 20


@dataclass(frozen=True)
class Hubness:
    """The k-occurrence of N words at one k and its summaries.

    ``skewness`` is the Fisher-Pearson coefficient (``scipy.stats.skew``'s
    default, biased); ``hub_rate`` the share with N_k > 2k; ``antihub_rate``
    the share with N_k = 0; ``robinhood`` = sum |N_k - k| / (2 N k), the share
    of occurrences that would have to move for every word to have k;
    ``top_hubs`` the words of largest N_k (ties by vocabulary order).
    """

    k: int
    counts: np.ndarray
    skewness: float
    hub_rate: float
    antihub_rate: float
    robinhood: float
    top_hubs: tuple[tuple[str, int], ...]

    def to_dict(self) -> dict:
        return {
            "k": self.k,
            "skewness": self.skewness,
            "hub_rate": self.hub_rate,
            "antihub_rate": self.antihub_rate,
            "robinhood": self.robinhood,
            "top_hubs": [[w, c] for w, c in self.top_hubs],
        }


def k_occurrence(index: np.ndarray, n: int) -> np.ndarray:
    """N_k of each of ``n`` rows from the (n, k) neighbour index: how often each row is listed."""
    return np.bincount(np.asarray(index).reshape(-1), minlength=n).astype(np.int64)


def _skew(x: np.ndarray) -> float:
    """``scipy.stats.skew(x)`` (biased): m3 / m2**1.5, 0/0 read as nan as scipy does."""
    from scipy.stats import skew

    return float(skew(x.astype(np.float64)))


def hub_summary(counts: np.ndarray, k: int, words: Sequence[str], top: int = TOP_HUBS) -> Hubness:
    """The summaries of one k-occurrence vector (see :class:`Hubness`)."""
    counts = np.asarray(counts, dtype=np.int64)
    n = len(counts)
    order = np.lexsort((np.arange(n), -counts))[:top]
    return Hubness(
        k=int(k),
        counts=counts,
        skewness=_skew(counts),
        hub_rate=float(np.count_nonzero(counts > 2 * k) / n),
        antihub_rate=float(np.count_nonzero(counts == 0) / n),
        robinhood=float(np.abs(counts - k).sum() / (2.0 * n * k)),
        top_hubs=tuple((str(words[i]), int(counts[i])) for i in order),
    )


def hubness(
    vectors: np.ndarray,
    words: Sequence[str],
    ks: Sequence[int] = DEFAULT_KS,
    *,
    progress: Callable[[int, int], bool | None] | None = None,
) -> dict[int, Hubness]:
    """Hubness of the rows of ``vectors`` (words in vocabulary order) at each k of ``ks``.

    One exact k-NN search at the largest k; raises InputError when a k is
    not between 1 and N - 1.
    """
    n = len(vectors)
    if len(words) != n:
        raise InputError(f"hubness: {len(words)} words for {n} vectors")
    ks = sorted({int(k) for k in ks})
    if not ks or ks[0] < 1 or ks[-1] >= n:
        raise InputError(f"hubness: every k must be between 1 and {n - 1} (N - 1), got {', '.join(map(str, ks))}")
    index = exact_knn(vectors, ks[-1], progress=progress).index
    return {k: hub_summary(k_occurrence(index[:, :k], n), k, words) for k in ks}
