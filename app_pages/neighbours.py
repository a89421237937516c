"""Neighbours: which words does each space see differently? Per-word k-NN agreement over a shared vocabulary."""

import streamlit as st

from lib.analysis.neighbours_chart import BRUSH, brushed_words, jaccard_histogram
from lib.errors import CosineRingsError
from ui.alike import vocabulary_metrics
from ui.neighbours import cached_result, compute, dominoes, init_params, moved, publish_params
from ui.page import page_header
from ui.text import plain

ch = page_header(
    "Neighbours",
    "For the first N words of A's vocabulary that B also has: each word's k nearest other words in A and "
    "in B (exact), and how many they share (Jaccard). Low Jaccard: a word the two spaces see differently.",
    needs_words=False,
)
init_params()
a, b = ch.state.a, ch.state.b
left, mid, right, cancel = st.columns([2, 1, 1, 1], vertical_alignment="bottom")
top = int(left.number_input("Shared words N (A's vocabulary order)", 2, 200_000, step=1_000, key="nb_top"))
k = int(mid.number_input("Neighbours k", 1, 200, key="nb_k"))
key = (a, b, top, k)
right.button("Compute", type="primary", key="nb_compute", on_click=lambda: st.session_state.update(nb_run=key))
cancel.button(
    "Cancel",
    key="nb_cancel",
    on_click=lambda: st.session_state.update(nb_run=None),
    help="Stops a running computation.",
)
result = cached_result(key)
if result is None and st.session_state.get("nb_run") == key:
    try:
        result = compute(key)
    except CosineRingsError as exc:
        st.error(f"{plain(a, 80)} vs {plain(b, 80)}: {plain(str(exc), 400)}", icon="🚫")
        st.stop()
    st.session_state["nb_run"] = None
publish_params()
if result is None:
    st.info(f"Not computed yet for A = {plain(a, 80)}, B = {plain(b, 80)}, N = {top:,}, k = {k}: press **Compute**.")
    st.stop()

s = result.summary()
cols = st.columns(5)
cols[0].metric("mean Jaccard", f"{s['mean_jaccard']:.3f}")
cols[1].metric("median Jaccard", f"{s['median_jaccard']:.3f}")
cols[2].metric("mutual k-NN", f"{s['mutual_knn']:.3f}", help="mean share of the k neighbours both spaces agree on")
cols[3].metric("chance level", f"{s['chance_jaccard']:.4f}", help="two random k-subsets of the other N-1 words")
cols[4].metric(
    "shuffled null",
    f"{s.get('shuffled_jaccard', float('nan')):.4f}",
    help="A against B with B's vectors handed to the words in a random order",
)
vocabulary_metrics(result, a, b)
if result.dropped:
    st.caption("Passed over in A's vocabulary: " + ", ".join(f"{n:,} {rule}" for rule, n in result.dropped.items()))

hist, table = st.columns([3, 2])
with hist:
    event = st.altair_chart(
        jaccard_histogram(result, chance=s["chance_jaccard"], null=s.get("shuffled_jaccard")),
        on_select="rerun",
        key="nb_hist",
        width="stretch",
    )
interval = (event.selection.get(BRUSH) or {}).get("jaccard") if event else None
picked = brushed_words(result, interval)
table.caption(f"{len(picked):,} words " + ("in the brushed range" if interval else "(drag on the histogram to pick)"))
table.dataframe(picked, hide_index=True, height=260, width="stretch")

word = st.text_input("Find a word and show its dominoes", key="nb_word", placeholder="e.g. bank").strip()
if word and word not in result.words:
    st.warning(f"{plain(word, 100)} is not among the {result.n:,} shared words.")
elif word:
    i = result.words.index(word)
    st.markdown(
        f"**{plain(word, 100)}** (rank {i + 1:,}): Jaccard **{result.jaccard[i]:.3f}**, "
        f"{int(result.shared[i])} of {k} neighbours shared. ● = in both."
    )
    st.dataframe(dominoes(result, word), hide_index=True, width="stretch")

most, least = st.columns(2)
most.subheader("Moved most")
most.dataframe(moved(result, most=True), hide_index=True, width="stretch")
least.subheader("Moved least")
least.dataframe(moved(result, most=False), hide_index=True, width="stretch")
