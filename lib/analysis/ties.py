"""Near ties of cosines, settled in exact arithmetic: the k-th place does not depend on rounding.

A float64 cosine of unit rows is within :func:`float64_error` of the true
cosine of the input vectors, whatever the order of the sums. Two
candidates whose float64 cosines are further apart than twice that bound
are in the right order already. Candidates closer than that (a *cluster*:
a run of a row's sorted values, each within twice the bound of the next)
are put in order by their exact cosines, computed from the float64 inputs
as integers, and equal exact cosines go by a tie key (vocabulary order).

Exactly: every float64 number is an integer times a power of two, so a row
x is ``X * 2**e`` with X an integer vector. For a query q and candidates a
and b, cos(q, a) >= cos(q, b) exactly when ``dot(q, a) / |a| >= dot(q, b) / |b|``,
that is when ``sign(S_a) S_a**2 / N_a >= sign(S_b) S_b**2 / N_b`` with the
integers ``S = Q·A`` and ``N = A·A`` (the powers of two cancel). These
keys are compared as Python fractions, and the cosines of a settled
cluster are reported correctly rounded, so equal cosines print equal.

Examples
--------
>>> import numpy as np
>>> x = np.array([[1.0, 6, 6], [0, 1, 1], [0, 3, 3]])
>>> exact_cosine(x[0], x[1]) == exact_cosine(x[0], x[2])
True
>>> exact_key(x[0], x[1]) == exact_key(x[0], x[2])
True
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

__all__ = ["float64_error", "integer_row", "exact_key", "exact_cosine", "settle"]


def float64_error(d: int) -> float:
    """A bound on |float64 cosine of unit rows - true cosine| for ``d`` dimensions, any summation order.

    The norm is within (d/2 + 2) units of roundoff u = 2**-53 of its value, the
    division adds one, and a dot product of length d at most d u; the total is
    below (2d + 6) u. This returns (d + 8) * 2**-50 = (8d + 64) u, four times that.
    """
    return (int(d) + 8) * 2.0**-50


def integer_row(x: np.ndarray) -> list[int]:
    """The integers X with x = X * 2**e for one power of two e (x as float64, exactly)."""
    ratios = [v.as_integer_ratio() for v in np.asarray(x, dtype=np.float64).tolist()]
    den = max(d for _, d in ratios)
    return [n * (den // d) for n, d in ratios]


def _dot(a: Sequence[int], b: Sequence[int]) -> int:
    return sum(map(operator.mul, a, b))


def _key(q: list[int], a: list[int]) -> Fraction:
    s = _dot(q, a)
    return Fraction(s * abs(s), _dot(a, a))


def exact_key(q: np.ndarray, a: np.ndarray) -> Fraction:
    """An exact number increasing with cos(q, a) for a fixed q: sign(q·a) (q·a)**2 / |a|**2 in integers."""
    return _key(integer_row(q), integer_row(a))


def _rounded_cosine(s: int, n: int, nq: int) -> float:
    """s / sqrt(n * nq) rounded to the nearest float64 (for |value| >= 2**-1000)."""
    if s == 0:
        return 0.0
    p_num, q_den = s * s, n * nq
    scale = 66 - (p_num.bit_length() - q_den.bit_length()) // 2  # about 66 bits in the integer below
    t = p_num << (2 * scale)
    m = math.isqrt(t // q_den)  # floor(value * 2**scale)
    sticky = int(m * m * q_den != t)  # below the kept bits: decides halfway cases
    value = math.ldexp(float((m << 1) | sticky), -(scale + 1))
    return min(value, 1.0) if s > 0 else -min(value, 1.0)


def exact_cosine(q: np.ndarray, a: np.ndarray) -> float:
    """The cosine of two float64 vectors, correctly rounded (computed in integers)."""
    iq, ia = integer_row(q), integer_row(a)
    return _rounded_cosine(_dot(iq, ia), _dot(ia, ia), _dot(iq, iq))


def settle(
    vectors: np.ndarray,
    query: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    cosine: np.ndarray,
    n_rows: int,
    k: int,
    error: float,
    tie_key: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The exact top ``k`` of every row from its candidate pairs and their float64 cosines.

    Parameters
    ----------
    vectors : array (N, d)
        The input vectors (any float dtype; read as float64 exactly).
    query : int array (n_rows,)
        Row r's vector is ``vectors[query[r]]``.
    rows, cols, cosine : arrays of one length
        Candidate ``cols[i]`` of local row ``rows[i]`` with its float64 cosine.
        Every row needs at least k candidates, and every column of a true top k
        must be among them (with those of cosines equal to its k-th).
    error : float
        A bound on |cosine - true cosine| (:func:`float64_error`).
    tie_key : int array (N,), optional
        Equal cosines go to the smaller ``tie_key[col]`` (default: the column).

    Returns
    -------
    index, cosine : arrays (n_rows, k)
        Nearest first; cosines as given, except correctly rounded within a cluster.
    tied : bool array (n_rows,)
        Whether a candidate left out has exactly the k-th cosine.
    """
    key = cols if tie_key is None else np.asarray(tie_key)[cols]
    order = np.lexsort((key, -cosine, rows))
    rows, cols, cosine, key = rows[order], cols[order], cosine[order].copy(), key[order]
    counts = np.bincount(rows, minlength=n_rows)
    if (counts < k).any():  # cannot happen with correct bounds
        raise RuntimeError("knn: a row lost its candidates; please report this")
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    position = np.arange(len(rows)) - starts[rows]
    joined = np.zeros(len(rows), dtype=bool)
    joined[1:] = (rows[1:] == rows[:-1]) & (cosine[:-1] - cosine[1:] <= 2 * error)
    first = np.flatnonzero(~joined)
    sizes = np.diff(np.append(first, len(rows)))
    tied = np.zeros(n_rows, dtype=bool)
    cache: dict[int, list[int]] = {}

    def row_of(i: int) -> list[int]:
        if i not in cache:
            cache[i] = integer_row(vectors[i])
        return cache[i]

    for start, size in zip(first[(sizes > 1) & (position[first] < k)], sizes[(sizes > 1) & (position[first] < k)]):
        span = slice(start, start + size)
        row = int(rows[start])
        iq = row_of(int(query[row]))
        nq = _dot(iq, iq)
        exact = []
        for c in cols[span].tolist():
            ia = row_of(c)
            s, n = _dot(iq, ia), _dot(ia, ia)
            exact.append((-Fraction(s * abs(s), n), s, n))
        ranked = sorted(range(size), key=lambda m: (exact[m][0], key[start + m]))
        cols[span], key[span] = cols[span][ranked], key[span][ranked]
        cosine[span] = [_rounded_cosine(exact[m][1], exact[m][2], nq) for m in ranked]
        kth = k - 1 - int(position[start])
        if kth + 1 < size and exact[ranked[kth]][0] == exact[ranked[kth + 1]][0]:
            tied[row] = True
    pick = starts[:, None] + np.arange(k)[None, :]
    return cols[pick], cosine[pick], tied
