"""Altair charts of a ring graph: the ring, degrees, similarities, matrices.

Prepare and draw are separate steps: :func:`ring_data` (from
:mod:`lib.ring_spec`, re-exported here) computes the tidy node and edge
tables the ring needs (rounded, capped, thinned labels);
:func:`lib.ring_spec.ring_spec` draws them as a Vega-Lite dict (the app and
the exporter both use it). Every function returns a chart or a DataFrame without
showing it; pages and the exporter decide what to do.

Words are data: they only ever travel as data values (never inside a Vega
expression or a field name), so Vega draws them as text.

Examples
--------
>>> import numpy as np
>>> from lib.engine import ring_graph
>>> g = ring_graph(["a", "b", "c", "d"], np.array([[1, 0], [1, 0.1], [0, 1], [-1, 0]]))
>>> d = ring_data(g)
>>> d.nodes[["word", "degree", "diameter"]].values.tolist()[:2]
[['a', 1, 3.0], ['b', 1, 3.0]]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import altair as alt
import numpy as np
import pandas as pd

from .analysis.knn import nearest
from .engine import RingGraph, upper_triangle
from .errors import InputError
from .ring_layout import RingData, node_pixel_scale, ring_data
from .ring_spec import EDGE_SCHEME

__all__ = [
    "RingData",
    "ring_data",
    "node_pixel_scale",
    "degree_table",
    "degree_distribution_chart",
    "SOURCE_COLOURS",
    "source_colour",
    "similarity_histogram",
    "MATRICES",
    "matrix_heatmap",
    "neighbours",
]


def degree_table(graphs: Mapping[str, RingGraph]) -> pd.DataFrame:
    """Words and their degree under each source, in ring order.

    Columns: ``word`` then one integer column per source (named by the
    mapping's keys); a word a source dropped has ``<NA>`` there. Words of the
    first graph come first, then words only later graphs have.
    """
    if not graphs:
        raise InputError("no graphs to tabulate")
    words = list(dict.fromkeys(w for g in graphs.values() for w in g.words))
    table = pd.DataFrame({"word": words})
    for name, g in graphs.items():
        deg = dict(zip(g.words, g.degree.tolist()))
        table[name] = pd.array([deg.get(w) for w in words], dtype="Int64")
    return table


def _degree_bins(graphs: Mapping[str, RingGraph], max_bins: int = 30) -> tuple[pd.DataFrame, int]:
    top = max(int(g.degree.max(initial=0)) for g in graphs.values())
    width = max(1, math.ceil((top + 1) / max_bins))
    edges = np.arange(0, top + width + 1, width)
    rows = []
    for name, g in graphs.items():
        counts, _ = np.histogram(g.degree, bins=edges)
        for lo, c in zip(edges[:-1], counts):
            hi = lo + width - 1
            rows.append(
                {
                    "source": name,
                    "degree": str(lo) if width == 1 else f"{lo}-{hi}",
                    "start": int(lo),
                    "words": int(c),
                    "share": round(c / max(g.n, 1), 4),
                }
            )
    return pd.DataFrame(rows), width


#: One colour per source, in page order (A, B, …), the same in every chart (Vega's tableau10).
SOURCE_COLOURS = (
    "#4c78a8",
    "#f58518",
    "#e45756",
    "#72b7b2",
    "#54a24b",
    "#eeca3b",
    "#b279a2",
    "#ff9da6",
    "#9d755d",
    "#bab0ac",
)


def source_colour(names: Sequence[str]) -> alt.Scale:
    """The colour scale of a chart's sources: the k-th source gets ``SOURCE_COLOURS[k]`` (A blue, B orange)."""
    names = list(names)
    return alt.Scale(domain=names, range=[SOURCE_COLOURS[i % len(SOURCE_COLOURS)] for i in range(len(names))])


def degree_distribution_chart(graphs: Mapping[str, RingGraph], *, width: int = 400, height: int = 220) -> alt.Chart:
    """Grouped bars: how many words have each degree, one bar colour per source.

    All sources share the x axis (degree, binned into at most 30 bins when
    degrees run high) and the y axis (number of words).
    """
    if not graphs:
        raise InputError("no graphs to compare")
    data, bin_width = _degree_bins(graphs)
    order = list(dict.fromkeys(data["degree"]))
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(
                "degree:O",
                sort=order,
                title="degree" if bin_width == 1 else f"degree (bins of {bin_width})",
                axis=alt.Axis(labelAngle=0, labelOverlap=True),
            ),
            xOffset=alt.XOffset("source:N", sort=list(graphs)),
            y=alt.Y("words:Q", title="number of words"),
            # Two sources a row: long source names stay within the chart's width.
            color=alt.Color(
                "source:N",
                sort=list(graphs),
                scale=source_colour(graphs),
                legend=alt.Legend(title="source", orient="top", columns=2, labelLimit=240),
            ),
            tooltip=["source:N", "degree:O", "words:Q", alt.Tooltip("share:Q", format=".1%")],
        )
        .properties(width=width, height=height)  # the page's heading names it
    )


