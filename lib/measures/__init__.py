"""How alike are two spaces on the same words: calibrated measures.

- :mod:`lib.measures.definitions`: each measure from its definition (RSA,
  linear and debiased CKA, angular Procrustes, mutual k-NN), float64;
- :mod:`lib.measures.calibrate`: :func:`calibrate`, every measure against its
  permutation null (p, z) with a bootstrap interval, sharing one pass of
  permutations (:mod:`.draws`) among the prepared measures (:mod:`.products`
  for CKA and Procrustes from cross-products, :mod:`.pairs` for RSA and k-NN);
- :mod:`lib.measures.matrix`: every pair of K spaces, as K x K matrices.
"""

from __future__ import annotations

from .calibrate import (
    DEFAULT_BOOTSTRAP,
    DEFAULT_NK,
    DISTANCES,
    NAMES,
    VOCABULARY_MEASURES,
    Calibrated,
    calibrate,
    parse_measures,
)
from .definitions import Undefined, unit_rows

__all__ = [
    "DEFAULT_BOOTSTRAP",
    "DEFAULT_NK",
    "DISTANCES",
    "NAMES",
    "VOCABULARY_MEASURES",
    "Calibrated",
    "Undefined",
    "calibrate",
    "parse_measures",
    "unit_rows",
]
