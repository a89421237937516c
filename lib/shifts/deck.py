"""The linked vocabulary maps as deck.gl JSON, and their PNG picture.

Prepare and draw apart: :func:`map_points` makes the tidy table of a run's
map (word, position on each map, the measure, its colour);
:func:`words_json` turns one side into the JSON rows of every word (made
once per run and measure: at 50,000 points about 3 MB), which the page
serves as a file that :func:`all_words_layer` loads by URL;
:func:`words_layer_json` makes the small layer of the words that answer
clicks (:func:`clickable_rows`); :func:`deck_json` wraps them with the
layers that change on every selection (the picked words, ringed and
labelled) and the view. The page hands that string to ``st.pydeck_chart``
(the JSON is what pydeck would write, built directly because pydeck's own
serialiser takes seconds at this size). :func:`map_png` draws both maps
side by side with Vega-Lite and vl-convert, as the ring figure's PNG export
does.

Why two layers: deck.gl picks the object under the pointer on every
pointer-down by drawing each pickable point again and reading a pixel back,
and counts a click only if the button comes up within 250 ms of going down.
With software WebGL on a 2-core machine, a pick over 50,000 points took
250-450 ms, so no click ever registered; over 5,000 it takes 30-40 ms
(measured in Chromium; docs/benchmarks.md). So every word is drawn by a layer that is not
pickable, and at most :data:`MAX_CLICKABLE` of them are drawn again on top
by a pickable one. Why a URL: Streamlit parses the spec with JSON5 (about
0.6 s for 3 MB) every time it changes, as it does after every click; data
loaded from a URL is parsed with ``JSON.parse`` once, and a spec that
names the same URL does not reload it.

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
    "MAX_CLICKABLE",
    "WORDS_LAYER",
    "ALL_LAYER",
    "PICKED_LAYER",
    "ramp",
    "map_points",
    "clickable_rows",
    "words_json",
    "all_words_layer",
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
#: The most words a map lets you click or hover (see the module docstring for why).
MAX_CLICKABLE = 5_000
#: Of those, the words nearest the found word (the rest: the most frequent words).
_NEAR = 3_000
#: Layer ids (a selection names the layer its points came from).
WORDS_LAYER = "words"
ALL_LAYER = "all"
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


def clickable_rows(points: pd.DataFrame, side: str, word: str | None) -> np.ndarray:
    """The rows of the words that answer clicks on map ``side``: at most :data:`MAX_CLICKABLE`.

    With ``word`` among the points: the ``_NEAR`` words nearest it on that
    map (where the page centres the view), then the most frequent words;
    otherwise the first :data:`MAX_CLICKABLE` words. In row order, except
    that ``word``'s row comes last, so that it is drawn on top of the words
    it overlaps and a click on its place picks it.

    >>> pts = map_points(["a", "b", "c"], np.eye(3, 4), np.zeros(3), moved_high=True)
    >>> clickable_rows(pts, "a", "b").tolist()
    [0, 2, 1]
    """
    n = len(points)
    found = points.index[points["word"] == word] if word is not None else []
    if not len(found):
        return np.arange(min(n, MAX_CLICKABLE))
    row = int(found[0])
    chosen = np.zeros(n, dtype=bool)
    if n <= MAX_CLICKABLE:
        chosen[:] = True
    else:
        xy = points[[f"x_{side}", f"y_{side}"]].to_numpy()
        chosen[np.argpartition(((xy - xy[row]) ** 2).sum(axis=1), _NEAR)[:_NEAR]] = True
        chosen[np.flatnonzero(~chosen)[: MAX_CLICKABLE - _NEAR]] = True
    chosen[row] = False
    return np.append(np.flatnonzero(chosen), row)


def _records(points: pd.DataFrame, side: str) -> list[dict]:
    xs, ys = points[f"x_{side}"].round(1).tolist(), points[f"y_{side}"].round(1).tolist()
    colours = points[["r", "g", "b"]].to_numpy().tolist()
    values = points["value"].round(4).tolist()
    return [
        {"w": w, "p": [x, y], "c": c, "v": v}
        for w, x, y, c, v in zip(points["word"].tolist(), xs, ys, colours, values, strict=True)
    ]


def words_json(points: pd.DataFrame, side: str) -> bytes:
    """Every word of ``side`` ("a" or "b") as JSON rows ``{"w", "p", "c", "v"}`` (UTF-8), for a layer's URL."""
    return json.dumps(_records(points, side), separators=(",", ":"), ensure_ascii=False).encode()


def _scatter(layer_id: str, data, *, pickable: bool) -> dict:
    # Each point is a ring as wide as its radius, i.e. a disc of 2.5 px (drawn as a line, which costs no more).
    return {
        "@@type": "ScatterplotLayer",
        "id": layer_id,
        "data": data,
        "getPosition": "@@=p",
        "filled": False,
        "stroked": True,
        "getLineColor": "@@=c",
        "getRadius": 1.25,
        "getLineWidth": 2.5,
        "radiusUnits": "pixels",
        "lineWidthUnits": "pixels",
        # No autoHighlight: it redraws the whole map when the hovered word changes, and a pick right after
        # waits for that frame (software WebGL: up to seconds), so a click that follows a hover took too long.
        "pickable": pickable,
    }


def all_words_layer(url: str) -> str:
    """The JSON of the layer that draws every word from ``url`` (rows of :func:`words_json`), not pickable."""
    return json.dumps(_scatter(ALL_LAYER, url, pickable=False), separators=(",", ":"))


def words_layer_json(
    points: pd.DataFrame, side: str, rows: Sequence[int] | None = None, *, layer_id: str = WORDS_LAYER
) -> str:
    """The JSON of the pickable ``ScatterplotLayer`` ``layer_id`` of ``rows`` (default: every word) of ``side``.

    A selection on it names ``layer_id`` and positions in ``rows``.
    """
    chosen = points if rows is None else points.iloc[np.asarray(rows, dtype=int)]
    return json.dumps(
        _scatter(layer_id, _records(chosen, side), pickable=True), separators=(",", ":"), ensure_ascii=False
    )


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
    """A deck.gl JSON spec: ``words_layer`` (one layer's JSON, or several joined by commas), the ``picked`` rows
    of ``points`` ringed and labelled, ``view``."""
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
