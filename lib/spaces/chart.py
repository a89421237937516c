"""The space card's pictures: tidy data and Altair charts (the N_k histogram, the benchmark bars).

Prepare and draw are apart: :func:`occurrence_table` and
:func:`benchmark_table` make the DataFrames, the ``*_chart`` functions only
draw them.

Examples
--------
>>> import numpy as np
>>> from lib.spaces.hubness import hub_summary
>>> h = hub_summary(np.array([0, 1, 1, 2, 6]), 2, list("abcde"))
>>> occurrence_table(h)[["n_k", "words"]].values.tolist()
[[0, 1], [1, 2], [2, 1], [6, 1]]
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
    "wordsim353": "WordSim-353 (Spearman)",
    "simlex999": "SimLex-999 (Spearman)",
    "analogies": "Analogies (3CosAdd accuracy)",
}


def occurrence_table(h: Hubness) -> pd.DataFrame:
    """How many words have each k-occurrence value: columns ``n_k``, ``words``."""
    values, counts = np.unique(h.counts, return_counts=True)
    return pd.DataFrame({"n_k": values.astype(int), "words": counts.astype(int)})


def occurrence_chart(table: pd.DataFrame, *, k: int, skewness: float, height: int = 200) -> alt.Chart:
    """Bars of words per N_k value on a log count axis, with the mean k marked."""
    bars = (
        alt.Chart(table)
        .mark_bar(width={"band": 1})
        .encode(
            x=alt.X("n_k:Q", title=f"N_{k} (times among others' {k} nearest)", bin=False),
            y=alt.Y("words:Q", title="words (log scale)", scale=alt.Scale(type="log", domainMin=0.8)),
            tooltip=[alt.Tooltip("n_k:Q", title=f"N_{k}"), alt.Tooltip("words:Q", title="words")],
        )
    )
    mean = alt.Chart(pd.DataFrame({"k": [k]})).mark_rule(strokeDash=[4, 3], color="grey").encode(x="k:Q")
    return (bars + mean).properties(height=height, title=f"k = {k}: skewness {skewness:.2f}")


def benchmark_table(benchmarks: Mapping[str, dict]) -> pd.DataFrame:
    """One row per benchmark: its headline ``value`` (Spearman or accuracy), interval, coverage."""
    rows = []
    for name, b in benchmarks.items():
        if "pairs_used" in b:
            ci = b.get("spearman_ci") or [None, None]
            value, lo, hi = b.get("spearman"), ci[0], ci[1]
            covered = f"{b['pairs_used']}/{b['pairs_total']} pairs"
        else:
            value, lo, hi = b.get("accuracy"), None, None
            covered = f"{b['questions_used']:,}/{b['questions_total']:,} questions"
        rows.append(
            {"benchmark": BENCHMARK_LABELS.get(name, name), "value": value, "low": lo, "high": hi, "covered": covered}
        )
    return pd.DataFrame(rows, columns=["benchmark", "value", "low", "high", "covered"])


def benchmark_chart(table: pd.DataFrame, *, height: int = 130) -> alt.Chart:
    """Horizontal bars of each benchmark's number with its 95 % bootstrap interval where there is one."""
    base = alt.Chart(table.dropna(subset=["value"])).encode(
        y=alt.Y("benchmark:N", title=None, sort=None, axis=alt.Axis(labelLimit=220))
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
    return (bars + ci).properties(height=height)
