"""Charts of the many-source comparison: heatmaps, a map of the sources, the grid of rings.

:func:`heatmap_frame` / :func:`heatmap_chart` draw one K x K matrix with its
values in the cells (and the Mantel p in the tooltip); :func:`mds_coordinates`
/ :func:`source_map_chart` place the sources in the plane from 1 - RSA
(classical MDS); :func:`ring_grid_spec` puts the small-multiple rings into one
Vega-Lite figure for export (no Altair: the rings are
:func:`lib.ring_spec.ring_spec` dicts). Sources only travel as data values.

Examples
--------
>>> d = np.array([[0, 1, 1], [1, 0, 1], [1, 1, 0]], float)
>>> xy = mds_coordinates(d)
>>> np.allclose(np.linalg.norm(xy[0] - xy[1]), 1.0)
True
>>> unique_labels(["glove", "glove", "random"])
['glove', 'glove (2)', 'random']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from ..engine import RingGraph
from ..errors import InputError
from ..ring_spec import ring_spec

__all__ = [
    "MEASURE_TITLES",
    "MAP_DISTANCES",
    "unique_labels",
    "heatmap_frame",
    "heatmap_chart",
    "mds_coordinates",
    "source_map_chart",
    "ring_grid_spec",
    "figure_bytes",
]

#: Readable names of the matrices.
MEASURE_TITLES = {
    "rsa_spearman": "RSA (Spearman of the upper triangles)",
    "rsa_pearson": "RSA (Pearson)",
    "rsa_p": "Mantel p",
    "edge_jaccard": "Edge Jaccard",
    "degree_spearman": "Degree Spearman",
    "community_ari": "Louvain communities (ARI)",
    "neighbour_jaccard": "k-NN Jaccard within the list",
    "cka_linear": "CKA (linear)",
    "cka_debiased": "CKA (debiased)",
    "procrustes_angular": "Procrustes angle (0: same shape)",
    "mutual_knn": "Mutual k-NN within the list",
}
#: The distances a map of the sources can be drawn from: name -> (title, matrix name, distance from its value).
MAP_DISTANCES = {
    "1 − RSA": ("rsa_spearman", lambda m: 1.0 - m),
    "1 − CKA (linear)": ("cka_linear", lambda m: 1.0 - m),
    "1 − CKA (debiased)": ("cka_debiased", lambda m: 1.0 - m),
    "Procrustes angle": ("procrustes_angular", lambda m: m),
}
_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"


def unique_labels(sources: Sequence[str]) -> list[str]:
    """The sources as axis labels: a repeated source gets `` (2)``, `` (3)``, ..."""
    seen: dict[str, int] = {}
    out = []
    for s in sources:
        seen[s] = seen.get(s, 0) + 1
        out.append(s if seen[s] == 1 else f"{s} ({seen[s]})")
    return out


def heatmap_frame(sources: Sequence[str], matrix: np.ndarray, p_value: np.ndarray | None = None) -> pd.DataFrame:
    """One row per cell: ``source_a``, ``source_b``, ``value``, ``text`` and ``p`` (NaN where none)."""
    labels = unique_labels(sources)
    k = len(labels)
    rows = []
    for i in range(k):
        for j in range(k):
            v = float(matrix[i, j])
            p = float(p_value[i, j]) if p_value is not None else np.nan
            rows.append((labels[i], labels[j], v, "–" if np.isnan(v) else f"{v:.2f}".replace("-0.00", "0.00"), p))
    return pd.DataFrame(rows, columns=["source_a", "source_b", "value", "text", "p"])


def heatmap_chart(
    sources: Sequence[str],
    matrix: np.ndarray,
    p_value: np.ndarray | None = None,
    *,
    title: str,
    domain: tuple[float, float] = (-1.0, 1.0),
    scheme: str = "blueorange",
    diverging: bool = True,
    cell: int | None = None,
    p_title: str = "Mantel p",
) -> alt.LayerChart:
    """A K x K heatmap with the value printed in each cell; the tooltip adds the Mantel p when given.

    ``diverging``: the scheme is dark at both ends (else only at the high end), which decides
    where the printed values turn white. ``cell`` (pixels) defaults to what keeps the
    matrix about 250 px wide, so eight sources still fit half a 1280 px window.
    """
    frame = heatmap_frame(sources, matrix, p_value)
    labels = unique_labels(sources)
    cell = cell or max(30, min(56, 250 // max(len(labels), 1)))
    axis_x = alt.X(
        "source_b:N", sort=labels, title=None, axis=alt.Axis(labelAngle=-40, labelLimit=160, labelOverlap=False)
    )
    axis_y = alt.Y("source_a:N", sort=labels, title=None, axis=alt.Axis(labelLimit=160))
    tips = [
        alt.Tooltip("source_a:N", title="source"),
        alt.Tooltip("source_b:N", title="and"),
        alt.Tooltip("value:Q", format=".4f", title="value"),
    ]
    if p_value is not None:
        tips.append(alt.Tooltip("p:Q", format=".4g", title=p_title))
    base = alt.Chart(frame).encode(x=axis_x, y=axis_y)
    rect = base.mark_rect(stroke="white").encode(
        # The values are printed in the cells; without a legend the chart fits half a 1280 px window.
        color=alt.Color("value:Q", scale=alt.Scale(scheme=scheme, domain=list(domain), clamp=True), legend=None),
        tooltip=tips,
    )
    low, high = domain
    strong = (
        f"abs(datum.value - {(low + high) / 2}) > {0.3 * (high - low)}"
        if diverging
        else f"datum.value > {low + 0.6 * (high - low)}"
    )
    text = base.mark_text(fontSize=12 if cell >= 45 else 10).encode(
        text="text:N",
        color=alt.condition(strong, alt.value("white"), alt.value("#222")),
        tooltip=tips,
    )
    side = cell * len(labels)
    return (rect + text).properties(width=side, height=side, title=title)


def mds_coordinates(distance: np.ndarray) -> np.ndarray:
    """Classical (Torgerson) MDS of a K x K distance matrix into 2 dimensions.

    Undefined distances (NaN) count as 1; the sign of each axis is fixed so
    that the first source has non-negative coordinates (same input, same map).
    """
    d = np.nan_to_num(np.asarray(distance, dtype=np.float64), nan=1.0)
    d = (d + d.T) / 2
    np.fill_diagonal(d, 0.0)
    k = d.shape[0]
    centre = np.eye(k) - np.ones((k, k)) / k
    b = -0.5 * centre @ (d**2) @ centre
    values, vectors = np.linalg.eigh(b)
    top = np.argsort(values)[::-1][:2]
    xy = vectors[:, top] * np.sqrt(np.clip(values[top], 0.0, None))
    if xy.shape[1] < 2:
        xy = np.pad(xy, ((0, 0), (0, 2 - xy.shape[1])))
    signs = np.where(xy[0] < 0, -1.0, 1.0)
    return xy * signs


def source_map_chart(
    sources: Sequence[str], rsa: np.ndarray, *, size: int = 300, distance: str = "1 − RSA"
) -> alt.LayerChart:
    """The sources as points placed by classical MDS of a distance: close points, alike spaces.

    ``rsa`` is the matrix the distance of :data:`MAP_DISTANCES` is taken from
    (by default RSA itself, the distance 1 - RSA).
    """
    xy = mds_coordinates(MAP_DISTANCES[distance][1](np.asarray(rsa, dtype=np.float64)))
    frame = pd.DataFrame({"source": unique_labels(sources), "x": xy[:, 0], "y": xy[:, 1]})
    span = float(max(np.abs(xy).max(), 0.05)) * 1.15
    # Labels sit right of their points: the x axis gets room for them on the right.
    x_scale = alt.Scale(domain=[-span, 1.8 * span], nice=False)
    base = alt.Chart(frame).encode(
        x=alt.X("x:Q", scale=x_scale, title="MDS 1"),
        y=alt.Y("y:Q", scale=alt.Scale(domain=[-span, span], nice=False), title="MDS 2"),
        tooltip=["source:N"],
    )
    points = base.mark_circle(size=120, color="#4c78a8", opacity=0.9)
    labels = base.mark_text(align="left", dx=8, dy=-6, fontSize=11, limit=150).encode(text="source:N")
    title = f"Map of the sources (MDS of {distance})"
    return (points + labels).properties(width=size, height=int(size / 1.4), title=title)


def ring_grid_spec(
    graphs: Sequence[RingGraph],
    titles: Sequence[str],
    *,
    columns: int = 4,
    size: int = 260,
    **options: Any,
) -> dict[str, Any]:
    """The small-multiple rings as one static Vega-Lite figure (rows of ``columns`` rings).

    ``options`` go to :func:`lib.ring_spec.ring_spec` for every ring (pass
    one ``color_domain`` so all rings share the colour scale).
    """
    cells, datasets = [], {}
    for graph, title in zip(graphs, titles, strict=True):
        spec = ring_spec(graph, title=title, size=size, interactive=False, **options)
        datasets.update(spec.pop("datasets"))
        for key in ("$schema", "config"):
            spec.pop(key, None)
        cells.append(spec)
    return {
        "$schema": _SCHEMA,
        "vconcat": [{"hconcat": cells[i : i + columns]} for i in range(0, len(cells), columns)],
        "datasets": datasets,
        "config": {"view": {"stroke": None}},
    }


def figure_bytes(spec: dict[str, Any], fmt: str) -> bytes:
    """A Vega-Lite figure rendered by vl-convert as ``svg`` or ``png`` (2x pixel density)."""
    import vl_convert as vlc

    if fmt == "svg":
        return vlc.vegalite_to_svg(spec).encode("utf-8")
    if fmt == "png":
        return vlc.vegalite_to_png(spec, scale=2.0)
    raise InputError(f"unknown figure format {fmt!r}; use svg or png")
