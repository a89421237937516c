"""Two-dimensional maps of both spaces' shared vocabulary, B's turned onto A's.

Each map is the PCA of that space's unit rows: the rows centred, projected
on their two leading principal directions (from the d x d covariance, so N
may be large; with d > N, from the rows' span). A's axes get a fixed sign (the largest loading positive).
B's map is then rotated (or reflected) onto A's by the 2 x 2 orthogonal
Procrustes fit over all words, so that a word sits in comparable places on
both maps; distances within each map are left as they are.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> a = rng.normal(size=(200, 5))
>>> xy_a, xy_b = vocabulary_maps(a, -a)
>>> bool(np.allclose(xy_a, xy_b))
True
"""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits  # installed with scikit-learn

from ..analysis.knn import unit_rows
from ..errors import InputError
from ..rowspace import row_coordinates

__all__ = ["pca_2d", "align_2d", "vocabulary_maps"]


def pca_2d(vectors: np.ndarray, *, unit: bool = False) -> np.ndarray:
    """(N, 2) float64 coordinates of the unit rows on their two leading principal directions.

    A picture, not a measure: the rows are centred and projected in float32
    (``unit=True``: ``vectors`` are unit rows already). With more dimensions
    than rows the directions are found in the rows' span (N x N, not d x d);
    the signs of the axes then follow the loadings in that span.
    """
    if vectors.ndim != 2 or len(vectors) < 2:
        raise InputError(f"need at least 2 vectors for a map, got shape {vectors.shape}")
    unit = np.array(vectors, dtype=np.float32) if unit else unit_rows(vectors, np.float32)[1]
    unit -= unit.mean(axis=0)
    if unit.shape[1] > len(unit):  # more dimensions than words: the same map from an N x N problem
        unit = row_coordinates(unit.astype(np.float64)).astype(np.float32)
    with threadpool_limits(1):  # a d x d decomposition: threads only fight (see lib.shifts.measures)
        values, directions = np.linalg.eigh(np.asarray(unit.T @ unit, dtype=np.float64))
    top = directions[:, np.argsort(values)[::-1][:2]]
    if top.shape[1] < 2:  # a one-dimensional space: a line
        top = np.pad(top, ((0, 0), (0, 2 - top.shape[1])))
    top *= np.where(top[np.abs(top).argmax(axis=0), [0, 1]] < 0, -1.0, 1.0)
    return (unit @ top.astype(np.float32)).astype(np.float64)


def align_2d(moving: np.ndarray, fixed: np.ndarray) -> np.ndarray:
    """``moving`` (N, 2) times the orthogonal R minimising ‖moving·R − fixed‖_F."""
    with threadpool_limits(1):
        u, _, vt = np.linalg.svd(moving.T @ fixed)
    return moving @ (u @ vt)


def vocabulary_maps(a: np.ndarray, b: np.ndarray, *, unit: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The PCA maps of A's and B's rows of the same words, B's aligned onto A's (``unit``: rows are unit)."""
    if len(a) != len(b):
        raise InputError(f"need the same words in both spaces, got {len(a)} and {len(b)} rows")
    xy_a = pca_2d(a, unit=unit)
    return xy_a, align_2d(pca_2d(b, unit=unit), xy_a)
