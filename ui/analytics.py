"""Streamlit sections of the comparison analytics: measures, scatter, sweep, null model.

Pages call :func:`render_comparison`, :func:`render_sweep` and
:func:`render_null` under their rings; :func:`community_ordered` gives the
"by community" ring order. The numbers come from :mod:`lib.analysis.compare`,
:mod:`lib.analysis.null` and :mod:`lib.analysis.sweep`, cached with ``st.cache_data`` under a
key that holds every input (the specs, words, rule, k and thresholds).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from lib.analysis.charts import STAT_TITLES, null_histograms, pair_scatter, sweep_chart
from lib.analysis.communities import community_order, louvain
from lib.analysis.compare import DEFAULT_PERMUTATIONS, Comparison, capped, compare_graphs
from lib.analysis.null import DEFAULT_DRAWS, NULL_KINDS, NullResult, null_distributions
from lib.analysis.sweep import SWEEP_KS, threshold_sweep
from lib.budget import AUTO_SECONDS, check_compare, check_louvain, check_null
from lib.engine import RingGraph
from lib.errors import BudgetError, CosineRingsError
from lib.graph import GraphResult
from lib.ring_spec import ring_spec
from lib.words import WordList

from .cached import graph_key, graph_result, load_with_progress, show_chart
from .format import DASH, fmt
from .order import reordered
from .sources import check_spec
from .text import plain, plain_list
from .work import within, work_slot

__all__ = [
    "render_comparison",
    "render_sweep",
    "render_null",
    "graph_on_words",
    "community_ordered",
    "measures_table",
    "page_permutations",
]


def _key(r: GraphResult) -> tuple:
    return graph_key(r.graph, r.source)


def _cats(categories: Mapping[str, str] | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((categories or {}).items()))


@st.cache_data(show_spinner=False, max_entries=32)
def _comparison(key: tuple, _a: RingGraph, _b: RingGraph, cats: tuple, permutations: int, seed: int) -> Comparison:
    # Kept capped: its pair table sampled, its edge lists cut (every measure and count stays).
    return capped(compare_graphs(_a, _b, dict(cats), permutations=permutations, seed=seed))


@st.cache_data(show_spinner=False, max_entries=32)
def _sweep(key: tuple, _g: RingGraph) -> pd.DataFrame:
    ks = SWEEP_KS if _g.n <= FINE_SWEEP_WORDS else tuple(0.25 * i for i in range(13))
    return threshold_sweep(_g.similarity, _g.rule, ks=ks)


@st.cache_data(show_spinner=False, max_entries=16)
def _null(
    key: tuple, _g: RingGraph, dim: int, cats: tuple, _other: RingGraph | None, draws: int, seed: int
) -> NullResult:
    return null_distributions(_g, dim, dict(cats), _other, draws=draws, seed=seed)


#: Permuted pair values the page's Mantel test may gather (permutations x pairs).
PERMUTATION_BUDGET = 200_000_000
#: Above this many words the null model waits for a toggle instead of running at once.
AUTO_NULL_WORDS = 150
#: Above this many words the sweep uses coarser steps of k.
FINE_SWEEP_WORDS = 1000


def page_permutations(n_words: int, requested: int = DEFAULT_PERMUTATIONS) -> int:
    """Mantel permutations for the page: ``requested``, fewer for long lists (at least 199)."""
    pairs = max(1, n_words * (n_words - 1) // 2)
    return int(min(requested, max(199, PERMUTATION_BUDGET // pairs)))


def measures_table(c: Comparison, label_a: str = "A", label_b: str = "B") -> pd.DataFrame:
    """The per-source measures side by side: communities, modularity, category ARI, selectivity."""
    rows = [
        ("communities (Louvain)", len(c.communities_a.communities), len(c.communities_b.communities)),
        ("modularity", fmt(c.communities_a.modularity), fmt(c.communities_b.modularity)),
        ("ARI vs categories", fmt(c.category_ari_a), fmt(c.category_ari_b)),
        ("selectivity", fmt(c.selectivity_a), fmt(c.selectivity_b)),
    ]
    return pd.DataFrame([(m, str(a), str(b)) for m, a, b in rows], columns=["measure", label_a, label_b])


def _same_words(a: GraphResult, b: GraphResult) -> bool:
    if a.graph.words == b.graph.words:
        return True
    st.info(
        "The two sources were drawn on different words (one of them failed or the lists "
        "differ), so they cannot be compared pair by pair."
    )
    return False


def _metrics(c: Comparison, label_a: str, label_b: str) -> None:
    """The comparison's headline numbers and the caption under them."""
    m = st.columns(5)
    m[0].metric(
        "RSA (Spearman)",
        fmt(c.rsa.spearman),
        help="Spearman correlation of the two "
        "upper triangles of the cosine matrices (every pair's cosine in A vs in B)",
    )
    m[1].metric(
        "Mantel p",
        fmt(c.rsa.p_value, 4),
        help=f"{c.rsa.permutations:,} permutations of B's "
        "rows and columns together; p = (1 + #{permuted ≥ observed}) / (1 + permutations)",
    )
    m[2].metric("Edge Jaccard", fmt(c.edges.jaccard), help="shared edges / edges in either")
    m[3].metric(
        "Degree Spearman",
        fmt(c.degree_spearman),
        help="Spearman correlation of each word's degree in A and in B: do the same words become hubs?",
    )
    m[4].metric("Communities ARI", fmt(c.ari), help="adjusted Rand index of A's and B's Louvain communities")
    st.caption(
        f"Pearson RSA {fmt(c.rsa.pearson)}. Edges: {c.counts()[1]:,} shared, "
        f"{c.counts()[2]:,} only in {label_a}, {c.counts()[3]:,} only in {label_b}. "
        f"Hubs (top degrees) of {label_a}: {plain_list(c.hubs_a) or 'none'}; of {label_b}: "
        f"{plain_list(c.hubs_b) or 'none'}; shared: {plain_list(c.hubs_shared) or 'none'}."
    )


