"""Every measure against its permutation null, with a bootstrap interval, in one pass.

:func:`calibrate` prepares each requested measure once (what a permutation
leaves unchanged: A's ranks and B's ranked triangle for RSA, the centred
rows, their norms and XᵀX-type products for CKA and Procrustes, both k-NN
lists for mutual k-NN), then draws the permutations once
(:func:`~lib.measures.draws.permutation_batches`, the Mantel test's draws)
and hands every batch to every measure, then the bootstrap resamples.

For each measure it reports

- ``value``: the measure on the real pairing of words;
- ``p`` = (1 + #{null values at least as extreme}) / (1 + P): "at least as
  extreme" is ≥ for the similarities and ≤ for the Procrustes distance
  (up to 1e-12, as in the Mantel test);
- ``z`` = (value - null mean) / null std (ddof 1; None when the null does not vary);
- ``null_mean``, ``null_std``;
- ``ci_low``, ``ci_high``: a 95 % bootstrap interval: the 2.5 and 97.5
  percentiles of the measure over B resamples of the words (drawn with
  replacement), shifted by the resamples' bias (their mean minus the value)
  and kept within the measure's range (None without resamples). A resample
  repeats about a third of its words; CKA and Procrustes count a repeated
  word as a perfectly matched pair of points, which moves every resample the
  same way, so the plain percentiles can miss the value altogether at a few
  dozen words; the shift removes that bias and keeps the spread.

A measure without a value (a flat space, fewer than 4 words for debiased
CKA) gets ``value`` None and its ``reason``; the others are unaffected.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> x = rng.standard_normal((20, 6))
>>> r = calibrate(x, x @ np.linalg.qr(rng.standard_normal((6, 6)))[0], permutations=99, bootstrap=50)
>>> round(r["cka_linear"].value, 9), r["cka_linear"].p, round(r["procrustes_angular"].value, 6)
(1.0, 0.01, 0.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from ..errors import InputError
from ..graph import json_float
from . import definitions
from .draws import bootstrap_batches, counts, mantel_chunk, permutation_batches
from .pairs import Knn, Rsa
from .products import PRODUCT_MEASURES, Products

__all__ = [
    "NAMES",
    "DISTANCES",
    "RANGES",
    "VOCABULARY_MEASURES",
    "DEFAULT_BOOTSTRAP",
    "DEFAULT_NK",
    "Calibrated",
    "parse_measures",
    "calibrate",
]

#: Every measure, in display order.
NAMES = ("rsa_spearman", "cka_linear", "cka_debiased", "procrustes_angular", "mutual_knn")
#: The values each measure can take.
RANGES = {
    "rsa_spearman": (-1.0, 1.0),
    "cka_linear": (0.0, 1.0),
    "cka_debiased": (-1.0, 1.0),
    "procrustes_angular": (0.0, np.pi / 2),
    "mutual_knn": (0.0, 1.0),
}
#: Measures where smaller means more alike.
DISTANCES = frozenset({"procrustes_angular"})
#: The measures that scale to a whole vocabulary (cross-products only, no n x n matrix).
VOCABULARY_MEASURES = PRODUCT_MEASURES
#: Bootstrap resamples unless asked otherwise.
DEFAULT_BOOTSTRAP = 1000
#: Neighbours per word of mutual k-NN unless asked otherwise.
DEFAULT_NK = 5
#: Resamples handed to the measures at once.
_BOOT_CHUNK = 64
_TOLERANCE = 1e-12


@dataclass(frozen=True)
class Calibrated:
    """One measure: its value, its permutation null's summary and its bootstrap interval."""

    name: str
    value: float | None
    p: float | None
    z: float | None
    null_mean: float | None
    null_std: float | None
    ci_low: float | None
    ci_high: float | None
    reason: str | None = None

    def to_dict(self) -> dict:
        """The JSON object of one measure (NaN and None become null)."""
        d = asdict(self)
        del d["name"]
        return {k: (v if k == "reason" else json_float(v)) for k, v in d.items()}


def parse_measures(text: str | Sequence[str]) -> tuple[str, ...]:
    """``"cka_linear,rsa_spearman"`` (or a list) as names in :data:`NAMES` order.

    >>> parse_measures("mutual_knn, rsa_spearman")
    ('rsa_spearman', 'mutual_knn')

    Raises
    ------
    InputError
        On an unknown name or an empty list.
    """
    items = [t.strip() for t in (text.split(",") if isinstance(text, str) else text) if t.strip()]
    unknown = [t for t in items if t not in NAMES]
    if unknown:
        raise InputError(f"unknown measure {unknown[0]!r}; choose from {', '.join(NAMES)}")
    if not items:
        raise InputError(f"no measures named; choose from {', '.join(NAMES)}")
    return tuple(n for n in NAMES if n in items)


