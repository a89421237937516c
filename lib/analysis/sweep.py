"""Threshold sweep: how the graph changes as k in T = median + k*std grows.

For one similarity matrix, :func:`threshold_sweep` recomputes the edge mask
for each k in [0, 3] and reports edges, density, the number of connected
components and the size of the largest one. :func:`mask_at` is the mask of
the engine's rules computed from a similarity matrix alone; the null model
reuses it for each draw.

Examples
--------
>>> import numpy as np
>>> from lib.engine import cosine_matrix
>>> s = cosine_matrix(np.array([[1, 0], [1, 0.1], [0, 1], [-1, 0]]))
>>> sweep = threshold_sweep(s, ks=[0.0, 1.0])
>>> sweep["edges"].tolist(), sweep["components"].tolist(), sweep["largest"].tolist()
([4, 1], [1, 3], [4, 2])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from ..engine import threshold_mask
from ..errors import InputError

__all__ = ["SWEEP_KS", "mask_at", "threshold_sweep"]

#: The k values of the sweep: 0 to 3 in steps of 0.1.
SWEEP_KS = tuple(round(0.1 * i, 1) for i in range(31))


def mask_at(
    s: np.ndarray, rule: str = "seed", *, k: float = 1.0, value: float | None = None
) -> tuple[np.ndarray, float]:
    """Return ``(mask, threshold)`` of similarity matrix ``s`` under a rule.

    The same mask as :func:`lib.engine.ring_graph` builds: ``S >= T`` for the
    seed and fixed rules, ``S > T`` for the course rule, every pair when all
    similarities are equal (seed and course rules), diagonal False.
    """
    s = np.asarray(s, dtype=np.float64)
    if s.ndim != 2 or s.shape[0] != s.shape[1]:
        raise InputError(f"a similarity matrix must be square, got shape {s.shape}")
    mask, t, _, _, _ = threshold_mask(s, rule, k=k, value=value)
    return mask, float(t)


def _components(mask: np.ndarray) -> tuple[int, int]:
    n_comp, labels = connected_components(csr_matrix(mask), directed=False)
    largest = int(np.bincount(labels).max()) if labels.size else 0
    return int(n_comp), largest


def threshold_sweep(s: np.ndarray, rule: str = "seed", *, ks: Sequence[float] = SWEEP_KS) -> pd.DataFrame:
    """Edges, density, components and largest component for each k.

    Parameters
    ----------
    s : array of shape (N, N)
        A cosine-similarity matrix.
    rule : {"seed", "course", "fixed"}
        The threshold rule; ``fixed`` has no k, so it is swept with the seed rule.
    ks : sequence of float
        The multipliers, each between 0 and 10 (default 0, 0.1, ..., 3).

    Returns
    -------
    pandas.DataFrame
        Columns ``k``, ``threshold``, ``edges``, ``density``, ``components``,
        ``largest``, one row per k in the order given.
    """
    s = np.asarray(s, dtype=np.float64)
    n = s.shape[0] if s.ndim == 2 else 0
    if n < 2:
        raise InputError(f"the sweep needs at least 2 words, got {n}")
    if rule == "fixed":
        rule = "seed"
    pairs = n * (n - 1) // 2
    rows = []
    for k in ks:
        mask, t = mask_at(s, rule, k=float(k))
        edges = int(np.triu(mask, k=1).sum())
        comps, largest = _components(mask)
        rows.append(
            {
                "k": float(k),
                "threshold": t,
                "edges": edges,
                "density": edges / pairs,
                "components": comps,
                "largest": largest,
            }
        )
    return pd.DataFrame(rows, columns=["k", "threshold", "edges", "density", "components", "largest"])
