"""Exact degrees and hubs over a whole vocabulary, blockwise, never holding the N x N matrix.

The threshold rules of METHOD.md need the median and std of all N(N-1)/2
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

Those few pairs are recomputed in float64; float32 rounding is bounded by
``(d + 8) * 2**-24`` for unit rows, so the candidate bands are widened by
that bound and the result equals the dense float64 computation of
:func:`lib.engine.ring_graph`: the same median (selected, not sampled), the
same threshold and the same degrees. Nearly constant similarities (where the
flat-spread rule of the engine decides) are recomputed in float64 blocks.

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
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from .engine import RULES
from .errors import CosineRingsError, InputError

__all__ = ["Cancelled", "HubResult", "Progress", "hub_degrees", "strongest_neighbours", "DEFAULT_BLOCK"]

#: ``progress(done_blocks, total_blocks)``; returning False cancels the run.
Progress = Callable[[int, int], "bool | None"]

#: Rows per block: a 2048 x 2048 float32 block is 16 MB.
DEFAULT_BLOCK = 2048

_FLAT_SPREAD = 1e-9  # the engine's rule: below this spread the std counts as 0
_NBINS = 1 << 18  # histogram bins over [-1 - 2**-8, 1 + 2**-8]
_HIST_LO = -1.0 - 2.0**-8
_HIST_W = (2.0 + 2.0**-7) / _NBINS
_REFINE_CHUNK = 1024  # candidate pairs recomputed in float64 at once


class Cancelled(CosineRingsError):
    """The run was cancelled by its progress callback or its cancel event."""


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


def _check_rule(rule: str, k: float, value: float | None) -> None:
    if rule not in RULES:
        raise InputError(f"unknown threshold rule {rule!r}; use one of {', '.join(RULES)}")
    if not np.isfinite(k) or k < 0 or k > 10:
        raise InputError(f"k must be a number between 0 and 10, got {k}")
    if rule == "fixed" and (value is None or not np.isfinite(value) or not -1.0 <= value <= 1.0):
        raise InputError(f"the fixed rule needs a threshold value between -1 and 1, got {value}")


class _Run:
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
        # Rounding bound of a product of unit rows, and slack of the bin index.
        self.err = (self.d + 8) * eps
        self.slack = 32 * eps
        rows = min(block, self.n)
        self._u64a, self._u64b = np.empty((rows, self.d)), np.empty((rows, self.d))
        self._prepare()
        size = rows * rows
        self._s = np.empty(size, dtype=self.dtype)
        self._t = np.empty(size, dtype=self.dtype)
        self._idx = np.empty(size, dtype=np.intp)
        self._m1, self._m2 = np.empty(size, dtype=bool), np.empty(size, dtype=bool)
        self._tri: dict[tuple[int, bool], np.ndarray] = {}
        self._rows: tuple = (None, None, None, None)

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

    def blocks(self):
        """Yield ``(a, b, S)`` for every block a <= b; S is a reused C-contiguous buffer."""
        for a, b in self.pairs:
            self.tick()
            ua, ub = self.u[a : a + self.block], self.u[b : b + self.block]
            out = self._s[: len(ua) * len(ub)].reshape(len(ua), len(ub))
            t0 = time.perf_counter()
            np.matmul(ua, ub.T, out=out)
            self.products_s += time.perf_counter() - t0
            yield a, b, out
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
        np.subtract(t, self.dtype.type(_HIST_LO), out=t)
        np.multiply(t, self.dtype.type(1.0 / _HIST_W), out=t)
        np.copyto(idx, t, casting="unsafe")
        return idx

    def histogram(self, x: np.ndarray) -> np.ndarray:
        """Bin counts of flat ``x``; overwrites ``x``."""
        return np.bincount(self.bins(x, inplace=True), minlength=_NBINS)

    def degree_counts(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row and column sums of a boolean block (bytes summed in uint16: blocks <= 16384)."""
        u8 = mask.view(np.uint8)
        return np.add.reduce(u8, axis=1, dtype=np.uint16), np.add.reduce(u8, axis=0, dtype=np.uint16)

    def between(self, s: np.ndarray, lo: float, hi: float, diag: bool) -> np.ndarray:
        """Flat indices of the block's values in [lo, hi) (upper triangle only on the diagonal)."""
        m1, m2 = self._m1[: s.size].reshape(s.shape), self._m2[: s.size].reshape(s.shape)
        np.greater_equal(s, lo, out=m1)
        np.less(s, hi, out=m2)
        m1 &= m2
        if diag:
            m1 &= self.triu(len(s))
        return np.flatnonzero(m1)

    def unit64(self, a: int, count: int, out: np.ndarray) -> np.ndarray:
        """Float64 unit rows ``a:a+count``, exactly as the dense engine divides them."""
        out = out[:count]
        np.divide(self.v[a : a + count], self.norms[a : a + count, None], out=out)
        return out

    def exact(self, a: int, b: int, shape: tuple[int, int], flat: np.ndarray) -> np.ndarray:
        """S(i, j) in float64, as the dense engine computes it, for flat indices of block (a, b)."""
        if self._rows[0] != (a, b):
            ua = self.unit64(a, shape[0], self._u64a) if self._rows[1] != a else self._u64a[: shape[0]]
            ub = ua if a == b else self.unit64(b, shape[1], self._u64b)
            self._rows = ((a, b), a, ua, ub)
        _, _, ua, ub = self._rows
        i, j = np.divmod(flat, shape[1])
        out = np.empty(len(flat), dtype=np.float64)
        for c in range(0, len(flat), _REFINE_CHUNK):
            sl = slice(c, c + _REFINE_CHUNK)
            out[sl] = np.einsum("ij,ij->i", ua[i[sl]], ub[j[sl]])
        return np.clip(out, -1.0, 1.0, out=out)


