"""What moved between two spaces, and where: per-word shifts and linked vocabulary maps.

- :mod:`lib.shifts.measures`: the Procrustes shift and the local
  neighbourhood shift of every shared word (Hamilton et al. 2016).
- :mod:`lib.shifts.maps`: 2-D PCA maps of both vocabularies, B's turned onto A's.
- :mod:`lib.shifts.result`: :class:`Shifts`, everything a neighbourhood run keeps of them.
- :mod:`lib.shifts.deck`: the maps as deck.gl JSON (for ``st.pydeck_chart``) and as a PNG (vl-convert).
"""

from __future__ import annotations

from .maps import align_2d, pca_2d, vocabulary_maps
from .measures import (
    local_shift,
    local_units,
    procrustes_rotation,
    procrustes_shift,
    procrustes_units,
    union_neighbours,
)
from .result import MAP_COLUMNS, SHIFT_COLUMNS, Shifts, word_shifts

__all__ = [
    "MAP_COLUMNS",
    "SHIFT_COLUMNS",
    "Shifts",
    "align_2d",
    "local_shift",
    "local_units",
    "pca_2d",
    "procrustes_rotation",
    "procrustes_shift",
    "procrustes_units",
    "union_neighbours",
    "vocabulary_maps",
    "word_shifts",
]
