"""The cross-product measures over a whole shared vocabulary (``neighbours --top N``).

Linear CKA, debiased CKA and the angular Procrustes distance only need the
d_a x d_b cross-product of the two spaces' rows and the rows' norms
(:mod:`lib.measures.products`), so they run on N = 50,000 shared words without
an N x N matrix: O(N · d_a · d_b) per permutation. Their p comes from
``permutations`` permutations of B's words; there is no bootstrap interval at
this scale (each resample would cost as much as a permutation).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..sources.base import Source
from .calibrate import VOCABULARY_MEASURES, Calibrated, calibrate
from .matrix import source_vectors

__all__ = ["DEFAULT_VOCABULARY_PERMUTATIONS", "vocabulary_measures", "vocabulary_summary"]

#: Permutations of the vocabulary-scale measures unless asked otherwise.
DEFAULT_VOCABULARY_PERMUTATIONS = 100


def vocabulary_measures(
    source_a: Source,
    source_b: Source,
    words: Sequence[str],
    *,
    permutations: int = DEFAULT_VOCABULARY_PERMUTATIONS,
    seed: int = 0,
) -> dict[str, Calibrated]:
    """:data:`~lib.measures.calibrate.VOCABULARY_MEASURES` of the two sources on ``words`` (all in both)."""
    x, y = source_vectors(source_a, words), source_vectors(source_b, words)
    return calibrate(x, y, VOCABULARY_MEASURES, permutations=permutations, bootstrap=0, seed=seed)


def vocabulary_summary(measures: dict[str, Calibrated]) -> dict[str, dict]:
    """The JSON of each measure: value, p, z, null mean and std (no interval at this scale)."""
    return {
        name: {k: v for k, v in r.to_dict().items() if k not in ("ci_low", "ci_high")} for name, r in measures.items()
    }