def _pass_one(run: _Run, count_zeros: bool) -> tuple[np.ndarray, float, int]:
    """Histogram of the upper-triangle values, their spread and their exact zeros.

    In float32 the spread is a lower bound from the histogram (diagonal
    blocks get a sentinel below the triangle that lands in the unused bin
    0); a float64 run takes the exact min and max and the shifted sums.
    """
    hist = np.zeros(_NBINS, dtype=np.int64)
    lo, hi, zeros = np.inf, -np.inf, 0
    exact = run.dtype == np.float64
    if exact:
        run.upper_sum = run.upper_sq = 0.0
    for a, b, s in run.blocks():
        if exact:
            vals = run.upper(a, b, s)
            if vals.size == 0:
                continue
            lo, hi = min(lo, float(vals.min())), max(hi, float(vals.max()))
            if (a, b) == run.pairs[0]:
                run.shift = float(vals[0])
            dev = vals - run.shift
            run.upper_sum += float(dev.sum())
            run.upper_sq += float(dev @ dev)
        else:
            if a == b:
                np.copyto(s, run.dtype.type(_HIST_LO), where=run.triu(len(s), lower=True))
            vals = s.reshape(-1)
        if count_zeros:
            zeros += int(np.count_nonzero(vals == 0))
        hist += run.histogram(vals)
    hist[0] = 0  # the sentinel's bin: no value of a product of unit rows falls there
    if not exact:
        used = np.flatnonzero(hist)
        lo, hi = 0.0, max(int(used[-1]) - int(used[0]) - 1, 0) * _HIST_W - 2 * run.slack
    return hist, hi - lo, zeros


def _pass_two(run: _Run, med_band: tuple[float, float], t_band: tuple[float, float]):
    """Degrees of pairs surely above the threshold band, and the pairs in the two bands.

    Each band comes back as ``(i, j, S32, S64)`` arrays: global row and column,
    the float32 value and the exact float64 value.
    """
    degree = np.zeros(run.n, dtype=np.int64)
    found: dict[str, list[tuple[np.ndarray, ...]]] = {"med": [], "t": []}
    for a, b, s in run.blocks():
        diag = a == b
        sure = np.greater_equal(s, t_band[1], out=run._m1[: s.size].reshape(s.shape))
        if diag:
            sure &= run.triu(len(s))
        rows, cols = run.degree_counts(sure)
        degree[a : a + s.shape[0]] += rows
        degree[b : b + s.shape[1]] += cols
        for name, (lo, hi) in (("med", med_band), ("t", t_band)):
            flat = run.between(s, lo, hi, diag)
            if len(flat):
                i, j = np.divmod(flat, s.shape[1])
                found[name].append((i + a, j + b, s.reshape(-1)[flat], run.exact(a, b, s.shape, flat)))
    out = []
    for name in ("med", "t"):
        parts = found[name]
        if parts:
            out.append(tuple(np.concatenate(p) for p in zip(*parts)))
        else:
            out.append((np.zeros(0, np.intp), np.zeros(0, np.intp), np.zeros(0, run.dtype), np.zeros(0)))
    return degree, out[0], out[1]


def _median(run: _Run, hist: np.ndarray, population: int, cand, lo_bin: int, hi_bin: int,
            below_bins: int) -> float:
    """The exact median of the population from its bin range and the candidates in it."""
    _, _, s32, exact = cand
    in_lower = run.bins(s32) < lo_bin
    lo_edge, hi_edge = _HIST_LO + lo_bin * _HIST_W, _HIST_LO + hi_bin * _HIST_W
    big_l, big_h = lo_edge - run.err - run.slack, hi_edge + run.err + run.slack
    below = below_bins - int(in_lower.sum()) + int(np.count_nonzero(exact < big_l))
    inside = np.sort(exact[(exact >= big_l) & (exact < big_h)])
    r1, r2 = (population - 1) // 2 - below, population // 2 - below
    if not (0 <= r1 <= r2 < len(inside)):  # cannot happen with a correct error bound
        raise RuntimeError("hubs: median selection lost its rank; please report this")
    return float(np.mean([inside[r1], inside[r2]]))


