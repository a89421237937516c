"""The single pass of the blockwise hubs engine (seed and fixed rules).

Private: :func:`lib.hubs.hub_degrees` calls :func:`solve_single` first and
falls back to the two passes of :mod:`lib.hubs.passes` when it returns None.
The cosines of a seeded sample of random pairs bracket the median's rank; one
pass of block products then counts the pairs below the bracket, collects the
pairs inside it and near the threshold range, and counts the sure degrees.
The bracket's pairs give the exact histogram of its bins, hence the median's
exact bin, and from there the same selection and float64 refinement as the
two-pass method: the result is identical.
"""

from __future__ import annotations

import time

import numpy as np

from .blocks import HIST_LO, HIST_W, NBINS, BandParams, band_block
from .passes import FLAT_SPREAD, Run, exact_median, pair_variances

__all__ = ["solve_single"]

_SAMPLE_MIN, _SAMPLE_MAX = 1 << 18, 1 << 21  # random pairs that bracket the median (1/256 of all, clamped)
_BRACKET_Z = 5.0  # bracket half-width in standard errors of the sample median's rank
_SINGLE_PASS_BYTES = 400 * 2**20  # most memory the single pass's raw bands may take (estimate)


def _bin_start(run: Run, b: int):
    """The smallest value of the work dtype whose histogram bin is ``b`` or more."""
    t = run.dtype.type

    def bin_of(x) -> int:
        return int(run.bins(np.array([x], dtype=run.dtype))[0])

    c = t(HIST_LO + b * HIST_W)
    while bin_of(c) >= b:
        c = np.nextafter(c, t(-np.inf))
    while bin_of(c) < b:
        c = np.nextafter(c, t(np.inf))
    return c


