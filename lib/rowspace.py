"""Rows of a wide matrix in an orthonormal basis of their span: N x min(N, d) instead of N x d.

Cosines, norms, Procrustes fits and principal directions of the rows depend
only on their inner products, which a change to an orthonormal basis of the
rows' span keeps. When d > N, every d x d matrix those methods build (AᵀB, a
covariance) then becomes at most N x N: 50 words at 30,000 dimensions need a
50 x 50 product, not a 7 GB one.

Examples
--------
>>> import numpy as np
>>> x = np.random.default_rng(0).normal(size=(3, 8))
>>> c = row_coordinates(x)
>>> c.shape, bool(np.allclose(c @ c.T, x @ x.T))
((3, 3), True)
"""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits  # installed with scikit-learn

__all__ = ["row_coordinates"]


def row_coordinates(x: np.ndarray) -> np.ndarray:
    """Rows of ``x`` in an orthonormal basis of at most N dimensions (``x`` itself when d <= N).

    The basis comes from the thin SVD ``x = U S Vᵀ``: the coordinates are ``U S``.
    The decomposition runs on one BLAS thread (more only contend on small matrices).
    """
    n, d = x.shape
    if d <= n:
        return x
    from scipy import linalg  # imported here: scipy.linalg costs ~0.2 s at start-up

    with threadpool_limits(1, user_api="blas"):
        u, s, _ = linalg.svd(x, full_matrices=False, check_finite=False)
    return u * s
