"""Draw a source's ring with its numbers and downloads, and the degree comparison.

Thin glue between :mod:`ui.views` results and the charts of :mod:`lib.charts`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial

import pandas as pd
import streamlit as st

from lib.charts import degree_distribution_chart, degree_table
from lib.engine import RingGraph
from lib.export import export_bytes, export_filename, nodes_csv
from lib.ring_spec import ring_spec

from .cached import graph_key, show_chart
from .downloads import prompt
from .format import fmt
from .pick import SELECTED, chart_key, selected_word, take_pick
from .sidebar import Choices
from .text import plain, plain_list
from .views import Panel

__all__ = [
    "DOWNLOADS",
    "SELECTED",
    "ring_panel",
    "ring_stats",
    "empty_ring_note",
    "selection_section",
    "selected_word",
    "shown_spec",
    "rule_tag",
    "degree_section",
    "download_files",
]

#: Download buttons under each ring: (label, what, extension, MIME type).
DOWNLOADS = (
    ("SVG", "svg", "svg", "image/svg+xml"),
    ("PNG", "png", "png", "image/png"),
    ("Nodes CSV", "nodes", "csv", "text/csv"),
    ("Edges CSV", "csv", "csv", "text/csv"),
    ("GEXF", "gexf", "gexf", "application/xml"),
    ("GraphML", "graphml", "graphml", "application/xml"),
)


def _word_summary(items: Sequence[str], limit: int = 12) -> str:
    return plain_list(items, limit)


def _by_reason(pairs: Iterable[tuple[str, str]]) -> str:
    """``word (reason)`` pairs as "reason: word, word; reason: word" (one group per reason).

    Both are :func:`~ui.text.plain`: a reason or note names other words, tokens or SPECs.
    """
    groups: dict[str, list[str]] = {}
    for word, reason in pairs:
        groups.setdefault(reason, []).append(word)
    return "; ".join(f"{plain(reason, 200)}: {_word_summary(words)}" for reason, words in groups.items())


#: Below this density a ring counts as nearly empty and the page says why.
SPARSE_DENSITY = 0.01


def empty_ring_note(graph: RingGraph) -> str | None:
    """Why a rule left a ring without edges (or nearly so), and what to try; None otherwise."""
    if graph.flat or graph.n_pairs == 0 or graph.density >= SPARSE_DENSITY:
        return None
    what = "no edges" if graph.n_edges == 0 else f"only {graph.n_edges} edge(s) of {graph.n_pairs:,} pairs"
    if graph.rule == "course":
        why = (
            f"The course rule's std ({graph.std:.3f}) is taken over the whole matrix, diagonal of 1s included. "
            "When the pairs' cosines sit close together (typical of high-dimensional vectors) that std is "
            "mostly the diagonal's, so median + k·std lands above every pair. Try the seed rule or a smaller k."
        )
    elif graph.rule == "seed":
        why = f"With k = {graph.k:g}, median + k·std lies above almost every pair. Try a smaller k."
    else:
        why = f"The fixed value {graph.threshold:g} lies above almost every pair. Try a lower value."
    return f"This rule leaves {what}: T = {graph.threshold:.3f}. {why}"


def ring_stats(panel: Panel, *, compact: bool = False) -> None:
    """Threshold, edges, density, isolated nodes and the words dropped, merged or resolved."""
    r = panel.result
    g = r.graph
    if compact:  # narrow columns: two rows of two, so the numbers are not cut off
        (c1, c2), (c3, c4) = st.columns(2), st.columns(2)
    else:
        c1, c2, c3, c4 = st.columns(4)
    c1.metric(
        "threshold", fmt(g.threshold), help=f"rule {g.rule}, k = {g.k:g}; median {fmt(g.median)}, std {fmt(g.std)}"
    )
    c2.metric("edges", f"{g.n_edges:,}", help=f"of {g.n_pairs:,} pairs")
    c3.metric("density", fmt(g.density), help="edges / pairs: the share of word pairs the rule keeps")
    c4.metric("isolated", f"{len(g.isolated)}", help="nodes with degree 0")
    note = empty_ring_note(g)
    if note:
        st.warning(note, icon=":material/blur_off:")
    lines = [f"**{plain(r.source_name)}** ({r.dim} dimensions), {g.n} words."]
    if g.flat:
        lines.append("All pairs are equally similar: every pair is an edge.")
    if g.isolated:
        lines.append(f"Isolated: {_word_summary(list(g.isolated))}.")
    if r.missing:
        lines.append("Not drawn — " + _by_reason((m.word, m.reason) for m in r.missing) + ".")
    if r.notes:
        lines.append("Resolved — " + _by_reason((n.word, n.note) for n in r.notes) + ".")
    st.caption("  \n".join(lines))


def rule_tag(graph: RingGraph) -> str:
    """The threshold rule in a file name: ``seed-k1``, ``course-k1.5``, ``fixed-0.5``."""
    return f"fixed-{graph.threshold:g}" if graph.rule == "fixed" else f"{graph.rule}-k{graph.k:g}"


def download_files(
    panel: Panel, list_name: str, *, labels: bool = True, domain: tuple[float, float] | None = None
) -> list[tuple[str, str, str, Callable[[], bytes]]]:
    """``(label, file name, MIME type, make bytes)`` for each download of a drawn ring.

    File names hold the source, the list and the rule with its k or value
    (``glove_preset-course_seed-k1.svg``). The files are only made when
    ``make`` is called (when the button is pressed).
    """
    r, cats = panel.result, panel.categories
    opts = {"categories": cats, "labels": labels, "color_domain": domain}

    def maker(what: str) -> Callable[[], bytes]:
        if what == "nodes":
            return lambda: nodes_csv(r, cats)
        return lambda: export_bytes(r, what, **opts)

    files = []
    stem = f"{list_name}_{rule_tag(r.graph)}"
    for label, what, ext, mime in DOWNLOADS:
        name = stem + ("_nodes" if what == "nodes" else "_edges" if what == "csv" else "")
        files.append((label, export_filename(r.source, name, ext), mime, maker(what)))
    return files


def _downloads(panel: Panel, ch: Choices, key: str, domain: tuple[float, float] | None, *, per_row: int = 3) -> None:
    files = download_files(panel, ch.list_name, labels=ch.state.labels, domain=domain)
    cols = st.columns(per_row)
    for n, (label, file_name, mime, make) in enumerate(files):
        cols[n % per_row].download_button(
            label, data=make, file_name=file_name, mime=mime, key=f"dl_{key}_{n}", on_click="ignore", width="stretch"
        )


def shown_spec(spec: str) -> str:
    """How a SPEC reads in a title: an upload by its file name, without the content hash."""
    return spec.split("#", 1)[0] if spec.startswith("upload:") else spec


def ring_panel(
    panel: Panel,
    ch: Choices,
    domain: tuple[float, float] | None,
    *,
    size: int = 340,
    key: str = "",
    legend: str = "bottom",
) -> None:
    """One source's ring chart, its numbers and its downloads (or its error).

    Clicking a node picks its word for every ring on the page (and the URL).
    """
    if size < 300:  # narrow columns: the SPEC on its own line, so every ring's title takes the same height
        st.subheader(panel.label)
        st.caption(plain(shown_spec(panel.spec), 80))
    else:
        st.subheader(f"{panel.label}: {plain(shown_spec(panel.spec), 80)}")
    if panel.download:
        prompt(panel.spec, panel.download, key or panel.label)
        return
    if not panel.ok:
        st.error(plain(panel.error, 400), icon=":material/block:")
        return
    g = panel.result.graph
    word = selected_word()
    element = chart_key(f"ring_chart_{key or panel.label}")
    st.session_state["_drawn_words"] = g.words  # what the sidebar's "Find a word" searches in passage mode
    with st.container(key=f"ring_{key or panel.label}"):
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
            legend=legend,
            selected=word if word in g.words else None,
            element_key=element,
            on_select=partial(take_pick, element),
        )
    ring_stats(panel, compact=size < 400)
    # Narrow rings (three in a row) get two buttons per row, so "Nodes CSV" is not cut to "Node…".
    _downloads(panel, ch, key or panel.label, domain, per_row=2 if size < 300 else 3)


def selection_section(panels: Sequence[Panel]) -> None:
    """The picked word's strongest graph neighbours in every drawn ring (or how to pick one)."""
    word = selected_word()
    drawn = [p for p in panels if p.ok]
    if not drawn:
        return
    if not word or not any(word in p.result.graph.words for p in drawn):
        st.caption(
            "Click a node on a ring to pick its word: its edges stay lit on every ring and its "
            "neighbours are listed here (double-click to clear)."
        )
        return
    rows = []
    for p in drawn:
        g = p.result.graph
        if word not in g.words:
            rows.append((f"{p.label}: {shown_spec(p.spec)}", None, "not on this ring"))
            continue
        i = g.words.index(word)
        near = sorted(((g.words[j], g.similarity[i, j]) for j in range(g.n) if g.mask[i, j]), key=lambda t: -t[1])
        shown = ", ".join(f"{w} ({c:.2f})" for w, c in near[:10]) or "none (isolated)"
        rows.append((f"{p.label}: {shown_spec(p.spec)}", len(near), shown))
    # Words are shown as plain text (st.text, a table), never as Markdown.
    st.text(f"Picked: {word} (click another node to change it, double-click a ring to clear)")
    st.dataframe(
        pd.DataFrame(rows, columns=["ring", "degree", "neighbours (strongest first)"]), hide_index=True, width="stretch"
    )


def degree_section(panels: Sequence[Panel]) -> None:
    """Degree distributions of all drawn rings in one chart, and the degree table."""
    ok = [p for p in panels if p.ok]
    if not ok:
        return
    graphs = {f"{p.label}: {shown_spec(p.spec)}": p.result.graph for p in ok}
    keys = tuple((name, graph_key(p.result.graph, p.result.source)) for name, p in zip(graphs, ok))
    st.subheader("Degree distributions")
    left, right = st.columns([3, 2])
    with left:
        # Its own size (the page's width would squeeze the bars under the legend and title).
        show_chart(degree_distribution_chart, keys, graphs, square=True)
    with right:
        # Short column names (the sources are named in the chart), so no column is cut off.
        table: pd.DataFrame = degree_table({p.label: p.result.graph for p in ok})
        st.dataframe(table, hide_index=True, height=360, width="stretch")
