"""The ring-graph engine: cosine matrix, threshold, mask, degrees, ring layout.

This module implements the method of docs/method.md on plain numpy arrays and
returns one immutable :class:`RingGraph`. Nothing here knows about sources,
files or Streamlit.

Examples
--------
>>> import numpy as np
>>> g = ring_graph(["a", "b", "c", "d"], np.array([[1, 0], [1, 0.1], [0, 1], [-1, 0]]))
>>> round(g.threshold, 3), g.degree.tolist()
(0.69, [1, 1, 0, 0])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .errors import BudgetError, InputError

if TYPE_CHECKING:
    import pandas as pd  # imported where a table is built: pandas costs ~0.5 s at start-up

__all__ = [
    "RULES",
    "FLAT_SPREAD",
    "FLAT_ULPS",
    "is_flat",
    "RingGraph",
    "cosine_matrix",
    "check_rule",
    "threshold_for",
    "threshold_mask",
    "upper_triangle",
    "ring_positions",
    "node_sizes",
    "ring_graph",
]

#: Threshold rules offered everywhere (CLI, app).
RULES = ("seed", "course", "fixed")

#: Units in the last place of 1.0 within which all cosines count as equal (see :func:`is_flat`).
FLAT_ULPS = 64
#: The largest spread of a flat space: ``FLAT_ULPS`` ulps of 1.0, about 1.4e-14.
FLAT_SPREAD = FLAT_ULPS * float(np.finfo(np.float64).eps)


def is_flat(upper: np.ndarray) -> bool:
    """True when the cosines ``upper`` are all equal up to float64 rounding.

    A cosine of two unit vectors is a sum of products whose magnitudes add
    up to at most 1, so its float64 rounding error is a few ulps of 1.0
    (about 2.2e-16 each), whatever the cosine's own size: scaled copies of
    one vector spread over up to ~15 ulps, orthogonal rows over ~1e-16
    around 0. A spread of at most :data:`FLAT_SPREAD` (64 ulps of 1.0) is
    therefore rounding, and the space is *flat*: no threshold can tell its
    pairs apart, so the seed and course rules make every pair an edge (the
    std is reported as 0). Anything wider is real structure, however small:
    cosines spread over 3e-10 around 0.99999999996 are a million ulps apart
    and get an ordinary threshold.

    >>> is_flat(np.array([0.5, 0.5 + 1e-15])), is_flat(np.array([0.99999999996, 0.9999999997]))
    (True, False)
    """
    u = np.asarray(upper, dtype=np.float64)
    return bool(u.size > 0 and np.ptp(u) <= FLAT_SPREAD)


def cosine_matrix(vectors: np.ndarray) -> np.ndarray:
    """Return the N x N cosine-similarity matrix of the rows of ``vectors``.

    Rows are unit-normalised in float64, so the result agrees with a direct
    float64 computation to rounding error; values are clipped to [-1, 1].
    Rows that are equal after normalisation (equal vectors, or one a
    positive multiple of the other that rounds to the same unit row) get
    exactly 1, as does the diagonal.

    >>> s = cosine_matrix(np.array([[0.1, 0.7, 0.3]] * 40 + [[1.0, 0.0, 0.0]]))
    >>> bool((s[:40, :40] == 1.0).all())
    True

    Raises
    ------
    InputError
        If ``vectors`` is not 2-D, or a row has zero or non-finite norm.
    """
    v = np.asarray(vectors, dtype=np.float64)
    if v.ndim != 2:
        raise InputError(f"vectors must be a 2-D array, got shape {v.shape}")
    norms = np.linalg.norm(v, axis=1)
    bad = ~np.isfinite(norms) | (norms == 0)
    if bad.any():
        raise InputError(f"{int(bad.sum())} vector(s) are zero or not finite; cosine is undefined for them")
    unit = v / norms[:, None] + 0.0  # + 0.0 turns -0.0 into 0.0, so equal rows have equal bytes
    s = unit @ unit.T
    np.clip(s, -1.0, 1.0, out=s)
    _equal_rows_one(s, unit)
    np.fill_diagonal(s, 1.0)
    return s


def _equal_rows_one(s: np.ndarray, unit: np.ndarray) -> None:
    """Set S(i, j) = 1 exactly where unit rows i and j are equal.

    Their dot product is the sum of squares of one rounded unit row: 1 up to
    a few ulps, and which ulp depends on where BLAS puts the pair in its
    blocks. The cosine of two equal vectors is 1 by definition, so a fixed
    threshold of 1 must keep every such pair.
    """
    if unit.shape[0] < 2:
        return
    # Rows that agree on their first few entries are candidates; only those are compared in full.
    for candidates in _same_bytes(unit[:, :4], np.arange(unit.shape[0])):
        for members in _same_bytes(unit[candidates], candidates):
            s[np.ix_(members, members)] = 1.0


def _same_bytes(rows: np.ndarray, ids: np.ndarray) -> list[np.ndarray]:
    """The groups (of two or more ``ids``) whose ``rows`` are byte for byte equal."""
    keys = np.ascontiguousarray(rows).view(np.dtype((np.void, rows.shape[1] * rows.itemsize))).ravel()
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    return [ids[inverse == group] for group in np.flatnonzero(counts > 1)]


def upper_triangle(s: np.ndarray) -> np.ndarray:
    """The strict upper triangle (i < j) of a square matrix, row by row."""
    s = np.asarray(s)
    return s[np.triu_indices(s.shape[0], k=1)]


def check_rule(rule: str, *, k: float = 1.0, value: float | None = None) -> None:
    """Raise :class:`InputError` unless ``rule``, ``k`` and ``value`` make a valid threshold rule."""
    if rule not in RULES:
        raise InputError(f"unknown threshold rule {rule!r}; use one of {', '.join(RULES)}")
    if not np.isfinite(k) or k < 0 or k > 10:
        raise InputError(f"k must be a number between 0 and 10, got {k}")
    if rule == "fixed" and (value is None or not np.isfinite(value) or not -1.0 <= value <= 1.0):
        raise InputError(f"the fixed rule needs a threshold value between -1 and 1, got {value}")


def threshold_mask(
    s: np.ndarray, rule: str = "seed", *, k: float = 1.0, value: float | None = None
) -> tuple[np.ndarray, float, float, float, bool]:
    """Return ``(mask, threshold, median, std, flat)`` of similarity matrix ``s``.

    ``S >= T`` for the seed and fixed rules, ``S > T`` for the course rule;
    when all similarities are equal up to rounding (``flat``, see
    :func:`is_flat`) the seed and course rules keep every pair. The
    diagonal is always False.
    """
    t, med, std = threshold_for(s, rule, k=k, value=value)
    n = s.shape[0]
    flat = n > 1 and is_flat(upper_triangle(s))
    if flat and rule != "fixed":
        # All pairs are equally similar: every pair sits at the threshold.
        mask = np.ones((n, n), dtype=bool)
    elif rule == "course":
        mask = s > t
    else:
        mask = s >= t
    np.fill_diagonal(mask, False)
    return mask, t, med, std, flat


def threshold_for(
    s: np.ndarray, rule: str = "seed", *, k: float = 1.0, value: float | None = None
) -> tuple[float, float, float]:
    """Return ``(threshold, median, std)`` for similarity matrix ``s``.

    ``seed``: T = median(U) + k * std(U), U the strict upper triangle,
    population std (ddof=0). ``course``: T = median of the non-zero values of
    U + std of the whole matrix (diagonal included), as the course notebook
    did; ``k`` scales that std too. ``fixed``: T = ``value``.

    In a flat space (:func:`is_flat`) the std is 0 under every rule (the
    fixed rule reports it so too), so T is the median. The
    course rule's non-zero set is empty only when every pair's cosine is
    exactly 0, which is flat: its median is then taken as 0 (the common
    value), so T = 0 and every pair is an edge, as under the seed rule.
    """
    check_rule(rule, k=k, value=value)
    u = upper_triangle(s)
    flat = is_flat(u)
    if rule == "course":
        nz = u[u != 0]
        med = float(np.median(nz)) if nz.size else 0.0
        std = 0.0 if flat else float(np.std(s))
    else:
        med, std = float(np.median(u)), 0.0 if flat else float(np.std(u))
    if rule == "fixed":
        return float(value), med, std
    return med + k * std, med, std


def ring_positions(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(x, y)`` of ``n`` nodes evenly on the unit circle, node i at 2*pi*i/n."""
    if n < 0:
        raise InputError("the number of nodes cannot be negative")
    theta = 2.0 * np.pi * np.arange(n) / max(n, 1)
    return np.cos(theta), np.sin(theta)


