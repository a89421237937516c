"""The per-block work of the hubs passes, as pure functions that run anywhere.

Private to :mod:`lib.hubs`. A :class:`Kernel` holds what every block needs
(the unit rows in the work dtype and the block size); it is sent to Dask
workers once and is read-only there. Each pass has one function
``work(kernel, a, b, S, params, into)`` for the block ``S = U[a] @ U[b].T``
that adds its small results (histogram counts, degree counts, pairs in a band)
to a :class:`Tally`. The local loop of :mod:`lib.hubs.passes` and the cluster
task :func:`run_task` call the same functions, and tallies add up exactly
(integer counts, min and max, pairs joined in block order), so the result is
the same to the last bit either way. Nothing a block returns is a float sum,
whose rounding would depend on how blocks were grouped.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

__all__ = [
    "HIST_LO",
    "HIST_W",
    "NBINS",
    "REFINE_CHUNK",
    "SENTINEL",
    "BandParams",
    "HistParams",
    "Kernel",
    "Tally",
    "band_block",
    "histogram_block",
    "pairs_task",
    "run_task",
    "sample_pairs",
    "sample_task",
    "sure_block",
]

NBINS = 1 << 18  # histogram bins over [-1 - 2**-8, 1 + 2**-8]
HIST_LO = -1.0 - 2.0**-8
HIST_W = (2.0 + 2.0**-7) / NBINS
REFINE_CHUNK = 1024  # candidate pairs recomputed in float64 at once
SENTINEL = -4.0  # below every product of unit rows: marks a diagonal block's lower half


class _Scratch:
    """Buffers reused from block to block by one thread."""

    def __init__(self, rows: int, d: int, dtype: np.dtype):
        size = rows * rows
        self.s = np.empty(size, dtype=dtype)
        self.t = np.empty(size, dtype=dtype)
        self.idx = np.empty(size, dtype=np.intp)
        self.m1, self.m2 = np.empty(size, dtype=bool), np.empty(size, dtype=bool)
        self.gather = (np.empty((REFINE_CHUNK, d), dtype), np.empty((REFINE_CHUNK, d), dtype))
        self.tri: dict[tuple[int, bool], np.ndarray] = {}


class Kernel:
    """Unit rows ``u`` (N x d, the work dtype) and the block size: all a block task reads.

    Pickled without its per-thread scratch buffers, so it travels to a worker
    as the array and two numbers.
    """

    def __init__(self, u: np.ndarray, block: int):
        self.u, self.block = u, int(block)
        self.n, self.d = u.shape
        self.dtype = u.dtype
        self._local = threading.local()

    def __getstate__(self) -> dict:
        return {"u": self.u, "block": self.block}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["u"], state["block"])

    def scratch(self) -> _Scratch:
        """This thread's buffers (made on first use)."""
        buf = getattr(self._local, "buf", None)
        if buf is None:
            buf = self._local.buf = _Scratch(min(self.block, self.n), self.d, self.dtype)
        return buf

    def product(self, a: int, b: int, out: np.ndarray | None = None) -> np.ndarray:
        """The block ``U[a] @ U[b].T`` (into this thread's buffer unless ``out`` is given)."""
        ua, ub = self.u[a : a + self.block], self.u[b : b + self.block]
        if out is None:
            out = self.scratch().s
        out = out[: len(ua) * len(ub)].reshape(len(ua), len(ub))
        return np.matmul(ua, ub.T, out=out)

    def triu(self, size: int, lower: bool = False) -> np.ndarray:
        """The strict upper triangle of a square block as a mask (or, with ``lower``, the rest)."""
        tri = self.scratch().tri
        if (size, lower) not in tri:
            upper = np.triu(np.ones((size, size), dtype=bool), 1)
            tri[(size, lower)] = ~upper if lower else upper
        return tri[(size, lower)]

    def upper(self, a: int, b: int, s: np.ndarray) -> np.ndarray:
        """The block's values in the strict upper triangle of S, flat (may share S's buffer)."""
        if a != b:
            return s.reshape(-1)
        mask = self.triu(len(s)).reshape(-1)
        return np.compress(mask, s.reshape(-1), out=self.scratch().t[: len(s) * (len(s) - 1) // 2])

    def bins(self, x: np.ndarray, *, inplace: bool = False) -> np.ndarray:
        """Histogram bin of each value of flat ``x`` (same float arithmetic everywhere).

        With ``inplace`` the values in ``x`` are overwritten and a reused index buffer is returned.
        """
        t = x if inplace else np.array(x, dtype=self.dtype)
        idx = self.scratch().idx[: len(x)] if inplace else np.empty(len(x), np.intp)
        np.subtract(t, self.dtype.type(HIST_LO), out=t)
        np.multiply(t, self.dtype.type(1.0 / HIST_W), out=t)
        np.copyto(idx, t, casting="unsafe")
        return idx

    def add_sure(self, into: Tally, a: int, b: int, s: np.ndarray, hi: float, diag: bool) -> None:
        """Count in ``into`` the block's pairs at or above ``hi`` (upper triangle only on the diagonal)."""
        sure = np.greater_equal(s, hi, out=self.scratch().m1[: s.size].reshape(s.shape))
        if diag:
            sure &= self.triu(len(s))
        u8 = sure.view(np.uint8)  # bytes summed in uint16: blocks have at most 16384 rows
        into.add_degree(a, np.add.reduce(u8, axis=1, dtype=np.uint16))
        into.add_degree(b, np.add.reduce(u8, axis=0, dtype=np.uint16))

    def between(self, s: np.ndarray, lo: float, hi: float, diag: bool) -> np.ndarray:
        """Flat indices of the block's values in [lo, hi) (upper triangle only on the diagonal)."""
        buf = self.scratch()
        m1, m2 = buf.m1[: s.size].reshape(s.shape), buf.m2[: s.size].reshape(s.shape)
        np.greater_equal(s, lo, out=m1)
        np.less(s, hi, out=m2)
        m1 &= m2
        if diag:
            m1 &= self.triu(len(s))
        return np.flatnonzero(m1)

    def pairs(self, i: np.ndarray, j: np.ndarray, dtype) -> np.ndarray:
        """``u[i] . u[j]`` for global pairs, summed in ``dtype`` (chunks of REFINE_CHUNK: the same sums anywhere)."""
        out = np.empty(len(i), dtype=dtype)
        sum_in = {} if np.dtype(dtype) == self.dtype else {"dtype": dtype}
        ga, gb = self.scratch().gather
        for c in range(0, len(i), REFINE_CHUNK):
            sl = slice(c, c + REFINE_CHUNK)
            m = len(i[sl])
            np.take(self.u, i[sl], axis=0, out=ga[:m], mode="clip")
            np.take(self.u, j[sl], axis=0, out=gb[:m], mode="clip")
            np.einsum("ij,ij->i", ga[:m], gb[:m], out=out[sl], **sum_in)
        return out

    def mid(self, a: int, b: int, shape: tuple[int, int], flat: np.ndarray) -> np.ndarray:
        """S_mid for flat indices of block (a, b): the block's rounded unit rows, summed in float64."""
        ua, ub = self.u[a : a + shape[0]], self.u[b : b + shape[1]]
        i, j = np.divmod(flat, shape[1])
        out = np.empty(len(flat), dtype=np.float64)
        ga, gb = self.scratch().gather
        for c in range(0, len(flat), REFINE_CHUNK):
            sl = slice(c, c + REFINE_CHUNK)
            m = len(i[sl])
            # Gathers into reused buffers (mode="clip" skips take's buffered copy).
            np.take(ua, i[sl], axis=0, out=ga[:m], mode="clip")
            np.take(ub, j[sl], axis=0, out=gb[:m], mode="clip")
            np.einsum("ij,ij->i", ga[:m], gb[:m], out=out[sl], dtype=np.float64)
        return out


class Tally:
    """The small results of some blocks: counts per row, a histogram, counts, pairs in bands.

    ``spans`` are the row ranges ``[start, stop)`` whose degrees it counts.
    Counts add up in any order; ``bands`` are kept per block in block order
    and joined in task order by :meth:`merge`'s ``index``, so any grouping of
    blocks gives the same totals.
    """

    def __init__(self, spans: list[tuple[int, int]]):
        self.degree = [(start, np.zeros(stop - start, np.int64)) for start, stop in spans]
        self.hist: np.ndarray | None = None
        self.hist_start = 0
        self.count = 0  # exact zeros (pass one) or pairs below the bracket (single pass)
        self.lo, self.hi = np.inf, -np.inf
        self.bands: dict[str, list[tuple[np.ndarray, ...]]] = {"med": [], "t": []}
        self.blocks = 0
        self._parts: list[tuple[int, dict]] = []

    def add_degree(self, at: int, counts: np.ndarray) -> None:
        for start, deg in self.degree:
            if start <= at and at + len(counts) <= start + len(deg):
                deg[at - start : at - start + len(counts)] += counts
                return
        raise IndexError(f"rows {at}..{at + len(counts)} are outside this tally")

    def add_hist(self, counts: np.ndarray) -> None:
        if self.hist is None:
            self.hist = np.zeros(NBINS, np.int64)
        self.hist += counts

    def packed(self) -> Tally:
        """This tally with the histogram cut to its non-zero bins, to send it back small."""
        if self.hist is not None:
            used = np.flatnonzero(self.hist)
            lo, hi = (int(used[0]), int(used[-1]) + 1) if len(used) else (0, 0)
            self.hist, self.hist_start = self.hist[lo:hi].copy(), lo
        return self

    def merge(self, other: Tally, index: int) -> None:
        """Add ``other`` (the tally of task ``index``) to this one."""
        for start, deg in other.degree:
            self.add_degree(start, deg)
        if other.hist is not None:
            if self.hist is None:
                self.hist = np.zeros(NBINS, np.int64)
            self.hist[other.hist_start : other.hist_start + len(other.hist)] += other.hist
        self.count += other.count
        self.lo, self.hi = min(self.lo, other.lo), max(self.hi, other.hi)
        self.blocks += other.blocks
        self._parts.append((index, other.bands))

    def finish(self) -> Tally:
        """Join the merged tasks' bands in task order."""
        for _, bands in sorted(self._parts, key=lambda p: p[0]):
            for name in self.bands:
                self.bands[name].extend(bands[name])
        self._parts.clear()
        return self


@dataclass(frozen=True)
class HistParams:
    """Pass one: float64 runs take the exact min and max; the course rule counts zeros."""

    exact: bool
    count_zeros: bool


@dataclass(frozen=True)
class BandParams:
    """Bands of pass two or of the single pass; ``below`` set: count the pairs below it (single pass)."""

    med_band: tuple[float, float]
    t_band: tuple[float, float]
    below: float | None = None


def histogram_block(k: Kernel, a: int, b: int, s: np.ndarray, p: HistParams, into: Tally) -> None:
    """Pass one: histogram of the block's upper-triangle values (overwrites ``s``)."""
    if p.exact:
        vals = k.upper(a, b, s)
        if vals.size == 0:
            return
        into.lo, into.hi = min(into.lo, float(vals.min())), max(into.hi, float(vals.max()))
    else:
        if a == b:  # a sentinel below the triangle lands in bin 0, which is cleared
            np.copyto(s, k.dtype.type(HIST_LO), where=k.triu(len(s), lower=True))
        vals = s.reshape(-1)
    if p.count_zeros:
        into.count += int(np.count_nonzero(vals == 0))
    counts = np.bincount(k.bins(vals, inplace=True), minlength=NBINS)
    counts[0] = 0  # the sentinel's bin: no product of unit rows falls there
    into.add_hist(counts)


def sure_block(k: Kernel, a: int, b: int, s: np.ndarray, p: BandParams, into: Tally) -> None:
    """Pass two: degrees above the threshold band; pairs in both bands with their float64 sums."""
    diag = a == b
    k.add_sure(into, a, b, s, p.t_band[1], diag)
    for name, (lo, hi) in (("med", p.med_band), ("t", p.t_band)):
        flat = k.between(s, lo, hi, diag)
        if len(flat):
            i, j = np.divmod(flat, s.shape[1])
            into.bands[name].append((i + a, j + b, s.reshape(-1)[flat], k.mid(a, b, s.shape, flat)))


def band_block(k: Kernel, a: int, b: int, s: np.ndarray, p: BandParams, into: Tally) -> None:
    """The single pass: pairs below the bracket, sure degrees, raw pairs in both bands (overwrites ``s``)."""
    if a == b:
        np.copyto(s, k.dtype.type(SENTINEL), where=k.triu(len(s), lower=True))
        into.count -= len(s) * (len(s) + 1) // 2
    m2 = k.scratch().m2[: s.size].reshape(s.shape)
    into.count += int(np.count_nonzero(np.less(s, p.below, out=m2)))
    k.add_sure(into, a, b, s, p.t_band[1], False)  # the sentinel is below any band
    for name, (lo, hi) in (("med", p.med_band), ("t", p.t_band)):
        flat = k.between(s, lo, hi, False)
        if len(flat):
            i, j = np.divmod(flat, s.shape[1])
            # int32 rows and columns: 12 bytes a candidate with its value
            into.bands[name].append(((i + a).astype(np.int32), (j + b).astype(np.int32), s.reshape(-1)[flat]))


def task_spans(k: Kernel, pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Row ranges whose degrees blocks ``pairs`` (one block row ``a``, ``b`` ascending) touch."""
    a, b0, b1 = pairs[0][0], pairs[0][1], pairs[-1][1]
    rows, cols = (a, min(a + k.block, k.n)), (b0, min(b1 + k.block, k.n))
    return [(a, cols[1])] if cols[0] < rows[1] else [rows, cols]


def pairs_task(k: Kernel, task: tuple) -> np.ndarray:
    """One cluster task of :meth:`Kernel.pairs`: ``task = (i, j, dtype)``."""
    return k.pairs(*task)


def sample_pairs(n: int, seed: int, part: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Part ``part`` of a seeded sample of random pairs i != j of ``n`` rows: ``size`` pairs.

    Each part has its own generator (seed and part), so a part is the same
    pairs wherever it is drawn: here or on a worker.
    """
    rng = np.random.default_rng([seed, part])
    i = rng.integers(0, n, size)
    j = rng.integers(0, n - 1, size)
    j += j >= i
    return i, j


def sample_task(k: Kernel, task: tuple) -> np.ndarray:
    """One cluster task of a sample: ``task = (seed, part, size)``; the pairs' products in the work dtype.

    The worker draws the pairs itself: nothing but three numbers travels to it.
    """
    i, j = sample_pairs(k.n, *task)
    return k.pairs(i, j, k.dtype)


def run_task(k: Kernel, task: tuple) -> Tally:
    """One cluster task: ``task = (work, params, pairs)``; the products and the work of those blocks."""
    work, params, pairs = task
    into = Tally(task_spans(k, pairs))
    for a, b in pairs:
        work(k, a, b, k.product(a, b), params, into)
        into.blocks += 1
    return into.packed()
