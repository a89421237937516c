"""The calibrated measures for many spaces at once, and the sources' vectors of a word list.

:func:`measure_matrices` runs :func:`~lib.measures.calibrate.calibrate` on
every pair (i, j), i < j, of K spaces with the same permutations and seed as
``compare`` on that pair, so each cell equals ``compare``'s value and p
(no bootstrap: the matrices carry no intervals).

>>> rng = np.random.default_rng(0)
>>> x = rng.standard_normal((10, 4))
>>> m = measure_matrices([x, x, rng.standard_normal((10, 3))], permutations=19)
>>> m["cka_linear"].round(6)[0].tolist()[:2], m["procrustes_angular"][0, 1].round(6), m["cka_linear_p"][0, 1]
([1.0, 1.0], np.float64(0.0), np.float64(0.05))
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from ..errors import InputError
from ..sources.base import Source
from .calibrate import DEFAULT_NK, DISTANCES, calibrate

__all__ = ["MATRIX_MEASURES", "measure_matrices", "matrix_names", "source_vectors"]

#: The calibrated measures the K x K matrices add (RSA has its own, from the Mantel test).
MATRIX_MEASURES = ("cka_linear", "cka_debiased", "procrustes_angular", "mutual_knn")


def matrix_names() -> tuple[str, ...]:
    """Each measure's matrix name and its p's: ``cka_linear``, ``cka_linear_p``, ..."""
    return tuple(name for m in MATRIX_MEASURES for name in (m, f"{m}_p"))


def source_vectors(source: Source, words: Sequence[str]) -> np.ndarray:
    """The rows of ``words`` in ``source``, in that order.

    Raises
    ------
    InputError
        If the source lacks one of the words.
    """
    lookup = source.lookup(list(words))
    row = {w: i for i, w in enumerate(lookup.words)}
    lacking = [w for w in words if w not in row]
    if lacking:
        raise InputError(f"{source.spec} lacks {len(lacking)} of the words, e.g. {lacking[0]!r}")
    return lookup.vectors[[row[w] for w in words]]


def measure_matrices(
    vectors: Sequence[np.ndarray],
    *,
    permutations: int,
    seed: int = 0,
    nk: int = DEFAULT_NK,
) -> dict[str, np.ndarray]:
    """K x K matrices of :data:`MATRIX_MEASURES` and their permutation p (``<name>_p``).

    Cell (i, j) holds the measure of spaces i (as A) and j (as B, permuted);
    the matrices are symmetric. Diagonals: 1 for the similarities, 0 for
    Procrustes, NaN for the p's; NaN where a measure is undefined.
    """
    vectors = list(vectors)
    if len(vectors) < 2:
        raise InputError(f"a matrix needs at least 2 sources, got {len(vectors)}")
    count = len(vectors)
    out = {}
    for name in MATRIX_MEASURES:
        out[name] = np.zeros((count, count)) if name in DISTANCES else np.eye(count)
        out[f"{name}_p"] = np.full((count, count), np.nan)
    for i, j in itertools.combinations(range(count), 2):
        got = calibrate(
            vectors[i], vectors[j], MATRIX_MEASURES, permutations=permutations, bootstrap=0, seed=seed, nk=nk
        )
        for name, r in got.items():
            for key, v in ((name, r.value), (f"{name}_p", r.p)):
                out[key][i, j] = out[key][j, i] = np.nan if v is None else v
    for matrix in out.values():
        matrix.setflags(write=False)
    return out
