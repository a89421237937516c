"""How the pages write numbers: one helper, so every table and metric reads alike.

Examples
--------
>>> fmt(0.123456), fmt(None), fmt(float("nan")), fmt(0.5, 1)
('0.123', '–', '–', '0.5')
>>> count(12_497_500), count(124_750), count(999)
('12.5 M', '124,750', '999')
"""

from __future__ import annotations

import math

__all__ = ["DASH", "fmt", "count"]

#: What a table shows where a number is undefined (no variation, no categories).
DASH = "–"


def fmt(x: float | None, digits: int = 3) -> str:
    """``x`` with ``digits`` decimals, or a dash when it is missing or not finite."""
    if x is None or not math.isfinite(float(x)):
        return DASH
    return f"{float(x):.{digits}f}"


def count(n: int) -> str:
    """A count short enough for a metric in a fifth of the page: millions and up as ``12.5 M``."""
    if n >= 1_000_000_000:
        return f"{n / 1e9:.1f} G"
    return f"{n / 1e6:.1f} M" if n >= 1_000_000 else f"{n:,}"
