"""The five "how alike" measures of two spaces on the same words, straight from their definitions.

Every function takes X (n x d_a) and Y (n x d_b), the two sources' vectors
of the same n words in the same order, **rows already unit-normalised**
(:func:`unit_rows`), and returns a float64 value, or raises
:class:`Undefined` (a one-line reason) when the measure has no value for
these vectors. CKA and Procrustes centre the columns themselves.

- :func:`rsa_spearman`: Spearman correlation of the two cosine matrices' upper triangles;
- :func:`cka_linear`: ‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F), columns centred (Kornblith et al. 2019);
- :func:`cka_debiased`: the same ratio of Song et al.'s (2012) unbiased HSIC estimator on K = XXᵀ, L = YYᵀ;
- :func:`procrustes_angular`: arccos of the nuclear norm of XᵀY, X and Y centred and scaled to unit
  Frobenius norm (Williams et al. 2021), in [0, π/2]; a distance;
- :func:`mutual_knn`: mean over words of |N_X(i) ∩ N_Y(i)| / k, exact k nearest within the words.

These are the readable forms; :mod:`lib.measures.calibrate` computes the
same numbers for many permutations and resamples at once.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> x = unit_rows(rng.standard_normal((30, 8)))
>>> round(cka_linear(x, x), 12), round(procrustes_angular(x, x), 6), mutual_knn(x, x, 3)
(1.0, 0.0, 1.0)
"""

from __future__ import annotations

import numpy as np

from ..analysis.knn import exact_knn
from ..analysis.knn import unit_rows as knn_unit_rows
from ..engine import cosine_matrix, upper_triangle
from ..errors import InputError

__all__ = [
    "Undefined",
    "unit_rows",
    "centred",
    "hsic_unbiased",
    "rsa_spearman",
    "cka_linear",
    "cka_debiased",
    "procrustes_angular",
    "mutual_knn",
    "MIN_WORDS_DEBIASED",
]

#: Words the unbiased HSIC estimator needs (its normaliser is n (n - 3)).
MIN_WORDS_DEBIASED = 4


class Undefined(InputError):
    """A measure without a value for these vectors (a flat space, too few words); the message says why."""


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """``vectors`` as float64 with every row scaled to length 1.

    Raises
    ------
    InputError
        If the array is not 2-D or a row is zero or not finite.
    """
    v = np.asarray(vectors)
    if v.ndim != 2:
        raise InputError(f"vectors must be a 2-D array, got shape {v.shape}")
    return knn_unit_rows(v)[1]


def centred(x: np.ndarray) -> np.ndarray:
    """``x`` minus its column means."""
    x = np.asarray(x, dtype=np.float64)
    return x - x.mean(axis=0)


