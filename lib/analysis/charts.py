"""Altair charts of the comparison analytics: pair scatter, null histograms, threshold sweep.

Each function builds tidy DataFrames and returns a chart without showing it;
tests inspect ``chart.to_dict()``. Words only travel as data values.

Examples
--------
>>> import numpy as np
>>> from lib.engine import ring_graph
>>> from lib.analysis.compare import compare_graphs
>>> x = np.random.default_rng(0).standard_normal((6, 4))
>>> g = ring_graph(list("abcdef"), x)
>>> d = pair_scatter_data(compare_graphs(g, g, permutations=9))
>>> sorted(set(d.frame["quadrant"])), d.omitted
(['both', 'neither'], 0)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from ..charts import source_colour
from ..engine import RingGraph
from .compare import MAX_PAIR_ROWS, Comparison, sample_pairs
from .null import NULL_KINDS, NullResult

__all__ = [
    "QUADRANTS",
    "STAT_TITLES",
    "SWEEP_MEASURES",
    "ScatterData",
    "pair_scatter_data",
    "pair_scatter",
    "null_frame",
    "null_histograms",
    "REAL_LABEL",
    "sweep_frame",
    "sweep_chart",
]

#: The four quadrants of the pair scatter and their colours.
QUADRANTS = {"both": "#1b9e77", "only A": "#d95f02", "only B": "#7570b3", "neither": "#bdbdbd"}
#: Readable names of the null-model statistics.
STAT_TITLES = {
    "density": "Density (fraction of pairs kept)",
    "modularity": "Modularity (Louvain)",
    "selectivity": "Category selectivity",
    "category_ari": "Communities vs categories (ARI)",
    "rsa": "RSA with source B (Spearman)",
}
#: Columns of the sweep drawn, with their titles.
SWEEP_MEASURES = {
    "edges": "Edges",
    "density": "Density",
    "components": "Connected components",
    "largest": "Largest component (words)",
}
_MAX_POINTS = MAX_PAIR_ROWS
_NULL_COLOURS = {"random": "#4c78a8", "shuffled": "#f58518"}
#: Legend entry of the real value's rule on the null histograms.
REAL_LABEL = "this source"
_REAL_COLOUR = "#d62728"


@dataclass(frozen=True)
class ScatterData:
    """Rows of the pair scatter; ``omitted`` pairs were left out above the cap (a seeded sample is drawn)."""

    frame: pd.DataFrame
    omitted: int


def pair_scatter_data(comparison: Comparison, *, max_points: int = _MAX_POINTS) -> ScatterData:
    """One row per pair with both cosines and its quadrant, at most ``max_points`` rows in total.

    Above the cap, pairs that are an edge in A or B come first and a seeded
    sample fills the cap (:func:`lib.analysis.compare.sample_pairs`); a
    comparison already capped (:func:`lib.analysis.compare.capped`) counts
    the pairs it left out too.
    """
    df = sample_pairs(comparison.pairs, max_points)
    omitted = comparison.counts()[0] - len(df)
    df = df.assign(cosine_a=df["cosine_a"].round(4), cosine_b=df["cosine_b"].round(4))
    return ScatterData(df.reset_index(drop=True), omitted)


def pair_scatter(
    comparison: Comparison,
    graph_a: RingGraph,
    graph_b: RingGraph,
    *,
    label_a: str = "A",
    label_b: str = "B",
    size: int = 420,
) -> alt.LayerChart:
    """Every pair's cosine in A against B, coloured by quadrant, with both thresholds as rules.

    Hovering a point shows the pair; hovering a legend entry or a point
    highlights its quadrant.
    """
    data = pair_scatter_data(comparison)
    hover = alt.selection_point(fields=["quadrant"], on="pointerover", bind="legend", clear="pointerout")
    colour = alt.Color(
        "quadrant:N",
        scale=alt.Scale(domain=list(QUADRANTS), range=list(QUADRANTS.values())),
        legend=alt.Legend(title="edge in"),
    )
    points = (
        alt.Chart(data.frame)
        .mark_circle(size=28)
        .encode(
            x=alt.X("cosine_a:Q", title=f"cosine in {label_a}"),
            y=alt.Y("cosine_b:Q", title=f"cosine in {label_b}"),
            color=colour,
            opacity=alt.condition(hover, alt.value(0.85), alt.value(0.15)),
            tooltip=[
                alt.Tooltip("source:N", title="word 1"),
                alt.Tooltip("target:N", title="word 2"),
                alt.Tooltip("cosine_a:Q", title=label_a, format=".3f"),
                alt.Tooltip("cosine_b:Q", title=label_b, format=".3f"),
                alt.Tooltip("quadrant:N", title="edge in"),
            ],
        )
        .add_params(hover)
    )
    rules = pd.DataFrame({"threshold": [graph_a.threshold, graph_b.threshold], "of": [label_a, label_b]})
    rule_a = (
        alt.Chart(rules.iloc[[0]])
        .mark_rule(strokeDash=[4, 3], color="#444")
        .encode(
            x="threshold:Q",
            tooltip=[alt.Tooltip("of:N", title="threshold of"), alt.Tooltip("threshold:Q", format=".3f")],
        )
    )
    rule_b = (
        alt.Chart(rules.iloc[[1]])
        .mark_rule(strokeDash=[4, 3], color="#444")
        .encode(
            y="threshold:Q",
            tooltip=[alt.Tooltip("of:N", title="threshold of"), alt.Tooltip("threshold:Q", format=".3f")],
        )
    )
    title = "Every pair: cosine in A vs B"
    if data.omitted:
        total = len(data.frame) + data.omitted
        title = f"Pairs: cosine in A vs B ({len(data.frame):,} of {total:,} drawn, a seeded sample, edges first)"
    return (points + rule_a + rule_b).properties(width=size, height=size, title=title)


def null_frame(result: NullResult) -> pd.DataFrame:
    """Long table of the null values: ``statistic``, ``model``, ``value`` (NaN dropped)."""
    rows = [
        pd.DataFrame({"statistic": name, "model": kind, "value": st.values(kind)})
        for name, st in result.statistics.items()
        for kind in NULL_KINDS
    ]
    df = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["statistic", "model", "value"])
    return df[np.isfinite(df["value"].astype(float))].reset_index(drop=True)


def null_histograms(result: NullResult, *, columns: int = 2, width: int = 300) -> alt.ConcatChart:
    """One histogram per statistic (random and shuffled overlaid) with this source's value as a red rule.

    The rule has its own legend entry ("this source") and every x axis
    reaches it, however far it lies from the null values.
    """
    df = null_frame(result)
    colours = alt.Scale(domain=[*_NULL_COLOURS, REAL_LABEL], range=[*_NULL_COLOURS.values(), _REAL_COLOUR])
    charts = []
    for name, st in result.statistics.items():
        sub = df[df["statistic"] == name]
        values = [*sub["value"].astype(float).tolist(), float(st.real)]
        lo, hi = min(values), max(values)
        pad = (hi - lo) * 0.05 or max(abs(hi), 1e-3) * 0.05
        extent = [round(lo - pad, 6), round(hi + pad, 6)]
        x_scale = alt.Scale(domain=extent, nice=False, zero=False)
        title = STAT_TITLES.get(name, name)
        bars = (
            alt.Chart(sub)
            .mark_bar(opacity=0.55, binSpacing=0)
            .encode(
                x=alt.X("value:Q", bin=alt.Bin(maxbins=30, extent=extent), scale=x_scale, title=title),
                y=alt.Y("count():Q", stack=None, title="draws"),
                color=alt.Color("model:N", scale=colours, legend=alt.Legend(title=None, orient="top")),
                tooltip=["model:N", alt.Tooltip("count():Q", title="draws")],
            )
        )
        real = pd.DataFrame({"value": [round(st.real, 6)], "model": [REAL_LABEL]})
        rule = (
            alt.Chart(real)
            .mark_rule(size=2)
            .encode(
                x=alt.X("value:Q", scale=x_scale),
                color=alt.Color("model:N", scale=colours),
                tooltip=[alt.Tooltip("model:N", title=""), alt.Tooltip("value:Q", title="value", format=".4f")],
            )
        )
        charts.append((bars + rule).properties(width=width, height=160, title=title))
    return alt.concat(*charts, columns=columns)


def sweep_frame(sweeps: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Long table of several sources' sweeps: ``source``, ``k``, ``measure``, ``value``."""
    parts = []
    for label, sw in sweeps.items():
        long = sw.melt(id_vars="k", value_vars=list(SWEEP_MEASURES), var_name="measure", value_name="value")
        parts.append(long.assign(source=label))
    return pd.concat(parts, ignore_index=True)


def sweep_chart(sweeps: Mapping[str, pd.DataFrame], k: float, *, width: int = 260) -> alt.ConcatChart:
    """Edges, density, components and largest component against k, with the current k as a rule."""
    df = sweep_frame(sweeps)
    charts = []
    for measure, title in SWEEP_MEASURES.items():
        sub = df[df["measure"] == measure]
        line = (
            alt.Chart(sub)
            .mark_line(point=alt.OverlayMarkDef(size=12))
            .encode(
                x=alt.X("k:Q", title="k in T = median + k·std"),
                y=alt.Y("value:Q", title=title),
                color=alt.Color("source:N", title="source", scale=source_colour(sweeps)),
                tooltip=[
                    "source:N",
                    alt.Tooltip("k:Q", format=".1f"),
                    alt.Tooltip("value:Q", title=title, format=".3~f"),
                ],
            )
        )
        now = (
            alt.Chart(pd.DataFrame({"k": [float(k)]}))
            .mark_rule(color="#d62728", strokeDash=[4, 3])
            .encode(x="k:Q", tooltip=[alt.Tooltip("k:Q", title="current k")])
        )
        charts.append((line + now).properties(width=width, height=150, title=title))
    return alt.concat(*charts, columns=2)
