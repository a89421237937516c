"""The space card's pictures: tidy data and Altair charts (the N_k histogram, the benchmark bars).

Prepare and draw are apart: :func:`occurrence_table` and
:func:`benchmark_table` make the DataFrames, the ``*_chart`` functions only
draw them.

Examples
--------
>>> import numpy as np
>>> from lib.spaces.hubness import hub_summary
>>> h = hub_summary(np.array([0, 1, 1, 2, 6]), 2, list("abcde"))
>>> occurrence_table(h)[["low", "high", "words"]].values.tolist()
[[0, 1, 1], [1, 2, 2], [2, 3, 1], [6, 7, 1]]
"""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import numpy as np
import pandas as pd

from .hubness import Hubness

__all__ = ["occurrence_table", "occurrence_chart", "benchmark_table", "benchmark_chart", "BENCHMARK_LABELS"]

#: How each benchmark's headline number is labelled.
BENCHMARK_LABELS = {
    "wordsim353": "WordSim-353 Spearman",
    "simlex999": "SimLex-999 Spearman",
    "analogies": "analogies accuracy",
}


def occurrence_table(h: Hubness, bins: int = 40) -> pd.DataFrame:
    """Words per N_k range: columns ``low``, ``high`` (N_k in [low, high)), ``words``, ``base``.

    Ranges are whole numbers wide (1 when N_k spans fewer than ``bins`` values);
    empty ranges are left out, as a log axis has no place for 0. ``base`` is
    where a bar starts on the log axis.
    """
    top = int(h.counts.max()) + 1
    width = max(1, int(np.ceil(top / bins)))
    edges = np.arange(0, top + width, width)
    counts, _ = np.histogram(h.counts, bins=edges)
    keep = counts > 0
    return pd.DataFrame(
        {"low": edges[:-1][keep], "high": edges[1:][keep], "words": counts[keep].astype(int), "base": 0.8}
    )


def occurrence_chart(table: pd.DataFrame, *, k: int, skewness: float, height: int = 200) -> alt.Chart:
    """Bars of words per N_k range on a log count axis, with the mean k marked (dashed)."""
    bars = (
        alt.Chart(table)
        .mark_bar(color="#4c78a8")
        .encode(
            x=alt.X("low:Q", title=f"N_{k} (times among others' {k} nearest)", scale=alt.Scale(domainMin=0)),
            x2="high:Q",
            y=alt.Y("words:Q", title="words (log scale)", scale=alt.Scale(type="log", domainMin=0.8)),
            y2="base:Q",
            tooltip=[
                alt.Tooltip("low:Q", title=f"N_{k} from"),
                alt.Tooltip("high:Q", title="below"),
                alt.Tooltip("words:Q", title="words"),
            ],
        )
    )
    mean = alt.Chart(pd.DataFrame({"k": [k]})).mark_rule(strokeDash=[4, 3], color="black").encode(x="k:Q")
    # fit-x: a page may fit the width to its column; the height stays the plot's own.
    fit = alt.AutoSizeParams(type="fit-x", contains="padding")
    return (bars + mean).properties(height=height, title=f"k = {k}: skewness {skewness:.2f}", autosize=fit)


def benchmark_table(benchmarks: Mapping[str, dict]) -> pd.DataFrame:
    """One row per benchmark: headline ``value`` (Spearman or accuracy), interval, ``covered`` (used/total)."""
    rows = []
    for name, b in benchmarks.items():
        if "pairs_used" in b:
            ci = b.get("spearman_ci") or [None, None]
            value, lo, hi = b.get("spearman"), ci[0], ci[1]
            covered = f"{b['pairs_used']:,}/{b['pairs_total']:,}"
        else:
            value, lo, hi = b.get("accuracy"), None, None
            covered = f"{b['questions_used']:,}/{b['questions_total']:,}"
        rows.append(
            {"benchmark": BENCHMARK_LABELS.get(name, name), "value": value, "low": lo, "high": hi, "covered": covered}
        )
    return pd.DataFrame(rows, columns=["benchmark", "value", "low", "high", "covered"])


def benchmark_chart(table: pd.DataFrame, *, step: int = 32) -> alt.Chart:
    """Horizontal bars of each benchmark's number with its 95 % bootstrap interval where there is one."""
    base = alt.Chart(table.dropna(subset=["value"])).encode(
        y=alt.Y("benchmark:N", title=None, sort=None, axis=alt.Axis(labelLimit=220, labelOverlap=False))
    )
    bars = base.mark_bar(color="#4c78a8").encode(
        x=alt.X("value:Q", title="score", scale=alt.Scale(domain=[0, 1])),
        tooltip=["benchmark", alt.Tooltip("value:Q", format=".3f"), "covered"],
    )
    ci = (
        base.transform_filter("isValid(datum.low)")
        .mark_rule(color="black", strokeWidth=2)
        .encode(x="low:Q", x2="high:Q")
    )
    return (bars + ci).properties(height=alt.Step(step))