def _summary(name: str, value: float, threshold: float, null: np.ndarray, boot: np.ndarray) -> Calibrated:
    p = z = mean = std = None
    if null.size:
        if name in DISTANCES:
            extreme = np.count_nonzero(null <= threshold + _TOLERANCE)
        else:
            extreme = np.count_nonzero(null >= threshold - _TOLERANCE)
        p = (1 + int(extreme)) / (1 + null.size)
        finite = null[np.isfinite(null)]
        mean = float(np.mean(finite)) if finite.size else None
        std = float(np.std(finite, ddof=1)) if finite.size > 1 else None
        if std is not None and std > 1e-12 * max(1.0, abs(mean)):
            z = (value - mean) / std
    boot = boot[np.isfinite(boot)]
    low = high = None
    if boot.size:
        # Shifted by the resamples' bias: a resample repeats words, which pulls CKA up and Procrustes down.
        shifted = boot - (float(np.mean(boot)) - value)
        low, high = (float(np.clip(v, *RANGES[name])) for v in np.percentile(shifted, [2.5, 97.5]))
    return Calibrated(name, value, p, z, mean, std, low, high)


def _prepare(x: np.ndarray, y: np.ndarray, names: tuple[str, ...], nk: int) -> tuple[list, dict[str, str]]:
    """The prepared measure groups (each with ``names`` and ``values``), and each undefined measure's reason."""
    groups, reasons = [], {}
    if any(name in PRODUCT_MEASURES for name in names):
        products = Products(x, y, names)
        reasons.update(products.reasons)
        groups.append(products)
    if "rsa_spearman" in names:
        try:
            groups.append(Rsa(x, y))
        except definitions.Undefined as e:
            reasons["rsa_spearman"] = str(e)
    if "mutual_knn" in names:
        groups.append(Knn(x, y, nk))
    return [g for g in groups if g.names], reasons


def calibrate(
    x: np.ndarray,
    y: np.ndarray,
    names: Sequence[str] = NAMES,
    *,
    permutations: int,
    bootstrap: int = DEFAULT_BOOTSTRAP,
    seed: int = 0,
    nk: int = DEFAULT_NK,
) -> dict[str, Calibrated]:
    """Each measure of ``names`` for the spaces ``x`` and ``y`` (rows: the same words), calibrated.

    Parameters
    ----------
    x, y : arrays (n, d_a) and (n, d_b)
        The two sources' vectors of the same n >= 3 words; rows are unit-normalised here.
    names : measures of :data:`NAMES`
    permutations : int
        P, the permutations of B's words (0 to 1,000,000; 0: no p or z).
    bootstrap : int
        Resamples of the words for the interval (0 to 100,000; 0: no interval).
    seed : int
        Seeds the permutations (as the Mantel test does) and the resamples.
    nk : int
        k of mutual k-NN (capped at n - 1).

    Raises
    ------
    InputError
        On an unknown measure, bad counts, or vectors that are not two row-aligned arrays of nonzero rows.
    """
    names = parse_measures(list(names))
    x, y = definitions.unit_rows(x), definitions.unit_rows(y)
    if x.shape[0] != y.shape[0] or x.shape[0] < 3:
        raise InputError(f"need the same words (at least 3) in both spaces, got {x.shape[0]} and {y.shape[0]} rows")
    if not 0 <= int(permutations) <= 1_000_000:
        raise InputError(f"permutations must be between 0 and 1000000, got {permutations}")
    if not 0 <= int(bootstrap) <= 100_000:
        raise InputError(f"bootstrap resamples must be between 0 and 100000, got {bootstrap}")
    if int(seed) < 0:
        raise InputError(f"the seed must be 0 or more, got {seed}")
    if int(nk) < 1:
        raise InputError(f"the number of neighbours must be at least 1, got {nk}")
    n = x.shape[0]
    groups, reasons = _prepare(x, y, names, int(nk))
    null: dict[str, list[np.ndarray]] = {name: [] for g in groups for name in g.names}
    boot: dict[str, list[np.ndarray]] = {name: [] for g in groups for name in g.names}
    if groups and permutations:
        for perms in permutation_batches(n, int(permutations), int(seed), mantel_chunk(n, int(permutations))):
            for group in groups:
                for name, v in group.permuted(perms).items():
                    null[name].append(v)
    if groups and bootstrap:
        for idx in bootstrap_batches(n, int(bootstrap), int(seed), _BOOT_CHUNK):
            w = counts(idx, n)
            for group in groups:
                for name, v in group.resampled(w).items():
                    boot[name].append(v)
    out = {}
    for group in groups:
        for name in group.names:
            threshold = group.thresholds[name] if hasattr(group, "thresholds") else group.values[name]
            out[name] = _summary(name, group.values[name], threshold, _joined(null[name]), _joined(boot[name]))
    for name, reason in reasons.items():
        out[name] = Calibrated(name, None, None, None, None, None, None, None, reason)
    return {name: out[name] for name in names}


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.empty(0)
