"""The linked vocabulary maps as deck.gl JSON, and their PNG picture.

Prepare and draw apart: :func:`map_points` makes the tidy table of a run's
map (word, position on each map, the measure, its colour);
:func:`words_layer_json` turns one side into the JSON of a deck.gl
``ScatterplotLayer`` (made once per run and measure: at 50,000 points it is
a few MB); :func:`deck_json` wraps it with the small layers that change on
every selection (the picked words, ringed and labelled) and the view. The
page hands that string to ``st.pydeck_chart`` (the JSON is what pydeck would
write, built directly because pydeck's own serialiser takes seconds at
this size). :func:`map_png` draws both maps side by side with Vega-Lite and
vl-convert, as the ring figure's PNG export does.

Examples
--------
>>> ramp(np.array([0.0, 1.0])).tolist()
[[68, 1, 84], [253, 231, 37]]
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import InputError

__all__ = [
    "MAX_POINTS",
    "MEASURES",
    "WORDS_LAYER",
    "PICKED_LAYER",
    "ramp",
    "map_points",
    "words_layer_json",
    "deck_json",
    "view_on",
    "map_png",
]

#: The most words a map draws (the first in A's vocabulary order).
MAX_POINTS = 50_000
#: Colour choices: label -> (column, whether a high value means "moved").
MEASURES = {
    "local shift": ("local_shift", True),
    "Procrustes shift": ("procrustes_shift", True),
    "Jaccard": ("jaccard", False),
}
#: Layer ids (a selection names the layer its points came from).
WORDS_LAYER = "words"
PICKED_LAYER = "picked"
#: Map units across the words' extent; the view's zoom is set from it.
_SPAN = 1000.0
#: Viridis, 5 stops: stayed (dark purple) to moved (yellow).
_STOPS = np.array([[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]], dtype=np.float64)


def ramp(t: np.ndarray) -> np.ndarray:
    """RGB (N, 3) uint8 of values ``t`` in [0, 1] along viridis (values outside are clipped)."""
    t = np.clip(np.nan_to_num(np.asarray(t, dtype=np.float64)), 0.0, 1.0) * (len(_STOPS) - 1)
    low = np.minimum(t.astype(int), len(_STOPS) - 2)
    frac = (t - low)[:, None]
    return np.rint(_STOPS[low] * (1 - frac) + _STOPS[low + 1] * frac).astype(np.uint8)


def _fit(xy: np.ndarray) -> np.ndarray:
    extent = max(float(np.ptp(xy, axis=0).max()), 1e-12)
    return (xy - (xy.max(axis=0) + xy.min(axis=0)) / 2) * (_SPAN / extent)


def map_points(words: Sequence[str], xy: np.ndarray, values: np.ndarray, *, moved_high: bool) -> pd.DataFrame:
    """The first :data:`MAX_POINTS` words' map table: word, x_a, y_a, x_b, y_b (map units), value, r, g, b.

    Each map is centred and scaled to span :data:`_SPAN` units (B's is
    often tighter or wider than A's; the rotation already matched their
    orientation, the scale only fills the frame); the colour runs from the
    2nd to the 98th percentile of ``values``, yellow where the word moved
    most (high shift or, ``moved_high=False``, low Jaccard).
    """
    n = min(len(words), MAX_POINTS)
    if n < 1 or xy.shape != (len(words), 4) or len(values) != len(words):
        raise InputError(f"need a map position and a value for every word, got {xy.shape} and {len(values)}")
    xy, v = np.asarray(xy[:n], dtype=np.float64), np.asarray(values[:n], dtype=np.float64)
    scaled = np.hstack([_fit(xy[:, :2]), _fit(xy[:, 2:])])
    lo, hi = np.percentile(v, [2, 98])
    t = (v - lo) / (hi - lo) if hi > lo else np.full(n, 0.5)
    rgb = ramp(t if moved_high else 1 - t)
    return pd.DataFrame(
        {
            "word": list(words[:n]),
            **{name: scaled[:, c] for c, name in enumerate(("x_a", "y_a", "x_b", "y_b"))},
            "value": v,
            "r": rgb[:, 0],
            "g": rgb[:, 1],
            "b": rgb[:, 2],
        }
    )


def _records(points: pd.DataFrame, side: str) -> list[dict]:
    xs, ys = points[f"x_{side}"].round(1).tolist(), points[f"y_{side}"].round(1).tolist()
    colours = points[["r", "g", "b"]].to_numpy().tolist()
    values = points["value"].round(4).tolist()
    return [
        {"w": w, "p": [x, y], "c": c, "v": v}
        for w, x, y, c, v in zip(points["word"].tolist(), xs, ys, colours, values, strict=True)
    ]


def words_layer_json(points: pd.DataFrame, side: str) -> str:
    """The JSON of the ``ScatterplotLayer`` of every word of ``side`` ("a" or "b"), pickable for selection."""
    layer = {
        "@@type": "ScatterplotLayer",
        "id": WORDS_LAYER,
        "data": _records(points, side),
        "getPosition": "@@=p",
        "getFillColor": "@@=c",
        "getRadius": 2.5,
        "radiusUnits": "pixels",
        "radiusMinPixels": 1.5,
        "pickable": True,
        "autoHighlight": True,
        "highlightColor": [214, 39, 40, 255],
    }
    return json.dumps(layer, separators=(",", ":"), ensure_ascii=False)


def view_on(points: pd.DataFrame, side: str, word: str | None, width: int) -> dict:
    """The view of a map ``width`` px wide: the whole extent, or zoomed in and centred on ``word``."""
    zoom = math.log2(max(width, 100) * 0.9 / _SPAN)
    target = [0.0, 0.0, 0.0]
    if word is not None:
        row = points.index[points["word"] == word]
        if len(row):
            target = [float(points.at[row[0], f"x_{side}"]), float(points.at[row[0], f"y_{side}"]), 0.0]
            zoom += 3
    return {"target": target, "zoom": zoom, "minZoom": zoom - 2, "maxZoom": zoom + 10}


def deck_json(words_layer: str, points: pd.DataFrame, side: str, picked: Sequence[int], view: dict) -> str:
    """A deck.gl JSON spec: the words layer, the ``picked`` rows of ``points`` ringed and labelled, ``view``."""
    rows = [i for i in picked if 0 <= i < len(points)]
    marks = [
        {
            "w": points.at[i, "word"],
            "p": [round(float(points.at[i, f"x_{side}"]), 1), round(float(points.at[i, f"y_{side}"]), 1)],
        }
        for i in rows
    ]
    ring = {
        "@@type": "ScatterplotLayer",
        "id": PICKED_LAYER,
        "data": marks,
        "getPosition": "@@=p",
        "getRadius": 7,
        "radiusUnits": "pixels",
        "stroked": True,
        "filled": False,
        "getLineColor": [214, 39, 40, 255],
        "lineWidthMinPixels": 2,
        "pickable": False,
    }
    labels = {
        "@@type": "TextLayer",
        "id": "labels",
        "data": marks[:40],
        "getPosition": "@@=p",
        "getText": "@@=w",
        "getSize": 13,
        "getColor": [20, 20, 20, 255],
        "getPixelOffset": [0, -14],
        "background": True,
        "getBackgroundColor": [255, 255, 255, 210],
        "pickable": False,
    }
    head = {
        "initialViewState": view,
        "views": [{"@@type": "OrthographicView", "controller": True}],
        "mapProvider": None,
        "mapStyle": None,
    }
    small = json.dumps([ring, labels], separators=(",", ":"), ensure_ascii=False)
    return json.dumps(head, separators=(",", ":"))[:-1] + ',"layers":[' + words_layer + "," + small[1:] + "}"


def map_png(
    points: pd.DataFrame, picked: Sequence[int], *, label: str, titles: tuple[str, str], limit: int = 20_000
) -> bytes:
    """Both maps side by side as a PNG (vl-convert): at most ``limit`` points each (the first words, and
    every picked word), coloured as on the page, picked words ringed in red."""
    import altair as alt
    import vl_convert as vlc

    keep = np.zeros(len(points), dtype=bool)
    keep[:limit] = True
    keep[[i for i in picked if 0 <= i < len(points)]] = True
    data = points[keep].assign(
        colour=lambda t: [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in zip(t.r, t.g, t.b, strict=True)]
    )
    data["picked"] = np.isin(np.flatnonzero(keep), list(picked))
    charts = []
    for side, title in zip(("a", "b"), titles, strict=True):
        base = alt.Chart(data).encode(
            x=alt.X(f"x_{side}:Q", axis=None, scale=alt.Scale(zero=False)),
            y=alt.Y(f"y_{side}:Q", axis=None, scale=alt.Scale(zero=False)),
        )
        dots = base.mark_circle(size=6, opacity=0.8).encode(color=alt.Color("colour:N", scale=None))
        rings = base.transform_filter("datum.picked").mark_point(size=90, color="#d62728", strokeWidth=2)
        text = base.transform_filter("datum.picked").mark_text(dy=-10, fontSize=11).encode(text="word:N")
        charts.append(alt.layer(dots, rings, text).properties(width=420, height=420, title=title))
    chart = alt.hconcat(*charts).properties(title=alt.TitleParams(label, anchor="start"))
    return vlc.vegalite_to_png(chart.to_dict(), scale=2.0)
