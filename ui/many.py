"""Helpers of the Many sources page: the picked sources (kept in the URL), the grid of rings, the matrices.

The sources travel in the URL as ``sources=SPEC;SPEC;...`` (SPECs contain
commas, so ``;`` separates them; repeating ``sources=`` works too). The
rings come from :func:`ui.views.compute_panels`, so all of them are drawn
on the words every source has, at the same positions.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import numpy as np
import streamlit as st

from lib.analysis.compare import DEFAULT_PERMUTATIONS
from lib.analysis.matrix import DEFAULT_NK, MIN_COMMON_WORDS, matrices_csv, pair_measures, pair_table
from lib.analysis.matrix_charts import (
    MAP_DISTANCES,
    MEASURE_TITLES,
    figure_bytes,
    heatmap_chart,
    ring_grid_spec,
    source_map_chart,
    unique_labels,
)
from lib.budget import check_matrix
from lib.engine import RingGraph
from lib.errors import BudgetError
from lib.measures.matrix import MATRIX_MEASURES
from lib.ring_spec import ring_spec

from .alike import HEATMAP_STYLES, calibrated_matrices
from .cached import graph_key, show_chart
from .downloads import prompt
from .panels import shown_spec
from .pick import chart_key, selected_word, take_pick
from .sidebar import Choices
from .sources import check_spec, known_specs
from .state import page_param, publish
from .text import plain, plain_list, shorten
from .views import Panel
from .work import within, work_slot

__all__ = [
    "SOURCES_PARAM",
    "SEPARATOR",
    "MIN_SOURCES",
    "MAX_SOURCES",
    "parse_sources",
    "default_sources",
    "pick_sources",
    "kept_sources",
    "grid_shape",
    "ring_grid",
    "cached_measures",
    "matrix_section",
]

SOURCES_PARAM = "sources"
SEPARATOR = ";"
MIN_SOURCES, MAX_SOURCES = 3, 8
#: Ring size (pixels) for rows of two and of three: with its labels a ring
#: is about 60 px wider, and a 1280 px window gives a third of ~270 px.
_SIZES = {2: 320, 3: 210}
_KEY = "many_sources"
_KEEP = "_many_sources_kept"
_NOTES = "_many_sources_notes"


def _dedupe(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


def parse_sources(values: Sequence[str]) -> tuple[list[str], list[str]]:
    """The SPECs of ``sources=`` values (each may hold several, ``;``-separated) and a note per refused one.

    >>> parse_sources(["glove;random:dim=50,seed=1", "nonsense:x"])[0]
    ['glove', 'random:dim=50,seed=1']
    """
    specs: list[str] = []
    notes: list[str] = []
    for value in values:
        for part in str(value).split(SEPARATOR):
            spec = part.strip()
            if not spec or spec in specs:
                continue
            problem = check_spec(spec)
            if problem:
                notes.append(f"source {shorten(spec, 80)!r}: {shorten(problem, 200)}")
            else:
                specs.append(spec)
    if len(specs) > MAX_SOURCES:
        notes.append(f"{len(specs)} sources given; only the first {MAX_SOURCES} are used")
        specs = specs[:MAX_SOURCES]
    return specs, notes


def default_sources(a: str, b: str) -> list[str]:
    """The sidebar's A and B, random vectors and A shuffled."""
    return _dedupe([a, b, "random:dim=50", f"shuffled:{a}"])


def pick_sources(ch: Choices) -> list[str]:
    """The multiselect of sources (first from the link, else the defaults); writes them to the URL."""
    ss = st.session_state
    if _KEY not in ss:
        if _KEEP in ss:  # back from another page: the widget's value was cleared with it
            ss[_KEY] = ss[_KEEP]
        else:
            from_url, ss[_NOTES] = parse_sources(page_param(SOURCES_PARAM))
            ss[_KEY] = from_url or default_sources(ch.state.a, ch.state.b)
    for note in ss.get(_NOTES, []):
        st.warning(f"Link parameter not used: {plain(note, 400)}", icon=":material/link:")
    options = _dedupe(list(ss[_KEY]) + default_sources(ch.state.a, ch.state.b) + known_specs())
    picked = st.multiselect(
        f"Sources ({MIN_SOURCES} to {MAX_SOURCES}; type a SPEC to add one)",
        options,
        key=_KEY,
        max_selections=MAX_SOURCES,
        accept_new_options=True,
        format_func=shown_spec,
        help="e.g. random:dim=300,seed=2 or shuffled:glove,seed=1",
    )
    good = []
    for spec in picked:
        problem = check_spec(spec)
        if problem:
            st.warning(f"Source {plain(repr(spec), 80)} left out: {plain(problem, 400)}", icon=":material/block:")
        else:
            good.append(spec)
    ss[_KEEP] = good
    publish(**{SOURCES_PARAM: SEPARATOR.join(good)})
    return good


def kept_sources() -> list[str]:
    """This session's last usable Many sources selection ([] before the page was opened)."""
    return list(st.session_state.get(_KEEP, []))


