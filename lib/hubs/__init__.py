"""Vocabulary-scale hubs: every token's exact degree over a whole vocabulary.

- :mod:`lib.hubs.engine`: :func:`hub_degrees`, the blockwise computation.
- :mod:`lib.hubs.passes` and :mod:`lib.hubs.single`: its two-pass and
  single-pass solvers (internal to this package).
- :mod:`lib.hubs.blocks`: the per-block work of the passes, pure functions
  that run in this process or as tasks on a Dask cluster (``scheduler=``).
- :mod:`lib.hubs.store`: vocabulary matrices, baselines and the result cache.
- :mod:`lib.hubs.chart`: the degree CCDF chart (imports Altair).

The engine's and the store's public names are importable from here.
"""

from __future__ import annotations

from .engine import DEFAULT_BLOCK, Cancelled, HubResult, Progress, hub_degrees, strongest_neighbours
from .store import BASELINES, cache_path, cached_hubs, hubs_for, read_result, vocabulary_matrix, write_result

__all__ = [
    "BASELINES",
    "DEFAULT_BLOCK",
    "Cancelled",
    "HubResult",
    "Progress",
    "cache_path",
    "cached_hubs",
    "hub_degrees",
    "hubs_for",
    "read_result",
    "strongest_neighbours",
    "vocabulary_matrix",
    "write_result",
]