def similarity_histogram(graph: RingGraph, *, bins: int = 40, width: int = 440, height: int = 200) -> alt.Chart:
    """Histogram of the upper-triangle cosines with the threshold and median as rules.

    Binned in numpy first, so the chart carries ``bins`` rows whatever N is.
    Bars at or above the threshold (the pairs that become edges) are darker;
    the threshold sits on a bin edge. (Under the ``course`` rule, pairs equal
    to T are not edges; the bars do not show that difference.)
    """
    u = upper_triangle(graph.similarity)
    # Bins of equal width with T on a bin edge, so each bar is wholly kept or dropped.
    lo, hi, t = float(u.min()), float(u.max()), graph.threshold
    step = max(hi - lo, 1e-6) / bins
    edges = t + step * np.arange(math.floor((lo - t) / step), math.floor((hi - t) / step) + 2)
    counts, edges = np.histogram(u, bins=edges)
    hist = pd.DataFrame(
        {
            "start": np.round(edges[:-1], 4),
            "end": np.round(edges[1:], 4),
            "pairs": counts.astype(int),
            "kept": np.where(edges[:-1] >= graph.threshold, "edge (S >= T)", "dropped"),
        }
    )
    lines = pd.DataFrame(
        {
            "what": [f"threshold T = {graph.threshold:.3f}", f"median = {graph.median:.3f}"],
            "value": [round(graph.threshold, 4), round(graph.median, 4)],
        }
    )
    bars = (
        alt.Chart(hist)
        .mark_bar(stroke="white", strokeWidth=0.3)
        .encode(
            x=alt.X("start:Q", title="cosine similarity (pairs i < j)"),
            x2="end:Q",
            y=alt.Y("pairs:Q", title="pairs"),
            y2=alt.Y2(datum=0),
            color=alt.Color(
                "kept:N",
                scale=alt.Scale(domain=["dropped", "edge (S >= T)"], range=["#b9b9c9", "#5b2a86"]),
                legend=alt.Legend(title=None, orient="top"),
            ),
            tooltip=[alt.Tooltip("start:Q", format=".3f"), alt.Tooltip("end:Q", format=".3f"), "pairs:Q"],
        )
    )
    rules = (
        alt.Chart(lines)
        .mark_rule(strokeWidth=2)
        .encode(
            x="value:Q",
            strokeDash=alt.StrokeDash("what:N", legend=alt.Legend(title=None, orient="top")),
            tooltip=["what:N"],
        )
    )
    return alt.layer(bars, rules).properties(width=width, height=height)  # the page's heading names it


#: The three matrices of docs/method.md, in the order the method builds them.
MATRICES = {"dense": "cosine matrix S", "mask": "binary mask S >= T", "thresholded": "thresholded matrix S * mask"}
#: Above this many words the heatmap axes label only every k-th word.
HEATMAP_LABELS = 60


def _matrix(graph: RingGraph, which: str) -> np.ndarray:
    if which == "dense":
        return graph.similarity
    if which == "mask":
        return graph.mask.astype(np.int8)
    if which == "thresholded":
        return np.where(graph.mask, graph.similarity, 0.0)
    raise InputError(f"unknown matrix {which!r}; use one of {', '.join(MATRICES)}")


def matrix_heatmap(graph: RingGraph, which: str, *, size: int = 440) -> alt.Chart:
    """Heatmap of the dense, mask or thresholded matrix, words on both axes in ring order.

    The data is one row per word holding its matrix row as a list (N rows of
    N rounded numbers, not N*N records); Vega flattens it, numbers the
    columns with a window and looks the column word up. Above
    ``HEATMAP_LABELS`` words only every k-th word is labelled.
    """
    m = _matrix(graph, which)
    words = list(graph.words)
    values = m.tolist() if which == "mask" else np.round(m, 3).tolist()
    rows = pd.DataFrame({"row": words, "values": values})
    cols = pd.DataFrame({"col_index": np.arange(1, graph.n + 1), "col": words})
    step = max(1, math.ceil(graph.n / HEATMAP_LABELS))
    shown = words[::step]
    font = 11 if graph.n <= 30 else 10 if graph.n <= 45 else 9
    axis = dict(values=shown, labelLimit=90, labelFontSize=font, labelOverlap=False, ticks=False, title=None)
    colour = (
        alt.Color("value:Q", scale=alt.Scale(domain=[0, 1], range=["#f2f0f7", "#3f007d"]), legend=None)
        if which == "mask"
        else alt.Color("value:Q", scale=alt.Scale(scheme=EDGE_SCHEME), legend=alt.Legend(title="cosine"))
    )
    return (
        alt.Chart(rows)
        .transform_flatten(["values"], as_=["value"])
        .transform_window(col_index="row_number()", groupby=["row"])
        .transform_lookup(lookup="col_index", from_=alt.LookupData(cols, "col_index", ["col"]))
        .mark_rect()
        .encode(
            x=alt.X("col:N", sort=words, axis=alt.Axis(orient="top", labelAngle=-60, **axis)),
            y=alt.Y("row:N", sort=words, axis=alt.Axis(**axis)),
            color=colour,
            tooltip=["row:N", "col:N", alt.Tooltip("value:Q", format=".3f" if which != "mask" else "d")],
        )
        .properties(width=size, height=size, title=MATRICES[which])
    )


def neighbours(graph: RingGraph, word: str, n: int = 10) -> pd.DataFrame:
    """The ``n`` words most similar to ``word`` (strongest first).

    Columns: ``word``, ``cosine``, ``is_edge`` (whether the pair survived
    the threshold).
    """
    try:
        i = graph.words.index(word)
    except ValueError:
        raise InputError(f"{word!r} is not in this graph") from None
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise InputError(f"n must be a whole number >= 1, got {n!r}")
    if graph.vectors is None:
        raise InputError("this graph was built without its vectors")
    index, cosine = nearest(graph.vectors, [i], n)  # the exact k-NN rule of every neighbour table
    order = index[0]
    return pd.DataFrame(
        {
            "word": [graph.words[j] for j in order],
            "cosine": np.round(cosine[0], 4),
            "is_edge": graph.mask[i, order].astype(bool),
        }
    )
