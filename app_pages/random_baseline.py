"""Random baseline: a real source beside random vectors of its dimension and beside itself shuffled."""

import streamlit as st

from ui.page import page_header
from ui.panels import degree_section, ring_panel
from ui.sources import kind_of
from ui.text import plain
from ui.views import (
    Panel,
    awaiting_confirmation,
    colour_domain,
    compute_panels,
    source_dim,
)

ch = page_header(
    "Random baseline",
    "Source A beside random vectors of the same dimension, and beside its own vectors "
    "shuffled between words. Structure that survives in the real ring but not in the "
    "other two comes from training, not from the threshold rule.",
)
real = ch.state.a
size = awaiting_confirmation(real)
if size:
    ring_panel(Panel("source A", real, download=size), ch, None)
    st.stop()
dim, error = source_dim(real)
if error:
    st.error(f"Source A ({plain(real, 80)}): {plain(error, 400)}", icon=":material/block:")
    st.stop()
sources = [("source A", real), ("random", f"random:dim={dim}")]
if kind_of(f"shuffled:{real}") is not None:
    sources.append(("shuffled", f"shuffled:{real}"))
else:
    st.info("The shuffled baseline is not available in this installation.")
panels = compute_panels(ch, sources)
domain = colour_domain(panels, ch.state.colour == "shared")
for column, panel in zip(st.columns(len(panels), gap="medium"), panels):
    with column:
        ring_panel(panel, ch, domain, size=200)
degree_section(panels)

# The analyses below the rings are imported here, not at the top,
# so the rings reach the browser before scipy and friends are loaded.
from ui.analytics import graph_on_words, render_null  # noqa: E402

if panels[0].ok:
    real_result = panels[0].result
    render_null(real_result, dim, panels[0].categories, graph_on_words(ch.state.b, real_result))
