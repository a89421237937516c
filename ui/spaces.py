"""Helpers of the Spaces page and of the Many sources benchmark table: space cards in the app.

Cards come from the disk cache (:mod:`lib.spaces.store`) and, once read, are
kept in memory for every session. A card whose estimate is over
:data:`lib.budget.AUTO_SECONDS` waits for a button; one over the work
budget is refused with the budget's hint. The all-but-the-top switch maps
each SPEC to ``abtt:SPEC`` (sources without a vocabulary stay as they are:
they have no card).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from lib.budget import Cost, check_card
from lib.errors import BudgetError, CosineRingsError
from lib.sources import VocabSource, paths_allowed
from lib.spaces.benchmarks import BENCHMARKS, RESTRICT_VOCAB
from lib.spaces.card import SpaceCard
from lib.spaces.chart import benchmark_chart, benchmark_table, occurrence_chart, occurrence_table
from lib.spaces.hubness import DEFAULT_KS
from lib.spaces.store import cached_card, card_for

from .cached import get_source
from .sources import check_spec
from .text import plain
from .work import within, work_slot

__all__ = [
    "DEFAULT_TOP",
    "CardPlan",
    "abtt_spec",
    "card_or_none",
    "card_costs",
    "compute_cards",
    "card_view",
    "benchmark_summary",
    "benchmark_section",
]

#: Hubness rows on the page unless told otherwise.
DEFAULT_TOP = 10_000
#: Cards kept in memory (a 10,000-row card is under 1 MB).
MAX_IN_MEMORY = 32


@st.cache_resource(show_spinner=False)
def _memory() -> OrderedDict:
    """Cards by (SPEC, N), shared by all sessions."""
    return OrderedDict()


def abtt_spec(spec: str) -> str:
    """``abtt:SPEC`` for a source with a vocabulary; SPEC itself for ``random`` and ``abtt:`` SPECs."""
    return spec if spec.startswith(("abtt:", "random")) else f"abtt:{spec}"


def card_or_none(spec: str, top: int) -> SpaceCard | None:
    """The card of ``spec`` at N = ``top`` from memory or the disk cache (with the benchmarks, else the
    card without them that the budget allowed), or None."""
    memory, key = _memory(), (spec, top)
    if key in memory:
        return memory[key]
    for benchmarks in (BENCHMARKS, ()):
        try:
            card = cached_card(spec, top=top, ks=DEFAULT_KS, benchmarks=benchmarks, allow_paths=paths_allowed())
        except CosineRingsError:
            return None  # the SPEC's own error shows when its card is computed
        if card is not None:
            _keep(key, card)
            return card
    return None


def _keep(key: tuple, card: SpaceCard) -> None:
    memory = _memory()
    memory[key] = card
    memory.move_to_end(key)
    while len(memory) > MAX_IN_MEMORY:
        memory.popitem(last=False)


@dataclass(frozen=True)
class CardPlan:
    """A card to compute: its estimate and its benchmarks (none when only the hubness part fits)."""

    cost: Cost
    benchmarks: tuple[str, ...] = BENCHMARKS


def card_costs(specs: Sequence[str], top: int) -> tuple[dict[str, CardPlan], dict[str, str]]:
    """The plan of each card to compute, and why each other one cannot be (SPEC -> message).

    A card whose benchmarks (the first 300,000 vocabulary rows) do not fit this server's budget is
    planned without them: hubness and anisotropy still show, with a note.
    """
    plans, problems = {}, {}
    for spec in specs:
        problem = check_spec(spec)
        if problem:
            problems[spec] = problem
            continue
        try:
            source = get_source(spec)
            if not isinstance(source, VocabSource):
                problems[spec] = "no fixed vocabulary, so no card (random vectors are isotropic by construction)"
                continue
            if source.n_rows <= top:
                problems[spec] = f"only {source.n_rows:,} vocabulary entries: choose N below that"
                continue
            vocabulary = min(source.n_rows, RESTRICT_VOCAB)
            try:
                plans[spec] = CardPlan(within(check_card, top, source.dim, max(DEFAULT_KS), vocabulary))
            except BudgetError:
                plans[spec] = CardPlan(within(check_card, top, source.dim, max(DEFAULT_KS), 0, False), ())
        except CosineRingsError as exc:
            problems[spec] = str(exc)
    return plans, problems


def compute_cards(plans: dict[str, CardPlan], top: int) -> dict[str, str]:
    """Compute the cards of ``plans``' SPECs one after the other with a progress bar; SPEC -> error."""
    errors = {}
    bar = st.empty()
    for i, (spec, plan) in enumerate(plans.items(), 1):

        def progress(stage: str, done: int, total: int, i=i, spec=spec) -> None:
            bar.progress(done / max(total, 1), text=f"Card {i} of {len(plans)} ({plain(spec, 60)}): {stage}")

        try:
            cost = plan.cost
            with work_slot(cost), st.spinner(f"Card of {plain(spec, 80)} ({cost.text()}) …", show_time=True):
                card = card_for(
                    spec,
                    top=top,
                    benchmarks=plan.benchmarks,
                    progress=progress,
                    allow_paths=paths_allowed(),
                    loader=lambda s: get_source(s),
                )
            _keep((spec, top), card)
        except CosineRingsError as exc:
            errors[spec] = str(exc)
    bar.empty()
    return errors


