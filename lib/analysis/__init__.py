"""Comparing embedding spaces on one word list.

- :mod:`lib.analysis.compare`: two sources on the same words (RSA with a
  Mantel test, edge Jaccard, degree Spearman, hubs, communities).
- :mod:`lib.analysis.matrix`: many sources on the same words, every pair's
  measures as K x K matrices (:mod:`lib.analysis.matrix_charts`: their charts).
- :mod:`lib.analysis.communities`: Louvain communities and their agreement.
- :mod:`lib.analysis.null`: null models (random and shuffled spaces).
- :mod:`lib.analysis.sweep`: the graph's measures as the threshold's k varies.
- :mod:`lib.analysis.charts`: their charts (imports Altair).

The public names of all but the charts are importable from here.
"""
from __future__ import annotations

from .communities import LOUVAIN_SEED, Partition, category_ari, community_order, louvain, partition_ari
from .compare import (
    DEFAULT_PERMUTATIONS,
    RSA,
    Comparison,
    EdgeAgreement,
    align_results,
    compare_graphs,
    mantel_matrix,
    mantel_test,
    selectivity,
)
from .matrix import MEASURES, SourceMatrix, align_sources, compare_sources, pair_measures
from .null import DEFAULT_DRAWS, NULL_KINDS, NullResult, NullStatistic, null_distributions, null_to_dict
from .sweep import SWEEP_KS, mask_at, threshold_sweep

__all__ = [
    "DEFAULT_DRAWS",
    "DEFAULT_PERMUTATIONS",
    "LOUVAIN_SEED",
    "MEASURES",
    "NULL_KINDS",
    "RSA",
    "SWEEP_KS",
    "SourceMatrix",
    "Comparison",
    "EdgeAgreement",
    "NullResult",
    "NullStatistic",
    "Partition",
    "align_results",
    "align_sources",
    "category_ari",
    "community_order",
    "compare_graphs",
    "compare_sources",
    "louvain",
    "mantel_matrix",
    "mantel_test",
    "mask_at",
    "null_distributions",
    "null_to_dict",
    "pair_measures",
    "partition_ari",
    "selectivity",
    "threshold_sweep",
]
