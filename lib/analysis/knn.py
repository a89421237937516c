"""Exact k nearest neighbours of every row among the other rows, blockwise, by cosine.

The N x N cosine matrix is never held. Blocks ``U[a] @ U[b].T`` of the
float32 unit rows are computed once for each unordered pair of row blocks
(the matrix is symmetric), and each block feeds the candidate lists of its
rows *and* of its columns, so the products cost half of a plain search.

A float32 product of unit rows is within ``err = (d + 8) * 2**-24`` of the
float64 cosine (as in :mod:`lib.hubs`). If ``c`` is the k-th largest float32
value of a row, the k rows of largest float64 cosine all have float32
values ``>= c - 2 * err``; so a row keeps every candidate above a running
lower bound of ``c`` minus ``2 * err``, and at the end the candidates within
``2 * err`` of the row's k-th float32 value are summed again in float64 from
the float64 unit rows. Their order is then settled by :func:`.ties.settle`:
runs of float64 values closer than the float64 error bound are put in the
order of their exact cosines (integer arithmetic on the inputs), and exactly
equal cosines go to the smaller row index. The result is the exact top k,
whatever the order of the sums.

The work is a list of independent :class:`BlockTask` objects
(:mod:`.knn_blocks`), one per row block and phase (first the diagonal
blocks, which give every row a first lower bound, then the off-diagonal
blocks, spread evenly over the row blocks). :func:`knn_block` runs one task
and returns a small :class:`Candidates`; :func:`exact_knn` maps it over the
tasks, by default over the usable CPUs' threads of this process (numpy
releases the GIL in the products and the masks), or with any
``mapper(function, tasks)`` (a cluster's map). :func:`nearest` is the same
rule for a few rows.

Examples
--------
>>> import numpy as np
>>> r = exact_knn(np.array([[1.0, 0], [1, 0.1], [0, 1], [-1, 0.05]]), 2)
>>> r.index.tolist()
[[1, 2], [0, 2], [1, 3], [2, 1]]
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial

import numpy as np
from threadpoolctl import threadpool_limits

from ..errors import CosineRingsError, InputError
from .knn_blocks import BlockTask, Candidates, block_tasks, knn_block, kth_values
from .ties import float64_error, settle

__all__ = [
    "BlockTask",
    "Candidates",
    "Cancelled",
    "KnnResult",
    "Mapper",
    "block_tasks",
    "exact_knn",
    "knn_block",
    "nearest",
    "unit_rows",
    "cosine64",
    "grouping_order",
    "usable_cpus",
    "DEFAULT_BLOCK",
]

#: Rows per block: a 2048 x 2048 float32 block is 16 MB.
DEFAULT_BLOCK = 1536
#: Pairs summed in float64 at once in the final step, and per task.
_CHUNK = 2048
_PART = 16 * _CHUNK
#: Columns scanned at once by :func:`nearest`.
_SCAN = 8192
#: Rows per seed of :func:`grouping_order`.
_GROUP = 128

#: ``mapper(function, tasks)`` returns the function's results (in any order).
Mapper = Callable[[Callable, Sequence], Iterable]


class Cancelled(CosineRingsError):
    """The search was cancelled by its progress callback or its cancel event."""


@dataclass(frozen=True)
class KnnResult:
    """``index[i]``: the k nearest other rows of row i, nearest first; ``cosine[i]``: their float64 cosines
    (correctly rounded where a near tie was settled exactly).

    ``checked`` counts the candidate pairs summed again in float64, ``boundary``
    those beyond the k kept per row (the pairs the float64 step had to rule
    out), ``settled`` the rows whose neighbour set float64 decided differently
    from float32.
    """

    index: np.ndarray
    cosine: np.ndarray
    checked: int
    boundary: int
    settled: int
    #: Rows whose k-th cosine is shared by a word left out (the tie went by vocabulary order).
    tied: np.ndarray
    timings: dict = field(default_factory=dict, compare=False)


def unit_rows(vectors: np.ndarray, dtype=np.float64) -> tuple[np.ndarray, np.ndarray]:
    """Float64 norms and the unit rows in ``dtype``; raises InputError on a zero or non-finite row."""
    v = np.array(vectors, dtype=np.float64)  # a copy, divided in place (one N x d float64 array at a time)
    # As lib.engine normalises (a cosine is the same number on every page), a chunk of rows at a time:
    # each row's norm is the same, without a fresh N x d temporary of squares (page faults).
    norms = np.concatenate([np.linalg.norm(v[c : c + _CHUNK], axis=1) for c in range(0, len(v), _CHUNK)] or [[]])
    bad = ~np.isfinite(norms) | (norms == 0)
    if bad.any():
        raise InputError(f"{int(bad.sum())} vector(s) are zero or not finite; cosine is undefined for them")
    v /= norms[:, None]
    return norms, v if np.dtype(dtype) == np.float64 else v.astype(dtype)


def _local_map(function: Callable, tasks: Sequence) -> Iterable:
    return (function(t) for t in tasks)


def _exact_top(vectors, unit64, rows, cols, values, cuts, n: int, k: int, err: float, mapper: Mapper | None):
    """The exact top k of every row from its candidates (see the module notes).

    ``cuts`` are lower bounds of each row's k-th float32 value (the tasks' bounds): a first cut
    without sorting.
    """
    first = values >= cuts[rows] - np.float32(2 * err)
    rows, cols, values = rows[first], cols[first], values[first]
    cut = kth_values(rows, values, n, k)
    keep = values >= cut[rows] - np.float32(2 * err)
    rows, cols, values = rows[keep], cols[keep], values[keep]
    exact = cosine64(unit64, rows, cols, mapper=mapper)
    index, cosine, tied = settle(vectors, np.arange(n), rows, cols, exact, n, k, float64_error(unit64.shape[1]))
    return index, np.clip(cosine, -1.0, 1.0), len(rows), len(rows) - n * k, _settled(rows, cols, values, index), tied


def _settled(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, index: np.ndarray) -> int:
    """Rows whose float32 top k (by value, then index) is another set than ``index``.

    Only a row with more than k candidates can differ (with exactly k, both are all of them).
    """
    n, k = index.shape
    counts = np.bincount(rows, minlength=n)
    wide = counts > k
    if not wide.any():
        return 0
    pick = wide[rows]
    rows, cols, values = rows[pick], cols[pick], values[pick]
    order32 = np.lexsort((cols, -values, rows))
    starts = np.concatenate(([0], np.cumsum(counts[wide])[:-1]))
    index32 = cols[order32[starts[:, None] + np.arange(k)[None, :]]]
    return int(np.count_nonzero((np.sort(index[wide], axis=1) != np.sort(index32, axis=1)).any(axis=1)))


def cosine64(unit64: np.ndarray, i: np.ndarray, j: np.ndarray, *, mapper: Mapper | None = None) -> np.ndarray:
    """The float64 cosine of pairs (i, j) of float64 unit rows: the one definition every result follows.

    ``mapper`` (as in :func:`exact_knn`) runs the parts, e.g. over threads; the sums are the same.
    Each part gathers its rows into two reused buffers (fresh arrays cost page faults each chunk).
    """
    out = np.empty(len(i))
    d = unit64.shape[1]

    def part(p0: int) -> None:
        p1 = min(p0 + _PART, len(i))
        left, right = np.empty((_CHUNK, d)), np.empty((_CHUNK, d))
        for c0 in range(p0, p1, _CHUNK):
            m = min(_CHUNK, p1 - c0)
            np.take(unit64, i[c0 : c0 + m], axis=0, out=left[:m])
            np.take(unit64, j[c0 : c0 + m], axis=0, out=right[:m])
            out[c0 : c0 + m] = np.einsum("ij,ij->i", left[:m], right[:m])

    for _ in (mapper or _local_map)(part, range(0, len(i), _PART)):
        pass
    return out


def nearest(
    vectors: np.ndarray, rows: Sequence[int], k: int, *, tie_key: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The k nearest other rows of a few rows ``rows`` of ``vectors``, by the rule of :func:`exact_knn`.

    Returns ``(index, cosine)`` of shape (len(rows), min(k, N - 1)), nearest
    first; exact ties go to the smaller ``tie_key`` of the neighbour (default
    its row). Columns are scanned in chunks, so ``vectors`` may be large.

    >>> nearest(np.array([[1.0, 6, 6], [0, 3, 3], [0, 1, 1], [1, 0, 0]]), [0], 1)[0].tolist()
    [[1]]
    """
    n, d = vectors.shape
    rows = np.asarray(rows, dtype=np.int64)
    k = min(int(k), n - 1)
    if k < 1 or len(rows) == 0:
        return np.zeros((len(rows), max(k, 0)), np.int64), np.zeros((len(rows), max(k, 0)))
    err = float64_error(d)
    _, q = unit_rows(vectors[rows])
    found_r, found_c, found_v = [], [], []
    for c0 in range(0, n, _SCAN):
        s = q @ unit_rows(vectors[c0 : c0 + _SCAN])[1].T
        mine = (rows >= c0) & (rows < c0 + len(s.T))
        s[np.flatnonzero(mine), rows[mine] - c0] = -np.inf
        top = min(k, s.shape[1]) - 1
        local = -np.partition(-s, top, axis=1)[:, top] if s.shape[1] > top else np.full(len(rows), -np.inf)
        r, c = np.nonzero(s >= (local - 2 * err)[:, None])
        found_r.append(r), found_c.append(c + c0), found_v.append(s[r, c])
    r, c, v = (np.concatenate(x) for x in (found_r, found_c, found_v))
    order = np.lexsort((-v, r))
    starts = np.concatenate(([0], np.cumsum(np.bincount(r, minlength=len(rows)))[:-1]))
    kth = v[order[starts + k - 1]]
    keep = (v >= kth[r] - 2 * err) & np.isfinite(v)
    r, c = r[keep], c[keep]
    used = np.unique(np.concatenate([rows, c]))
    _, unit = unit_rows(vectors[used])
    exact = cosine64(unit, np.searchsorted(used, rows[r]), np.searchsorted(used, c))
    index, cosine, _ = settle(vectors, rows, r, c, exact, len(rows), k, err, tie_key)
    return index, np.clip(cosine, -1.0, 1.0)


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def exact_knn(
    vectors: np.ndarray,
    k: int,
    *,
    block: int = DEFAULT_BLOCK,
    mapper: Mapper | None = None,
    progress: Callable[[int, int], bool | None] | None = None,
    cancel: threading.Event | None = None,
    threads: int | None = None,
) -> KnnResult:
    """The exact k nearest other rows of every row of ``vectors`` by cosine (see the module notes).

    Parameters
    ----------
    vectors : array of shape (N, d)
        Any float rows, none zero or non-finite.
    k : int
        Neighbours per row, 1 <= k < N.
    mapper : callable, optional
        ``mapper(function, tasks)`` returning the results of ``function`` on each
        task; default: the tasks over ``threads`` threads of this process.
    progress : callable, optional
        ``progress(done_tasks, total_tasks)``; return False to cancel.
    cancel : threading.Event, optional
        Set it (from any thread) to cancel.
    threads : int, optional
        Threads of the default mapper (default: the usable CPUs). With more
        than one, BLAS runs one thread per task while the search lasts (the
        limit is process-wide), so products and candidate masks both run in
        parallel; the result is the same with any count.
    """
    n = len(vectors)
    if vectors.ndim != 2 or n < 2:
        raise InputError(f"need at least 2 vectors, got shape {vectors.shape}")
    if not 1 <= int(k) < n:
        raise InputError(f"k must be between 1 and {n - 1} (the other words), got {k}")
    if not 16 <= int(block) <= 16384:
        raise InputError(f"block must be between 16 and 16384 rows, got {block}")
    threads = usable_cpus() if threads is None else int(threads)
    if threads < 1:
        raise InputError(f"threads must be at least 1, got {threads}")
    with ExitStack() as stack:
        local = _local_map
        if mapper is None and threads > 1:
            pool = ThreadPoolExecutor(threads, thread_name_prefix="knn")
            stack.callback(pool.shutdown, wait=True, cancel_futures=True)
            stack.enter_context(threadpool_limits(1, user_api="blas"))
            local = pool.map
        return _search(vectors, int(k), int(block), mapper or local, local, progress, cancel)


