"""The two passes of the blockwise hubs engine (see :mod:`lib.hubs` for the method).

Private: :func:`lib.hubs.hub_degrees` is the interface. A :class:`Run`
holds the unit rows, the block list and reused buffers; :func:`solve` runs
pass one (histogram), pass two (degrees and the candidate bands, whose
products are summed again in float64) and selects the exact median; the few
pairs still within rounding of the median or the threshold are recomputed
from the float64 unit rows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..cluster import map_blocks
from ..engine import FLAT_SPREAD
from ..errors import CosineRingsError, InputError
from .blocks import (
    HIST_LO,
    HIST_W,
    NBINS,
    REFINE_CHUNK,
    BandParams,
    HistParams,
    Kernel,
    Tally,
    histogram_block,
    pairs_task,
    run_task,
    sample_task,
    sure_block,
)

__all__ = ["Cancelled", "Progress", "Run", "solve"]

#: Random pairs drawn at once by :meth:`Run.sample_products` (one task on a cluster).
SAMPLE_PART = 1 << 18

#: ``progress(done_blocks, total_blocks)``; returning False cancels the run.
Progress = Callable[[int, int], "bool | None"]


class Cancelled(CosineRingsError):
    """The run was cancelled by its progress callback or its cancel event."""


class Run:
    """State of one blockwise run: the kernel (unit rows), block list, progress, cancellation.

    With ``cluster`` (a :class:`lib.cluster.Cluster`) the blocks run as tasks
    on it; otherwise in this process.
    """

    def __init__(
        self,
        vectors: np.ndarray,
        block: int,
        dtype,
        progress: Progress | None,
        cancel: threading.Event | None,
        cluster=None,
    ):
        self.v = vectors
        self.n, self.d = vectors.shape
        self.block, self.dtype = block, np.dtype(dtype)
        self.progress, self.cancel, self.cluster = progress, cancel, cluster
        self.starts = list(range(0, self.n, block))
        self.pairs = [(a, b) for ai, a in enumerate(self.starts) for b in self.starts[ai:]]
        self.done, self.total = 0, 2 * len(self.pairs)
        self.products_s = 0.0
        eps = 2.0 ** (-24 if self.dtype == np.float32 else -53)
        # |S_block - S64| <= err32 for a product of unit rows in the work dtype
        # (any summation order); |S_mid - S64| <= err2 for S_mid, the float64
        # sum of the exact products of the rounded unit rows; err bounds
        # |S_block - S_mid|. slack covers the rounding of bin indices and edges.
        err32 = (self.d + 8) * eps
        self.err2 = 4 * eps + (self.d + 8) * 2.0**-53
        self.err = err32 + self.err2
        self.slack = 32 * eps
        self._shared = None  # the kernel as sent to the cluster, once
        self._prepare()

    def _prepare(self) -> None:
        """Unit rows in the work dtype, float64 norms, and the Gram sums for the std.

        On a cluster the unit rows start on their way to the workers as soon as they
        are made, while this process sums the Gram matrix (the float64 unit rows are
        made again from the norms for it: the same values, as in one loop).
        """
        n, d = self.n, self.d
        self.u = np.empty((n, d), dtype=self.dtype)
        self.norms = np.empty(n, dtype=np.float64)
        buf = np.empty((min(self.block, n), d))
        for a in range(0, n, self.block):
            v = buf[: min(self.block, n - a)]
            np.copyto(v, self.v[a : a + len(v)])
            norms = np.linalg.norm(v, axis=1)  # as lib.engine normalises: S(i, j) is the same number
            bad = ~np.isfinite(norms) | (norms == 0)
            if bad.any():
                raise InputError(
                    f"{int(bad.sum())} vector(s) from row {a} on are zero or not finite; cosine is undefined for them"
                )
            self.norms[a : a + len(v)] = norms
            self.u[a : a + len(v)] = np.divide(v, norms[:, None], out=v)
        self.kernel = Kernel(self.u, self.block)
        sending = None
        if self.cluster is not None:
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="share")
            sending = pool.submit(self.cluster.share, self.kernel)
            pool.shutdown(wait=False)
        gram, total = np.zeros((d, d)), np.zeros(d)
        diag_sum = diag_sq = 0.0
        for a in range(0, n, self.block):
            unit = buf[: min(self.block, n - a)]
            np.copyto(unit, self.v[a : a + len(unit)])
            unit /= self.norms[a : a + len(unit), None]
            gram += unit.T @ unit
            total += unit.sum(axis=0)
            diag = np.einsum("ij,ij->i", unit, unit)
            diag_sum += float(diag.sum())
            diag_sq += float(diag @ diag)
        self._sending = sending
        # Sums over i < j of (S - shift) and (S - shift)**2; a float64 run
        # takes them about the mean instead (no cancellation).
        self.shift = 0.0
        self.upper_sum = (float(total @ total) - diag_sum) / 2.0
        self.upper_sq = (float(np.sum(gram * gram)) - diag_sq) / 2.0
        if self.dtype == np.float64:
            self._centred_sums(total / n)

    @property
    def shared(self):
        """The kernel as sent to the cluster (sent once; waits for the send begun in :meth:`_prepare`)."""
        if self._shared is None:
            self._shared = self._sending.result() if self._sending is not None else self.cluster.share(self.kernel)
            self._sending = None
        return self._shared

    def _centred_sums(self, m: np.ndarray) -> None:
        """The pair sums about ``|m|**2`` for the mean unit row ``m``, from d x d sums of ``r = u - m``.

        With ``a_i = m . r_i`` and ``g_ij = r_i . r_j``, ``S_ij - |m|**2 = a_i + a_j + g_ij``;
        summed over pairs, every term is a sum of small numbers (no cancellation
        against the mean), and nothing depends on how block products round.
        """
        n, d = self.n, self.d
        rtr, sum_r, sum_ar = np.zeros((d, d)), np.zeros(d), np.zeros(d)
        sum_a = sum_a2 = sum_r2 = diag_sq = 0.0
        for a in range(0, n, self.block):
            r = self.u[a : a + self.block] - m
            av, r2 = r @ m, np.einsum("ij,ij->i", r, r)
            rtr += r.T @ r
            sum_r += r.sum(axis=0)
            sum_ar += av @ r
            sum_a, sum_a2, sum_r2 = sum_a + float(av.sum()), sum_a2 + float(av @ av), sum_r2 + float(r2.sum())
            diag = 2 * av + r2  # S_ii - |m|**2
            diag_sq += float(diag @ diag)
        self.shift = float(m @ m)
        self.upper_sum = (n - 1) * sum_a + (float(sum_r @ sum_r) - sum_r2) / 2.0
        full_sq = 2 * n * sum_a2 + 2 * sum_a * sum_a + 4 * float(sum_ar @ sum_r) + float(np.sum(rtr * rtr))
        self.upper_sq = (full_sq - diag_sq) / 2.0

    def tick(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled("hubs run cancelled")
        if self.progress is not None and self.progress(self.done, self.total) is False:
            raise Cancelled("hubs run cancelled")

    def each_block(self, work: Callable, params) -> Tally:
        """``work(kernel, a, b, S, params, tally)`` for every block a <= b, S = U[a] @ U[b].T; the tally.

        See :mod:`lib.hubs.blocks`: the same work runs here or as cluster tasks.
        """
        tally = self._local(work, params) if self.cluster is None else self._on_cluster(work, params)
        self.tick()
        return tally.finish()

    def _local(self, work: Callable, params) -> Tally:
        """In this process: the products run in this thread (BLAS uses the cores) while
        ``work`` on the previous block runs in one worker thread (numpy releases the
        GIL), so the per-block work hides behind the next product. Two buffers
        alternate; ``work`` calls run one at a time, in block order.
        """
        tally, kernel = Tally([(0, self.n)]), self.kernel
        rows = min(self.block, self.n)
        bufs = (np.empty(rows * rows, self.dtype), np.empty(rows * rows, self.dtype))
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hubs") as pool:
            pending = None
            for k, (a, b) in enumerate(self.pairs):
                self.tick()
                t0 = time.perf_counter()
                s = kernel.product(a, b, out=bufs[k % 2])
                self.products_s += time.perf_counter() - t0
                if pending is not None:
                    pending.result()
                    self.done += 1
                pending = pool.submit(work, kernel, a, b, s, params, tally)
            if pending is not None:
                pending.result()
                self.done += 1
        return tally

    def _on_cluster(self, work: Callable, params) -> Tally:
        """As tasks on the cluster (runs of blocks of one block row), folded as they finish."""
        size = self.cluster.task_size(len(self.pairs))
        tasks, blocks = [], []
        for a, b in self.pairs:
            if blocks and (blocks[0][0] != a or len(blocks) == size):
                tasks.append((work, params, blocks))
                blocks = []
            blocks.append((a, b))
        tasks.append((work, params, blocks))
        tally = Tally([(0, self.n)])
        t0 = time.perf_counter()
        results = map_blocks(run_task, tasks, self.shared, scheduler=self.cluster)
        try:
            for index, part in results:
                tally.merge(part, index)
                self.done += part.blocks
                self.tick()
        finally:
            results.close()
        self.products_s += time.perf_counter() - t0  # products and work overlap on the workers
        return tally

    def bins(self, x: np.ndarray) -> np.ndarray:
        """Histogram bin of each value of flat ``x`` (as the block work computes them)."""
        return self.kernel.bins(x)

    def sample_products(self, size: int, seed: int) -> np.ndarray:
        """The work-dtype products of ``size`` seeded random pairs i != j (:func:`.blocks.sample_pairs`).

        Drawn in parts of :data:`SAMPLE_PART` pairs; on the cluster each worker draws its parts itself.
        """
        parts = [(seed, part, min(SAMPLE_PART, size - start)) for part, start in enumerate(range(0, size, SAMPLE_PART))]
        out = np.empty(size, dtype=self.dtype)
        shared = self.kernel if self.cluster is None else self.shared
        results = map_blocks(sample_task, parts, shared, scheduler=self.cluster)
        try:
            for part, values in results:
                out[part * SAMPLE_PART : part * SAMPLE_PART + len(values)] = values
                self.tick()
        finally:
            results.close()
        return out

    def mid_pairs(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """S_mid for global pairs: the rounded unit rows' products summed in float64."""
        return self.pair_products(i, j, np.float64)

    def pair_products(self, i: np.ndarray, j: np.ndarray, dtype) -> np.ndarray:
        """``u[i] . u[j]`` summed in ``dtype`` (:meth:`Kernel.pairs`); on the cluster, split over its workers.

        Tasks take whole chunks of REFINE_CHUNK pairs, so every sum is the one this process would make.
        """
        if self.cluster is None or len(i) <= 4 * REFINE_CHUNK:
            return self.kernel.pairs(i, j, dtype)
        step = -(-len(i) // (2 * self.cluster.threads * REFINE_CHUNK)) * REFINE_CHUNK
        index = np.arange(0, len(i), step)
        tasks = [(i[c : c + step].astype(np.int32), j[c : c + step].astype(np.int32), dtype) for c in index]
        out = np.empty(len(i), dtype=dtype)
        results = map_blocks(pairs_task, tasks, self.shared, scheduler=self.cluster)
        try:
            for t, values in results:
                out[index[t] : index[t] + len(values)] = values
                self.tick()
        finally:
            results.close()
        return out

    def exact(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """S(i, j) in float64 for global pairs, as the dense engine computes it."""
        out = np.empty(len(i), dtype=np.float64)
        for c in range(0, len(i), REFINE_CHUNK):
            ii, jj = i[c : c + REFINE_CHUNK], j[c : c + REFINE_CHUNK]
            ui = np.asarray(self.v[ii], dtype=np.float64) / self.norms[ii, None]
            uj = np.asarray(self.v[jj], dtype=np.float64) / self.norms[jj, None]
            out[c : c + len(ii)] = np.einsum("ij,ij->i", ui, uj)
        return np.clip(out, -1.0, 1.0, out=out)


def _pass_one(run: Run, count_zeros: bool) -> tuple[np.ndarray, float, int]:
    """Histogram of the upper-triangle values, their spread and their exact zeros.

    In float32 the spread is a lower bound from the histogram (diagonal
    blocks get a sentinel below the triangle that lands in the unused bin
    0); a float64 run takes the exact min and max.
    """
    exact = run.dtype == np.float64
    tally = run.each_block(histogram_block, HistParams(exact, count_zeros))
    hist = tally.hist if tally.hist is not None else np.zeros(NBINS, np.int64)
    lo, hi = tally.lo, tally.hi
    if not exact:
        used = np.flatnonzero(hist)
        lo, hi = 0.0, max(int(used[-1]) - int(used[0]) - 1, 0) * HIST_W - 2 * run.slack
    return hist, hi - lo, tally.count


def _pass_two(run: Run, med_band: tuple[float, float], t_band: tuple[float, float]):
    """Degrees of pairs surely above the threshold band, and the pairs in the two bands.

    Each band comes back as ``(i, j, S32, S_mid)`` arrays: global row and
    column, the block value and the float64 sum of the rounded rows' products.
    """
    tally = run.each_block(sure_block, BandParams(med_band, t_band))
    out = []
    for name in ("med", "t"):
        parts = tally.bands[name]
        if parts:
            out.append(tuple(np.concatenate(p) for p in zip(*parts, strict=True)))
        else:
            out.append((np.zeros(0, np.intp), np.zeros(0, np.intp), np.zeros(0, run.dtype), np.zeros(0)))
    return tally.degree[0][1], out[0], out[1]


def exact_median(run: Run, population: int, cand, lo_bin: int, hi_bin: int, below_bins: int) -> float:
    """The exact float64 median of the population from its bin range and the candidates in it.

    Level one selects the median rank(s) among the candidates' S_mid values
    (every pair whose S_mid can lie in the window is a candidate); level two
    recomputes in float64 only the few pairs within ``2 * err2`` of that value.
    """
    i, j, s32, smid = cand
    lo_edge, hi_edge = HIST_LO + lo_bin * HIST_W, HIST_LO + hi_bin * HIST_W
    big_l, big_h = lo_edge - run.err - run.slack, hi_edge + run.err + run.slack
    below_l = below_bins - int(np.count_nonzero(run.bins(s32) < lo_bin)) + int(np.count_nonzero(smid < big_l))
    inside = np.sort(smid[(smid >= big_l) & (smid < big_h)])

    def count_below(x: float) -> int:  # pairs with S_mid < x, for x within 2 * err2 of the window
        return (
            below_l
            + int(np.count_nonzero((smid >= big_l) & (smid < x)))
            - int(np.count_nonzero((smid >= x) & (smid < big_l)))
        )

    def order_statistic(r: int) -> float:
        if not 0 <= r - below_l < len(inside):  # cannot happen with correct error bounds
            raise RuntimeError("hubs: median selection lost its rank; please report this")
        v, e2 = float(inside[r - below_l]), run.err2
        near = (smid >= v - 2 * e2) & (smid <= v + 2 * e2)
        s64 = run.exact(i[near], j[near])
        below = count_below(v - 2 * e2) + int(np.count_nonzero(s64 < v - e2))
        window = np.sort(s64[(s64 >= v - e2) & (s64 <= v + e2)])
        if not 0 <= r - below < len(window):
            raise RuntimeError("hubs: median refinement lost its rank; please report this")
        return float(window[r - below])

    r1, r2 = (population - 1) // 2, population // 2
    first = order_statistic(r1)
    second = first if r2 == r1 else order_statistic(r2)
    return float(np.mean([first, second]))


def pair_variances(run: Run) -> tuple[float, float]:
    """Variance of the upper triangle, and of the whole matrix (diagonal of ones included)."""
    n, p, c = run.n, run.n * (run.n - 1) // 2, run.shift
    mean = run.upper_sum / p
    var_u = run.upper_sq / p - mean * mean
    full_sum = 2.0 * run.upper_sum + n * (1.0 - c)
    full_sq = 2.0 * run.upper_sq + n * (1.0 - c) ** 2
    var_full = full_sq / (n * n) - (full_sum / (n * n)) ** 2
    return max(var_u, 0.0), max(var_full, 0.0)


def solve(run: Run, rule: str, k: float, value: float | None) -> dict | None:
    """Degrees and threshold; None when the values are so close together that float64 must decide.

    Two passes: a histogram, then the degrees and the candidate bands
    (:func:`lib.hubs.single.solve_single` tries one pass first).
    """
    t0 = time.perf_counter()
    course = rule == "course"
    hist, ptp, zeros = _pass_one(run, course)
    t1 = time.perf_counter()
    if run.dtype == np.float32 and ptp < FLAT_SPREAD + 2 * run.err:
        return None
    flat = ptp < FLAT_SPREAD
    n, p = run.n, run.n * (run.n - 1) // 2
    var_u, var_full = pair_variances(run)
    if run.dtype == np.float32 and min(var_u, var_full) < 1e-6 * (run.upper_sq / p):
        return None  # std tiny against the mean: the Gram sums cancel, use centred float64 sums
    std_u = float(np.sqrt(var_u))
    if course:
        std = float(np.sqrt(var_full))
        if zeros:
            hist[int(run.bins(np.zeros(1, run.dtype))[0])] -= zeros
    else:
        std = std_u
    if flat and rule != "fixed":
        std = 0.0
    population = p - zeros
    cum = np.cumsum(hist)
    r1, r2 = (population - 1) // 2, population // 2
    lo_bin = int(np.searchsorted(cum, r1, side="right")) if population else 0
    hi_bin = int(np.searchsorted(cum, r2, side="right")) + 1 if population else 1
    below_bins = int(cum[lo_bin - 1]) if lo_bin else 0
    # 2 * slack: the band edges are rounded to the block dtype too; 2 * err2: level two's margin.
    pad = 2 * run.err + 2 * run.slack + 2 * run.err2
    lo_edge, hi_edge = HIST_LO + lo_bin * HIST_W, HIST_LO + hi_bin * HIST_W
    med_band = (lo_edge - pad, hi_edge + pad)
    kstd = (k if rule != "fixed" else 0.0) * std
    if rule == "fixed":
        t_band = (value - run.err - run.slack, value + run.err + run.slack)
    else:
        t_band = (lo_edge - pad + kstd, hi_edge + pad + kstd)
    degree, med_cand, t_cand = _pass_two(run, med_band, t_band)
    t2 = time.perf_counter()
    if course:
        keep = med_cand[2] != 0
        med_cand = tuple(x[keep] for x in med_cand)
    median = exact_median(run, population, med_cand, lo_bin, hi_bin, below_bins) if population else 0.0
    threshold = float(value) if rule == "fixed" else median + k * std
    ti, tj, _, tmid = t_cand
    edge = tmid > threshold + run.err2
    unsure = np.flatnonzero(~edge & (tmid >= threshold - run.err2))
    exact = run.exact(ti[unsure], tj[unsure])
    edge[unsure] = exact > threshold if course else exact >= threshold
    np.add.at(degree, ti[edge], 1)
    np.add.at(degree, tj[edge], 1)
    if flat and rule != "fixed":
        degree[:] = n - 1
    t3 = time.perf_counter()
    return {
        "degree": degree,
        "threshold": float(threshold),
        "median": median,
        "std": std if rule != "fixed" else std_u,
        "flat": bool(flat),
        "timings": {
            "pass1_s": t1 - t0,
            "pass2_s": t2 - t1,
            "refine_s": t3 - t2,
            "products_s": run.products_s,
            "passes": 2,
            "candidates": int(len(med_cand[0]) + len(ti)),
        },
    }