def _community_rings(c: Comparison, side_a: tuple[str, RingGraph], side_b: tuple[str, RingGraph], labels: bool) -> None:
    """Both rings coloured by their Louvain communities, at the same positions."""
    (label_a, a), (label_b, b) = side_a, side_b
    st.subheader("Communities (Louvain, cosine as weight)")
    st.caption(
        "Nodes coloured by community; same positions as the rings above. Choose the ring "
        "order “by community” in the sidebar to group A's communities on both rings."
    )
    for col, (label, g, part) in zip(st.columns(2), ((label_a, a, c.communities_a), (label_b, b, c.communities_b))):
        groups = {w: f"community {lab + 1}" for w, lab in part.label_of().items()}
        with col:
            show_chart(
                ring_spec,
                ("communities", graph_key(g), tuple(groups.items())),
                g,
                square=True,
                theme=None,
                element_key=f"cmp_comm_{label}",
                groups=groups,
                labels=labels,
                size=340,
                legend="bottom",
                title=f"{label}: {len(part.communities)} communities",
            )


def render_comparison(
    result_a: GraphResult,
    result_b: GraphResult,
    categories: Mapping[str, str] | None = None,
    *,
    label_a: str = "A",
    label_b: str = "B",
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = 0,
    labels: bool = True,
) -> Comparison | None:
    """Show how alike two rings on the same words are; return the comparison (None if not comparable).

    Long lists get fewer Mantel permutations (:func:`page_permutations`); the
    metric's help says how many were used.
    """
    st.header("How alike are the two rings?")
    if not _same_words(result_a, result_b):
        return None
    a, b = result_a.graph, result_b.graph
    permutations = page_permutations(a.n, permutations)
    try:
        cost = within(check_compare, a.n, permutations, edges=(a.n_edges, b.n_edges))
        with work_slot(cost), st.spinner(f"Comparing (Mantel test, {permutations:,} permutations) …"):
            c = _comparison((_key(result_a), _key(result_b)), a, b, _cats(categories), int(permutations), int(seed))
    except BudgetError as exc:
        st.warning(f"Not compared: {plain(str(exc), 400)}.", icon=":material/balance:")
        return None
    _metrics(c, label_a, label_b)
    left, right = st.columns([3, 2])
    with left:
        show_chart(
            pair_scatter,
            ("scatter", _key(result_a), _key(result_b)),
            c,
            a,
            b,
            label_a=label_a,
            label_b=label_b,
            size=360,
            square=True,
            theme=None,
            element_key="cmp_scatter",
        )
    with right:
        # Short measure names (explained below), so no cell is cut off in a narrow column.
        st.dataframe(
            measures_table(c, label_a, label_b),
            hide_index=True,
            width="stretch",
            column_config={"measure": st.column_config.TextColumn(width="medium")},
        )
        st.caption(
            "ARI vs categories: Louvain communities against the list's categories. Selectivity: mean "
            "cosine within a category minus between categories."
        )
        with st.expander("Edge lists"):
            for title, df, total in (
                ("shared", c.edges.shared, c.counts()[1]),
                (f"only {label_a}", c.edges.only_a, c.counts()[2]),
                (f"only {label_b}", c.edges.only_b, c.counts()[3]),
            ):
                shown = f"{total:,}" if total == len(df) else f"the strongest {len(df):,} of {total:,}"
                st.markdown(f"**{plain(title, 80)}** ({shown})")
                st.dataframe(df.round(4), hide_index=True, height=180, width="stretch")
    _community_rings(c, (label_a, a), (label_b, b), labels)
    return c


