"""The ring figure of docs/method.md as data and as a Vega-Lite spec, without Altair.

:func:`lib.ring_layout.ring_data` prepares tidy node and edge tables
(rounded, edges capped, labels thinned, fonts and legend offsets measured);
:func:`ring_spec` only draws them as a Vega-Lite dict. The app draws that
dict as it is, and the exporter hands it to vl-convert, so an SVG export
never imports Altair nor validates thousands of rows against the schema.

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
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .engine import RingGraph
from .errors import InputError
from .ring_layout import DOMAIN, RingData, node_pixel_scale, ring_data

__all__ = [
    "EDGE_SCHEME",
    "MAX_EDGES_DRAWN",
    "PICK",
    "PICKED",
    "UNPICK",
    "RingData",
    "node_pixel_scale",
    "ring_data",
    "ring_layers",
    "ring_spec",
]

#: Edge colour scheme of docs/method.md (purple = weak, yellow = strong).
EDGE_SCHEME = "plasma"
#: Pixel area of the hollow marker that keeps degree-0 nodes visible.
ISOLATED_AREA = 22.0
#: Most edges one ring chart draws (more is no longer readable).
MAX_EDGES_DRAWN = 5000
#: Name of the click selection on the nodes (what a page reads back).
PICK = "pick"
#: Name of the double-click selection on the nodes: a page clears its picked word when it is set.
UNPICK = "unpick"
#: Name of the variable holding the word picked before the chart was drawn (None: none).
PICKED = "picked"
_NODE_COLOUR = "#3b3b58"
_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"


def _position(field: str) -> dict:
    scale = {"domain": [-DOMAIN, DOMAIN], "nice": False, "zero": False}
    return {"field": field, "type": "quantitative", "scale": scale, "axis": None}


def _records(frame: pd.DataFrame) -> list[dict]:
    columns = list(frame.columns)
    return [dict(zip(columns, row)) for row in zip(*(frame[c].tolist() for c in columns))]


def _touching(param: str) -> str:
    # A point selection resolves to {"word": [selected words]}.
    return f"(indexof({param}.word, datum.source) >= 0 || indexof({param}.word, datum.target) >= 0)"


def _edge_layer(
    data: RingData, name: str, domain: list[float], *, legend: str, size: int, interactive: bool, hover: str, n: int
) -> dict[str, Any]:
    """Edges as rules coloured by cosine; with ``interactive``, the hovered or picked node's edges stay opaque."""
    if not data.n_edges_total:  # no edges: a colour bar of nothing would only mislead
        colour_legend = None
    elif legend == "bottom":
        colour_legend = {
            "title": "cosine",
            "orient": "bottom",
            "direction": "horizontal",
            "gradientLength": min(160, size // 2),
        }
    else:
        colour_legend = {
            "title": "cosine",
            "orient": "right",
            "offset": data.legend_offset,
            "gradientLength": min(160, size // 3),
        }
    enc: dict[str, Any] = {
        "x": _position("x"),
        "y": _position("y"),
        "x2": {"field": "x2"},
        "y2": {"field": "y2"},
        "color": {
            "field": "cosine",
            "type": "quantitative",
            "scale": {"scheme": EDGE_SCHEME, "domain": domain, "clamp": True},
            "legend": colour_legend,
        },
        "opacity": {"value": 0.85},
    }
    if interactive:
        # Hovering wins over a click in this chart, which wins over the word picked before
        # it was drawn; with none of them, every edge is opaque.
        given = f"({PICKED} === null || datum.source === {PICKED} || datum.target === {PICKED})"
        test = f"isValid({hover}.word) ? {_touching(hover)} : isValid({PICK}.word) ? {_touching(PICK)} : {given}"
        enc["opacity"] = {"condition": {"test": test, "value": 0.85}, "value": 0.06}
        enc["tooltip"] = [
            {"field": "source", "type": "nominal", "title": "from"},
            {"field": "target", "type": "nominal", "title": "to"},
            {"field": "cosine", "type": "quantitative", "format": ".3f"},
        ]
    return {"data": {"name": name}, "mark": {"type": "rule", "strokeWidth": 0.7 if n > 60 else 1.3}, "encoding": enc}


def _node_fill(data: RingData, *, title: str, legend: str) -> dict[str, Any]:
    """Fill of the node circles: one colour, or by group with the groups that show in the legend."""
    if not data.legend_groups:
        return {"value": _NODE_COLOUR}
    where = {"orient": "bottom", "columns": 2} if legend == "bottom" else {"offset": data.legend_offset}
    scheme = "tableau10" if len(data.legend_groups) <= 10 else "tableau20"
    return {
        # A degree-0 node has no area; keeping it off the scale keeps it off the legend.
        "condition": {"test": "datum.degree == 0", "value": "transparent"},
        "field": "group",
        "type": "nominal",
        "scale": {"domain": list(data.legend_groups), "scheme": scheme},
        "legend": {"title": title, **where},
    }


def _node_layers(
    data: RingData,
    nodes: str,
    key: str,
    *,
    fill: dict,
    interactive: bool,
    coloured: bool,
    hover: str,
    selected: str | None,
) -> tuple[list[dict], list[dict]]:
    """The hollow markers of isolated nodes and the node circles; and the selection params."""
    node_enc: dict[str, Any] = {
        "x": _position("x"),
        "y": _position("y"),
        "size": {"field": "area", "type": "quantitative", "scale": None},
        "fill": fill,
    }
    isolated_enc: dict[str, Any] = {"x": _position("x"), "y": _position("y")}
    node_layer: dict[str, Any] = {
        "data": {"name": nodes},
        "mark": {"type": "circle", "opacity": 0.9, "stroke": "white", "strokeWidth": 0.5},
        "encoding": node_enc,
    }
    params: list[dict] = []
    if interactive:
        tips = [
            {"field": "word", "type": "nominal"},
            {"field": "degree", "type": "quantitative"},
            {"field": "neighbours", "type": "nominal", "title": "strongest neighbours"},
        ] + ([{"field": "group", "type": "nominal"}] if coloured else [])
        node_enc["tooltip"] = tips
        isolated_enc["tooltip"] = tips
        # The picked node gets a dark ring, on every ring that shows it: the node clicked in this
        # chart, else the word picked before it was drawn (on any ring, or by name).
        picked = f"isValid({PICK}.word) ? indexof({PICK}.word, datum.word) >= 0 : datum.word === {PICKED}"
        node_enc["stroke"] = {"condition": {"test": picked, "value": "#111"}, "value": "white"}
        node_enc["strokeWidth"] = {"condition": {"test": picked, "value": 2.5}, "value": 0.5}
        # Top-level params bound to the named node layer (where Altair
        # would put them too), so wrapping in Altair leaves them alone.
        node_layer["name"] = f"nodes_{key}"
        # The page redraws every ring when the picked word changes; a chart's own selections
        # start empty, so each click and double-click is news to the page.
        views = [node_layer["name"]]
        params = [
            {
                "name": hover,
                "views": views,
                "select": {"type": "point", "fields": ["word"], "on": "pointerover", "clear": "pointerout"},
            },
            {
                "name": PICK,
                "views": views,
                "select": {"type": "point", "fields": ["word"], "on": "click", "clear": False, "toggle": False},
            },
            {
                "name": UNPICK,
                "views": views,
                "select": {"type": "point", "fields": ["word"], "on": "dblclick", "clear": False, "toggle": False},
            },
            {"name": PICKED, "value": selected or None},
        ]
    isolated = {
        "data": {"name": nodes},
        "transform": [{"filter": "datum.degree == 0"}],
        "mark": {
            "type": "point",
            "shape": "circle",
            "filled": False,
            "size": ISOLATED_AREA,
            "color": "#777",
            "strokeWidth": 1,
        },
        "encoding": isolated_enc,
    }
    return [isolated, node_layer], params


def _label_layer(data: RingData, nodes: str) -> dict[str, Any]:
    return {
        "data": {"name": nodes},
        "transform": [{"filter": "datum.label != ''"}],
        "mark": {
            "type": "text",
            "fontSize": data.font,
            "align": {"expr": "datum.align"},
            "baseline": "middle",
            "color": "#222",
        },
        "encoding": {
            "x": _position("label_x"),
            "y": _position("label_y"),
            "text": {"field": "label", "type": "nominal"},
            "angle": {"field": "angle", "type": "quantitative", "scale": None},
        },
    }


def _check_options(size: Any, max_edges: Any, legend: str) -> None:
    if not isinstance(size, (int, np.integer)) or not 100 <= size <= 4000:
        raise InputError(f"size must be a whole number of pixels from 100 to 4000, got {size!r}")
    if isinstance(max_edges, (int, np.integer)) and max_edges > MAX_EDGES_DRAWN:
        raise InputError(f"max_edges is at most {MAX_EDGES_DRAWN:,}, got {max_edges:,}")
    if legend not in ("right", "bottom"):
        raise InputError(f"legend must be 'right' or 'bottom', got {legend!r}")


def _colour_domain(data: RingData, color_domain: tuple[float, float] | None) -> list[float]:
    domain = list(data.cosine_domain if color_domain is None else color_domain)
    if len(domain) != 2 or not all(np.isfinite(domain)) or domain[0] >= domain[1]:
        raise InputError(f"color_domain must be (low, high) with low < high, got {color_domain!r}")
    return [float(v) for v in domain]


def _data_key(graph: RingGraph, data: RingData, domain: list[float], *options: Any) -> str:
    """A short hash naming the figure's datasets: the graph, what is drawn of it, and the options."""
    drawn = [graph.words, graph.degree.tolist(), len(data.edges), graph.threshold, domain, *options]
    drawn.append(data.nodes["group"].tolist())
    return hashlib.md5(json.dumps(drawn).encode()).hexdigest()[:12]


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
    legend: str = "right",
    selected: str | None = None,
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
    node keeps its edges opaque and fades the rest, clicking it picks it
    (the point selection :data:`PICK` on ``word``), double-clicking one sets
    :data:`UNPICK` (a page clears its pick), ``selected`` is the word shown
    as picked from the start, and tooltips show word, degree and strongest
    neighbours, or an edge's pair and cosine. ``color_domain`` fixes the
    cosine colour scale so two rings can share it; ``legend`` puts the
    legends at the ``"right"`` or ``"bottom"`` (narrow columns).

    Raises
    ------
    InputError
        For a size outside 100-4000 px, more than :data:`MAX_EDGES_DRAWN`
        edges, a colour domain that is not ``(low, high)`` or another legend place.
    """
    _check_options(size, max_edges, legend)
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
    domain = _colour_domain(data, color_domain)
    key = _data_key(graph, data, domain, size, labels, interactive, title, legend)
    nodes, edges, hover = f"ring-nodes-{key}", f"ring-edges-{key}", f"node_{key}"
    coloured = groups is not None or bool(categories)
    fill = _node_fill(data, title="group" if groups is not None else "category", legend=legend)
    node_layers, params = _node_layers(
        data, nodes, key, fill=fill, interactive=interactive, coloured=coloured, hover=hover, selected=selected
    )
    layers = [
        _edge_layer(data, edges, domain, legend=legend, size=size, interactive=interactive, hover=hover, n=graph.n),
        *node_layers,
    ]
    if labels:
        layers.append(_label_layer(data, nodes))
    if not interactive:
        # A static figure needs no per-mark ARIA labels: 2,000 edges of
        # "x: …; y: …" text would make the SVG ~40% larger and slower to write.
        for layer in layers[:3]:
            layer["mark"]["aria"] = False
    spec: dict[str, Any] = {"$schema": _SCHEMA, "width": size, "height": size, "layer": layers}
    if params:
        spec["params"] = params
    if title or data.note:
        # One line per note, so a narrow ring's subtitle is not cut off at its right edge.
        subtitle = data.note.split("; ") if data.note else ""
        spec["title"] = {"text": title or " ", "subtitle": subtitle, "anchor": "start", "fontSize": 13}
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
