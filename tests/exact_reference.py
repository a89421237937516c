"""The k nearest neighbours in exact rational arithmetic: the reference for ties (fractions, no floats)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np


def rational_knn(vectors: np.ndarray, k: int) -> np.ndarray:
    """Row i: the k other rows of largest exact cosine, equal cosines by row order.

    cos(i, j) has the sign of the dot product and the square
    dot**2 / (|x_i|**2 |x_j|**2), both exact for the float inputs as fractions.
    """
    rows = [[Fraction(float(t)) for t in row] for row in np.asarray(vectors, dtype=np.float64)]
    squares = [sum(t * t for t in row) for row in rows]
    out = []
    for i, q in enumerate(rows):
        ranked = []
        for j, a in enumerate(rows):
            if j != i:
                dot = sum(x * y for x, y in zip(q, a, strict=True))
                square = dot * dot / (squares[i] * squares[j])
                ranked.append((-square if dot > 0 else square, j))
        out.append([j for _, j in sorted(ranked)[:k]])
    return np.array(out, dtype=np.int64)


def integer_vectors(n: int, d: int, seed: int, span: int = 3) -> np.ndarray:
    """Random small-integer rows (none zero): many exactly equal cosines."""
    v = np.random.default_rng(seed).integers(-span, span + 1, (n, d)).astype(np.float64)
    v[~v.any(axis=1), 0] = 1.0
    return v