def _sample_size(n: int) -> int:
    """Random pairs drawn to bracket the median: 1/256 of all pairs, clamped."""
    return min(max(n * (n - 1) // 2 // 256, _SAMPLE_MIN), _SAMPLE_MAX)


def _sample_bracket(run: Run) -> tuple[int, int, float]:
    """Bins ``[lo_bin, hi_bin)`` that very likely hold the median, and a lower bound of the spread.

    From the cosines of random pairs (seeded): the median's rank among them
    is known to within ``_BRACKET_Z`` standard errors. The bracket is only a
    guess; :func:`solve_single` checks it against exact counts.
    """
    # More pairs for larger spaces: the bracket narrows as 1/sqrt(m), which
    # keeps the candidates it collects (and the memory they take) small.
    m = int(_sample_size(run.n))
    vals = run.sample_products(m, seed=20261127)  # on a cluster, its workers draw and multiply them
    delta = _BRACKET_Z * 0.5 / np.sqrt(m)
    lo_v, hi_v = np.quantile(vals, [max(0.5 - delta, 0.0), min(0.5 + delta, 1.0)])
    lo_bin = max(int(run.bins(np.array([lo_v], run.dtype))[0]), 1)
    hi_bin = min(int(run.bins(np.array([hi_v], run.dtype))[0]) + 1, NBINS)
    return lo_bin, max(hi_bin, lo_bin + 1), float(vals.max() - vals.min())


def _band_pass(run: Run, med_band, t_band, c_lo):
    """One pass: sure degrees above ``t_band``, raw pairs in both bands, and the count below ``c_lo``.

    Each band comes back as ``(i, j, S32)``; the count covers the strict
    upper triangle (a diagonal block's lower half holds a sentinel).
    """
    tally = run.each_block(band_block, BandParams(med_band, t_band, c_lo))
    out = []
    for name in ("med", "t"):
        parts = tally.bands[name]
        out.append(
            tuple(np.concatenate(p) for p in zip(*parts, strict=True))
            if parts
            else (np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, run.dtype))
        )
        parts.clear()
    return tally.degree[0][1], tally.count, out[0], out[1]


def solve_single(run: Run, rule: str, k: float, value: float | None) -> dict | None:
    """The seed and fixed rules in one pass of products, the median bracketed by a sample.

    Returns None (the caller runs the two-pass method) when the sample's
    bracket turns out not to hold the median, or the space is nearly flat.
    """
    t0 = time.perf_counter()
    n, p = run.n, run.n * (run.n - 1) // 2
    # Two bands of about 2 * delta * p pairs each, 12 bytes a pair: beyond the
    # budget (e.g. GloVe's whole 400,000 words) two passes use less memory.
    m = _sample_size(n)
    if 2 * 2 * (_BRACKET_Z * 0.5 / np.sqrt(m)) * p * 12 > _SINGLE_PASS_BYTES:
        return None
    lo_bin, hi_bin, spread = _sample_bracket(run)
    var_u, _ = pair_variances(run)
    if spread < FLAT_SPREAD + 4 * run.err or var_u < 1e-6 * (run.upper_sq / p):
        return None
    std = float(np.sqrt(var_u))
    pad = 2 * run.err + 2 * run.slack + 2 * run.err2
    lo_edge, hi_edge = HIST_LO + lo_bin * HIST_W, HIST_LO + hi_bin * HIST_W
    kstd = k * std if rule != "fixed" else 0.0

    def t_band_for(lo_e: float, hi_e: float) -> tuple[float, float]:
        if rule == "fixed":
            return (value - run.err - run.slack, value + run.err + run.slack)
        return (lo_e - pad + kstd, hi_e + pad + kstd)

    c_lo, c_hi = _bin_start(run, lo_bin), _bin_start(run, hi_bin)
    t1 = time.perf_counter()
    run.total = run.done + len(run.pairs)
    degree, below, (mi, mj, ms), (ti, tj, ts) = _band_pass(
        run, (lo_edge - pad, hi_edge + pad), t_band_for(lo_edge, hi_edge), c_lo
    )
    t2 = time.perf_counter()
    # Every value in the bracket's bins is a median candidate: their bins give
    # the exact histogram there, and so the median's exact bin(s).
    in_bracket = (ms >= c_lo) & (ms < c_hi)
    counts = np.bincount(run.bins(ms[in_bracket]) - lo_bin, minlength=hi_bin - lo_bin)
    r1, r2 = (p - 1) // 2, p // 2
    if not below <= r1 or not r2 < below + int(counts.sum()):
        run.total = run.done + 2 * len(run.pairs)
        return None
    cum = below + np.cumsum(counts)
    lo_off = int(np.searchsorted(cum, r1, side="right"))
    hi_off = int(np.searchsorted(cum, r2, side="right")) + 1
    below_bins = int(cum[lo_off - 1]) if lo_off else below
    lo_bin2, hi_bin2 = lo_bin + lo_off, lo_bin + hi_off
    lo_e2, hi_e2 = HIST_LO + lo_bin2 * HIST_W, HIST_LO + hi_bin2 * HIST_W
    keep = (ms >= lo_e2 - pad) & (ms < hi_e2 + pad)
    med_cand = (mi[keep], mj[keep], ms[keep], run.mid_pairs(mi[keep], mj[keep]))
    median = exact_median(run, p, med_cand, lo_bin2, hi_bin2, below_bins)
    threshold = float(value) if rule == "fixed" else median + k * std
    t_lo, t_hi = t_band_for(lo_e2, hi_e2)
    sure = ts >= t_hi
    np.add.at(degree, ti[sure], 1)
    np.add.at(degree, tj[sure], 1)
    near = (ts >= t_lo) & ~sure
    ti, tj = ti[near], tj[near]
    tmid = run.mid_pairs(ti, tj)
    edge = tmid > threshold + run.err2
    unsure = np.flatnonzero(~edge & (tmid >= threshold - run.err2))
    edge[unsure] = run.exact(ti[unsure], tj[unsure]) >= threshold
    np.add.at(degree, ti[edge], 1)
    np.add.at(degree, tj[edge], 1)
    t3 = time.perf_counter()
    return {
        "degree": degree,
        "threshold": float(threshold),
        "median": median,
        "std": std,
        "flat": False,
        "timings": {
            "pass1_s": t1 - t0,
            "pass2_s": t2 - t1,
            "refine_s": t3 - t2,
            "products_s": run.products_s,
            "passes": 1,
            "candidates": int(len(med_cand[0]) + len(ti)),
        },
    }
