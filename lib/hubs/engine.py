"""Exact degrees and hubs over a whole vocabulary, blockwise, never holding the N x N matrix.

The threshold rules of docs/method.md need the median and std of all N(N-1)/2
cosine similarities, and each token's degree is then a count over its row.
At vocabulary scale the matrix does not fit in memory (50,000 tokens: 10 GB
in float32), so :func:`hub_degrees` computes the same numbers in two passes
over float32 blocks ``U[a] @ U[b].T`` of the unit rows (only blocks with
a <= b: the matrix is symmetric):

1. the std comes from the d x d Gram matrix of the float64 unit rows (the
   sum of all S(i, j) is ``|sum u|^2`` and the sum of their squares is
   ``|U^T U|_F^2``), so it is exact to float64 rounding; the pass builds a
   fine histogram of the upper-triangle values and finds the bin(s) holding
   the median rank(s);
2. the second pass counts, per row, the pairs surely above the threshold and
   collects the few pairs near the median and near the threshold.

For the seed and fixed rules one pass usually suffices: the cosines of a
seeded sample of random pairs (1/256 of all pairs, 262,144 to 2,097,152)
bracket the median's rank to within five standard errors; a single pass then
counts the pairs below the bracket, collects every pair inside it (their bins
give the exact histogram there, hence the median's exact bin) and the pairs
near the threshold range, and counts the sure degrees. If the exact counts
show the bracket missed the median, or the bracket would hold too many pairs
for memory, the two passes above run instead; the result is the same.

Float32 rounding of a product of unit rows is bounded by ``(d + 8) * 2**-24``,
so the bands are widened by that bound; their pairs are summed again in
float64, and the very few still within rounding of the median or the
threshold are recomputed from the float64 unit rows. The result equals the
dense float64 computation of
:func:`lib.engine.ring_graph`: the same median (selected, not sampled), the
same threshold and the same degrees. Nearly constant similarities (where the
flat-spread rule of the engine decides) are recomputed in float64 blocks.

The blocks are independent: with ``scheduler=`` they run as tasks on a Dask
cluster (:mod:`lib.cluster`), each returning counts and the few pairs in the
bands, and the result is the same to the last bit (:mod:`lib.hubs.blocks`).

Examples
--------
>>> import numpy as np
>>> r = hub_degrees(["a", "b", "c", "d"], np.array([[1, 0], [1, 0.1], [0, 1], [-1, 0]]))
>>> round(r.threshold, 3), r.degree.tolist()
(0.69, [1, 1, 0, 0])
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..analysis.knn import nearest
from ..cluster import Cluster, connect
from ..engine import check_rule
from ..errors import InputError
from .passes import Cancelled, Progress, Run, solve
from .single import solve_single

__all__ = ["Cancelled", "HubResult", "Progress", "hub_degrees", "strongest_neighbours", "DEFAULT_BLOCK"]

#: Rows per block: a 2048 x 2048 float32 block is 16 MB.
DEFAULT_BLOCK = 2048


@dataclass(frozen=True)
class HubResult:
    """Degrees of every token and the numbers of the run.

    ``degree[i]`` counts the tokens j != i with S(i, j) >= T (S > T for the
    course rule). ``rank`` is 1 for the largest degree, ties sharing the
    smallest rank. ``timings`` holds seconds per phase (``products_s`` is
    the time spent inside the matrix products).
    """

    tokens: tuple[str, ...]
    degree: np.ndarray
    rule: str
    k: float
    value: float | None
    threshold: float
    median: float
    std: float
    flat: bool = False
    timings: dict = field(default_factory=dict, compare=False)
    #: The SPEC the vectors came from ("" when given directly).
    source: str = ""

    @property
    def n(self) -> int:
        return len(self.tokens)

    @property
    def n_pairs(self) -> int:
        return self.n * (self.n - 1) // 2

    @property
    def n_edges(self) -> int:
        return int(self.degree.sum()) // 2

    @property
    def rank(self) -> np.ndarray:
        ordered = np.sort(self.degree)[::-1]
        return np.searchsorted(-ordered, -self.degree, side="left").astype(np.int64) + 1

    def table(self) -> pd.DataFrame:
        """One row per token, in vocabulary order: ``token``, ``degree``, ``rank``."""
        return pd.DataFrame({"token": list(self.tokens), "degree": self.degree, "rank": self.rank})

    def top(self, n: int = 20) -> pd.DataFrame:
        """The ``n`` tokens of largest degree (ties in vocabulary order)."""
        t = self.table()
        return t.sort_values(["rank"], kind="stable").head(max(int(n), 0)).reset_index(drop=True)


def _check_inputs(tokens: Sequence[str], vectors: np.ndarray, rule: str, k: float, value, block: int) -> None:
    check_rule(rule, k=k, value=value)
    if vectors.ndim != 2 or vectors.shape[0] != len(tokens):
        raise InputError(f"got {len(tokens)} tokens but vectors of shape {vectors.shape}")
    if len(tokens) < 3:
        raise InputError(f"need at least 3 tokens, got {len(tokens)}")
    if not 16 <= int(block) <= 16384:
        raise InputError(f"block must be between 16 and 16384 rows, got {block}")


def hub_degrees(
    tokens: Sequence[str],
    vectors: np.ndarray,
    *,
    rule: str = "seed",
    k: float = 1.0,
    value: float | None = None,
    block: int = DEFAULT_BLOCK,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    scheduler: str | Cluster | None = None,
) -> HubResult:
    """Exact threshold and degree of every token, computed blockwise.

    Parameters
    ----------
    tokens : sequence of str
        One label per row of ``vectors``.
    vectors : array of shape (N, d)
        Any float array, including a memory map; N >= 3.
    rule, k, value
        The threshold rule of :func:`lib.engine.threshold_for`.
    block : int
        Rows per block; memory grows with ``block**2``.
    progress : callable, optional
        ``progress(done, total)`` after each block; return False to cancel.
    cancel : threading.Event, optional
        Set it (from any thread) to cancel the run.
    scheduler : str or lib.cluster.Cluster, optional
        A Dask scheduler address (or an open connection): the block passes
        run as tasks there. The result is the same to the last bit.

    Raises
    ------
    InputError
        On a bad rule, k or value, mismatched shapes, N < 3, or a zero or
        non-finite vector.
    Cancelled
        When the run is cancelled.
    ClusterError
        When the scheduler cannot be reached or its tasks fail.
    """
    _check_inputs(tokens, vectors, rule, k, value, block)
    if isinstance(scheduler, str):
        with connect(scheduler) as cluster:
            return hub_degrees(
                tokens,
                vectors,
                rule=rule,
                k=k,
                value=value,
                block=block,
                progress=progress,
                cancel=cancel,
                scheduler=cluster,
            )
    return _solve(tokens, vectors, rule, float(k), value, int(block), progress, cancel, scheduler)


def _solve(tokens, vectors, rule, k, value, block, progress, cancel, scheduler) -> HubResult:
    """The run itself: float32 first, float64 when float32 cannot settle the threshold."""
    start = time.perf_counter()
    for dtype in (np.float32, np.float64):
        run = Run(vectors, int(block), dtype, progress, cancel, scheduler)
        prepared = time.perf_counter()
        out = None
        if run.dtype == np.float32 and rule != "course" and run.n >= 64:
            out = solve_single(run, rule, float(k), value)
        if out is None:
            out = solve(run, rule, float(k), value)
        if out is not None:
            break
    out["timings"].update(
        prepare_s=prepared - start,
        total_s=time.perf_counter() - start,
        dtype=str(run.dtype),
        blocks=len(run.pairs),
        workers=0 if scheduler is None else scheduler.threads,
    )
    degree = out.pop("degree")
    degree.setflags(write=False)
    return HubResult(
        tokens=tuple(str(t) for t in tokens),
        degree=degree,
        rule=rule,
        k=float(k),
        value=None if value is None else float(value),
        **out,
    )


def strongest_neighbours(
    tokens: Sequence[str], vectors: np.ndarray, rows: Sequence[int], n: int = 5
) -> list[list[tuple[str, float]]]:
    """For each row index in ``rows``, its ``n`` most similar other tokens and their cosines.

    The exact rule of every neighbour list (:func:`lib.analysis.knn.nearest`): ties go to the earlier token.
    """
    index, cosine = nearest(np.asarray(vectors), rows, n)
    return [[(str(tokens[c]), float(x)) for c, x in zip(i, s, strict=True)] for i, s in zip(index, cosine, strict=True)]