def _delta(value: float | None, before: float | None) -> str | None:
    return None if value is None or before is None else f"{value - before:+.3f}"


def card_view(card: SpaceCard, k: int, before: SpaceCard | None = None) -> None:
    """One card in the current column: anisotropy, the N_k histogram, top hubs, benchmark bars.

    ``before``: the card of the unprocessed source, for the changes all-but-the-top makes.
    """
    st.markdown(f"**{plain(card.name, 80)}**  \n{plain(card.source, 80)} · {card.dim} dimensions")
    a, b = card.anisotropy, before.anisotropy if before else None
    cols = st.columns(3)
    cols[0].metric("mean cosine", f"{a.mean_cosine:.3f}", _delta(a.mean_cosine, b and b.mean_cosine), "inverse")
    cols[1].metric("1st PC share", f"{a.top_pc_share:.1%}", _delta(a.top_pc_share, b and b.top_pc_share), "inverse")
    cols[2].metric(
        "eff. dimension",
        f"{a.effective_dim:.1f}",
        _delta(a.effective_dim, b and b.effective_dim),
        help="participation ratio of the centred unit rows' spectrum: (Σλ)² / Σλ²",
    )
    h = card.hubness[k]
    st.altair_chart(occurrence_chart(occurrence_table(h), k=k, skewness=h.skewness), width="stretch")
    st.caption(
        f"{card.rows:,} words · hubs (N_k > {2 * k}) {h.hub_rate:.1%} · antihubs (N_k = 0) {h.antihub_rate:.1%}"
        f" · Robin Hood {h.robinhood:.3f}"
        + (f" (was skewness {before.hubness[k].skewness:.2f})" if before and k in before.hubness else "")
    )
    st.dataframe(
        pd.DataFrame(h.top_hubs[:10], columns=["top hub", f"N_{k}"]), hide_index=True, height=220, width="stretch"
    )
    if not card.benchmarks:
        st.info(
            f"Word benchmarks left out: they read the first {RESTRICT_VOCAB:,} vocabulary rows, which do not fit "
            "this server's memory budget (`python -m lib card --source SPEC --allow-large` computes them; "
            "a computed card is read from the cache).",
            icon=":material/balance:",
        )
        return
    table = benchmark_table(card.benchmarks)
    if before is not None and before.benchmarks:
        table["before"] = benchmark_table(before.benchmarks)["value"]
    else:
        before = None
    st.altair_chart(benchmark_chart(table), width="stretch")
    shown = table.assign(value=table["value"].round(3)).drop(columns=["low", "high"])
    if before is not None:  # next to the value, where a narrow column still shows it
        shown = shown[["benchmark", "value", "before", "covered"]].assign(before=shown["before"].round(3))
    st.dataframe(shown, hide_index=True, width="stretch")
    st.caption(
        f"Bars: 95 % bootstrap interval of Spearman. Covered: pairs or questions used / in the file. "
        f"Benchmark words: {plain(card.rule, 200)}."
    )


def benchmark_summary(cards: dict[str, SpaceCard]) -> pd.DataFrame:
    """One row per source: each benchmark's headline number and coverage."""
    rows = []
    for spec, card in cards.items():
        row = {"source": spec}
        for _, r in benchmark_table(card.benchmarks).iterrows():
            row[r["benchmark"]] = None if r["value"] is None else round(float(r["value"]), 3)
        row["mean cosine"] = round(card.anisotropy.mean_cosine, 3)
        row[f"skewness N_{DEFAULT_KS[1]}"] = round(card.hubness[DEFAULT_KS[1]].skewness, 2)
        rows.append(row)
    return pd.DataFrame(rows)


def _many_top(spec: str) -> int:
    """N for a Many sources card: the default, or all but one of a smaller vocabulary."""
    try:
        source = get_source(spec)
    except CosineRingsError:
        return DEFAULT_TOP
    return min(DEFAULT_TOP, source.n_rows - 1) if isinstance(source, VocabSource) else DEFAULT_TOP


def benchmark_section(specs: Sequence[str]) -> None:
    """Many sources: the word benchmarks of every source with a vocabulary, in one table (cards on a button)."""
    st.subheader("Word benchmarks of each source")
    tops = {s: _many_top(s) for s in specs if not s.startswith("random")}
    cards = {s: c for s, top in tops.items() if (c := card_or_none(s, top)) is not None}
    missing = [s for s in tops if s not in cards]
    if missing and st.button(f"Compute the cards of {len(missing)} source(s)", key="many_cards"):
        for spec in missing:
            costs, problems = card_costs([spec], tops[spec])
            for what, why in (problems | compute_cards(costs, tops[spec])).items():
                st.warning(f"{plain(what, 80)}: {plain(why, 300)}", icon=":material/balance:")
        cards = {s: c for s, top in tops.items() if (c := card_or_none(s, top)) is not None}
    if not cards:
        st.info("No card computed yet for these sources (the Spaces page shows them in full).")
        return
    st.dataframe(benchmark_summary(cards), hide_index=True, width="stretch")
    st.caption(
        "Spearman of cosine against human scores (WordSim-353, SimLex-999) and 3CosAdd accuracy on the Google "
        f"analogies, as gensim scores them; hubness over the first {DEFAULT_TOP:,} words. Random vectors have no "
        "vocabulary and no card."
    )