def _variances(run: _Run) -> tuple[float, float]:
    """Variance of the upper triangle, and of the whole matrix (diagonal of ones included)."""
    n, p, c = run.n, run.n * (run.n - 1) // 2, run.shift
    mean = run.upper_sum / p
    var_u = run.upper_sq / p - mean * mean
    full_sum = 2.0 * run.upper_sum + n * (1.0 - c)
    full_sq = 2.0 * run.upper_sq + n * (1.0 - c) ** 2
    var_full = full_sq / (n * n) - (full_sum / (n * n)) ** 2
    return max(var_u, 0.0), max(var_full, 0.0)


def _solve(run: _Run, rule: str, k: float, value: float | None) -> dict | None:
    """Both passes; None when the values are so close together that float64 must decide."""
    t0 = time.perf_counter()
    course = rule == "course"
    hist, ptp, zeros = _pass_one(run, course)
    t1 = time.perf_counter()
    if run.dtype == np.float32 and ptp < _FLAT_SPREAD + 2 * run.err:
        return None
    flat = ptp < _FLAT_SPREAD
    n, p = run.n, run.n * (run.n - 1) // 2
    var_u, var_full = _variances(run)
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
    pad = 2 * run.err + run.slack
    lo_edge, hi_edge = _HIST_LO + lo_bin * _HIST_W, _HIST_LO + hi_bin * _HIST_W
    med_band = (lo_edge - pad, hi_edge + pad)
    kstd = (k if rule != "fixed" else 0.0) * std
    if rule == "fixed":
        t_band = (value - run.err, value + run.err)
    else:
        t_band = (lo_edge - pad + kstd, hi_edge + pad + kstd)
    degree, med_cand, t_cand = _pass_two(run, med_band, t_band)
    t2 = time.perf_counter()
    if course:
        keep = med_cand[2] != 0
        med_cand = tuple(x[keep] for x in med_cand)
    median = _median(run, hist, population, med_cand, lo_bin, hi_bin, below_bins) if population else 0.0
    threshold = float(value) if rule == "fixed" else median + k * std
    ti, tj, _, exact = t_cand
    edge = exact > threshold if course else exact >= threshold
    np.add.at(degree, ti[edge], 1)
    np.add.at(degree, tj[edge], 1)
    if flat and rule != "fixed":
        degree[:] = n - 1
    t3 = time.perf_counter()
    return {
        "degree": degree, "threshold": float(threshold), "median": median,
        "std": std if rule != "fixed" else std_u, "flat": bool(flat),
        "timings": {"pass1_s": t1 - t0, "pass2_s": t2 - t1, "refine_s": t3 - t2,
                    "products_s": run.products_s, "candidates": int(len(med_cand[0]) + len(ti))},
    }


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

    Raises
    ------
    InputError
        On a bad rule, k or value, mismatched shapes, N < 3, or a zero or
        non-finite vector.
    Cancelled
        When the run is cancelled.
    """
    _check_rule(rule, k, value)
    if vectors.ndim != 2 or vectors.shape[0] != len(tokens):
        raise InputError(f"got {len(tokens)} tokens but vectors of shape {vectors.shape}")
    if len(tokens) < 3:
        raise InputError(f"need at least 3 tokens, got {len(tokens)}")
    if not 16 <= int(block) <= 16384:
        raise InputError(f"block must be between 16 and 16384 rows, got {block}")
    start = time.perf_counter()
    out = None
    for dtype in (np.float32, np.float64):
        run = _Run(vectors, int(block), dtype, progress, cancel)
        prepared = time.perf_counter()
        out = _solve(run, rule, float(k), value)
        if out is not None:
            break
    out["timings"].update(prepare_s=prepared - start, total_s=time.perf_counter() - start,
                          dtype=str(run.dtype), blocks=len(run.pairs))
    degree = out.pop("degree")
    degree.setflags(write=False)
    return HubResult(tokens=tuple(str(t) for t in tokens), degree=degree, rule=rule, k=float(k),
                     value=None if value is None else float(value), **out)


def strongest_neighbours(tokens: Sequence[str], vectors: np.ndarray, rows: Sequence[int],
                         n: int = 5) -> list[list[tuple[str, float]]]:
    """For each row index in ``rows``, its ``n`` most similar other tokens and their cosines."""
    v = np.asarray(vectors, dtype=np.float32)
    unit = v / np.linalg.norm(v, axis=1, keepdims=True)
    rows = np.asarray(rows, dtype=np.intp)
    sims = unit[rows] @ unit.T
    sims[np.arange(len(rows)), rows] = -np.inf
    n = max(0, min(int(n), len(tokens) - 1))
    out = []
    for r in range(len(rows)):
        best = np.argpartition(-sims[r], n - 1)[:n] if n else np.zeros(0, np.intp)
        best = best[np.argsort(-sims[r][best], kind="stable")]
        out.append([(str(tokens[c]), float(sims[r, c])) for c in best])
    return out
