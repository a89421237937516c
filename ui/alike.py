"""The Compare page's "How alike" table: every calibrated measure of :mod:`lib.measures` with its null and interval.

:func:`alike_frame` turns :func:`lib.measures.calibrate`'s results into the
table (measure, value, interval, null mean, z, p, a one-line reading);
:func:`disagreement` says when the measures disagree about significance at
0.05; :func:`render_alike` computes (cached, within the work budget) and shows
both. :func:`calibrated_matrices` gives the Many sources page the K x K
matrices of the same measures, :func:`vocabulary_metrics` the Neighbours page
its vocabulary-level CKA and Procrustes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import streamlit as st

from lib.analysis.neighbours import Neighbourhoods
from lib.budget import check_measures, default_budget, largest, measures_cost
from lib.errors import BudgetError
from lib.graph import GraphResult
from lib.measures import DEFAULT_BOOTSTRAP, DISTANCES, NAMES, VOCABULARY_MEASURES, Calibrated, calibrate
from lib.measures.matrix import MATRIX_MEASURES, measure_matrices, source_vectors
from lib.measures.vocabulary import DEFAULT_VOCABULARY_PERMUTATIONS, vocabulary_measures

from .cached import get_source
from .format import DASH, fmt
from .text import plain
from .work import work_slot

__all__ = [
    "TITLES",
    "READINGS",
    "ALPHA",
    "HEATMAP_STYLES",
    "alike_frame",
    "disagreement",
    "render_alike",
    "calibrated_matrices",
    "vocabulary_metrics",
]

#: Display names of the measures.
TITLES = {
    "rsa_spearman": "RSA (Spearman)",
    "cka_linear": "CKA (linear)",
    "cka_debiased": "CKA (debiased)",
    "procrustes_angular": "Procrustes angle",
    "mutual_knn": "Mutual k-NN",
}
#: What each measure asks, in one line.
READINGS = {
    "rsa_spearman": "do word pairs close in A tend to be close in B?",
    "cka_linear": "how much overall geometry the spaces share (high for few words in many dimensions)",
    "cka_debiased": "shared geometry without that inflation (about 0 for unrelated spaces)",
    "procrustes_angular": "angle between the spaces after the best rotation (0: same shape; larger: less alike)",
    "mutual_knn": "share of each word's nearest neighbours the two spaces agree on",
}
#: Significance level of the disagreement flag.
ALPHA = 0.05
#: Bootstrap resamples the page tries, largest first, until one fits the work budget.
_PAGE_BOOTSTRAPS = (DEFAULT_BOOTSTRAP, 200, 0)


def _verdict(name: str, r: Calibrated) -> str:
    if r.value is None:
        return r.reason or "undefined"
    if r.p is None:
        return "no permutations"
    if r.p <= ALPHA:
        return "more alike than chance" if name not in DISTANCES else "closer than chance"
    return "not distinguishable from chance"


def alike_frame(measures: Mapping[str, Calibrated]) -> pd.DataFrame:
    """One row per measure: value, 95 % interval, null mean, z, p and the reading (text, rounded)."""
    rows = []
    for name, r in measures.items():
        interval = f"{fmt(r.ci_low)} to {fmt(r.ci_high)}" if r.ci_low is not None else DASH
        rows.append(
            {
                "measure": TITLES[name],
                "value": fmt(r.value),
                "95 % interval": interval,
                "null mean": fmt(r.null_mean),
                "z": fmt(r.z, 2),
                "p": fmt(r.p, 4),
                "reading": f"{_verdict(name, r)}: {READINGS[name]}",
            }
        )
    return pd.DataFrame(rows, columns=["measure", "value", "95 % interval", "null mean", "z", "p", "reading"])


def disagreement(measures: Mapping[str, Calibrated], alpha: float = ALPHA) -> str | None:
    """A sentence naming the measures on each side when some are significant at ``alpha`` and some not."""
    significant = [TITLES[n] for n, r in measures.items() if r.p is not None and r.p <= alpha]
    not_significant = [TITLES[n] for n, r in measures.items() if r.p is not None and r.p > alpha]
    if not significant or not not_significant:
        return None
    return (
        f"The measures disagree: {', '.join(significant)} find the spaces more alike than chance "
        f"(p ≤ {alpha}), {', '.join(not_significant)} do not. They look at different things "
        "(pairs, overall geometry, neighbourhoods); see the method page."
    )


@st.cache_data(show_spinner=False, max_entries=16)
def _calibrated(
    spec_a: str, spec_b: str, words: tuple[str, ...], permutations: int, bootstrap: int, seed: int
) -> dict[str, Calibrated]:
    x = source_vectors(get_source(spec_a), words)
    y = source_vectors(get_source(spec_b), words)
    return calibrate(x, y, NAMES, permutations=permutations, bootstrap=bootstrap, seed=seed)


def render_alike(result_a: GraphResult, result_b: GraphResult, permutations: int, seed: int = 0) -> None:
    """The "How alike" table under the comparison (same words, same permutations as its Mantel test)."""
    a, b = result_a.graph, result_b.graph
    if a.words != b.words:
        return
    st.subheader("How alike, against chance")
    cost, bootstrap = None, 0
    for bootstrap in _PAGE_BOOTSTRAPS:
        try:
            cost = check_measures(a.n, result_a.dim, result_b.dim, NAMES, permutations, bootstrap)
            break
        except BudgetError as exc:
            error = exc
    if cost is None:
        st.warning(f"Not measured: {plain(str(error), 400)}.", icon="⚖️")
        return
    with work_slot(cost), st.spinner(f"Measuring ({permutations:,} permutations, {bootstrap:,} resamples) …"):
        measures = _calibrated(result_a.source, result_b.source, a.words, int(permutations), int(bootstrap), seed)
    # A static table: its cells wrap, so the readings stay whole in a narrow window.
    st.table(alike_frame(measures).set_index("measure"))
    flag = disagreement(measures)
    if flag:
        st.warning(flag, icon="⚠️")
    st.caption(
        f"Each measure against {permutations:,} permutations of B's words (the vectors handed to the words at "
        "random): p = (1 + #{as extreme}) / (1 + permutations), z = (value − null mean) / null std. The "
        + (
            f"interval is a 95 % bootstrap interval over {bootstrap:,} resamples of the words."
            if bootstrap
            else "interval is left out: resampling these words would go over the work budget."
        )
    )


#: How each calibrated matrix is coloured on the Many sources page: (domain, scheme, diverging).
HEATMAP_STYLES = {
    "cka_linear": ((0.0, 1.0), "blues", False),
    "cka_debiased": ((-1.0, 1.0), "blueorange", True),
    "procrustes_angular": ((0.0, 1.571), "blues", False),
    "mutual_knn": ((0.0, 1.0), "blues", False),
}


@st.cache_data(show_spinner=False, max_entries=8)
def _matrices(specs: tuple[str, ...], words: tuple[str, ...], permutations: int, nk: int) -> dict:
    vectors = [source_vectors(get_source(spec), words) for spec in specs]
    return measure_matrices(vectors, permutations=permutations, seed=0, nk=nk)


def calibrated_matrices(results: list[GraphResult], permutations: int, nk: int) -> dict:
    """The calibrated K x K matrices of the sources (empty, with a note, when over the work budget)."""
    n, count = results[0].graph.n, len(results)
    dims = sorted(r.dim for r in results)[-2:]
    try:
        cost = check_measures(n, dims[0], dims[1], MATRIX_MEASURES, permutations, 0, nk, count * (count - 1) // 2)
    except BudgetError as exc:
        st.caption(f"CKA, Procrustes and mutual k-NN left out: {plain(str(exc), 300)}.")
        return {}
    with work_slot(cost), st.spinner("CKA, Procrustes and mutual k-NN for every pair …"):
        return _matrices(tuple(r.source for r in results), results[0].graph.words, int(permutations), int(nk))


@st.cache_data(show_spinner=False, max_entries=4, ttl=600)
def _vocabulary(spec_a: str, spec_b: str, words: tuple[str, ...], permutations: int) -> dict[str, Calibrated]:
    return vocabulary_measures(get_source(spec_a), get_source(spec_b), words, permutations=permutations)


def vocabulary_metrics(result: Neighbourhoods, spec_a: str, spec_b: str, columns: Sequence | None = None) -> None:
    """Linear CKA, debiased CKA and the Procrustes angle over the whole shared vocabulary, as metrics.

    ``columns``: three free columns of the page's metrics row (default: a new row).

    As many permutations as fit the work budget, up to
    :data:`~lib.measures.vocabulary.DEFAULT_VOCABULARY_PERMUTATIONS`; none (values only) when not even 19 fit.
    """
    n = len(result.words)
    dims = (get_source(spec_a).dim, get_source(spec_b).dim)
    budget = default_budget()

    def cost(p: int):
        return measures_cost(n, *dims, VOCABULARY_MEASURES, p, 0)

    permutations = largest(lambda p: budget.allows(cost(p)), 19, DEFAULT_VOCABULARY_PERMUTATIONS)
    if permutations < 19:
        permutations = 0
    if not budget.allows(cost(permutations)):
        st.caption(f"CKA and Procrustes over the vocabulary left out: {cost(permutations).text()} is over the budget.")
        return
    with work_slot(cost(permutations)), st.spinner("CKA and Procrustes over the whole vocabulary …"):
        measures = _vocabulary(spec_a, spec_b, tuple(result.words), permutations)
    cols = columns if columns is not None else st.columns(len(measures))
    for col, (name, r) in zip(cols, measures.items(), strict=True):
        col.metric(
            TITLES[name],
            fmt(r.value),
            help=f"{READINGS[name]}; over all {n:,} shared words"
            + (f"; p {fmt(r.p, 4)}, z {fmt(r.z, 1)} against {permutations:,} permutations" if permutations else ""),
        )
    if permutations:
        st.caption(
            "Against B's words permuted: "
            + "; ".join(f"{TITLES[name]} p {fmt(r.p, 4)}, z {fmt(r.z, 1)}" for name, r in measures.items())
            + f" ({permutations:,} permutations)."
        )
