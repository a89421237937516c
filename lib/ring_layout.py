"""The prepare step of the ring figure: tidy node and edge tables, label geometry, fonts.

:func:`ring_data` computes everything the ring needs (positions, node areas,
labels and their angles, the font size, how far the legends must stand off
the labels, the colour groups in legend order, capped edges);
:mod:`lib.ring_spec` only draws it.

Examples
--------
>>> import numpy as np
>>> from lib.engine import ring_graph
>>> g = ring_graph(["a", "b", "c", "d"], np.array([[1, 0], [1, 0.1], [0, 1], [-1, 0]]))
>>> d = ring_data(g)
>>> d.nodes[["word", "degree", "diameter"]].values.tolist()[:2]
[['a', 1, 3.0], ['b', 1, 3.0]]
>>> d.font, d.legend_groups
(11, ())
>>> natural_order(["community 10", "community 2", "(none)"])
['community 2', 'community 10', '(none)']
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .engine import RingGraph
from .errors import InputError

__all__ = [
    "DOMAIN",
    "NO_GROUP",
    "TOOLTIP_NEIGHBOURS",
    "RingData",
    "natural_order",
    "node_pixel_scale",
    "label_font",
    "ring_data",
]

#: Half-width of the fixed x/y scale domains: the unit ring plus room for nodes.
DOMAIN = 1.12
#: How many strongest neighbours a node's tooltip lists.
TOOLTIP_NEIGHBOURS = 3
#: The group of a word no mapping names.
NO_GROUP = "(none)"
#: Above this many words the labels point outwards along their radius.
RADIAL_LABELS = 24
#: Average glyph width as a share of the font size (for label extents).
_GLYPH = 0.6


@dataclass(frozen=True)
class RingData:
    """Everything the ring chart draws, as tidy tables and numbers.

    ``nodes`` has one row per word in ring order; ``edges`` one row per
    drawn edge, weakest first (so later rows are drawn on top); ``note``
    says what was left out (edges over the cap, thinned labels), or is None.
    ``font`` is the label size, ``legend_offset`` how far (px) legends at
    the right must stand off the view to clear the labels, and
    ``legend_groups`` every colour group of the mapping (and ``"(none)"``
    for unmapped words), in legend order: the colour scale's domain, the
    same on every ring drawn with the same mapping.
    """

    nodes: pd.DataFrame
    edges: pd.DataFrame
    note: str | None
    n_edges_total: int
    threshold: float
    cosine_domain: tuple[float, float]
    font: int = 11
    legend_offset: int = 8
    legend_groups: tuple[str, ...] = ()


def node_pixel_scale(size: int, n: int) -> float:
    """Pixels per unit of the method's diameter ``3*sqrt(degree)``.

    Proportional to the chart size; shrinks with many words so hubs do not
    cover the ring. Within one chart every node uses the same scale, so
    areas stay faithful to ``diameter**2``.
    """
    return 2.0 * size / 440.0 * min(1.0, 40.0 / max(n, 1)) ** 0.75


def label_font(n: int, size: int = 440) -> int:
    """Label font size (px) for a ring of ``n`` words drawn ``size`` px wide (small rings, smaller labels)."""
    font = 11 if n <= 40 else 9 if n <= 120 else 7
    return min(font, 9) if size < 300 else font


def natural_order(groups: Sequence[str]) -> list[str]:
    """Distinct ``groups`` with numbers compared as numbers (2 before 10), the placeholder last."""

    def key(g: str) -> tuple:
        parts = re.split(r"(\d+)", g)
        return (g == NO_GROUP, [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts])

    return sorted(dict.fromkeys(groups), key=key)


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


def _label_columns(graph: RingGraph, scale: float, size: int, step: int) -> dict:
    """Label positions (just outside the largest node), angles, alignment and thinned texts."""
    n = graph.n
    theta = 2.0 * np.pi * np.arange(n) / max(n, 1)
    # Labels start 4 px outside the largest node, whatever the chart size.
    px_per_unit = size / (2.0 * DOMAIN)
    label_r = 1.0 + (scale * float(graph.size.max(initial=0.0)) / 2.0 + 4.0) / px_per_unit
    right = np.cos(theta) >= -1e-9
    deg = np.degrees(theta)
    angle = np.where(right, -deg, 180.0 - deg)
    # Level labels collide near the top and bottom of a ring of many words.
    angle = np.round((angle + 180.0) % 360.0 - 180.0, 1) if n > RADIAL_LABELS else np.zeros(n)
    return {
        "label_x": np.round(label_r * graph.x, 4),
        "label_y": np.round(label_r * graph.y, 4),
        "angle": angle,
        "align": np.where(right, "left", "right"),
        "label": [w if step and i % step == 0 else "" for i, w in enumerate(graph.words)],
    }


def _legend_offset(nodes: pd.DataFrame, font: int, size: int) -> int:
    """Pixels legends at the right of the view must keep clear of the right-hand labels."""
    right = nodes[(nodes["align"] == "left") & (nodes["label"] != "")]
    if not len(right):
        return 8
    x_px = (right["label_x"] + DOMAIN) / (2 * DOMAIN) * size
    width = _GLYPH * font * right["label"].str.len() * np.cos(np.radians(right["angle"].astype(float)))
    return 8 + max(0, int((x_px + width).max() - size))


def _edge_table(graph: RingGraph, nodes: pd.DataFrame, max_edges: int) -> pd.DataFrame:
    total = graph.n_edges
    e = graph.edges.iloc[total - max_edges :] if total > max_edges else graph.edges
    i, j = e["i"].to_numpy(), e["j"].to_numpy()
    x, y = nodes["x"].to_numpy(), nodes["y"].to_numpy()
    return pd.DataFrame(
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


def _note(total: int, max_edges: int, step: int, n: int, tooltips: bool) -> str | None:
    notes = []
    if total > max_edges:
        notes.append(f"showing the {max_edges:,} strongest of {total:,} edges")
    where = " (all words in tooltips)" if tooltips else ""
    if step > 1:
        nth = {2: "second", 3: "third"}.get(step, f"{step}th")
        notes.append(f"labels on every {nth} word{where}")
    elif not step and n:
        notes.append(f"labels off{where}")
    return "; ".join(notes) or None


def ring_data(
    graph: RingGraph,
    *,
    categories: Mapping[str, str] | None = None,
    groups: Mapping[str, str] | None = None,
    max_edges: int = 2000,
    label_limit: int = 120,
    pixel_scale: float | None = None,
    size: int = 440,
    tooltips: bool = True,
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
    tooltips : bool
        Whether to fill ``neighbours`` (a static export leaves it empty).
    """
    if not isinstance(max_edges, (int, np.integer)) or max_edges < 0:
        raise InputError(f"max_edges must be a whole number >= 0, got {max_edges!r}")
    if not isinstance(label_limit, (int, np.integer)) or label_limit < 0:
        raise InputError(f"label_limit must be a whole number >= 0, got {label_limit!r}")
    n = graph.n
    scale = node_pixel_scale(size, n) if pixel_scale is None else float(pixel_scale)
    step = max(1, math.ceil(n / label_limit)) if label_limit else 0
    colour_map = groups if groups is not None else (categories or {})
    words = list(graph.words)
    nodes = pd.DataFrame(
        {
            "word": words,
            "x": np.round(graph.x, 4),
            "y": np.round(graph.y, 4),
            "degree": graph.degree.astype(int),
            "diameter": np.round(graph.size, 3),
            "area": np.round(np.pi / 4.0 * (scale * graph.size) ** 2, 2),
            **_label_columns(graph, scale, size, step),
            "group": [str(colour_map.get(w, NO_GROUP)) for w in words],
            "neighbours": _strongest_neighbours(graph, TOOLTIP_NEIGHBOURS) if tooltips else [""] * n,
        }
    )
    total = graph.n_edges
    lo = float(graph.threshold)
    hi = float(graph.edges["cosine"].max()) if total else lo
    font = label_font(n, size)
    coloured = groups is not None or bool(categories)
    return RingData(
        nodes=nodes,
        edges=_edge_table(graph, nodes, max_edges),
        note=_note(total, max_edges, step, n, tooltips),
        n_edges_total=total,
        threshold=lo,
        cosine_domain=(round(lo, 4), round(max(hi, lo + 1e-3), 4)),
        font=font,
        legend_offset=_legend_offset(nodes, font, size) if step else 8,
        # Every group of the full mapping, so a group has the same colour on every ring of a page,
        # whichever of its words a ring drops or leaves without edges.
        legend_groups=tuple(natural_order({*map(str, colour_map.values()), *nodes["group"]})) if coloured else (),
    )
