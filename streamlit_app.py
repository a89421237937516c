"""Cosine Rings: the Streamlit app.

Run with ``streamlit run streamlit_app.py``. This entrypoint owns the page
list and the sidebar shared by every page, and keeps every choice in the URL.
"""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="Cosine Rings", page_icon="◯", layout="wide")

# A fresh server imports pandas, the sources and the engine on its first run
# (seconds); say so instead of showing an empty page.
with st.spinner("Starting Cosine Rings: loading the libraries …", show_time=True):
    from ui.sidebar import draw_sidebar  # noqa: E402
    from ui.state import init_from_url, keep_hidden_widgets, publish, to_params  # noqa: E402
    from ui.work import request_scope  # noqa: E402

# The page files live in app_pages/, not pages/: with a pages/ folder next to
# the entrypoint, the first request a fresh server gets runs in Streamlit's old
# folder-based mode, where a shared link to /ring-graph shows "Page not found".
PAGES = [
    st.Page("app_pages/compare.py", title="Compare", icon=":material/compare:", default=True),
    st.Page(
        "app_pages/ring_graph.py", title="Ring graph", icon=":material/radio_button_unchecked:", url_path="ring-graph"
    ),
    st.Page(
        "app_pages/random_baseline.py", title="Random baseline", icon=":material/casino:", url_path="random-baseline"
    ),
    st.Page("app_pages/hubs.py", title="Hubs", icon=":material/hub:", url_path="hubs"),
    st.Page("app_pages/neighbours.py", title="Neighbours", icon=":material/join_inner:", url_path="neighbours"),
    st.Page("app_pages/spaces.py", title="Spaces", icon=":material/scatter_plot:", url_path="spaces"),
    st.Page("app_pages/many_sources.py", title="Many sources", icon=":material/grid_view:", url_path="many-sources"),
    st.Page("app_pages/method.py", title="Method", icon=":material/functions:", url_path="method"),
]
page = st.navigation(PAGES)

init_from_url()
keep_hidden_widgets()
# The sidebar checks which sources are ready here; on a cold cache that takes seconds too.
with st.spinner("Starting Cosine Rings: checking the sources …", show_time=True):
    choices = draw_sidebar()
with st.sidebar:
    st.header("Share")
    st.caption("Share link: point at the box and press its copy button (top right), or select the text.")
    st.session_state["_share_slot"] = st.empty()
words = choices.words.words if choices.words is not None else ()
categories = choices.words.categories if choices.words is not None else None
params = to_params(choices.state, words, categories)
if choices.state.mode in ("upload", "passage") and not {"words", "passage"} & set(params):
    with st.sidebar:
        st.caption("This word list is too long for a link: the link opens the default list.")
publish(params)

# One budget and, once its work is large, one turn at the work slot for the whole page (ui.work).
with request_scope():
    page.run()
