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
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import numpy as np

from ..engine import FLAT_SPREAD  # the engine's rule: below this spread the std counts as 0
from ..errors import CosineRingsError, InputError

__all__ = ["Cancelled", "Progress", "Run", "solve"]

#: ``progress(done_blocks, total_blocks)``; returning False cancels the run.
Progress = Callable[[int, int], "bool | None"]

NBINS = 1 << 18  # histogram bins over [-1 - 2**-8, 1 + 2**-8]
HIST_LO = -1.0 - 2.0**-8
HIST_W = (2.0 + 2.0**-7) / NBINS
REFINE_CHUNK = 1024  # candidate pairs recomputed in float64 at once


class Cancelled(CosineRingsError):
    """The run was cancelled by its progress callback or its cancel event."""


class Run:
    """State of one blockwise run: unit rows, block list, buffers, progress, cancellation."""

    def __init__(self, vectors: np.ndarray, block: int, dtype, progress: Progress | None,
                 cancel: threading.Event | None):
        self.v = vectors
        self.n, self.d = vectors.shape
        self.block, self.dtype = block, np.dtype(dtype)
        self.progress, self.cancel = progress, cancel
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
        rows = min(block, self.n)
        self._u64a = np.empty((rows, self.d))
        self._gather = (np.empty((REFINE_CHUNK, self.d), self.dtype), np.empty((REFINE_CHUNK, self.d), self.dtype))
        self._prepare()
        size = rows * rows
        self._s = (np.empty(size, dtype=self.dtype), np.empty(size, dtype=self.dtype))
        self._t = np.empty(size, dtype=self.dtype)
        self._idx = np.empty(size, dtype=np.intp)
        self._m1, self._m2 = np.empty(size, dtype=bool), np.empty(size, dtype=bool)
        self._tri: dict[tuple[int, bool], np.ndarray] = {}

    def _prepare(self) -> None:
        """Unit rows in the work dtype, float64 norms, and the Gram sums for the std."""
        n, d = self.n, self.d
        self.u = np.empty((n, d), dtype=self.dtype)
        self.norms = np.empty(n, dtype=np.float64)
        gram, total = np.zeros((d, d)), np.zeros(d)
        diag_sum = diag_sq = 0.0
        for a in range(0, n, self.block):
            v = self._u64a[: min(self.block, n - a)]
            np.copyto(v, self.v[a : a + len(v)])
            norms = np.linalg.norm(v, axis=1)
            bad = ~np.isfinite(norms) | (norms == 0)
            if bad.any():
                raise InputError(
                    f"{int(bad.sum())} vector(s) from row {a} on are zero or not finite; "
                    "cosine is undefined for them"
                )
            unit = np.divide(v, norms[:, None], out=v)
            self.norms[a : a + len(v)] = norms
            self.u[a : a + len(v)] = unit
            gram += unit.T @ unit
            total += unit.sum(axis=0)
            diag = np.einsum("ij,ij->i", unit, unit)
            diag_sum += float(diag.sum())
            diag_sq += float(diag @ diag)
        # Sums over i < j of (S - shift) and (S - shift)**2; pass one of a
        # float64 run replaces them by shifted block sums (no cancellation).
        self.shift = 0.0
        self.upper_sum = (float(total @ total) - diag_sum) / 2.0
        self.upper_sq = (float(np.sum(gram * gram)) - diag_sq) / 2.0

    def tick(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled("hubs run cancelled")
        if self.progress is not None and self.progress(self.done, self.total) is False:
            raise Cancelled("hubs run cancelled")

    def each_block(self, work: Callable[[int, int, np.ndarray], None]) -> None:
        """Call ``work(a, b, S)`` for every block a <= b, S = U[a] @ U[b].T.

        The products run in this thread (BLAS uses the cores) while ``work``
        on the previous block runs in one worker thread (numpy releases the
        GIL), so the per-block work hides behind the next product. Two
        buffers alternate; ``work`` calls run one at a time, in block order.
        """
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hubs") as pool:
            pending = None
            for k, (a, b) in enumerate(self.pairs):
                self.tick()
                ua, ub = self.u[a : a + self.block], self.u[b : b + self.block]
                out = self._s[k % 2][: len(ua) * len(ub)].reshape(len(ua), len(ub))
                t0 = time.perf_counter()
                np.matmul(ua, ub.T, out=out)
                self.products_s += time.perf_counter() - t0
                if pending is not None:
                    pending.result()
                    self.done += 1
                pending = pool.submit(work, a, b, out)
            if pending is not None:
                pending.result()
                self.done += 1
        self.tick()

    def triu(self, size: int, lower: bool = False) -> np.ndarray:
        """The strict upper triangle of a square block as a mask (or, with ``lower``, the rest)."""
        if (size, lower) not in self._tri:
            upper = np.triu(np.ones((size, size), dtype=bool), 1)
            self._tri[(size, lower)] = ~upper if lower else upper
        return self._tri[(size, lower)]

    def upper(self, a: int, b: int, s: np.ndarray) -> np.ndarray:
        """The block's values in the strict upper triangle of S, flat (may share S's buffer)."""
        if a != b:
            return s.reshape(-1)
        mask = self.triu(len(s)).reshape(-1)
        return np.compress(mask, s.reshape(-1), out=self._t[: len(s) * (len(s) - 1) // 2])

    def bins(self, x: np.ndarray, *, inplace: bool = False) -> np.ndarray:
        """Histogram bin of each value of flat ``x`` (same float arithmetic everywhere).

        With ``inplace`` the values in ``x`` are overwritten and a reused index buffer is returned.
        """
        t = x if inplace else np.array(x, dtype=self.dtype)
        idx = self._idx[: len(x)] if inplace else np.empty(len(x), np.intp)
        np.subtract(t, self.dtype.type(HIST_LO), out=t)
        np.multiply(t, self.dtype.type(1.0 / HIST_W), out=t)
        np.copyto(idx, t, casting="unsafe")
        return idx

    def histogram(self, x: np.ndarray) -> np.ndarray:
        """Bin counts of flat ``x``; overwrites ``x``."""
        return np.bincount(self.bins(x, inplace=True), minlength=NBINS)

    def degree_counts(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row and column sums of a boolean block (bytes summed in uint16: blocks <= 16384)."""
        u8 = mask.view(np.uint8)
        return np.add.reduce(u8, axis=1, dtype=np.uint16), np.add.reduce(u8, axis=0, dtype=np.uint16)

    def add_sure(self, degree: np.ndarray, a: int, b: int, s: np.ndarray, hi: float, diag: bool) -> None:
        """Add to ``degree`` the block's pairs at or above ``hi`` (upper triangle only on the diagonal)."""
        sure = np.greater_equal(s, hi, out=self._m1[: s.size].reshape(s.shape))
        if diag:
            sure &= self.triu(len(s))
        rows, cols = self.degree_counts(sure)
        degree[a : a + s.shape[0]] += rows
        degree[b : b + s.shape[1]] += cols

    def between(self, s: np.ndarray, lo: float, hi: float, diag: bool) -> np.ndarray:
        """Flat indices of the block's values in [lo, hi) (upper triangle only on the diagonal)."""
        m1, m2 = self._m1[: s.size].reshape(s.shape), self._m2[: s.size].reshape(s.shape)
        np.greater_equal(s, lo, out=m1)
        np.less(s, hi, out=m2)
        m1 &= m2
        if diag:
            m1 &= self.triu(len(s))
        return np.flatnonzero(m1)

    def mid(self, a: int, b: int, shape: tuple[int, int], flat: np.ndarray) -> np.ndarray:
        """S_mid for flat indices of block (a, b): the block's rounded unit rows, summed in float64."""
        ua, ub = self.u[a : a + shape[0]], self.u[b : b + shape[1]]
        i, j = np.divmod(flat, shape[1])
        out = np.empty(len(flat), dtype=np.float64)
        ga, gb = self._gather
        for c in range(0, len(flat), REFINE_CHUNK):
            sl = slice(c, c + REFINE_CHUNK)
            m = len(i[sl])
            # Gathers into reused buffers (mode="clip" skips take's buffered copy).
            np.take(ua, i[sl], axis=0, out=ga[:m], mode="clip")
            np.take(ub, j[sl], axis=0, out=gb[:m], mode="clip")
            np.einsum("ij,ij->i", ga[:m], gb[:m], out=out[sl], dtype=np.float64)
        return out

    def mid_pairs(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """S_mid for global pairs: the rounded unit rows' products summed in float64."""
        out = np.empty(len(i), dtype=np.float64)
        ga, gb = self._gather
        for c in range(0, len(i), REFINE_CHUNK):
            sl = slice(c, c + REFINE_CHUNK)
            m = len(i[sl])
            np.take(self.u, i[sl], axis=0, out=ga[:m], mode="clip")
            np.take(self.u, j[sl], axis=0, out=gb[:m], mode="clip")
            np.einsum("ij,ij->i", ga[:m], gb[:m], out=out[sl], dtype=np.float64)
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
    0); a float64 run takes the exact min and max and the shifted sums.
    """
    hist = np.zeros(NBINS, dtype=np.int64)
    acc = {"lo": np.inf, "hi": -np.inf, "zeros": 0}
    exact = run.dtype == np.float64
    if exact:
        run.upper_sum = run.upper_sq = 0.0

    def work(a: int, b: int, s: np.ndarray) -> None:
        nonlocal hist
        if exact:
            vals = run.upper(a, b, s)
            if vals.size == 0:
                return
            acc["lo"], acc["hi"] = min(acc["lo"], float(vals.min())), max(acc["hi"], float(vals.max()))
            if (a, b) == run.pairs[0]:
                run.shift = float(vals[0])
            dev = vals - run.shift
            run.upper_sum += float(dev.sum())
            run.upper_sq += float(dev @ dev)
        else:
            if a == b:
                np.copyto(s, run.dtype.type(HIST_LO), where=run.triu(len(s), lower=True))
            vals = s.reshape(-1)
        if count_zeros:
            acc["zeros"] += int(np.count_nonzero(vals == 0))
        hist += run.histogram(vals)

    run.each_block(work)
    lo, hi, zeros = acc["lo"], acc["hi"], acc["zeros"]
    hist[0] = 0  # the sentinel's bin: no value of a product of unit rows falls there
    if not exact:
        used = np.flatnonzero(hist)
        lo, hi = 0.0, max(int(used[-1]) - int(used[0]) - 1, 0) * HIST_W - 2 * run.slack
    return hist, hi - lo, zeros


def _pass_two(run: Run, med_band: tuple[float, float], t_band: tuple[float, float]):
    """Degrees of pairs surely above the threshold band, and the pairs in the two bands.

    Each band comes back as ``(i, j, S32, S_mid)`` arrays: global row and
    column, the block value and the float64 sum of the rounded rows' products.
    """
    degree = np.zeros(run.n, dtype=np.int64)
    found: dict[str, list[tuple[np.ndarray, ...]]] = {"med": [], "t": []}

    def work(a: int, b: int, s: np.ndarray) -> None:
        diag = a == b
        run.add_sure(degree, a, b, s, t_band[1], diag)
        for name, (lo, hi) in (("med", med_band), ("t", t_band)):
            flat = run.between(s, lo, hi, diag)
            if len(flat):
                i, j = np.divmod(flat, s.shape[1])
                found[name].append((i + a, j + b, s.reshape(-1)[flat], run.mid(a, b, s.shape, flat)))

    run.each_block(work)
    out = []
    for name in ("med", "t"):
        parts = found[name]
        if parts:
            out.append(tuple(np.concatenate(p) for p in zip(*parts)))
        else:
            out.append((np.zeros(0, np.intp), np.zeros(0, np.intp), np.zeros(0, run.dtype), np.zeros(0)))
    return degree, out[0], out[1]


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
        return (below_l + int(np.count_nonzero((smid >= big_l) & (smid < x)))
                - int(np.count_nonzero((smid >= x) & (smid < big_l))))

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
        return None  # std tiny against the mean: the Gram sums cancel, use shifted float64 sums
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
        "degree": degree, "threshold": float(threshold), "median": median,
        "std": std if rule != "fixed" else std_u, "flat": bool(flat),
        "timings": {"pass1_s": t1 - t0, "pass2_s": t2 - t1, "refine_s": t3 - t2,
                    "products_s": run.products_s, "passes": 2,
                    "candidates": int(len(med_cand[0]) + len(ti))},
    }
