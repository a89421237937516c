"""How far each shared word moved between two spaces: the Procrustes shift and the local shift.

Both follow Hamilton et al. (2016, HistWords) on the unit rows of the shared
vocabulary, in float64:

- **Procrustes shift**: the narrower space is zero-padded to the wider
  dimension; Q is the orthogonal matrix minimising ‖A·Q − B‖_F over all
  shared words (Q = U·Vᵀ from the SVD of AᵀB, computed once); the shift of
  word i is 1 − cos(A_i·Q, B_i).
- **Local shift**: U_i is the union of word i's k nearest other words in A
  and in B (the exact k-NN of :mod:`lib.analysis.knn`); the shift is
  1 − cos(s_A, s_B) with s_X = (cos_X(i, j)) for j in U_i. No rotation is
  assumed: only each word's similarities to its own neighbours are compared.

Neither needs the N x N cosine matrix: the Procrustes fit is a D x D product,
the local measure at most 2k cosines a word in each space.

Examples
--------
>>> import numpy as np
>>> a = np.array([[1.0, 0], [0, 1], [1, 1]])
>>> procrustes_shift(a, a @ [[0, -1], [1, 0]]).round(12).tolist()
[0.0, 0.0, 0.0]
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from threadpoolctl import threadpool_limits  # installed with scikit-learn

from ..analysis.knn import cosine64, unit_rows, usable_cpus
from ..errors import InputError
from ..rowspace import row_coordinates

__all__ = [
    "local_shift",
    "local_units",
    "procrustes_rotation",
    "procrustes_shift",
    "procrustes_units",
    "union_neighbours",
]

#: Rows multiplied by Q at once (keeps the float64 product's scratch small).
_CHUNK = 8192


def _check_pair(a: np.ndarray, b: np.ndarray) -> None:
    if a.ndim != 2 or b.ndim != 2 or len(a) != len(b):
        raise InputError(f"need two tables with the same number of rows, got shapes {a.shape} and {b.shape}")
    if len(a) < 2:
        raise InputError(f"need at least 2 shared words, got {len(a)}")


def procrustes_rotation(ua: np.ndarray, ub: np.ndarray) -> np.ndarray:
    """The orthogonal D x D matrix Q minimising ‖A·Q − B‖_F, A and B the rows zero-padded to D = the wider width.

    Q = U·Vᵀ from the SVD U Σ Vᵀ = AᵀB; with padding AᵀB is ``ua.T @ ub`` in the top-left corner.
    """
    d = max(ua.shape[1], ub.shape[1])
    m = np.zeros((d, d))
    m[: ua.shape[1], : ub.shape[1]] = ua.T @ ub
    with threadpool_limits(1):  # a D x D decomposition: threads only fight (50x slower on a busy 2-core machine)
        u, _, vt = np.linalg.svd(m)
    return u @ vt


def procrustes_units(ua: np.ndarray, ub: np.ndarray) -> np.ndarray:
    """:func:`procrustes_shift` of float64 unit rows (no copies of the rows are made when d <= N).

    With more dimensions than words the rows are taken in an orthonormal basis of their span
    (:func:`lib.rowspace.row_coordinates`): the same fit and shifts from an N x N product, not a d x d one.
    """
    if max(ua.shape[1], ub.shape[1]) > len(ua):
        ua, ub = row_coordinates(ua), row_coordinates(ub)
    q = procrustes_rotation(ua, ub)[: ua.shape[1], : ub.shape[1]]  # padded columns of A·Q meet zeros of B
    out = np.empty(len(ua))
    for c in range(0, len(ua), _CHUNK):
        # |A_i Q| = |A_i| = 1 (Q orthogonal), so the cosine is the dot product.
        out[c : c + _CHUNK] = 1.0 - np.einsum("ij,ij->i", ua[c : c + _CHUNK] @ q, ub[c : c + _CHUNK])
    return np.clip(out, 0.0, 2.0)


def procrustes_shift(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """1 − cos(A_i·Q, B_i) per row, Q the orthogonal Procrustes alignment of A's unit rows onto B's.

    Parameters
    ----------
    a, b : arrays of shape (N, d_a) and (N, d_b)
        The two spaces' vectors of the same N words, row i the same word.

    Returns
    -------
    array of shape (N,), float64 in [0, 2]
    """
    _check_pair(a, b)
    return procrustes_units(unit_rows(a)[1], unit_rows(b)[1])


def _shared(index_a: np.ndarray, index_b: np.ndarray) -> np.ndarray:
    """``shared[i, r, q]``: word i's r-th neighbour in A is its q-th in B."""
    if index_a.shape != index_b.shape:
        raise InputError(f"neighbour tables differ in shape: {index_a.shape} and {index_b.shape}")
    return index_a[:, :, None] == index_b[:, None, :]