def node_sizes(degree: np.ndarray) -> np.ndarray:
    """Return the node diameters 3 * sqrt(degree) of docs/method.md."""
    return 3.0 * np.sqrt(np.asarray(degree, dtype=np.float64))


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class RingGraph:
    """Everything the ring figure and its numbers need, computed once.

    Arrays are read-only; ``edges`` has columns ``source``, ``target``,
    ``cosine``, ``i``, ``j`` (i < j), sorted weakest first so that drawing in
    order puts the strongest edges on top.
    """

    words: tuple[str, ...]
    similarity: np.ndarray
    rule: str
    k: float
    threshold: float
    median: float
    std: float
    mask: np.ndarray
    degree: np.ndarray
    x: np.ndarray
    y: np.ndarray
    size: np.ndarray
    edges: pd.DataFrame = field(repr=False)
    flat: bool = False
    #: The input rows (read-only): exact neighbour ranks (:mod:`lib.analysis.knn`) need them, not the rounded cosines.
    vectors: np.ndarray | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        return len(self.words)

    @property
    def n_edges(self) -> int:
        return int(len(self.edges))

    @property
    def n_pairs(self) -> int:
        return self.n * (self.n - 1) // 2

    @property
    def density(self) -> float:
        return self.n_edges / self.n_pairs if self.n_pairs else 0.0

    @property
    def value(self) -> float | None:
        """The fixed rule's value (its threshold); None under the other rules."""
        return self.threshold if self.rule == "fixed" else None

    @property
    def isolated(self) -> tuple[str, ...]:
        return tuple(w for w, d in zip(self.words, self.degree) if d == 0)

    def nodes(self) -> pd.DataFrame:
        """Return one row per node: word, x, y, degree, size, in ring order."""
        import pandas as pd

        return pd.DataFrame(
            {
                "word": list(self.words),
                "x": self.x,
                "y": self.y,
                "degree": self.degree,
                "size": self.size,
            }
        )


