"""RSA and mutual k-NN for many permutations and resamples at once.

:class:`Rsa` is the Mantel test of :func:`lib.analysis.compare.mantel_test`
taken apart: B's upper triangle is ranked once, a permutation only reorders
those ranks, so each permuted Spearman is one gather and one dot product
with A's centred ranks (the same arithmetic as the Mantel test, so the same
p). A bootstrap resample draws word i w_i times; the pairs of two different
draws then hold pair (i, j) w_i w_j times (a word's pairs with its own
copies are not pairs of words and are left out), and the resample's
Spearman is the frequency-weighted Pearson correlation of the
frequency-weighted midranks. Both triangles are sorted once, so a resample
costs a few passes over the pairs and no sort.

:class:`Knn` finds each space's exact k nearest neighbours once
(:func:`lib.analysis.knn.exact_knn`). Under a permutation p the neighbours of
word i in B are p⁻¹(N_B(p[i])), so a permutation only relabels. A resample
reweights the per-word overlaps (neighbourhoods stay those of the full list).
"""

from __future__ import annotations

import numpy as np

from ..analysis.knn import exact_knn
from ..engine import cosine_matrix, upper_triangle
from .definitions import Undefined

__all__ = ["Rsa", "Knn", "weighted_midranks"]

#: Most booleans compared at once in the k-NN overlap (permutations x n x k x k).
_COMPARE_CELLS = 16_000_000


def weighted_midranks(weights: np.ndarray, starts: np.ndarray | None) -> np.ndarray:
    """Midranks of sorted values that occur ``weights`` times each; ``starts``: first index of each tie group.

    ``starts`` None means no ties.

    >>> weighted_midranks(np.array([1.0, 2.0, 1.0]), None).tolist()
    [1.0, 2.5, 4.0]
    >>> weighted_midranks(np.array([1.0, 2.0, 1.0]), np.array([0, 1])).tolist()
    [1.0, 3.0, 3.0]
    """
    if starts is None:
        return np.cumsum(weights) - (weights - 1) / 2
    group = np.add.reduceat(weights, starts)
    mid = np.cumsum(group) - (group - 1) / 2
    return np.repeat(mid, np.diff(np.append(starts, weights.size)))


def _sorted(values: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    order = np.argsort(values, kind="stable")
    s = values[order]
    new = np.flatnonzero(s[1:] != s[:-1]) + 1
    starts = None if new.size == s.size - 1 else np.concatenate([[0], new])
    return order, starts


class Rsa:
    """Spearman RSA of two row-unit spaces; the permuted values are the Mantel test's."""

    names = ("rsa_spearman",)

    def __init__(self, x: np.ndarray, y: np.ndarray):
        n = self.n = x.shape[0]
        a, b = upper_triangle(cosine_matrix(x)), upper_triangle(cosine_matrix(y))
        for which, t in (("A", a), ("B", b)):
            if np.ptp(t) == 0:
                raise Undefined(f"rsa_spearman is undefined: source {which} is flat (all its cosines are equal)")
        from scipy import stats  # imported here: scipy.stats costs ~1 s at start-up

        self.values = {"rsa_spearman": float(stats.spearmanr(a, b)[0])}
        ra, rb = stats.rankdata(a), stats.rankdata(b)
        self.full_b = np.zeros((n, n))
        self.iu, self.ju = np.triu_indices(n, k=1)
        self.full_b[self.iu, self.ju] = rb
        self.full_b += self.full_b.T
        ac = ra - ra.mean()
        self.ac = ac / np.linalg.norm(ac)
        self.b_norm = np.linalg.norm(rb - rb.mean())
        #: The statistic the permuted values are held against (the Mantel test's arithmetic).
        self.thresholds = {"rsa_spearman": float(rb @ self.ac / self.b_norm)}
        self.order_a, self.starts_a = _sorted(a)
        order_b, self.starts_b = _sorted(b)
        self.ia, self.ja = self.iu[self.order_a].astype(np.int32), self.ju[self.order_a].astype(np.int32)
        self.ib, self.jb = self.iu[order_b].astype(np.int32), self.ju[order_b].astype(np.int32)
        # rank_in_b[order_a]: where each pair, taken in A's order, stands in B's order.
        where_b = np.empty(order_b.size, dtype=np.int64)
        where_b[order_b] = np.arange(order_b.size)
        self.b_of_a = where_b[self.order_a]

    def permuted(self, perms: np.ndarray) -> dict[str, np.ndarray]:
        return {"rsa_spearman": self.full_b[perms[:, self.iu], perms[:, self.ju]] @ self.ac / self.b_norm}

    def resampled(self, weights: np.ndarray) -> dict[str, np.ndarray]:
        out = np.empty(len(weights))
        for r, w in enumerate(weights.astype(np.float64)):
            ca, cb = w[self.ia] * w[self.ja], w[self.ib] * w[self.jb]
            mid_a, mid_b = weighted_midranks(ca, self.starts_a), weighted_midranks(cb, self.starts_b)
            total = ca.sum()
            mean = (total + 1) / 2  # frequency midranks always average (S + 1) / 2
            cov = np.sum(ca * mid_a * mid_b[self.b_of_a]) - total * mean * mean
            var_a = np.sum(ca * mid_a * mid_a) - total * mean * mean
            var_b = np.sum(cb * mid_b * mid_b) - total * mean * mean
            out[r] = cov / np.sqrt(var_a * var_b) if var_a > 0 and var_b > 0 else np.nan
        return {"rsa_spearman": out}


class Knn:
    """Mutual k-NN of two spaces: mean over words of |N_A(i) ∩ N_B(i)| / k (k capped at n - 1)."""

    names = ("mutual_knn",)

    def __init__(self, x: np.ndarray, y: np.ndarray, k: int):
        n = self.n = x.shape[0]
        self.k = min(int(k), n - 1)
        self.na, self.nb = exact_knn(x, self.k).index, exact_knn(y, self.k).index
        self.overlap = self._hits(self.nb[None])[0]
        self.values = {"mutual_knn": float(np.mean(self.overlap) / self.k)}

    def _hits(self, neighbours_b: np.ndarray) -> np.ndarray:
        return (self.na[None, :, :, None] == neighbours_b[:, :, None, :]).any(axis=3).sum(axis=2)

    def permuted(self, perms: np.ndarray) -> dict[str, np.ndarray]:
        n, k = self.n, self.k
        step = max(1, _COMPARE_CELLS // (n * k * k))
        out = []
        for start in range(0, len(perms), step):
            p = perms[start : start + step]
            rows = np.arange(len(p))[:, None]
            inverse = np.empty_like(p)
            inverse[rows, p] = np.arange(n)
            relabelled = inverse[rows[:, :, None], self.nb[p]]  # (m, n, k): B's neighbours of word i
            out.append(self._hits(relabelled).mean(axis=1) / k)
        return {"mutual_knn": np.concatenate(out)}

    def resampled(self, weights: np.ndarray) -> dict[str, np.ndarray]:
        return {"mutual_knn": weights @ self.overlap / (self.n * self.k)}
