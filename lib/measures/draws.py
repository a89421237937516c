"""The random draws every calibrated measure shares: word permutations and bootstrap resamples.

:func:`permutation_batches` draws exactly what the Mantel test of
:func:`lib.analysis.compare.mantel_test` draws (one ``numpy`` generator
seeded with ``seed``, ``Generator.permuted`` on rows of ``arange(n)``), so a
measure's null uses the same word-to-vector assignments as RSA's. The chunk
size does not change the permutations: row r of the stream is the same
whatever the batches.

:func:`bootstrap_batches` resamples the words with replacement from a second
generator seeded with ``[seed, 1]``, one row per resample, so the
permutations are untouched by the bootstrap and the resamples do not depend
on the batch size either.

>>> next(permutation_batches(4, 2, 0, 2)).tolist()
[[2, 0, 1, 3], [3, 2, 1, 0]]
>>> counts(np.array([[0, 0, 2]]), 3).tolist()
[[2, 0, 1]]
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

__all__ = ["permutation_batches", "bootstrap_batches", "counts", "mantel_chunk", "CHUNK_VALUES"]

#: Most permuted pair values held at once (permutations x pairs), as in the Mantel test.
CHUNK_VALUES = 4_000_000


def mantel_chunk(n: int, count: int) -> int:
    """Permutations per batch: the Mantel test's own rule (at most :data:`CHUNK_VALUES` pair values)."""
    pairs = max(1, n * (n - 1) // 2)
    return max(1, min(int(count), CHUNK_VALUES // pairs))


def permutation_batches(n: int, count: int, seed: int, chunk: int) -> Iterator[np.ndarray]:
    """Random permutations of range(n), ``chunk`` rows at a time, from one seeded generator.

    Row p of a batch reassigns the vectors: word i gets the vector of word p[i].
    """
    rng = np.random.default_rng(seed)
    done = 0
    while done < count:
        m = min(chunk, count - done)
        yield rng.permuted(np.tile(np.arange(n), (m, 1)), axis=1)
        done += m


def bootstrap_batches(n: int, count: int, seed: int, chunk: int) -> Iterator[np.ndarray]:
    """``count`` resamples of range(n) with replacement (rows of n indices), ``chunk`` rows at a time."""
    rng = np.random.default_rng([int(seed), 1])
    done = 0
    while done < count:
        m = min(chunk, count - done)
        yield np.stack([rng.integers(0, n, size=n) for _ in range(m)])
        done += m


def counts(indices: np.ndarray, n: int) -> np.ndarray:
    """How often each of the n words occurs in each resample: (m, n) integer counts."""
    m = indices.shape[0]
    flat = (indices + n * np.arange(m)[:, None]).ravel()
    return np.bincount(flat, minlength=m * n).reshape(m, n)
