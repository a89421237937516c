"""Charts of the neighbourhood comparison: the brushable Jaccard histogram.

Prepare and draw apart: :func:`jaccard_counts` makes the tidy table,
:func:`jaccard_histogram` draws it. With k neighbours a word's Jaccard can
only be x / (2k - x) for x = 0..k shared neighbours, so the histogram has one
bar per possible value.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from .neighbours import Neighbourhoods

__all__ = ["BRUSH", "jaccard_counts", "jaccard_histogram", "brushed_words"]

#: Name of the interval selection (the key of the chart's selection event).
BRUSH = "brush"


def jaccard_counts(result: Neighbourhoods) -> pd.DataFrame:
    """One row per possible Jaccard value: ``shared``, ``jaccard``, ``words`` (how many)."""
    x = np.arange(result.k + 1)
    counts = np.bincount(result.shared, minlength=result.k + 1)
    return pd.DataFrame({"shared": x, "jaccard": x / (2 * result.k - x), "words": counts})


def jaccard_histogram(
    result: Neighbourhoods,
    *,
    chance: float | None = None,
    null: float | None = None,
    log: bool = False,
    height: int = 240,
) -> alt.Chart:
    """Bars of words per Jaccard value, with an x-interval brush; labelled dashed rules at the chance
    level and the shuffled null. The x axis runs from 0 to 1; ``log`` draws the counts on a symmetric
    log scale (zero stays zero), so that a thin upper tail shows."""
    data = jaccard_counts(result)
    brush = alt.selection_interval(name=BRUSH, encodings=["x"])
    x = alt.X(
        "jaccard:Q",
        title=f"Jaccard of the {result.k} nearest neighbours in A and in B",
        scale=alt.Scale(domain=[0, 1], nice=False, padding=10),  # padding: the end bars stay whole
    )
    bars = (
        alt.Chart(data)
        .mark_bar(size=14)
        .encode(
            x=x,
            y=alt.Y(
                "words:Q",
                title="words (log scale)" if log else "words",
                scale=alt.Scale(type="symlog" if log else "linear"),
            ),
            color=alt.condition(brush, alt.value("#4c78a8"), alt.value("#c7d3e3")),
            tooltip=[
                alt.Tooltip("shared:Q", title="shared neighbours"),
                alt.Tooltip("jaccard:Q", format=".3f"),
                alt.Tooltip("words:Q", format=","),
            ],
        )
        .add_params(brush)
    )
    marks = [
        {"what": name, "jaccard": value, "row": row}
        for row, (name, value) in enumerate((("chance level", chance), ("shuffled null", null)))
        if value is not None
    ]
    if not marks:
        return bars.properties(height=height)
    names = [m["what"] for m in marks]
    rules = (
        alt.Chart(pd.DataFrame(marks))
        .mark_rule(strokeWidth=2, strokeDash=[4, 3])
        .encode(
            x="jaccard:Q",
            color=alt.Color(
                "what:N",
                title=None,
                scale=alt.Scale(domain=names, range=["#d62728", "#ff7f0e"][: len(names)]),
                legend=alt.Legend(orient="top", symbolType="stroke", symbolDash=[4, 3], labelFontSize=11),
            ),
            tooltip=["what:N", alt.Tooltip("jaccard:Q", format=".4f")],
        )
    )
    # Independent colour scales: the bars' brush colours have no legend, the lines' names do; a shared
    # scale makes Vega-Lite warn of a conflicting legend property in the browser console.
    return alt.layer(bars, rules).resolve_scale(color="independent").properties(height=height)


def brushed_words(result: Neighbourhoods, interval) -> pd.DataFrame:
    """The words whose Jaccard lies in ``interval`` (lo, hi): word, Jaccard, frequency rank, lowest first."""
    j = result.jaccard
    lo, hi = (min(interval), max(interval)) if interval else (-np.inf, np.inf)
    keep = np.flatnonzero((j >= lo) & (j <= hi))
    keep = keep[np.argsort(j[keep], kind="stable")]
    return pd.DataFrame({"word": [result.words[i] for i in keep], "Jaccard": j[keep], "frequency rank": keep + 1})