def render_sweep(results: Mapping[str, GraphResult], k: float) -> None:
    """Edges, density, components and largest component as k goes from 0 to 3, current k marked."""
    st.subheader("Threshold sweep")
    st.caption("T = median + k·std for k from 0 to 3 (the fixed rule is swept with the seed rule).")
    sweeps = {label: _sweep(_key(r), r.graph) for label, r in results.items()}
    if sweeps:
        key = ("sweep", tuple(_key(r) for r in results.values()), tuple(results))
        show_chart(sweep_chart, key, sweeps, k, square=True, theme=None, element_key="cmp_sweep")


#: Column help of the null table (hover a column header).
_NULL_HELP = {
    "real": st.column_config.TextColumn(help="the statistic on this source's ring"),
    **{
        f"{kind} {col}": st.column_config.TextColumn(help=text.format(kind=kind))
        for kind in NULL_KINDS
        for col, text in (
            ("mean", "mean over the {kind} draws"),
            ("z", "(real − {kind} mean) / {kind} std; – when the {kind} values never vary"),
            ("p", "(1 + #{{{kind} ≥ real}}) / (1 + draws), one-sided"),
        )
    },
}


def _null_table(res: NullResult) -> pd.DataFrame:
    rows = []
    for name, s in res.statistics.items():
        row = {"statistic": STAT_TITLES.get(name, name), "real": fmt(s.real, 4)}
        for kind in NULL_KINDS:
            v = s.values(kind)
            row[f"{kind} mean"] = fmt(float(v.mean()), 4) if v.size else DASH
            row[f"{kind} z"] = fmt(s.z(kind), 2)
            row[f"{kind} p"] = fmt(s.p(kind), 4)
        rows.append(row)
    return pd.DataFrame(rows)