def union_neighbours(index_a: np.ndarray, index_b: np.ndarray) -> np.ndarray:
    """Mask of the columns of ``index_b`` that are not in the same row of ``index_a`` (U_i = N_A(i) + those)."""
    return ~_shared(index_a, index_b).any(axis=1)


def _pair_cosines(unit: np.ndarray, index: np.ndarray, mapper=None) -> np.ndarray:
    rows = np.repeat(np.arange(len(index)), index.shape[1])
    return cosine64(unit, rows, index.reshape(-1), mapper=mapper).reshape(index.shape)


def _some_cosines(unit: np.ndarray, index: np.ndarray, where: np.ndarray, mapper) -> np.ndarray:
    """cos(i, index[i, r]) where ``where[i, r]``, 0 elsewhere."""
    out = np.zeros(index.shape)
    rows, slots = np.nonzero(where)
    out[rows, slots] = cosine64(unit, rows, index[rows, slots], mapper=mapper)
    return out


def local_units(
    ua: np.ndarray,
    ub: np.ndarray,
    index_a: np.ndarray,
    index_b: np.ndarray,
    cosine_a: np.ndarray | None = None,
    cosine_b: np.ndarray | None = None,
) -> np.ndarray:
    """:func:`local_shift` of float64 unit rows; ``cosine_a``/``cosine_b``, when given, are the known
    float64 cosines of each word to its own neighbours (``cosine_a[i, r]`` = cos_A(i, index_a[i, r]))."""
    # s_A and s_B over U_i: first the k of N_A(i), then the words of N_B(i) not in N_A(i) (zero elsewhere).
    # Only cosines not known yet are summed: a neighbour in both lists has its B cosine in b_own. The
    # gathers run over the CPUs' threads (numpy releases the GIL in them); the sums are the same.
    shared = _shared(index_a, index_b)
    in_b, extra = shared.any(axis=2), ~shared.any(axis=1)  # extra: B's neighbours not in N_A(i) (union_neighbours)
    with ThreadPoolExecutor(usable_cpus(), thread_name_prefix="shifts") as pool:
        a_own = _pair_cosines(ua, index_a, pool.map) if cosine_a is None else cosine_a
        b_own = _pair_cosines(ub, index_b, pool.map) if cosine_b is None else cosine_b
        a_cross = _some_cosines(ua, index_b, extra, pool.map)
        b_cross = _some_cosines(ub, index_a, ~in_b, pool.map)
    b_cross[in_b] = np.take_along_axis(b_own, shared.argmax(axis=2), axis=1)[in_b]
    b_in_u = np.where(extra, b_own, 0.0)
    dot = np.einsum("ij,ij->i", a_own, b_cross) + np.einsum("ij,ij->i", a_cross, b_in_u)
    norm_a = np.sqrt(np.einsum("ij,ij->i", a_own, a_own) + np.einsum("ij,ij->i", a_cross, a_cross))
    norm_b = np.sqrt(np.einsum("ij,ij->i", b_cross, b_cross) + np.einsum("ij,ij->i", b_in_u, b_in_u))
    norm = norm_a * norm_b
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(norm > 0, 1.0 - dot / norm, 1.0)
    return np.clip(out, 0.0, 2.0)


def local_shift(a: np.ndarray, b: np.ndarray, index_a: np.ndarray, index_b: np.ndarray) -> np.ndarray:
    """1 − cos(s_A, s_B) per word, s_X its cosines in X to the union of its k nearest in A and in B.

    Parameters
    ----------
    a, b : arrays of shape (N, d_a) and (N, d_b)
        The two spaces' vectors of the same N words.
    index_a, index_b : int arrays of shape (N, k)
        Each word's k nearest other words in A and in B (no word among its own).

    Returns
    -------
    array of shape (N,), float64 in [0, 2]. A word whose similarity vector is
    zero in either space (every cosine exactly 0) gets 1: nothing in common.
    """
    _check_pair(a, b)
    if len(index_a) != len(a):
        raise InputError(f"need a neighbour row per word, got {len(index_a)} for {len(a)} words")
    return local_units(unit_rows(a)[1], unit_rows(b)[1], np.asarray(index_a), np.asarray(index_b))
