"""Altair charts of a ring graph: the ring, degrees, similarities, matrices.

Prepare and draw are separate steps: :func:`ring_data` computes the tidy
node and edge tables the ring needs (rounded, capped, thinned labels);
:func:`ring_chart` only draws them. Every function returns a chart or a
DataFrame without showing it; pages and the exporter decide what to do.

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
from dataclasses import dataclass
from typing import Mapping

import altair as alt
import numpy as np
import pandas as pd

from .engine import RingGraph
from .errors import InputError

__all__ = [
    "RingData",
    "ring_data",
    "ring_chart",
    "node_pixel_scale",
    "degree_table",
    "degree_distribution_chart",
    "similarity_histogram",
    "MATRICES",
    "matrix_heatmap",
    "neighbours",
]

#: Edge colour scheme of METHOD.md (purple = weak, yellow = strong).
EDGE_SCHEME = "plasma"
#: Half-width of the fixed x/y scale domains: the unit ring plus room for nodes.
DOMAIN = 1.12
#: Pixel area of the hollow marker that keeps degree-0 nodes visible.
ISOLATED_AREA = 22.0
#: Most edges one ring chart draws (Altair's inline-data row limit).
MAX_EDGES_DRAWN = 5000
#: How many strongest neighbours a node's tooltip lists.
TOOLTIP_NEIGHBOURS = 3
_NODE_COLOUR = "#3b3b58"
_NO_GROUP = "(none)"


@dataclass(frozen=True)
class RingData:
    """Everything the ring chart draws, as tidy tables.

    ``nodes`` has one row per word in ring order; ``edges`` one row per
    drawn edge, weakest first (so later rows are drawn on top); ``note``
    says what was left out (edges over the cap, thinned labels), or is None.
    """

    nodes: pd.DataFrame
    edges: pd.DataFrame
    note: str | None
    n_edges_total: int
    threshold: float
    cosine_domain: tuple[float, float]


def node_pixel_scale(size: int, n: int) -> float:
    """Pixels per unit of the METHOD diameter ``3*sqrt(degree)``.

    Proportional to the chart size; shrinks with many words so hubs do not
    cover the ring. Within one chart every node uses the same scale, so
    areas stay faithful to ``diameter**2``.
    """
    return 2.0 * size / 440.0 * min(1.0, math.sqrt(60.0 / max(n, 1)))


def _strongest_neighbours(graph: RingGraph, count: int) -> list[str]:
    """One string per node: its strongest graph neighbours with cosines."""
    n = graph.n
    w = np.where(graph.mask, graph.similarity, -np.inf)
    m = min(count, n - 1)
    top = np.argpartition(-w, m - 1, axis=1)[:, :m] if m > 0 else np.zeros((n, 0), int)
    rows = np.arange(n)[:, None]
    order = np.argsort(-w[rows, top], axis=1, kind="stable")
    top = top[rows, order]
    words = graph.words
    out = []
    for i in range(n):
        parts = [f"{words[j]} ({w[i, j]:.2f})" for j in top[i] if np.isfinite(w[i, j])]
        out.append(", ".join(parts) if parts else "none (isolated: degree 0)")
    return out


def ring_data(
    graph: RingGraph,
    *,
    categories: Mapping[str, str] | None = None,
    groups: Mapping[str, str] | None = None,
    max_edges: int = 2000,
    label_limit: int = 120,
    pixel_scale: float | None = None,
    size: int = 440,
) -> RingData:
    """Prepare the node and edge tables of the ring figure.

    Parameters
    ----------
    graph : RingGraph
        The engine's result.
    categories, groups : mapping of word to str, optional
        Colour classes of the nodes; ``groups`` (e.g. communities) wins over
        ``categories`` when both are given. Unmapped words get ``"(none)"``.
    max_edges : int
        Most edges drawn; above it the strongest ``max_edges`` are kept
        (still weakest first) and ``note`` says how many were left out.
    label_limit : int
        Most labels drawn; above it every k-th word in ring order keeps its
        label (the others have ``label == ""`` and stay in the tooltip).
    pixel_scale : float, optional
        Pixels per diameter unit for the ``area`` column; default
        :func:`node_pixel_scale` of a ``size`` px chart.
    size : int
        Chart width in pixels; labels are placed just outside the largest node.
    """
    if not isinstance(max_edges, (int, np.integer)) or max_edges < 0:
        raise InputError(f"max_edges must be a whole number >= 0, got {max_edges!r}")
    if not isinstance(label_limit, (int, np.integer)) or label_limit < 0:
        raise InputError(f"label_limit must be a whole number >= 0, got {label_limit!r}")
    n = graph.n
    scale = node_pixel_scale(size, n) if pixel_scale is None else float(pixel_scale)
    theta = 2.0 * np.pi * np.arange(n) / n
    diameter = np.round(graph.size, 3)
    area = np.round(np.pi / 4.0 * (scale * graph.size) ** 2, 2)
    # Labels start 4 px outside the largest node, whatever the chart size.
    px_per_unit = size / (2.0 * DOMAIN)
    label_r = 1.0 + (scale * float(graph.size.max(initial=0.0)) / 2.0 + 4.0) / px_per_unit
    right = np.cos(theta) >= -1e-9
    deg = np.degrees(theta)
    angle = np.where(right, -deg, 180.0 - deg)
    angle = np.round((angle + 180.0) % 360.0 - 180.0, 1) if n > 40 else np.zeros(n)
    step = max(1, math.ceil(n / label_limit)) if label_limit else 0
    words = list(graph.words)
    labels = [w if step and i % step == 0 else "" for i, w in enumerate(words)]
    colour_map = groups if groups is not None else (categories or {})
    nodes = pd.DataFrame(
        {
            "word": words,
            "x": np.round(graph.x, 4),
            "y": np.round(graph.y, 4),
            "degree": graph.degree.astype(int),
            "diameter": diameter,
            "area": area,
            "label_x": np.round(label_r * graph.x, 4),
            "label_y": np.round(label_r * graph.y, 4),
            "angle": angle,
            "align": np.where(right, "left", "right"),
            "label": labels,
            "group": [str(colour_map.get(w, _NO_GROUP)) for w in words],
            "neighbours": _strongest_neighbours(graph, TOOLTIP_NEIGHBOURS),
        }
    )
    total = graph.n_edges
    e = graph.edges.iloc[total - max_edges :] if total > max_edges else graph.edges
    i, j = e["i"].to_numpy(), e["j"].to_numpy()
    x, y = nodes["x"].to_numpy(), nodes["y"].to_numpy()
    edges = pd.DataFrame(
        {
            "source": e["source"].to_numpy(),
            "target": e["target"].to_numpy(),
            "cosine": np.round(e["cosine"].to_numpy(), 4),
            "x": x[i],
            "y": y[i],
            "x2": x[j],
            "y2": y[j],
        }
    )
    notes = []
    if total > max_edges:
        notes.append(f"showing the {max_edges:,} strongest of {total:,} edges")
    if step > 1:
        notes.append(f"labels on every {step}th word (all words in tooltips)" if step > 3 else
                     f"labels on every {'second' if step == 2 else 'third'} word (all words in tooltips)")
    elif not step and n:
        notes.append("labels off (words in tooltips)")
    lo = float(graph.threshold)
    hi = float(graph.edges["cosine"].max()) if total else lo
    return RingData(
        nodes=nodes,
        edges=edges,
        note="; ".join(notes) or None,
        n_edges_total=total,
        threshold=lo,
        cosine_domain=(round(lo, 4), round(max(hi, lo + 1e-3), 4)),
    )


def _xy(field: str, channel=alt.X):
    return channel(f"{field}:Q", scale=alt.Scale(domain=[-DOMAIN, DOMAIN], nice=False, zero=False), axis=None)


def ring_chart(
    graph: RingGraph,
    *,
    categories: Mapping[str, str] | None = None,
    groups: Mapping[str, str] | None = None,
    labels: bool = True,
    color_domain: tuple[float, float] | None = None,
    title: str | None = None,
    size: int = 440,
    max_edges: int = 2000,
    label_limit: int = 120,
    interactive: bool = True,
) -> alt.LayerChart:
    """Draw the ring figure of METHOD.md as a layered Altair chart.

    Edges are rules coloured by cosine (plasma, weakest drawn first); nodes
    are circles whose pixel area is ``pi/4 * (scale * 3*sqrt(degree))**2``
    (identity size scale), degree-0 nodes a small hollow ring. Hovering a
    node (an Altair point selection on ``word``) keeps its edges opaque and
    fades the rest. ``color_domain`` fixes the cosine colour scale so two
    rings can share it. ``interactive=False`` drops tooltips and selection
    (what a static export needs).
    """
    if isinstance(max_edges, (int, np.integer)) and max_edges > MAX_EDGES_DRAWN:
        raise InputError(f"max_edges is at most {MAX_EDGES_DRAWN:,} (a browser cannot draw more usefully), got {max_edges:,}")
    if not isinstance(size, (int, np.integer)) or not 100 <= size <= 4000:
        raise InputError(f"size must be a whole number of pixels from 100 to 4000, got {size!r}")
    data = ring_data(
        graph,
        categories=categories,
        groups=groups,
        max_edges=max_edges,
        label_limit=label_limit if labels else 0,
        pixel_scale=node_pixel_scale(size, graph.n),
        size=size,
    )
    domain = list(color_domain) if color_domain is not None else list(data.cosine_domain)
    if len(domain) != 2 or not all(np.isfinite(domain)) or domain[0] >= domain[1]:
        raise InputError(f"color_domain must be (low, high) with low < high, got {color_domain!r}")
    nodes, edges = data.nodes, data.edges
    sel = alt.selection_point(name="node", fields=["word"], on="pointerover", clear="pointerout")
    # The selection resolves to {"word": [selected words]}; an edge stays
    # opaque when nothing is selected or either end is selected.
    touching = (
        "!isValid(node.word) || indexof(node.word, datum.source) >= 0"
        " || indexof(node.word, datum.target) >= 0"
    )
    wide = graph.n > 60
    edge_layer = alt.Chart(edges).mark_rule(strokeWidth=0.7 if wide else 1.3).encode(
        x=_xy("x"),
        y=_xy("y", alt.Y),
        x2="x2:Q",
        y2="y2:Q",
        color=alt.Color(
            "cosine:Q",
            scale=alt.Scale(scheme=EDGE_SCHEME, domain=domain, clamp=True),
            legend=alt.Legend(title="cosine", orient="right", gradientLength=min(160, size // 3)),
        ),
    )
    fill = (
        alt.Fill("group:N", legend=alt.Legend(title="group" if groups is not None else "category"))
        if groups is not None or categories
        else alt.value(_NODE_COLOUR)
    )
    node_tip = [
        alt.Tooltip("word:N"),
        alt.Tooltip("degree:Q"),
        alt.Tooltip("neighbours:N", title="strongest neighbours"),
    ] + ([alt.Tooltip("group:N")] if groups is not None or categories else [])
    node_layer = alt.Chart(nodes).mark_circle(opacity=0.9, stroke="white", strokeWidth=0.5).encode(
        x=_xy("x"), y=_xy("y", alt.Y), size=alt.Size("area:Q", scale=None), fill=fill
    )
    isolated = alt.Chart(nodes).mark_point(
        shape="circle", filled=False, size=ISOLATED_AREA, color="#777", strokeWidth=1
    ).encode(x=_xy("x"), y=_xy("y", alt.Y)).transform_filter("datum.degree == 0")
    if interactive:
        edge_layer = edge_layer.encode(
            opacity=alt.condition(touching, alt.value(0.85), alt.value(0.06)),
            tooltip=[
                alt.Tooltip("source:N", title="from"),
                alt.Tooltip("target:N", title="to"),
                alt.Tooltip("cosine:Q", format=".3f"),
            ],
        )
        node_layer = node_layer.encode(tooltip=node_tip).add_params(sel)
        isolated = isolated.encode(tooltip=node_tip)
    else:
        edge_layer = edge_layer.encode(opacity=alt.value(0.85))
    layers = [edge_layer, isolated, node_layer]
    if labels:
        font = 11 if graph.n <= 40 else 9 if graph.n <= 120 else 7
        layers.append(
            alt.Chart(nodes)
            .mark_text(fontSize=font, align=alt.ExprRef("datum.align"), baseline="middle", color="#222")
            .encode(x=_xy("label_x"), y=_xy("label_y", alt.Y), text="label:N", angle=alt.Angle("angle:Q", scale=None))
            .transform_filter("datum.label != ''")
        )
    head = alt.TitleParams(text=title or " ", subtitle=data.note or "", anchor="start", fontSize=13)
    return (
        alt.layer(*layers, title=head)
        .properties(width=size, height=size)
        .configure_view(stroke=None)
    )


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
            rows.append({"source": name, "degree": str(lo) if width == 1 else f"{lo}-{hi}",
                         "start": int(lo), "words": int(c), "share": round(c / max(g.n, 1), 4)})
    return pd.DataFrame(rows), width


def degree_distribution_chart(graphs: Mapping[str, RingGraph], *, width: int = 440, height: int = 220) -> alt.Chart:
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
            x=alt.X("degree:O", sort=order, title="degree" if bin_width == 1 else f"degree (bins of {bin_width})",
                    axis=alt.Axis(labelAngle=0, labelOverlap=True)),
            xOffset=alt.XOffset("source:N", sort=list(graphs)),
            y=alt.Y("words:Q", title="number of words"),
            color=alt.Color("source:N", sort=list(graphs), legend=alt.Legend(title="source", orient="top")),
            tooltip=["source:N", "degree:O", "words:Q", alt.Tooltip("share:Q", format=".1%")],
        )
        .properties(width=width, height=height, title="Degree distribution")
    )


def similarity_histogram(graph: RingGraph, *, bins: int = 40, width: int = 440, height: int = 200) -> alt.Chart:
    """Histogram of the upper-triangle cosines with the threshold and median as rules.

    Binned in numpy first, so the chart carries ``bins`` rows whatever N is.
    Bars at or above the threshold (the pairs that become edges) are darker;
    the threshold sits on a bin edge. (Under the ``course`` rule, pairs equal
    to T are not edges; the bars do not show that difference.)
    """
    u = graph.similarity[np.triu_indices(graph.n, k=1)]
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
    bars = alt.Chart(hist).mark_bar(stroke="white", strokeWidth=0.3).encode(
        x=alt.X("start:Q", title="cosine similarity (pairs i < j)"),
        x2="end:Q",
        y=alt.Y("pairs:Q", title="pairs"),
        y2=alt.Y2(datum=0),
        color=alt.Color("kept:N", scale=alt.Scale(domain=["dropped", "edge (S >= T)"], range=["#b9b9c9", "#5b2a86"]),
                        legend=alt.Legend(title=None, orient="top")),
        tooltip=[alt.Tooltip("start:Q", format=".3f"), alt.Tooltip("end:Q", format=".3f"), "pairs:Q"],
    )
    rules = alt.Chart(lines).mark_rule(strokeWidth=2).encode(
        x="value:Q",
        strokeDash=alt.StrokeDash("what:N", legend=alt.Legend(title=None, orient="top")),
        tooltip=["what:N"],
    )
    return alt.layer(bars, rules).properties(width=width, height=height, title="Similarities and the threshold")


#: The three matrices of METHOD.md, in the order the method builds them.
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
    axis = dict(values=shown, labelLimit=90, labelFontSize=9 if graph.n > 30 else 10, ticks=False, title=None)
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
    s = graph.similarity[i].copy()
    s[i] = -np.inf
    order = np.argsort(-s, kind="stable")[: min(n, graph.n - 1)]
    return pd.DataFrame(
        {
            "word": [graph.words[j] for j in order],
            "cosine": np.round(s[order], 4),
            "is_edge": graph.mask[i, order].astype(bool),
        }
    )