def render_null(
    result: GraphResult,
    dim: int,
    categories: Mapping[str, str] | None = None,
    other: GraphResult | None = None,
    *,
    draws: int | None = None,
    seed: int = 0,
    key: str = "null",
) -> NullResult | None:
    """Null distributions of ``result``'s statistics from random and shuffled spaces.

    With ``draws`` None a number input (default 200) lets the reader choose K.
    """
    st.header("Is it more than chance?")
    if draws is None:
        draws = int(st.number_input("Draws per null model (K)", 10, 1000, DEFAULT_DRAWS, step=10, key=f"{key}_draws"))
    n = result.graph.n
    try:
        # A fixed rule keeps as many null pairs as its value allows: at most every pair.
        edges = result.graph.n_pairs if result.graph.rule == "fixed" else None
        cost = within(check_null, n, dim, draws, edges=edges)
    except BudgetError as exc:
        st.warning(f"Not computed: {plain(str(exc), 400)}.", icon=":material/balance:")
        return None
    if (n > AUTO_NULL_WORDS or cost.seconds > AUTO_SECONDS) and not st.toggle(
        f"Compute the null distributions ({n} words, {draws} draws: {cost.text()})", key=f"{key}_run"
    ):
        return None
    if other is not None and other.graph.words != result.graph.words:
        other = None
    okey = _key(other) if other is not None else None
    try:
        with work_slot(cost), st.spinner(f"Drawing {draws} random and {draws} shuffled spaces …"):
            res = _null(
                (_key(result), okey),
                result.graph,
                int(dim),
                _cats(categories),
                other.graph if other is not None else None,
                int(draws),
                int(seed),
            )
    except CosineRingsError as exc:
        st.error(plain(str(exc), 400), icon=":material/block:")
        return None
    dens = res.statistics["density"]
    st.markdown(
        f"**What a random space still shows.** The threshold rule keeps a fixed share of pairs "
        f"whatever the space: random {dim}-dimensional vectors keep {dens.random.mean():.1%} of "
        f"pairs here on average (this source: {dens.real:.1%}), with hubs, isolated words and "
        f"communities of their own (random modularity {res.statistics['modularity'].random.mean():.2f}). "
        "**What it does not show** is structure that matches the words: categories that link "
        "inside themselves, communities that agree with the categories, or similarities that "
        "agree with another trained source. Shuffling the source's own vectors between words "
        "keeps its graph's shape exactly (same density and modularity) and breaks only that match."
    )
    if categories is None or not categories:
        st.caption(
            "This list has no categories: selectivity and category agreement need a preset or a category,word file."
        )
    st.dataframe(_null_table(res), hide_index=True, width="stretch", column_config=_NULL_HELP)
    st.caption(
        f"z = (real − null mean) / null std; p = (1 + #{{null ≥ real}}) / (1 + {res.draws}), "
        "one-sided. A z of “–” means the null never varies (e.g. density under shuffling)."
    )
    show_chart(
        null_histograms,
        (_key(result), okey, int(draws), int(seed)),
        res,
        square=True,
        theme=None,
        element_key=f"{key}_hist",
    )
    return res


def graph_on_words(spec: str, result: GraphResult) -> GraphResult | None:
    """Source ``spec``'s graph on ``result``'s words and threshold settings; None if it fails."""
    if check_spec(spec):
        return None
    g = result.graph
    try:
        load_with_progress(spec, "source B")
        return graph_result(spec, g.words, g.rule, g.k, g.value)
    except Exception:  # no second source is fine: the null model just leaves RSA out
        return None


@st.cache_data(show_spinner=False, max_entries=32)
def _order_by_a(key: tuple, _a: RingGraph) -> tuple[str, ...]:
    part = louvain(_a.words, _a.similarity, _a.mask)
    return tuple(community_order(_a.words, part.communities))


def community_ordered(words: WordList, spec_a: str, rule: str, k: float, value: float | None) -> WordList:
    """``words`` re-ordered by source A's Louvain communities, for both rings.

    A's graph is built on ``words`` in their given order; words A lacks go
    last. When A cannot be drawn the given order is kept.
    """
    try:
        if check_spec(spec_a):
            return words
        load_with_progress(spec_a, "source A")
        result_a = graph_result(spec_a, words.words, rule, k, value)
    except Exception:  # A's own panel shows the error; the order just stays as given
        return words
    try:  # Louvain on every edge of A: budgeted like the rest of the page
        with work_slot(within(check_louvain, result_a.graph.n_edges)):
            order = _order_by_a(_key(result_a), result_a.graph)
    except BudgetError as exc:
        st.warning(f"Not ordered by community: {plain(str(exc), 400)}.", icon="⚖️")
        return words
    return reordered(words, order)
