"""Draw a source's ring with its numbers and downloads, and the degree comparison.

Thin glue between :mod:`ui.views` results and the charts of :mod:`lib.charts`.
"""
from __future__ import annotations

from typing import Callable, Sequence

import pandas as pd
import streamlit as st

from lib.charts import degree_distribution_chart, degree_table
from lib.export import export_bytes, export_filename, nodes_csv
from lib.ring_spec import ring_spec

from .cached import graph_key, show_chart
from .sidebar import Choices
from .text import plain, plain_list
from .downloads import prompt
from .views import Panel

__all__ = ["ring_panel", "ring_stats", "degree_section", "download_files", "DOWNLOADS"]

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


def ring_stats(panel: Panel, *, compact: bool = False) -> None:
    """Threshold, edges, density, isolated nodes and the words dropped or split."""
    r = panel.result
    g = r.graph
    if compact:  # narrow columns: two rows of two, so the numbers are not cut off
        (c1, c2), (c3, c4) = st.columns(2), st.columns(2)
    else:
        c1, c2, c3, c4 = st.columns(4)
    c1.metric("threshold", f"{g.threshold:.3f}", help=f"rule {g.rule}, k = {g.k:g}; "
              f"median {g.median:.3f}, std {g.std:.3f}")
    c2.metric("edges", f"{g.n_edges:,}", help=f"of {g.n_pairs:,} pairs")
    c3.metric("density", f"{g.density:.3f}")
    c4.metric("isolated", f"{len(g.isolated)}", help="nodes with degree 0")
    lines = [f"**{plain(r.source_name)}** ({r.dim} dimensions), {g.n} words."]
    if g.flat:
        lines.append("All pairs are equally similar: every pair is an edge.")
    if g.isolated:
        lines.append(f"Isolated: {_word_summary(list(g.isolated))}.")
    if r.missing:
        lines.append("Dropped: " + _word_summary([f"{m.word} ({m.reason})" for m in r.missing]) + ".")
    if panel.dropped:
        lines.append("Left out so all rings share positions (another source lacks them): "
                     + _word_summary(list(panel.dropped)) + ".")
    if r.notes:
        lines.append("Resolved: " + _word_summary([f"{n.word} ({n.note})" for n in r.notes]) + ".")
    st.caption("  \n".join(lines))


def download_files(panel: Panel, list_name: str, *, labels: bool = True,
                   domain: tuple[float, float] | None = None) -> list[tuple[str, str, str, Callable[[], bytes]]]:
    """``(label, file name, MIME type, make bytes)`` for each download of a drawn ring.

    The files are only made when ``make`` is called (when the button is pressed).
    """
    r, cats = panel.result, panel.categories
    opts = {"categories": cats, "labels": labels, "color_domain": domain}

    def maker(what: str) -> Callable[[], bytes]:
        if what == "nodes":
            return lambda: nodes_csv(r, cats)
        return lambda: export_bytes(r, what, **opts)

    files = []
    for label, what, ext, mime in DOWNLOADS:
        name = list_name + ("_nodes" if what == "nodes" else "_edges" if what == "csv" else "")
        files.append((label, export_filename(r.source, name, ext), mime, maker(what)))
    return files


def _downloads(panel: Panel, ch: Choices, key: str,
               domain: tuple[float, float] | None) -> None:
    files = download_files(panel, ch.list_name, labels=ch.state.labels, domain=domain)
    cols = st.columns(3)
    for n, (label, file_name, mime, make) in enumerate(files):
        cols[n % 3].download_button(label, data=make, file_name=file_name, mime=mime,
                                    key=f"dl_{key}_{n}", on_click="ignore", width="stretch")


def ring_panel(panel: Panel, ch: Choices, domain: tuple[float, float] | None, *,
               size: int = 400, key: str = "") -> None:
    """One source's ring chart, its numbers and its downloads (or its error)."""
    st.subheader(f"{panel.label}: {plain(panel.spec, 80)}")
    if panel.download:
        prompt(panel.spec, panel.download, key or panel.label)
        return
    if not panel.ok:
        st.error(plain(panel.error, 400), icon="🚫")
        return
    g = panel.result.graph
    with st.container(key=f"ring_{key or panel.label}"):
        show_chart(ring_spec, graph_key(g, panel.result.source), g, square=True, theme=None,
                   categories=panel.categories, labels=ch.state.labels,
                   color_domain=domain, size=size)
    ring_stats(panel, compact=size < 400)
    _downloads(panel, ch, key or panel.label, domain)


def degree_section(panels: Sequence[Panel]) -> None:
    """Degree distributions of all drawn rings in one chart, and the degree table."""
    ok = [p for p in panels if p.ok]
    if not ok:
        return
    graphs = {f"{p.label}: {p.spec}": p.result.graph for p in ok}
    keys = tuple((name, graph_key(p.result.graph, p.result.source)) for name, p in zip(graphs, ok))
    st.subheader("Degree distributions")
    left, right = st.columns([3, 2])
    with left:
        show_chart(degree_distribution_chart, keys, graphs)
    with right:
        table: pd.DataFrame = degree_table(graphs)
        st.dataframe(table, hide_index=True, height=360, width="stretch")
