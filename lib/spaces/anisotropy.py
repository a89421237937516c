"""Anisotropy of a space: how far its unit vectors crowd into a narrow cone.

All three figures are computed on the rows scaled to unit length, in float64,
without any N x N matrix:

- ``mean_cosine``: the mean cosine over pairs i != j, from the sum s of the
  unit rows: sum_{i != j} u_i . u_j = |s|^2 - N, divided by N (N - 1)
  (Ethayarajh 2019 uses this mean as the anisotropy baseline).
- ``top_pc_share``: the share of the variance of the centred unit rows that
  lies along the first principal component, lambda_1 / sum lambda
  (Mu & Viswanath 2018).
- ``effective_dim``: the participation ratio (sum lambda)^2 / sum lambda^2 of
  the same spectrum: d for a perfectly isotropic cloud, 1 when all the
  variance is on one direction.

Examples
--------
>>> import numpy as np
>>> a = anisotropy(np.array([[1.0, 0], [0, 1], [-1, 0], [0, -1]]))
>>> round(a.mean_cosine, 6), a.top_pc_share, a.effective_dim
(-0.333333, 0.5, 2.0)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ..analysis.knn import unit_rows
from ..errors import InputError

__all__ = ["Anisotropy", "anisotropy", "spectrum"]


@dataclass(frozen=True)
class Anisotropy:
    """Mean pairwise cosine, first-component share and participation ratio of N unit rows."""

    rows: int
    mean_cosine: float
    top_pc_share: float
    effective_dim: float

    def to_dict(self) -> dict:
        return asdict(self)


def spectrum(unit: np.ndarray) -> np.ndarray:
    """Eigenvalues (descending) of the covariance of the centred rows ``unit`` (float64, d x d)."""
    centred = unit - unit.mean(axis=0)
    values = np.linalg.eigvalsh(centred.T @ centred / len(unit))
    return np.clip(values[::-1], 0.0, None)


def anisotropy(vectors: np.ndarray) -> Anisotropy:
    """The anisotropy figures of the rows of ``vectors`` (at least 2, none zero)."""
    n = len(vectors)
    if n < 2:
        raise InputError(f"anisotropy needs at least 2 vectors, got {n}")
    _, unit = unit_rows(vectors)
    total = unit.sum(axis=0)
    mean_cosine = (float(total @ total) - n) / (n * (n - 1.0))
    values = spectrum(unit)
    variance = float(values.sum())
    if variance <= 0:  # every row the same direction: one "component", no spread
        return Anisotropy(n, mean_cosine, 1.0, 1.0)
    return Anisotropy(
        rows=n,
        mean_cosine=mean_cosine,
        top_pc_share=float(values[0] / variance),
        effective_dim=float(variance**2 / float((values**2).sum())),
    )
