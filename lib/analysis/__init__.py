"""Comparing embedding spaces on one word list.

- :mod:`lib.analysis.compare`: two sources on the same words (RSA with a
  Mantel test, edge Jaccard, degree Spearman, hubs, communities).
- :mod:`lib.analysis.matrix`: many sources on the same words, every pair's
  measures as K x K matrices (:mod:`lib.analysis.matrix_charts`: their charts).
- :mod:`lib.analysis.communities`: Louvain communities and their agreement.
- :mod:`lib.analysis.null`: null models (random and shuffled spaces).
- :mod:`lib.analysis.sweep`: the graph's measures as the threshold's k varies.
- :mod:`lib.analysis.charts`: their charts (imports Altair).
- :mod:`lib.analysis.neighbours`: per-word k-NN agreement over a shared
  vocabulary (with :mod:`.knn`, the exact blockwise search).

The public names of all but the charts are importable from here.
"""

from __future__ import annotations

import importlib

#: Public name -> the submodule that defines it. Imported on first use, so
#: ``lib.analysis.neighbours`` (or a command that needs one module) does not pay
#: for scipy, scikit-learn and networkx.
_WHERE = {
    **dict.fromkeys(
        ("LOUVAIN_SEED", "Partition", "category_ari", "community_order", "louvain", "partition_ari"), "communities"
    ),
    **dict.fromkeys(
        (
            "DEFAULT_PERMUTATIONS",
            "RSA",
            "Comparison",
            "EdgeAgreement",
            "align_results",
            "compare_graphs",
            "mantel_matrix",
            "mantel_test",
            "selectivity",
        ),
        "compare",
    ),
    **dict.fromkeys(("MEASURES", "SourceMatrix", "align_sources", "compare_sources", "pair_measures"), "matrix"),
    **dict.fromkeys(
        ("DEFAULT_DRAWS", "NULL_KINDS", "NullResult", "NullStatistic", "null_distributions", "null_to_dict"), "null"
    ),
    **dict.fromkeys(("SWEEP_KS", "mask_at", "threshold_sweep"), "sweep"),
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
