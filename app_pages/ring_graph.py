"""Ring graph: one source in depth, the way the method walks through it."""

import streamlit as st

from lib.budget import MAX_HEATMAP_CELLS, heatmap_cost
from lib.charts import matrix_heatmap, neighbours, similarity_histogram
from ui.cached import graph_key, show_chart
from ui.page import page_header
from ui.panels import ring_panel, shown_spec
from ui.pick import selected_word, set_word
from ui.state import publish
from ui.text import plain
from ui.views import compute_panels

ch = page_header("Ring graph", "One source in depth: similarities, threshold, mask, ring.")
if st.session_state.get("rg_side") not in ("A", "B"):
    st.session_state["rg_side"] = "A"
side = (
    st.segmented_control(
        "Source",
        ["A", "B"],
        key="rg_side",
        format_func=lambda s: f"{s}: {plain(shown_spec(getattr(ch.state, s.lower())), 60)}",
    )
    or "A"
)
panel = compute_panels(ch, [(side, getattr(ch.state, side.lower()))])[0]
if not panel.ok:
    ring_panel(panel, ch, None, key="rg")  # the error, or the download to confirm
    st.stop()
g = panel.result.graph

st.subheader("1. Similarities and the threshold")
key = graph_key(g, panel.result.source)
show_chart(similarity_histogram, key, g, square=True)
st.subheader("2. Dense matrix → binary mask → thresholded matrix")
if g.n * g.n > MAX_HEATMAP_CELLS:  # n x n cells would freeze the reader's tab
    st.info(
        f"The heatmaps are drawn for lists of up to {int(MAX_HEATMAP_CELLS**0.5):,} words; this one has "
        f"{g.n:,} ({g.n * g.n:,} cells, {heatmap_cost(g.n).bytes / 1e6:,.0f} MB per heatmap). Use fewer "
        "words to see them; the histogram, the ring and the tables below are complete.",
        icon=":material/calculate:",
    )
else:
    for tab, which in zip(st.tabs(["dense", "binary mask", "thresholded"]), ("dense", "mask", "thresholded")):
        with tab:
            show_chart(matrix_heatmap, key, g, which=which, square=True)

st.subheader("3. The ring")
left, right = st.columns([3, 2], gap="large")
with left:
    ring_panel(panel, ch, None, size=400, key="rg")
with right:
    st.markdown("**Strongest neighbours**")
    # Shows the page-wide pick; choosing here picks the word on every page.
    st.session_state["rg_word"] = selected_word() if selected_word() in g.words else None
    word = st.selectbox(
        "Word (or click a node on the ring)",
        g.words,
        key="rg_word",
        index=None,
        placeholder="pick a word",
        on_change=lambda: set_word(st.session_state.get("rg_word")),
    )
    if word:
        st.dataframe(neighbours(g, word, n=10), hide_index=True, width="stretch")
    st.markdown("**Degrees**")
    st.dataframe(
        g.nodes()[["word", "degree"]].sort_values("degree", ascending=False),
        hide_index=True,
        height=300,
        width="stretch",
    )
publish(word=selected_word(), side=side if side != "A" else "")