def _check_pair(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.ndim != 2 or y.ndim != 2 or x.shape[0] != y.shape[0]:
        raise InputError(f"need two 2-D arrays with the same number of rows, got {x.shape} and {y.shape}")
    if x.shape[0] < 3:
        raise InputError(f"need at least 3 words, got {x.shape[0]}")
    return x, y


def _flat(name: str, which: str) -> Undefined:
    return Undefined(f"{name} is undefined: source {which} is flat (all its vectors are the same up to rounding)")


def rsa_spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman correlation of the upper triangles of the two cosine matrices (scipy)."""
    x, y = _check_pair(x, y)
    a, b = upper_triangle(cosine_matrix(x)), upper_triangle(cosine_matrix(y))
    for which, t in (("A", a), ("B", b)):
        if np.ptp(t) == 0:
            raise _flat("rsa_spearman", which)
    from scipy import stats  # imported here: scipy.stats costs ~1 s at start-up

    return float(stats.spearmanr(a, b)[0])


def cka_linear(x: np.ndarray, y: np.ndarray) -> float:
    """Linear CKA of the column-centred X and Y: ‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F)."""
    x, y = _check_pair(x, y)
    xc, yc = centred(x), centred(y)
    fx, fy = np.linalg.norm(xc.T @ xc), np.linalg.norm(yc.T @ yc)
    for which, f in (("A", fx), ("B", fy)):
        if f == 0:
            raise _flat("cka_linear", which)
    return float(np.linalg.norm(yc.T @ xc) ** 2 / (fx * fy))


def hsic_unbiased(k: np.ndarray, ll: np.ndarray) -> float:
    """Song et al.'s (2012) unbiased HSIC estimator of two n x n kernel matrices (n >= 4).

    With K̃, L̃ the kernels with zero diagonals:
    [tr(K̃L̃) + 1ᵀK̃1 · 1ᵀL̃1 / ((n-1)(n-2)) - 2/(n-2) · 1ᵀK̃L̃1] / (n (n-3)).
    """
    n = k.shape[0]
    if n < MIN_WORDS_DEBIASED:
        raise Undefined(f"the unbiased HSIC needs at least {MIN_WORDS_DEBIASED} words, got {n}")
    kt, lt = np.array(k, dtype=np.float64), np.array(ll, dtype=np.float64)
    np.fill_diagonal(kt, 0.0)
    np.fill_diagonal(lt, 0.0)
    ones = np.ones(n)
    trace = float(np.sum(kt * lt))
    sums = float(ones @ kt @ ones) * float(ones @ lt @ ones) / ((n - 1) * (n - 2))
    cross = float(ones @ kt @ lt @ ones) * 2 / (n - 2)
    return (trace + sums - cross) / (n * (n - 3))


def cka_debiased(x: np.ndarray, y: np.ndarray) -> float:
    """Debiased CKA: HSIC_u(K, L) / sqrt(HSIC_u(K, K) HSIC_u(L, L)), K = XXᵀ and L = YYᵀ of the centred X, Y.

    Undefined with fewer than 4 words, or when a space's own HSIC_u is not
    positive (a flat space, or so few words that the estimate falls to 0 or below).
    """
    x, y = _check_pair(x, y)
    if x.shape[0] < MIN_WORDS_DEBIASED:
        raise Undefined(f"cka_debiased needs at least {MIN_WORDS_DEBIASED} words, got {x.shape[0]}")
    xc, yc = centred(x), centred(y)
    k, ll = xc @ xc.T, yc @ yc.T
    hkk, hll = hsic_unbiased(k, k), hsic_unbiased(ll, ll)
    for which, h in (("A", hkk), ("B", hll)):
        if not h > 0:
            raise Undefined(f"cka_debiased is undefined: source {which}'s unbiased HSIC with itself is {h:.3g}")
    return float(hsic_unbiased(k, ll) / np.sqrt(hkk * hll))


def procrustes_angular(x: np.ndarray, y: np.ndarray) -> float:
    """arccos(‖XᵀY‖_*) of X, Y centred and scaled to unit Frobenius norm, in [0, π/2].

    Zero-padding the narrower space to the wider dimension adds zero rows or
    columns to XᵀY and leaves its nuclear norm (the sum of its singular
    values) unchanged, so it is not done explicitly.
    """
    x, y = _check_pair(x, y)
    xc, yc = centred(x), centred(y)
    nx, ny = np.linalg.norm(xc), np.linalg.norm(yc)
    for which, f in (("A", nx), ("B", ny)):
        if f == 0:
            raise _flat("procrustes_angular", which)
    nuclear = float(np.linalg.svd((xc / nx).T @ (yc / ny), compute_uv=False).sum())
    return float(np.arccos(min(1.0, max(-1.0, nuclear))))


def mutual_knn(x: np.ndarray, y: np.ndarray, k: int) -> float:
    """Mean over words of |N_X(i) ∩ N_Y(i)| / k: the k nearest other words by cosine, within the words.

    Uses the project's exact k-NN (:func:`lib.analysis.knn.exact_knn`); k is
    capped at n - 1.
    """
    x, y = _check_pair(x, y)
    if int(k) < 1:
        raise InputError(f"the number of neighbours must be at least 1, got {k}")
    k = min(int(k), x.shape[0] - 1)
    na, nb = exact_knn(x, k).index, exact_knn(y, k).index
    shared = (na[:, :, None] == nb[:, None, :]).any(axis=2).sum(axis=1)
    return float(np.mean(shared / k))
