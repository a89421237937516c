"""The float32 part of the exact k-NN (:mod:`.knn`): block tasks and the candidates each one finds.

A task is one row block against a few column blocks of the float32 unit
rows. Each product block ``U[a] @ U[b].T`` feeds the candidate lists of its
rows *and* of its columns (the matrix is symmetric), pruned against running
lower bounds of every row's k-th largest value; :mod:`.knn` settles the
candidates in float64 and exact arithmetic.

Examples
--------
>>> diagonal, off = block_tasks(10, 4)
>>> [(t.row, t.cols) for t in diagonal + off]
[(0, (0,)), (4, (4,)), (8, (8,)), (0, (4,)), (4, (8,)), (8, (0,))]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["BlockTask", "Candidates", "block_tasks", "kth_values", "knn_block"]


@dataclass(frozen=True)
class BlockTask:
    """One unit of work: row block ``row`` against the column blocks ``cols`` (all start indices).

    ``diagonal`` tasks compute the block of the rows against themselves.
    """

    row: int
    cols: tuple[int, ...]
    block: int
    diagonal: bool = False


@dataclass(frozen=True)
class Candidates:
    """What a task found: candidate pairs (``rows[i]`` may have ``cols[i]`` among its k nearest).

    ``values`` are the float32 cosines; ``cut_rows``/``cut`` are lower bounds
    of those rows' k-th largest cosine (a row listed twice keeps the larger).
    """

    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    cut_rows: np.ndarray
    cut: np.ndarray


def block_tasks(n: int, block: int) -> tuple[list[BlockTask], list[BlockTask]]:
    """The diagonal tasks and the off-diagonal tasks of ``n`` rows in blocks of ``block``.

    Off-diagonal pairs are spread circularly (block a with a+1, ..., a+nb/2),
    so every task does about the same work and every pair appears once.
    """
    starts = list(range(0, n, block))
    nb = len(starts)
    diagonal = [BlockTask(s, (s,), block, True) for s in starts]
    off = []
    for ai, a in enumerate(starts):
        cols = []
        for o in range(1, nb // 2 + 1):
            if 2 * o == nb and ai >= nb // 2:
                continue  # with an even count the opposite pair is done once
            cols.append(starts[(ai + o) % nb])
        if cols:
            off.append(BlockTask(a, tuple(cols), block))
    return diagonal, off


def kth_values(rows: np.ndarray, values: np.ndarray, n_rows: int, k: int) -> np.ndarray:
    """Per local row, the k-th largest of its values (-inf with fewer than k)."""
    out = np.full(n_rows, -np.inf, dtype=np.float32)
    if len(rows) == 0:
        return out
    # One sort on row, then value descending: values are float32 in [-1.01, 1.01], so the
    # float64 key row*4 + (1.5 - value) is exact and orders both at once.
    order = np.argsort(rows * 4.0 + (1.5 - values.astype(np.float64)), kind="stable")
    counts = np.bincount(rows, minlength=n_rows)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    full = counts >= k
    out[full] = values[order[starts[full] + k - 1]]
    return out


def _prune(rows, cols, values, cut, err2):
    keep = values >= cut[rows] - err2
    return rows[keep], cols[keep], values[keep]


def knn_block(task: BlockTask, unit: np.ndarray, cuts: np.ndarray, k: int, err: float) -> Candidates:
    """Run one task on the float32 unit rows ``unit`` with the lower bounds ``cuts`` (read only).

    Returns the candidate pairs of the task's rows and of its column blocks'
    rows, already pruned against the bounds the task itself found.
    """
    err2 = np.float32(2 * err)
    a = task.row
    ua = unit[a : a + task.block]
    m = len(ua)
    cut_a = np.array(cuts[a : a + m], dtype=np.float32)
    found_a: list[tuple[np.ndarray, ...]] = []
    out_rows, out_cols, out_vals, cut_rows, cut_vals = [], [], [], [], []
    # Buffers reused by every block of the task (fresh 16 MB arrays cost page faults each time).
    s_buf, m_buf = np.empty(m * task.block, np.float32), np.empty(m * task.block, bool)
    for b in task.cols:
        ub = unit[b : b + task.block]
        s = np.matmul(ua, ub.T, out=s_buf[: m * len(ub)].reshape(m, len(ub)))
        mask, flat_s = m_buf[: s.size].reshape(s.shape), s.reshape(-1)
        if task.diagonal:
            np.fill_diagonal(s, -np.inf)
            if m - 1 >= k:
                cut_a = np.maximum(cut_a, np.partition(s, m - k, axis=1)[:, m - k])
        flat = np.flatnonzero(np.greater_equal(s, (cut_a - err2)[:, None], out=mask))
        if task.diagonal:
            flat = flat[flat % (len(ub) + 1) != 0]  # with no bound yet (-inf) the -inf diagonal passes too
        r, c = np.divmod(flat, len(ub))
        found_a.append((r, c + b, flat_s[flat]))
        if task.diagonal:
            continue
        cut_b = np.array(cuts[b : b + len(ub)], dtype=np.float32)
        flat = np.flatnonzero(np.greater_equal(s, (cut_b - err2)[None, :], out=mask))
        r2, c2 = np.divmod(flat, len(ub))
        v2 = flat_s[flat]
        cut_b = np.maximum(cut_b, kth_values(c2, v2, len(ub), k))
        keep = v2 >= cut_b[c2] - err2
        out_rows.append(c2[keep] + b)
        out_cols.append(r2[keep] + a)
        out_vals.append(v2[keep])
        cut_rows.append(np.arange(b, b + len(ub)))
        cut_vals.append(cut_b)
        # Tighten the rows' bound as the task goes, so later blocks pass fewer candidates.
        r, c, v = (np.concatenate(x) for x in zip(*found_a, strict=True))
        cut_a = np.maximum(cut_a, kth_values(r, v, m, k))
        found_a = [_prune(r, c, v, cut_a, err2)]
    r, c, v = (np.concatenate(x) for x in zip(*found_a, strict=True))
    cut_a = np.maximum(cut_a, kth_values(r, v, m, k))
    r, c, v = _prune(r, c, v, cut_a, err2)
    return Candidates(
        rows=np.concatenate([r + a, *out_rows]).astype(np.int64),
        cols=np.concatenate([c, *out_cols]).astype(np.int64),
        values=np.concatenate([v, *out_vals]).astype(np.float32),
        cut_rows=np.concatenate([np.arange(a, a + m), *cut_rows]).astype(np.int64),
        cut=np.concatenate([cut_a, *cut_vals]).astype(np.float32),
    )
