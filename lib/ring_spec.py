"""The ring figure of docs/method.md as data and as a Vega-Lite spec, without Altair.

:func:`ring_data` prepares tidy node and edge tables (rounded, edges capped,
labels thinned); :func:`ring_spec` turns them into a Vega-Lite dict. The app
draws that dict as it is, and the exporter hands it to vl-convert, so an SVG export never
imports Altair nor validates thousands of rows against the schema.

Words are data: they only travel as data values (never inside a Vega
expression or a field name), so Vega draws them as text and tooltips
show them as text.

Examples
--------
>>> import numpy as np
>>> from lib.engine import ring_graph
>>> g = ring_graph(["a", "b", "c", "d"], np.array([[1, 0], [1, 0.1], [0, 1], [-1, 0]]))
>>> d = ring_data(g)
>>> d.nodes[["word", "degree", "diameter"]].values.tolist()[:2]
[['a', 1, 3.0], ['b', 1, 3.0]]
>>> [layer["mark"]["type"] for layer in ring_spec(g)["layer"]]
['rule', 'point', 'circle', 'text']
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .engine import RingGraph
from .errors import InputError

__all__ = [
    "EDGE_SCHEME",
    "MAX_EDGES_DRAWN",
    "RingData",
    "node_pixel_scale",
    "ring_data",
    "ring_layers",
    "ring_spec",
]

#: Edge colour scheme of docs/method.md (purple = weak, yellow = strong).
EDGE_SCHEME = "plasma"
#: Half-width of the fixed x/y scale domains: the unit ring plus room for nodes.
DOMAIN = 1.12
#: Pixel area of the hollow marker that keeps degree-0 nodes visible.
ISOLATED_AREA = 22.0
#: Most edges one ring chart draws (more is no longer readable).
MAX_EDGES_DRAWN = 5000
#: How many strongest neighbours a node's tooltip lists.
TOOLTIP_NEIGHBOURS = 3
_NODE_COLOUR = "#3b3b58"
_NO_GROUP = "(none)"
_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
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


#: Rings smaller than this (pixels) put their legends below the ring, not to the right.
_BOTTOM_LEGEND_BELOW = 360

def node_pixel_scale(size: int, n: int) -> float:
    """Pixels per unit of the METHOD diameter ``3*sqrt(degree)``.

    Proportional to the chart size; shrinks with many words so hubs do not
    cover the ring. Within one chart every node uses the same scale, so
    areas stay faithful to ``diameter**2``.
    """
    return 2.0 * size / 440.0 * min(1.0, 40.0 / max(n, 1)) ** 0.75


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
            "neighbours": _strongest_neighbours(graph, TOOLTIP_NEIGHBOURS) if tooltips else [""] * n,
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
    where = " (all words in tooltips)" if tooltips else ""
    if step > 1:
        nth = {2: "second", 3: "third"}.get(step, f"{step}th")
        notes.append(f"labels on every {nth} word{where}")
    elif not step and n:
        notes.append(f"labels off{where}")
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




def _position(field: str) -> dict:
    scale = {"domain": [-DOMAIN, DOMAIN], "nice": False, "zero": False}
    return {"field": field, "type": "quantitative", "scale": scale, "axis": None}


def _records(frame: pd.DataFrame) -> list[dict]:
    columns = list(frame.columns)
    return [dict(zip(columns, row)) for row in zip(*(frame[c].tolist() for c in columns))]


def ring_layers(
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
) -> tuple[dict[str, Any], RingData]:
    """The ring figure as a Vega-Lite dict without its data, and the data.

    Layers: edges, isolated nodes, nodes, labels; they name their data
    ``{"name": "ring-edges-<hash>"}`` or ``"ring-nodes-<hash>"`` (edges for
    the first layer, nodes for the others). :func:`ring_spec` adds the rows
    as ``datasets``.

    Edges are rules coloured by cosine (plasma, weakest drawn first); nodes
    are circles whose pixel area is ``pi/4 * (scale * 3*sqrt(degree))**2``
    (``size`` channel with ``scale: null``, so the value is the area),
    degree-0 nodes a small hollow ring. The x/y domains are fixed and the
    view square, so the circle stays round. With ``interactive``, hovering a
    node (a point selection on ``word``) keeps its edges opaque and fades
    the rest, and tooltips show word, degree and strongest neighbours, or
    an edge's pair and cosine. ``color_domain`` fixes the cosine colour
    scale so two rings can share it.

    Raises
    ------
    InputError
        For a size outside 100-4000 px, more than :data:`MAX_EDGES_DRAWN`
        edges, or a colour domain that is not ``(low, high)``.
    """
    if not isinstance(size, (int, np.integer)) or not 100 <= size <= 4000:
        raise InputError(f"size must be a whole number of pixels from 100 to 4000, got {size!r}")
    if isinstance(max_edges, (int, np.integer)) and max_edges > MAX_EDGES_DRAWN:
        raise InputError(f"max_edges is at most {MAX_EDGES_DRAWN:,}, got {max_edges:,}")
    data = ring_data(
        graph,
        categories=categories,
        groups=groups,
        max_edges=max_edges,
        label_limit=label_limit if labels else 0,
        pixel_scale=node_pixel_scale(size, graph.n),
        size=size,
        tooltips=interactive,
    )
    domain = list(data.cosine_domain if color_domain is None else color_domain)
    if len(domain) != 2 or not all(np.isfinite(domain)) or domain[0] >= domain[1]:
        raise InputError(f"color_domain must be (low, high) with low < high, got {color_domain!r}")
    domain = [float(v) for v in domain]
    key = hashlib.md5(
        json.dumps([graph.words, graph.degree.tolist(), len(data.edges), graph.threshold, domain,
                    size, labels, interactive, title, data.nodes["group"].tolist()]).encode()
    ).hexdigest()[:12]
    nodes, edges, param = f"ring-nodes-{key}", f"ring-edges-{key}", f"node_{key}"
    x, y = _position("x"), _position("y")
    font = 11 if graph.n <= 40 else 9 if graph.n <= 120 else 7
    # Legends sit right of the view; keep them clear of the right-hand labels.
    offset = 8
    right = data.nodes[(data.nodes["align"] == "left") & (data.nodes["label"] != "")]
    if labels and len(right):
        x_px = (right["label_x"] + DOMAIN) / (2 * DOMAIN) * size
        width = 0.6 * font * right["label"].str.len() * np.cos(np.radians(right["angle"].astype(float)))
        offset += max(0, int((x_px + width).max() - size))
    coloured = groups is not None or bool(categories)
    # Small rings (three side by side) keep their legends below, inside their column.
    bottom_legends = size < _BOTTOM_LEGEND_BELOW
    params: list[dict] = []

    edge_enc: dict[str, Any] = {
        "x": x,
        "y": y,
        "x2": {"field": "x2"},
        "y2": {"field": "y2"},
        "color": {
            "field": "cosine",
            "type": "quantitative",
            "scale": {"scheme": EDGE_SCHEME, "domain": domain, "clamp": True},
            "legend": ({"title": "cosine", "orient": "bottom", "direction": "horizontal",
                        "gradientLength": min(160, size // 2)} if bottom_legends else
                       {"title": "cosine", "orient": "right", "offset": offset,
                        "gradientLength": min(160, size // 3)}),
        },
        "opacity": {"value": 0.85},
    }
    node_enc: dict[str, Any] = {
        "x": x,
        "y": y,
        "size": {"field": "area", "type": "quantitative", "scale": None},
        "fill": (
            {"field": "group", "type": "nominal",
             "legend": {"title": "group" if groups is not None else "category",
                        **({"orient": "bottom", "columns": 2} if bottom_legends else {"offset": offset})}}
            if coloured
            else {"value": _NODE_COLOUR}
        ),
    }
    isolated_enc: dict[str, Any] = {"x": x, "y": y}
    node_layer: dict[str, Any] = {
        "data": {"name": nodes},
        "mark": {"type": "circle", "opacity": 0.9, "stroke": "white", "strokeWidth": 0.5},
        "encoding": node_enc,
    }
    if interactive:
        # The selection resolves to {"word": [selected words]}; an edge stays
        # opaque when nothing is selected or either end is selected.
        touching = (
            f"!isValid({param}.word) || indexof({param}.word, datum.source) >= 0"
            f" || indexof({param}.word, datum.target) >= 0"
        )
        edge_enc["opacity"] = {"condition": {"test": touching, "value": 0.85}, "value": 0.06}
        edge_enc["tooltip"] = [
            {"field": "source", "type": "nominal", "title": "from"},
            {"field": "target", "type": "nominal", "title": "to"},
            {"field": "cosine", "type": "quantitative", "format": ".3f"},
        ]
        tips = [
            {"field": "word", "type": "nominal"},
            {"field": "degree", "type": "quantitative"},
            {"field": "neighbours", "type": "nominal", "title": "strongest neighbours"},
        ] + ([{"field": "group", "type": "nominal"}] if coloured else [])
        node_enc["tooltip"] = tips
        isolated_enc["tooltip"] = tips
        # A top-level param bound to the named node layer (where Altair
        # would put it too), so wrapping in Altair leaves it alone.
        node_layer["name"] = f"nodes_{key}"
        params = [{
            "name": param,
            "select": {"type": "point", "fields": ["word"], "on": "pointerover", "clear": "pointerout"},
            "views": [node_layer["name"]],
        }]
    layers = [
        {
            "data": {"name": edges},
            "mark": {"type": "rule", "strokeWidth": 0.7 if graph.n > 60 else 1.3},
            "encoding": edge_enc,
        },
        {
            "data": {"name": nodes},
            "transform": [{"filter": "datum.degree == 0"}],
            "mark": {"type": "point", "shape": "circle", "filled": False, "size": ISOLATED_AREA,
                     "color": "#777", "strokeWidth": 1},
            "encoding": isolated_enc,
        },
        node_layer,
    ]
    if labels:
        layers.append(
            {
                "data": {"name": nodes},
                "transform": [{"filter": "datum.label != ''"}],
                "mark": {"type": "text", "fontSize": font,
                         "align": {"expr": "datum.align"}, "baseline": "middle", "color": "#222"},
                "encoding": {
                    "x": _position("label_x"),
                    "y": _position("label_y"),
                    "text": {"field": "label", "type": "nominal"},
                    "angle": {"field": "angle", "type": "quantitative", "scale": None},
                },
            }
        )
    if not interactive:
        # A static figure needs no per-mark ARIA labels: 2,000 edges of
        # "x: …; y: …" text would make the SVG ~40% larger and slower to write.
        for layer in layers[:3]:
            layer["mark"]["aria"] = False
    spec: dict[str, Any] = {"$schema": _SCHEMA, "width": size, "height": size, "layer": layers}
    if params:
        spec["params"] = params
    if title or data.note:
        spec["title"] = {"text": title or " ", "subtitle": data.note or "", "anchor": "start", "fontSize": 13}
    spec["config"] = {"view": {"stroke": None}}
    return spec, data


def ring_spec(graph: RingGraph, **options: Any) -> dict[str, Any]:
    """The ring figure as a complete Vega-Lite dict, data included as ``datasets``.

    ``options`` are those of :func:`ring_layers`. This is what the exporter
    renders with vl-convert.
    """
    spec, data = ring_layers(graph, **options)
    spec["datasets"] = {
        spec["layer"][0]["data"]["name"]: _records(data.edges),
        spec["layer"][1]["data"]["name"]: _records(data.nodes),
    }
    return spec
