"""Every shared word's shifts and map positions, computed once per neighbourhood run.

:func:`word_shifts` is called by :func:`lib.analysis.neighbours.compare_neighbourhoods`
with the run's vectors and exact k-NN tables; the :class:`Shifts` it returns
travels with the run (JSON ``per_word``, the ``--out`` table, the cache).
With the shuffled null (B's rows handed to the words in the order ``p``,
the same order as the null's Jaccard) it also holds both shifts' means
against that null.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..analysis.knn import unit_rows
from .maps import vocabulary_maps
from .measures import local_units, procrustes_units

__all__ = ["SHIFT_COLUMNS", "MAP_COLUMNS", "Shifts", "word_shifts"]

#: Per-word shift columns, in the order tables show them.
SHIFT_COLUMNS = ("procrustes_shift", "local_shift")
#: Map coordinate columns of the ``--out`` table.
MAP_COLUMNS = ("x_a", "y_a", "x_b", "y_b")


@dataclass(frozen=True)
class Shifts:
    """Per-word ``procrustes`` and ``local`` shifts, map coordinates ``xy`` (N, 4: x_a, y_a, x_b, y_b).

    ``shuffled`` maps ``procrustes_shift``/``local_shift`` to their means
    against the shuffled null (empty when the null was not run).
    """

    procrustes: np.ndarray
    local: np.ndarray
    xy: np.ndarray
    shuffled: dict
    #: Seconds :func:`word_shifts` took (not kept in the cache).
    seconds: float = field(default=0.0, compare=False)

    def columns(self) -> dict[str, np.ndarray]:
        """Name -> per-word array, for tables: the two shifts, then x_a, y_a, x_b, y_b."""
        out = {"procrustes_shift": self.procrustes, "local_shift": self.local}
        out.update({name: self.xy[:, c] for c, name in enumerate(MAP_COLUMNS)})
        return out

    def summary(self) -> dict:
        """Means of both shifts, and against the shuffled null when it was run."""
        out = {"mean_procrustes_shift": float(self.procrustes.mean()), "mean_local_shift": float(self.local.mean())}
        out.update({f"shuffled_{name}": float(v) for name, v in self.shuffled.items()})
        return out


def word_shifts(
    a: np.ndarray,
    b: np.ndarray,
    index_a: np.ndarray,
    index_b: np.ndarray,
    *,
    cosine_a: np.ndarray | None = None,
    cosine_b: np.ndarray | None = None,
    permutation: np.ndarray | None = None,
    shuffled_index: np.ndarray | None = None,
) -> Shifts:
    """Both shifts and the maps of the words of rows ``a``/``b``.

    ``cosine_a``/``cosine_b``: the k-NN run's float64 cosines to each word's
    own neighbours (saves recomputing them). With ``permutation`` (word i
    gets B's row p[i]) and the shuffled null's k-NN table ``shuffled_index``,
    also both shifts' means against that null.
    """
    start = time.perf_counter()
    _, ua = unit_rows(a)
    _, ub = unit_rows(b)
    shuffled = {}
    if permutation is not None and shuffled_index is not None:
        ub_shuffled = ub[permutation]
        shuffled = {
            "procrustes_shift": float(procrustes_units(ua, ub_shuffled).mean()),
            "local_shift": float(local_units(ua, ub_shuffled, index_a, shuffled_index, cosine_a).mean()),
        }
        del ub_shuffled
    xy_a, xy_b = vocabulary_maps(ua, ub, unit=True)
    out = Shifts(
        procrustes=procrustes_units(ua, ub),
        local=local_units(ua, ub, index_a, index_b, cosine_a, cosine_b),
        xy=np.ascontiguousarray(np.hstack([xy_a, xy_b])),
        shuffled=shuffled,
        seconds=time.perf_counter() - start,
    )
    for x in (out.procrustes, out.local, out.xy):
        x.setflags(write=False)
    return out