def grouping_order(unit: np.ndarray, size: int = _GROUP) -> np.ndarray:
    """A permutation of the rows that puts similar rows next to each other (any order is correct).

    Every ``size``-th row is a seed; each row goes to its most similar seed
    (one float32 product), and the rows are sorted by seed. A block of such
    rows then holds many of each row's nearest neighbours, so the diagonal
    pass gives tight bounds and the other blocks pass few candidates.

    >>> rows = np.array([[1, 0], [0, 1], [0.1, 1], [1, 0.1], [0.9, 0.1], [0, 1]], dtype=np.float32)
    >>> grouping_order(rows, 2).tolist()  # seeds: rows 0, 2 and 4
    [0, 3, 4, 1, 2, 5]
    """
    n = len(unit)
    if n <= 2 * size:
        return np.arange(n)
    seeds = unit[::size].astype(np.float32)
    label = np.empty(n, dtype=np.int64)
    for c0 in range(0, n, 8 * _CHUNK):  # (rows x seeds) float32 products, a few MB at a time
        rows = unit[c0 : c0 + 8 * _CHUNK].astype(np.float32, copy=False)
        label[c0 : c0 + 8 * _CHUNK] = np.argmax(rows @ seeds.T, axis=1)
    return np.argsort(label, kind="stable")


