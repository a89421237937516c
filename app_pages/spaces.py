"""Spaces: know each space before comparing it (hubness, anisotropy, word benchmarks), with all-but-the-top."""

import streamlit as st

from lib.budget import AUTO_SECONDS
from ui.many import kept_sources
from ui.page import page_header
from ui.spaces import DEFAULT_TOP, abtt_spec, card_costs, card_or_none, card_view, compute_cards
from ui.text import plain

ch = page_header(
    "Spaces",
    "One card per source: how unevenly words occur among the others' k nearest neighbours (hubness), how "
    "narrow the cone of its vectors is (anisotropy), and the standard word benchmarks as gensim scores them. "
    "The switch applies all-but-the-top (remove the mean and the top principal directions) to every source.",
    needs_words=False,
)
many = kept_sources()
left, mid, right = st.columns([2, 1, 2], vertical_alignment="bottom")
which = left.radio("Sources", ["A and B", "Many sources selection"], horizontal=True, key="sp_which")
k = mid.selectbox("k", (5, 10, 50), index=1, key="sp_k")
processed = right.toggle("All-but-the-top (abtt:)", key="sp_abtt", help="abtt:SPEC with its defaults: D = d/100")
top = int(st.number_input("Hubness words N (vocabulary order)", 100, 100_000, DEFAULT_TOP, 1_000, key="sp_top"))
base = many if which != "A and B" and many else list(dict.fromkeys([ch.state.a, ch.state.b]))
if which != "A and B" and not many:
    st.info("No Many sources selection yet in this session: showing A and B.")
specs = [abtt_spec(s) for s in base] if processed else base
cards = {s: card_or_none(s, top) for s in specs}
costs, problems = card_costs([s for s, c in cards.items() if c is None], top)
if costs:
    total = sum(plan.cost.seconds for plan in costs.values())
    slot = st.empty()  # the button goes once its cards are computed
    run = total <= AUTO_SECONDS or slot.button(f"Compute {len(costs)} card(s) (about {total:.0f} s)", type="primary")
    if run:
        problems |= compute_cards(costs, top)
        cards = {s: card_or_none(s, top) for s in specs}
        slot.empty()
columns = st.columns(min(len(specs), 3))
for i, spec in enumerate(specs):
    with columns[i % len(columns)]:
        card = cards.get(spec)
        if card is not None:
            card_view(card, k, card_or_none(base[i], top) if processed and base[i] != spec else None)
        elif spec in problems:
            st.error(f"{plain(spec, 80)}: {plain(problems[spec], 400)}", icon=":material/block:")
        else:
            st.info(f"{plain(spec, 80)}: not computed yet.")