def _check_edges(mask: np.ndarray, rule: str, max_edges: int) -> None:
    """Raise :class:`BudgetError` when ``mask`` keeps more than ``max_edges`` edges."""
    n = mask.shape[0]
    kept = (int(np.count_nonzero(mask)) - int(np.count_nonzero(np.diagonal(mask)))) // 2
    if kept > max_edges:
        pairs = n * (n - 1) // 2
        raise BudgetError(
            f"the {rule} rule keeps {kept:,} of {pairs:,} pairs as edges ({kept / max(pairs, 1):.0%}); "
            f"at most {max(max_edges, 0):,} fit the work limit here for {n:,} words "
            "(their edge table, communities and charts); raise the threshold or use fewer words"
        )


def ring_graph(
    words: Sequence[str],
    vectors: np.ndarray,
    *,
    rule: str = "seed",
    k: float = 1.0,
    value: float | None = None,
    max_edges: int | None = None,
) -> RingGraph:
    """Build the ring graph of ``words`` with embedding rows ``vectors``.

    Parameters
    ----------
    words : sequence of str
        Node labels in ring order; must be unique.
    vectors : array of shape (N, d)
        One embedding per word.
    rule : {"seed", "course", "fixed"}
        Threshold rule (see :func:`threshold_for`).
    k : float
        Multiplier of the std for the seed and course rules.
    value : float, optional
        The threshold of the fixed rule.
    max_edges : int, optional
        Refuse (:class:`BudgetError`) a rule that keeps more edges, counted
        after thresholding and before the edge table is built.

    Examples
    --------
    >>> g = ring_graph(["x", "y", "z"], np.eye(3))
    >>> g.flat, g.n_edges
    (True, 3)
    """
    words = tuple(str(w) for w in words)
    v = np.asarray(vectors)
    if v.ndim != 2 or v.shape[0] != len(words):
        raise InputError(f"got {len(words)} words but vectors of shape {v.shape}")
    if len(words) < 3:
        raise InputError(f"need at least 3 words with vectors to draw a graph, got {len(words)}")
    if len(set(words)) != len(words):
        raise InputError("words must be unique")
    s = cosine_matrix(v)
    mask, t, med, std, flat = threshold_mask(s, rule, k=k, value=value)
    n = len(words)
    if max_edges is not None:
        _check_edges(mask, rule, max_edges)
    degree = mask.sum(axis=1).astype(np.int64)
    x, y = ring_positions(n)
    i, j = np.nonzero(np.triu(mask, k=1))
    cos = s[i, j]
    order = np.lexsort((j, i, cos))  # weakest first, ties in ring order
    i, j, cos = i[order], j[order], cos[order]
    labels = np.asarray(words, dtype=object)
    import pandas as pd

    edges = pd.DataFrame({"source": labels[i], "target": labels[j], "cosine": cos, "i": i, "j": j})
    return RingGraph(
        words=words,
        similarity=_frozen(s),
        rule=rule,
        k=float(k),
        threshold=float(t),
        median=med,
        std=std,
        mask=_frozen(mask),
        degree=_frozen(degree),
        x=_frozen(x),
        y=_frozen(y),
        size=_frozen(node_sizes(degree)),
        edges=edges,
        flat=flat,
        vectors=_frozen(np.array(v)),
    )
