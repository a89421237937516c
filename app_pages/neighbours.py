"""Neighbours: which words does each space see differently? Per-word k-NN agreement over a shared vocabulary."""

import streamlit as st

from lib.analysis.neighbours_chart import BRUSH, brushed_words, jaccard_histogram
from lib.errors import CosineRingsError
from ui.alike import vocabulary_metrics
from ui.downloads import prompt
from ui.neighbour_maps import maps_section
from ui.neighbours import (
    MOVED_BY,
    cached_result,
    clickable_table,
    compute,
    dropped_text,
    init_params,
    largest_top,
    moved,
    publish_params,
    show_dominoes,
)
from ui.page import page_header
from ui.text import plain
from ui.views import awaiting_confirmation

ch = page_header(
    "Neighbours",
    "For the first N words of A's vocabulary that B also has: each word's k nearest other words in A and "
    "in B (exact), how many they share (Jaccard), and how far each word moved (shifts). Low Jaccard or a "
    "high shift: a word the two spaces see differently.",
    needs_words=False,
)
init_params()
a, b, ss = ch.state.a, ch.state.b, st.session_state
for side, spec in (("a", a), ("b", b)):  # a download or training run waits for its button, as on every page
    need = awaiting_confirmation(spec)
    if need:
        prompt(spec, need, f"nb_{side}")
        st.stop()
cap, why = largest_top(a, b, int(ss.get("nb_k", 10)))
if why:
    st.error(why, icon=":material/block:")
    st.stop()
ss["nb_top"] = min(int(ss["nb_top"]), cap)  # the N input cannot go past what the budget allows
left, mid, right, cancel = st.columns([2, 1, 1, 1], vertical_alignment="bottom")
top = int(left.number_input("Shared words N (A's vocabulary order)", 2, cap, step=1_000, key="nb_top"))
k = int(mid.number_input("Neighbours k", 1, 200, key="nb_k"))
key = (a, b, top, k)
right.button("Compute", type="primary", key="nb_compute", on_click=lambda: ss.update(nb_run=key))
cancel.button("Cancel", key="nb_cancel", on_click=lambda: ss.update(nb_run=None), help="Stops a running computation.")
st.caption(f"At most N = {cap:,} shared words fit this server's budget at k = {k} (with the shuffled null).")
result = cached_result(key)
if result is None and ss.get("nb_run") == key:
    try:
        result = compute(key)
    except CosineRingsError as exc:
        st.error(f"{plain(a, 80)} vs {plain(b, 80)}: {plain(str(exc), 400)}", icon=":material/block:")
        st.stop()
    ss["nb_run"] = None
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
if result.shifts is not None:
    cols = st.columns(5)
    for col, name, label in ((cols[0], "local_shift", "local"), (cols[1], "procrustes_shift", "Procrustes")):
        null = s.get(f"shuffled_{name}")
        col.metric(
            f"mean {label} shift",
            f"{s[f'mean_{name}']:.3f}",
            help="per word 1 − cosine (0: did not move); see the Method page",
        )
        if null is not None:
            col.caption(f"shuffled null: {null:.3f}")
vocabulary_metrics(result, a, b, cols[2:] if result.shifts is not None else None)
if result.dropped:
    st.caption(dropped_text(result.dropped, result.n))

log = st.toggle("Log count scale", key="nb_log", help="Shows the upper tail when most words share few neighbours.")
hist, table = st.columns([3, 2])
with hist:
    event = st.altair_chart(
        jaccard_histogram(result, chance=s["chance_jaccard"], null=s.get("shuffled_jaccard"), log=log),
        on_select="rerun",
        key="nb_hist",
        width="stretch",
    )
interval = (event.selection.get(BRUSH) or {}).get("jaccard") if event else None
picked = brushed_words(result, interval)
table.caption(
    f"{len(picked):,} words "
    + ("in the brushed range" if interval else "(drag on the histogram to pick)")
    + "; click a row for its dominoes"
)
clickable_table(table, picked, "nb_brushed", height=260)

word = st.text_input("Show a word: its dominoes, both maps centred on it", key="nb_word", placeholder="e.g. bank")
word = word.strip()
if word and word not in result.words:
    st.warning(f"{plain(word, 100)} is not among the {result.n:,} shared words.")
elif word:
    show_dominoes(result, word)

maps_section(key, result, word or None, lambda w: show_dominoes(result, w))

st.subheader("Moved most and least")
by = st.segmented_control("Sort by", list(MOVED_BY), default="Jaccard", key="nb_sort") or "Jaccard"
st.caption(f"Moved most ({'lowest' if not MOVED_BY[by] else 'highest'} {by}); click a row for its dominoes")
clickable_table(st, moved(result, most=True, by=by), "nb_most")
st.caption(f"Moved least ({'highest' if not MOVED_BY[by] else 'lowest'} {by})")
clickable_table(st, moved(result, most=False, by=by), "nb_least")