def grid_shape(count: int) -> tuple[int, int]:
    """Rings per row and ring size for ``count`` rings: four as two by two, otherwise rows of three."""
    columns = 2 if count in (2, 4) else 3
    return columns, _SIZES[columns]


def _title(spec: str, graph: RingGraph) -> str:
    return f"{shown_spec(spec)} — {graph.n_edges:,} edges"


def ring_grid(panels: Sequence[Panel], ch: Choices, domain: tuple[float, float] | None) -> None:
    """One small ring per source, titled with its SPEC and edge count; errors stay in their cell."""
    columns, size = grid_shape(len(panels))
    for start in range(0, len(panels), columns):
        row = panels[start : start + columns]
        for column, panel in zip(st.columns(columns, gap="small"), row, strict=False):
            with column:
                if panel.download:
                    prompt(panel.spec, panel.download, f"many_{start}_{panel.label}")
                elif not panel.ok:
                    st.error(f"{plain(shown_spec(panel.spec), 80)}: {plain(panel.error, 400)}", icon=":material/block:")
                else:
                    g = panel.result.graph
                    element = chart_key(f"many_chart_{panel.label}")
                    with st.container(key=f"ring_many_{panel.label}"):
                        show_chart(
                            ring_spec,
                            graph_key(g, panel.result.source),
                            g,
                            square=True,
                            theme=None,
                            categories=panel.categories,
                            labels=ch.state.labels,
                            color_domain=domain,
                            size=size,
                            legend="bottom",
                            title=_title(panel.spec, g),
                            selected=selected_word() if selected_word() in g.words else None,
                            element_key=element,
                            on_select=partial(take_pick, element),
                        )


@st.cache_data(show_spinner=False, max_entries=16)
def cached_measures(
    key: tuple, _graphs: tuple[RingGraph, ...], permutations: int, seed: int, nk: int
) -> dict[str, np.ndarray]:
    """:func:`lib.analysis.matrix.pair_measures` of ``_graphs`` (``key`` identifies them)."""
    return pair_measures(list(_graphs), permutations=permutations, seed=seed, nk=nk)


def _settings() -> tuple[int, int]:
    left, right = st.columns(2)
    permutations = int(
        left.number_input("Mantel permutations", 99, 100_000, DEFAULT_PERMUTATIONS, 1_000, key="many_permutations")
    )
    nk = int(right.number_input("k of the k-NN Jaccard", 1, 50, DEFAULT_NK, 1, key="many_nk"))
    return permutations, nk


def _downloads(
    specs: list[str], graphs: list[RingGraph], matrices: dict, ch: Choices, domain: tuple[float, float] | None
) -> None:
    def figure(fmt: str):
        titles = [_title(s, g) for s, g in zip(specs, graphs, strict=True)]
        columns = grid_shape(len(graphs))[0]
        return lambda: figure_bytes(
            ring_grid_spec(graphs, titles, columns=columns, labels=ch.state.labels, color_domain=domain), fmt
        )

    stem = f"many_sources_{ch.list_name}"
    files = (
        ("Rings SVG", figure("svg"), "svg", "image/svg+xml"),
        ("Rings PNG", figure("png"), "png", "image/png"),
        ("Matrices CSV", lambda: matrices_csv(specs, matrices), "csv", "text/csv"),
    )
    for col, (label, data, ext, mime) in zip(st.columns(len(files)), files, strict=True):
        col.download_button(
            label,
            data=data,
            file_name=f"{stem}.{ext}",
            mime=mime,
            key=f"many_dl_{ext}",
            on_click="ignore",
            width="stretch",
        )


#: Short, readable headers of the pair table (its help: the measure's full name), so every column fits.
_PAIR_COLUMNS = {
    "source_a": st.column_config.TextColumn("A"),
    "source_b": st.column_config.TextColumn("B"),
    **{
        name: st.column_config.NumberColumn(
            short, help=MEASURE_TITLES[name], format="%.4f" if name == "rsa_p" else "%.3f"
        )
        for name, short in (
            ("rsa_spearman", "RSA ρ"),
            ("rsa_pearson", "RSA r"),
            ("rsa_p", "Mantel p"),
            ("edge_jaccard", "edge J"),
            ("degree_spearman", "degree ρ"),
            ("community_ari", "ARI"),
            ("neighbour_jaccard", "k-NN J"),
            ("cka_linear", "CKA"),
            ("cka_debiased", "CKA (debiased)"),
            ("procrustes_angular", "Procrustes angle"),
            ("mutual_knn", "mutual k-NN"),
        )
    },
    **{
        f"{name}_p": st.column_config.NumberColumn("p", help=f"permutation p of {name}", format="%.4f")
        for name in MATRIX_MEASURES
    },
}
#: The graph and RSA measures in one table, the calibrated ones (each beside its p) in a second: one table
#: of all fifteen columns is wider than a 1280 px window's column.
_PAIR_GROUPS = (
    ("rsa_spearman", "rsa_pearson", "rsa_p", "edge_jaccard", "degree_spearman", "community_ari", "neighbour_jaccard"),
    tuple(name for m in MATRIX_MEASURES for name in (m, f"{m}_p")),
)