def _search(vectors, k, block, mapper, local, progress, cancel) -> KnnResult:
    n = len(vectors)
    t0 = time.perf_counter()
    _, unit64 = unit_rows(vectors)
    order = grouping_order(unit64)
    unit = np.empty(unit64.shape, dtype=np.float32)  # the grouped rows in float32, gathered a chunk at a time
    for c0 in range(0, n, 8 * _CHUNK):
        unit[c0 : c0 + 8 * _CHUNK] = unit64[order[c0 : c0 + 8 * _CHUNK]]
    err = (vectors.shape[1] + 8) * 2.0**-24
    cuts = np.full(n, -np.inf, dtype=np.float32)
    diagonal, off = block_tasks(n, block)
    total, done = len(diagonal) + len(off), 0
    found: list[Candidates] = []
    t1 = time.perf_counter()
    for phase in (diagonal, off):
        # The bound array is read when a task starts: a task sees the bounds of every task finished before.
        for result in mapper(partial(knn_block, unit=unit, cuts=cuts, k=k, err=err), phase):
            np.maximum.at(cuts, result.cut_rows, result.cut)
            found.append(result)
            done += 1
            if (cancel is not None and cancel.is_set()) or (progress is not None and progress(done, total) is False):
                raise Cancelled("neighbour search cancelled")
    t2 = time.perf_counter()
    rows, cols, values = (np.concatenate([getattr(f, name) for f in found]) for name in ("rows", "cols", "values"))
    rows, cols, cuts[order] = order[rows], order[cols], cuts.copy()
    del found, unit
    index, cosine, checked, boundary, settled, tied = _exact_top(
        vectors, unit64, rows, cols, values, cuts, n, k, err, local
    )
    t3 = time.perf_counter()
    return KnnResult(
        index=index,
        cosine=cosine,
        checked=checked,
        boundary=boundary,
        settled=settled,
        tied=tied,
        timings={"prepare_s": t1 - t0, "blocks_s": t2 - t1, "exact_s": t3 - t2, "tasks": total},
    )
