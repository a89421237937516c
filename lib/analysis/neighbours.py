"""Per-word neighbourhoods in two spaces over a shared vocabulary, and how much they agree.

For each word i of the shared vocabulary (:mod:`.neighbours_vocab`),
N_A(i) and N_B(i) are its k nearest other words by cosine in A and in B,
nearest first, exact (ties in exact arithmetic broken by vocabulary order,
:mod:`.knn`). The agreement of word i is the Jaccard index
J_i = |N_A(i) ∩ N_B(i)| / |N_A(i) ∪ N_B(i)| (Boggust et al. 2022); the
summary adds the mean and median J, the mutual k-NN score
mean |N_A(i) ∩ N_B(i)| / k (Huh et al. 2024) and the chance level: the
expected Jaccard of two independent k-subsets of the other M = N - 1 words,
Σ_x P(x) x / (2k - x) with the hypergeometric P(x) = C(k,x) C(M-k,k-x) / C(M,k).
The shuffled null hands B's vectors to the words in a seeded random order
and measures the same mean Jaccard against A.

Examples
--------
>>> round(chance_jaccard(10, 1000), 5)
0.00529
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from ..errors import InputError
from ..shifts.result import Shifts, word_shifts
from .knn import DEFAULT_BLOCK, KnnResult, Mapper, exact_knn, nearest
from .neighbours_vocab import SharedVocabulary

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_K",
    "NULL_SEED",
    "Neighbourhoods",
    "chance_jaccard",
    "compare_neighbourhoods",
    "overlap",
    "null_permutation",
    "shuffled_knn",
    "check_k",
]

#: Neighbours per word unless told otherwise.
DEFAULT_K = 10
#: Seed of the shuffled null's permutation.
NULL_SEED = 0


def check_k(k: int, n: int) -> int:
    """``k`` as an int, or InputError unless 1 <= k < n (the other words)."""
    if n < 2:
        raise InputError(f"need at least 2 shared words, got {n}")
    if not isinstance(k, (int, np.integer)) or not 1 <= int(k) < n:
        raise InputError(f"k must be between 1 and {n - 1} (the other words of the vocabulary), got {k}")
    return int(k)


def chance_jaccard(k: int, m: int) -> float:
    """Expected Jaccard of two independent uniform k-subsets of ``m`` items (hypergeometric overlap)."""
    if not 1 <= k <= m:
        raise InputError(f"need 1 <= k <= m, got k={k}, m={m}")
    log_total = math.lgamma(m + 1) - math.lgamma(k + 1) - math.lgamma(m - k + 1)
    out = 0.0
    for x in range(max(1, 2 * k - m), k + 1):
        log_p = (
            math.lgamma(k + 1)
            - math.lgamma(x + 1)
            - math.lgamma(k - x + 1)
            + math.lgamma(m - k + 1)
            - math.lgamma(k - x + 1)
            - math.lgamma(m - 2 * k + x + 1)
            - log_total
        )
        out += math.exp(log_p) * x / (2 * k - x)
    return out


def overlap(index_a: np.ndarray, index_b: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """|N_A(i) ∩ N_B(i)| per row of two (N, k) index arrays (each row without repeats)."""
    out = np.empty(len(index_a), dtype=np.int64)
    for c in range(0, len(index_a), chunk):
        a, b = index_a[c : c + chunk], index_b[c : c + chunk]
        out[c : c + len(a)] = (a[:, :, None] == b[:, None, :]).any(axis=2).sum(axis=1)
    return out


@dataclass(frozen=True)
class Neighbourhoods:
    """The k nearest neighbours of every shared word in A and in B, and their agreement."""

    a: str
    b: str
    k: int
    words: tuple[str, ...]
    index_a: np.ndarray
    index_b: np.ndarray
    cosine_a: np.ndarray
    cosine_b: np.ndarray
    missing: tuple = ()
    dropped: dict = field(default_factory=dict)
    #: Mean Jaccard of A against B shuffled (None when not computed).
    shuffled_jaccard: float | None = None
    #: Float64 check counts and timings of the two searches.
    stats: dict = field(default_factory=dict, compare=False)
    #: Per-word shifts and map positions (:mod:`lib.shifts`); None when not computed.
    shifts: Shifts | None = field(default=None, compare=False)

    @property
    def n(self) -> int:
        return len(self.words)

    @cached_property
    def shared(self) -> np.ndarray:
        """|N_A(i) ∩ N_B(i)| per word (computed once)."""
        out = overlap(self.index_a, self.index_b)
        out.setflags(write=False)
        return out

    @cached_property
    def jaccard(self) -> np.ndarray:
        """J_i per word (computed once)."""
        x = self.shared
        out = x / (2 * self.k - x)
        out.setflags(write=False)
        return out

    def summary(self) -> dict:
        j = self.jaccard
        out = {
            "mean_jaccard": float(j.mean()),
            "median_jaccard": float(np.median(j)),
            "mutual_knn": float(self.shared.mean() / self.k),
            "chance_jaccard": chance_jaccard(self.k, self.n - 1),
        }
        if self.shuffled_jaccard is not None:
            out["shuffled_jaccard"] = float(self.shuffled_jaccard)
        if self.shifts is not None:
            out.update(self.shifts.summary())
        return out

    def neighbours(self, i: int, side: str) -> list[str]:
        index = self.index_a if side == "a" else self.index_b
        return [self.words[j] for j in index[i]]

    def dominoes(self, word: str) -> pd.DataFrame:
        """Word ``word``'s neighbours in A and in B side by side, nearest first, shared ones marked."""
        i = self.words.index(word)
        in_a, in_b = set(self.index_a[i].tolist()), set(self.index_b[i].tolist())
        rows = []
        for r in range(self.k):
            ja, jb = int(self.index_a[i, r]), int(self.index_b[i, r])
            rows.append(
                {
                    "rank": r + 1,
                    "A": self.words[ja],
                    "cosine A": float(self.cosine_a[i, r]),
                    "shared A": ja in in_b,
                    "B": self.words[jb],
                    "cosine B": float(self.cosine_b[i, r]),
                    "shared B": jb in in_a,
                }
            )
        import pandas as pd  # imported here: pandas costs ~0.5 s at start-up

        return pd.DataFrame(rows)

    def table(self) -> pd.DataFrame:
        """One row a word, in vocabulary order: word, rank, jaccard, shared, neighbours_a, neighbours_b,
        and with shifts procrustes_shift, local_shift, x_a, y_a, x_b, y_b."""
        import pandas as pd

        return pd.DataFrame(
            {
                "word": list(self.words),
                "rank": np.arange(1, self.n + 1),
                "jaccard": self.jaccard,
                "shared": self.shared,
                "neighbours_a": [self.neighbours(i, "a") for i in range(self.n)],
                "neighbours_b": [self.neighbours(i, "b") for i in range(self.n)],
                **({} if self.shifts is None else self.shifts.columns()),
            }
        )

    def to_dict(self, *, summary_only: bool = False) -> dict:
        """The JSON object of ``python -m lib neighbours``: the summary first, then the words.

        With ``summary_only``: the sources, k, the number of words and the summary.
        """
        head = {"a": self.a, "b": self.b, "k": self.k, "n": self.n, "summary": self.summary()}
        if summary_only:
            return head
        moved = (
            {}
            if self.shifts is None
            else {"procrustes_shift": self.shifts.procrustes.tolist(), "local_shift": self.shifts.local.tolist()}
        )
        # Whole columns at once (tolist, one fancy index per side): a loop of float() and per-word lists took 0.4 s
        # at 30,000 words.
        words = np.asarray(self.words, dtype=object)
        in_a, in_b, jaccard = words[self.index_a].tolist(), words[self.index_b].tolist(), self.jaccard.tolist()
        return {
            **head,
            "words": list(self.words),
            "missing": [{"word": m.word, "reason": m.reason} for m in self.missing],
            "dropped": dict(self.dropped),
            "per_word": [
                {
                    "word": w,
                    "jaccard": jaccard[i],
                    **{name: x[i] for name, x in moved.items()},
                    "neighbours_a": in_a[i],
                    "neighbours_b": in_b[i],
                }
                for i, w in enumerate(self.words)
            ],
        }