def _pair_tables(labels: Sequence[str], matrices: dict) -> None:
    table = pair_table(labels, matrices)
    for group in _PAIR_GROUPS:
        columns = [c for c in group if c in table.columns]
        if columns:
            shown = table[["source_a", "source_b", *columns]]
            st.dataframe(shown, hide_index=True, width="stretch", column_config=_PAIR_COLUMNS)


def lacking_note(panels: Sequence[Panel]) -> None:
    """Say which words each source lacks: every ring and matrix keeps only the words all of them have."""
    lacks = {p.spec: [m.word for m in p.lacks if m.reason != "duplicate"] for p in panels}
    if not any(lacks.values()):
        return
    lines = [
        f"**{plain(shown_spec(spec), 60)}**: " + (f"{len(words)} — {plain_list(words, 15)}" if words else "none")
        for spec, words in lacks.items()
    ]
    st.caption("Words each source lacks (left out of every ring and matrix):  \n" + "  \n".join(lines))


def matrix_section(panels: Sequence[Panel], ch: Choices, domain: tuple[float, float] | None) -> None:
    """Heatmaps of RSA and edge Jaccard, the map of the sources, the table of pairs and the downloads."""
    ok = [p for p in panels if p.ok]
    if len(ok) < 2:
        st.info("The matrices need at least two sources that draw.")
        return
    specs = [p.spec for p in ok]
    graphs = [p.result.graph for p in ok]
    if any(g.words != graphs[0].words for g in graphs):
        st.error("The sources share fewer than 3 words; no matrix to compute.", icon=":material/block:")
        return
    lacking_note(ok)
    if graphs[0].n < MIN_COMMON_WORDS:
        st.warning(
            f"Only {graphs[0].n} words are in all {len(ok)} sources; RSA, the Mantel test, the map and the "
            f"other measures need at least {MIN_COMMON_WORDS} (on fewer, chance alone gives large values), "
            "so they are held back. Leave out the source that lacks most words, or use a longer list.",
            icon=":material/warning:",
        )
        return
    st.subheader(f"How alike are the {len(ok)} spaces? ({graphs[0].n} common words)")
    permutations, nk = _settings()
    key = tuple(graph_key(g, p.result.source) for g, p in zip(graphs, ok, strict=True))
    try:
        cost = within(check_matrix, graphs[0].n, len(graphs), permutations, edges=max(g.n_edges for g in graphs))
        with work_slot(cost), st.spinner("Comparing every pair …"):
            m = cached_measures(key, tuple(graphs), permutations, 0, nk)
            m = {**m, **calibrated_matrices([p.result for p in ok], permutations, nk)}
    except BudgetError as exc:
        st.warning(f"Not compared: {plain(str(exc), 400)}.", icon=":material/balance:")
        return
    labels = unique_labels([shown_spec(s) for s in specs])
    mkey = (key, permutations, nk)
    left, right = st.columns(2)
    with left:
        show_chart(
            heatmap_chart,
            (mkey, "rsa"),
            labels,
            m["rsa_spearman"],
            m["rsa_p"],
            square=True,
            title=MEASURE_TITLES["rsa_spearman"],
        )
    with right:
        show_chart(
            heatmap_chart,
            (mkey, "edges"),
            labels,
            m["edge_jaccard"],
            square=True,
            title=MEASURE_TITLES["edge_jaccard"],
            domain=(0.0, 1.0),
            scheme="blues",
            diverging=False,
        )
    left, right = st.columns(2)
    with left:
        distances = [d for d, (name, _) in MAP_DISTANCES.items() if name in m]
        distance = st.selectbox("Map by", distances, key="many_map")
        matrix = m[MAP_DISTANCES[distance][0]]
        show_chart(source_map_chart, (mkey, "map", distance), labels, matrix, square=True, distance=distance)
    with right:
        other = st.selectbox(
            "Another matrix",
            [k for k in MEASURE_TITLES if k in m and k not in ("rsa_spearman", "rsa_p", "edge_jaccard")],
            format_func=MEASURE_TITLES.get,
            key="many_other",
        )
        domain, scheme, diverging = HEATMAP_STYLES.get(other, ((-1.0, 1.0), "blueorange", True))
        show_chart(
            heatmap_chart,
            (mkey, other),
            labels,
            m[other],
            m.get(f"{other}_p"),
            square=True,
            title=MEASURE_TITLES[other],
            domain=domain,
            scheme=scheme,
            diverging=diverging,
            p_title="permutation p",
        )
    st.caption(
        "RSA: Spearman correlation of two spaces' cosine similarities over all word pairs (Mantel p in the "
        "tooltip: one-sided, the same permutations for every pair). Edge Jaccard: shared edges over edges in "
        f"either ring. k-NN Jaccard: per word, overlap of its {nk} nearest neighbours in the two spaces, "
        "averaged. CKA, Procrustes angle and mutual k-NN as on the Compare page, with their permutation p in the "
        "tooltip. The map places spaces by the chosen distance: close points, alike spaces."
    )
    _pair_tables(labels, m)
    _downloads(specs, graphs, m, ch, domain)
