"""Compare: two sources side by side on the same words, same ring positions."""

import streamlit as st

from ui.page import page_header
from ui.panels import degree_section, ring_panel, selection_section, shown_spec
from ui.views import colour_domain, compute_panels

ch = page_header(
    "Compare two sources",
    "The same words on two rings, in the same order. A trained space links words of a category to "
    "each other, each space in its own way; random vectors (pick random as a source, or see the Random "
    "baseline) keep about as many edges, without structure.",
)
panels = compute_panels(ch, [("A", ch.state.a), ("B", ch.state.b)])
domain = colour_domain(panels, ch.state.colour == "shared")
for column, panel in zip(st.columns(2, gap="medium"), panels):
    with column:
        ring_panel(panel, ch, domain)
selection_section(panels)
degree_section(panels)

# The analyses below the rings are imported here, not at the top,
# so the rings reach the browser before scipy and friends are loaded.
from ui.analytics import render_comparison, render_sweep  # noqa: E402

if all(p.ok for p in panels):
    a, b = panels[0].result, panels[1].result
    comparison = render_comparison(a, b, panels[0].categories, labels=ch.state.labels)
    if comparison is not None:
        from ui.alike import render_alike

        render_alike(a, b, comparison.rsa.permutations)
    render_sweep({f"A: {shown_spec(ch.state.a)}": a, f"B: {shown_spec(ch.state.b)}": b}, ch.state.k)
    from ui.neighbours import ring_words_section

    ring_words_section(ch.state.a, ch.state.b, a.graph.words)