def null_permutation(n: int, seed: int = NULL_SEED) -> np.ndarray:
    """The shuffled null's order: word i gets B's row p[i]."""
    return np.random.default_rng(seed).permutation(n)


def shuffled_knn(vectors: np.ndarray, knn: KnnResult, seed: int = NULL_SEED) -> np.ndarray:
    """Exact k-NN index of ``vectors`` with its rows handed to the words in a seeded random order.

    Word i gets row p[i], so its cosines are those of row p[i] relabelled: its
    neighbours are p^-1 of row p[i]'s. Only a row whose k-th cosine is tied
    can order differently (ties go by the new word order); those few rows are
    searched again (:func:`~.knn.nearest`) with the new order as the tie key.
    """
    n, k = knn.index.shape
    p = null_permutation(n, seed)
    inverse = np.empty(n, dtype=np.int64)
    inverse[p] = np.arange(n)
    out = inverse[knn.index[p]]
    tied = np.flatnonzero(knn.tied[p])
    if len(tied):
        out[tied] = inverse[nearest(vectors, p[tied], k, tie_key=inverse)[0]]
    return out


def compare_neighbourhoods(
    vocab: SharedVocabulary,
    k: int = DEFAULT_K,
    *,
    a: str = "",
    b: str = "",
    null: bool = False,
    shifts: bool = True,
    block: int = DEFAULT_BLOCK,
    mapper: Mapper | None = None,
    progress: Callable[[str, int, int], bool | None] | None = None,
    cancel: threading.Event | None = None,
) -> Neighbourhoods:
    """Exact k-NN of every shared word in A and B, and (with ``null``) the shuffled-null Jaccard.

    With ``shifts`` (default) also each word's shifts and map positions (:func:`lib.shifts.word_shifts`),
    and with ``null`` their means against the same shuffled null.

    ``progress(side, done, total)`` with side "a" or "b"; return False to cancel.
    """
    k = check_k(k, vocab.n)
    runs, stats = {}, {}
    for side, vectors in (("a", vocab.vectors_a), ("b", vocab.vectors_b)):
        step = None if progress is None else (lambda d, t, side=side: progress(side, d, t))
        runs[side] = exact_knn(vectors, k, block=block, mapper=mapper, progress=step, cancel=cancel)
        r = runs[side]
        stats[side] = {"checked": r.checked, "boundary": r.boundary, "settled": r.settled, **r.timings}
    shuffled, index, p = None, None, None
    if null:
        index = shuffled_knn(vocab.vectors_b, runs["b"])
        x = overlap(runs["a"].index, index)
        shuffled = float((x / (2 * k - x)).mean())
        p = null_permutation(vocab.n)
    moved = None
    if shifts:
        moved = word_shifts(
            vocab.vectors_a,
            vocab.vectors_b,
            runs["a"].index,
            runs["b"].index,
            cosine_a=runs["a"].cosine,
            cosine_b=runs["b"].cosine,
            permutation=p,
            shuffled_index=index,
        )
    return Neighbourhoods(
        a=a,
        b=b,
        k=k,
        words=vocab.words,
        index_a=runs["a"].index,
        index_b=runs["b"].index,
        cosine_a=runs["a"].cosine,
        cosine_b=runs["b"].cosine,
        missing=vocab.missing,
        dropped=dict(vocab.dropped),
        shuffled_jaccard=shuffled,
        stats=stats,
        shifts=moved,
    )
