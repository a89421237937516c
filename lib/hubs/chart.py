"""The vocabulary-scale degree distribution: tidy data and a log-log Altair chart.

Degrees of a whole vocabulary span several orders of magnitude, so the
distribution is drawn as the complementary cumulative distribution
P(degree >= d) on log-log axes, the usual picture for hubs (Newman 2003):
a heavy tail is a straight-ish line that reaches far to the right.

Examples
--------
>>> import numpy as np
>>> from lib.hubs import hub_degrees
>>> r = hub_degrees(list("abcd"), np.array([[1, 0], [1, 0.1], [0, 1], [-1, 0]]))
>>> degree_ccdf({"demo": r})[["series", "degree", "fraction"]].values.tolist()
[['demo', 1, 0.5]]
"""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import numpy as np
import pandas as pd

from .engine import HubResult

__all__ = ["degree_ccdf", "degree_ccdf_chart", "same_degree_multiset"]

_MAX_POINTS = 400  # per series; a vocabulary has at most a few thousand distinct degrees


def degree_ccdf(results: Mapping[str, HubResult]) -> pd.DataFrame:
    """One row per (series, distinct degree >= 1): ``fraction`` of tokens with at least that degree.

    Columns: ``series``, ``degree``, ``fraction``, ``tokens`` (how many reach it).
    Degree 0 has no place on a log axis; :func:`degree_ccdf_chart` notes it.
    """
    frames = []
    for name, r in results.items():
        deg = np.sort(np.asarray(r.degree))
        values = np.unique(deg[deg > 0])
        if len(values) > _MAX_POINTS:  # keep the tail exact, thin the dense low end evenly on log scale
            keep = np.unique(np.geomspace(1, len(values), _MAX_POINTS).astype(int) - 1)
            values = values[keep]
        at_least = len(deg) - np.searchsorted(deg, values, side="left")
        frames.append(
            pd.DataFrame(
                {
                    "series": name,
                    "degree": values.astype(np.int64),
                    "fraction": at_least / max(len(deg), 1),
                    "tokens": at_least,
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=["series", "degree", "fraction", "tokens"])
    return pd.concat(frames, ignore_index=True)


def same_degree_multiset(a: HubResult, b: HubResult) -> bool:
    """Whether two runs have the same degrees up to which token holds which."""
    return a.n == b.n and bool(np.array_equal(np.sort(a.degree), np.sort(b.degree)))


def degree_ccdf_chart(
    results: Mapping[str, HubResult], *, width: int = 560, height: int = 320, dashed: tuple[str, ...] = ()
) -> alt.Chart:
    """Log-log lines of P(degree >= d) per series; ``dashed`` series are drawn dashed on top."""
    data = degree_ccdf(results)
    data["style"] = np.where(data["series"].isin(dashed), "dashed", "solid")
    isolated = {name: int(np.count_nonzero(np.asarray(r.degree) == 0)) for name, r in results.items()}
    note = ", ".join(f"{k}: {v:,}" for k, v in isolated.items())
    base = alt.Chart(data).encode(
        x=alt.X("degree:Q", scale=alt.Scale(type="log"), title="degree d"),
        y=alt.Y("fraction:Q", scale=alt.Scale(type="log"), title="fraction of tokens with degree ≥ d"),
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=list(results))),
        tooltip=["series:N", "degree:Q", "tokens:Q", alt.Tooltip("fraction:Q", format=".2%")],
    )
    solid = base.transform_filter(alt.datum.style == "solid").mark_line(
        point=alt.OverlayMarkDef(size=14), strokeWidth=3
    )
    # Dashed series on top, thinner, so a series lying exactly on another stays visible.
    over = base.transform_filter(alt.datum.style == "dashed").mark_line(strokeWidth=2, strokeDash=[5, 5])
    return alt.layer(solid, over).properties(
        width=width,
        height=height,
        title=alt.Title("Degree distribution (log-log)", subtitle=f"tokens of degree 0 (not on a log axis) — {note}"),
    )
