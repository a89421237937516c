"""How the pages write numbers: one helper, so every table and metric reads alike.

Examples
--------
>>> fmt(0.123456), fmt(None), fmt(float("nan")), fmt(0.5, 1)
('0.123', '–', '–', '0.5')
"""

from __future__ import annotations

import math

__all__ = ["DASH", "fmt"]

#: What a table shows where a number is undefined (no variation, no categories).
DASH = "–"


def fmt(x: float | None, digits: int = 3) -> str:
    """``x`` with ``digits`` decimals, or a dash when it is missing or not finite."""
    if x is None or not math.isfinite(float(x)):
        return DASH
    return f"{float(x):.{digits}f}"
