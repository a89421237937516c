"""Hubs: exact degrees over a source's first N vocabulary entries, beside random and shuffled."""

import streamlit as st

from lib.budget import check_hubs
from lib.errors import BudgetError, CosineRingsError
from lib.hubs.chart import degree_ccdf_chart, same_degree_multiset
from ui.cached import show_chart
from ui.downloads import prompt
from ui.format import count
from ui.hubs import TokenFilter, cached_runs, compute_runs, find_token, hub_table
from ui.page import page_header
from ui.state import hubs_params, publish
from ui.text import plain
from ui.views import awaiting_confirmation, source_dim
from ui.work import within, work_slot

ch = page_header(
    "Hubs",
    "Which tokens link to very many others across a whole vocabulary? Degrees of the first N "
    "entries of source A under the sidebar's threshold rule, computed exactly in blocks (the "
    "N x N matrix is never held), beside random vectors and the same vectors shuffled.",
    needs_words=False,
)
spec, rule, k, value = ch.state.a, ch.state.rule, float(ch.state.k), ch.value
need = awaiting_confirmation(spec)
if need:
    prompt(spec, need, "hubs")
    st.stop()
dim, error = source_dim(spec)
if error:
    st.error(f"Source A ({plain(spec, 80)}): {plain(error, 400)}", icon=":material/block:")
    st.stop()
n = int(st.number_input("Tokens: the first N vocabulary entries", 100, 400_000, step=1_000, key="hubs_n"))
ss = st.session_state
publish(**hubs_params(n, ss.get("hubs_alpha", False), ss.get("hubs_stop", False), ss.get("hubs_min", 1)))
key = (spec, n, rule, k, value)
try:
    cost = within(check_hubs, n, dim, runs=3)
except BudgetError as exc:
    st.error(f"{plain(str(exc), 400)}.", icon=":material/balance:")
    st.stop()
left, right = st.columns(2)
left.button("Compute", type="primary", key="hubs_compute", on_click=lambda: st.session_state.update(hubs_run=key))
right.button(
    "Cancel",
    key="hubs_cancel",
    on_click=lambda: st.session_state.update(hubs_run=None),
    help="Stops a running computation; finished parts stay cached.",
)
results = cached_runs(key)
if any(r is None for r in results.values()) and st.session_state.get("hubs_run") == key:
    try:
        with work_slot(cost):
            results = compute_runs(key, results)
    except CosineRingsError as exc:
        st.error(f"{plain(spec, 80)}: {plain(str(exc), 400)}", icon=":material/block:")
        st.stop()
    st.session_state["hubs_run"] = None
if results["source"] is None:
    st.info(
        f"Not computed yet for {plain(spec, 80)}, N = {n:,}, rule {rule}: press **Compute** "
        f"({n * (n - 1) // 2:,} pairs, three runs: source, random, shuffled; {cost.text()})."
    )
    st.stop()

src = results["source"]
cols = st.columns(5)
cols[0].metric("threshold", f"{src.threshold:.4f}")
cols[1].metric("median", f"{src.median:.4f}")
cols[2].metric("std", f"{src.std:.4f}")
cols[3].metric("pairs", count(src.n_pairs), help=f"{src.n_pairs:,} pairs of tokens")
cols[4].metric("edges", f"{src.n_edges / max(src.n_pairs, 1):.1%}")
done = {label: r for label, r in results.items() if r is not None}
show_chart(degree_ccdf_chart, (key, tuple(done)), done, dashed=("shuffled",))
if "shuffled" in done:
    same = same_degree_multiset(src, done["shuffled"])
    st.caption(
        f"**Shuffled** = the same {src.n:,} rows handed to the tokens in a random order. Its dashed "
        f"line lies exactly on the source's: identical degree multiset — {'yes' if same else 'NO'} "
        "(checked). Shuffling rows only relabels which token holds which degree, so the degree "
        "distribution cannot tell a trained space from its shuffle; what differs is *which* tokens "
        "are hubs. **Random** = an N(0,1) matrix of the same shape: compare its tail with the source's."
    )
st.subheader("Top hubs and their strongest neighbours")
st.caption(
    "Punctuation and function words are hubs of many vocabularies; filter them out to see the rest "
    "(ranks stay those among all N tokens)."
)
f1, f2, f3 = st.columns(3)
alpha = f1.toggle("letters only", key="hubs_alpha")
stop = f2.toggle("no English stop-words", key="hubs_stop")
min_length = int(f3.number_input("minimum length", 1, 20, step=1, key="hubs_min"))
keep = TokenFilter(alpha, stop, min_length)
st.dataframe(hub_table(src, spec, n, keep=keep if keep != TokenFilter() else None), hide_index=True, width="stretch")
publish(**hubs_params(n, alpha, stop, min_length))
token = st.text_input("Find a token's degree and rank", key="hubs_find", placeholder="e.g. the")
if token.strip():
    st.markdown(find_token(src, token))
