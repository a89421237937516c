"""Helpers of the Neighbours page and of the Compare page's ring-word neighbourhoods.

Runs are cached on disk (:mod:`lib.analysis.neighbours_store`) and, once
read, kept in memory for every session, so a rerun of the page redraws
without reading a file. A run shows an ``st.progress`` bar per space; the
page's Cancel button makes Streamlit rerun the script, which stops the
running one at its next progress update (nothing is cached until a run
has finished).
"""

from __future__ import annotations

import time
from collections import OrderedDict

import numpy as np
import pandas as pd
import streamlit as st

from lib.analysis.neighbours import Neighbourhoods, compare_neighbourhoods
from lib.analysis.neighbours_store import cached_neighbours, neighbours_for
from lib.analysis.neighbours_vocab import shared_word_list
from lib.budget import check_neighbours, default_budget, largest, neighbours_cost
from lib.errors import CosineRingsError
from lib.sources import paths_allowed

from .cached import get_source
from .pick import selected_word, set_word
from .state import publish
from .text import plain
from .views import source_dim
from .work import within, work_slot

__all__ = [
    "DEFAULT_TOP",
    "RunKey",
    "init_params",
    "publish_params",
    "cached_result",
    "compute",
    "dominoes",
    "moved",
    "MOVED_BY",
    "word_table",
    "dropped_text",
    "largest_top",
    "pick_row",
    "clickable_table",
    "show_dominoes",
    "ring_word_neighbourhoods",
    "ring_words_section",
]

#: Shared words the page uses unless told otherwise.
DEFAULT_TOP = 10_000
#: (A, B, N, k): what a run of the page depends on.
RunKey = tuple
_PARAMS = {"top": ("nb_top", 2, 200_000, DEFAULT_TOP), "nk": ("nb_k", 1, 200, 10)}


def init_params() -> None:
    """On the page's first run in a session, take N, k and the chosen word from the URL."""
    ss = st.session_state
    if not ss.get("_nb_init"):
        ss["_nb_init"] = True
        q = ss.get("_url_opened") or st.query_params.to_dict()  # the link as opened (the app rewrites it)
        for name, (key, lo, hi, default) in _PARAMS.items():
            raw = q.get(name, "")
            ss[key] = int(raw) if raw.isdigit() and lo <= int(raw) <= hi else default
        ss["nb_word"] = q.get("nword", "")[:100]
    picked = selected_word()  # a word picked on a ring or in the sidebar shows its dominoes here too
    if picked and ss.get("_nb_seen_pick") != picked:
        ss["_nb_seen_pick"] = ss["nb_word"] = picked
    # Streamlit forgets a widget's value on other pages: come back to the defaults, not to the minimum.
    for key, _, _, default in _PARAMS.values():
        ss.setdefault(key, default)


def publish_params() -> None:
    """Write N, k and the chosen word to the URL."""
    ss = st.session_state
    publish(top=str(ss.get("nb_top", DEFAULT_TOP)), nk=str(ss.get("nb_k", 10)), nword=ss.get("nb_word", ""))


#: Finished runs kept in memory (the most recently used; each is a few MB).
MAX_IN_MEMORY = 8


@st.cache_resource(show_spinner=False)
def _memory() -> OrderedDict:
    """Finished runs by key, shared by all sessions."""
    return OrderedDict()


def _keep(key: RunKey, result: Neighbourhoods) -> None:
    memory = _memory()
    memory[key] = result
    memory.move_to_end(key)
    while len(memory) > MAX_IN_MEMORY:
        memory.popitem(last=False)


def cached_result(key: RunKey) -> Neighbourhoods | None:
    """The finished run of ``key`` from memory or the disk cache, or None."""
    memory = _memory()
    if key in memory:
        return memory[key]
    a, b, top, k = key
    hit = cached_neighbours(a, b, top=top, k=k, null=True, allow_paths=paths_allowed())
    if hit is not None:
        _keep(key, hit)
    return hit


def compute(key: RunKey) -> Neighbourhoods:
    """Run ``key`` with a progress bar per space (raises CosineRingsError, BudgetError first when too large)."""
    a, b, top, k = key
    cost = within(check_neighbours, top, max(get_source(a).dim, get_source(b).dim), k)
    slot = st.empty()
    start = time.perf_counter()

    def progress(side: str, done: int, total: int) -> bool:
        elapsed = time.perf_counter() - start
        slot.progress(
            done / max(total, 1),
            text=f"k nearest neighbours in {side.upper()}: block task {done} of {total} ({elapsed:.0f} s so far)",
        )
        return True

    with (
        work_slot(cost),
        st.spinner(f"Finding the first {top:,} words shared by {plain(a, 80)} and {plain(b, 80)} …", show_time=True),
    ):
        result = neighbours_for(
            a, b, top=top, k=k, null=True, progress=progress, allow_paths=paths_allowed(), loader=get_source
        )
    slot.empty()
    _keep(key, result)
    return result


def dominoes(result: Neighbourhoods, word: str) -> pd.DataFrame:
    """``word``'s neighbours in A and in B side by side (● marks a neighbour both spaces share)."""
    d = result.dominoes(word)
    mark = {True: "●", False: ""}
    return pd.DataFrame(
        {
            "#": d["rank"],
            "A": d["A"],
            "cos A": d["cosine A"].round(4),
            "shared A": d["shared A"].map(mark),
            "B": d["B"],
            "cos B": d["cosine B"].round(4),
            "shared B": d["shared B"].map(mark),
        }
    )


#: What the moved tables can sort by: label -> whether a high value means "moved".
MOVED_BY = {"Jaccard": False, "local shift": True, "Procrustes shift": True}


def word_table(result: Neighbourhoods) -> pd.DataFrame:
    """Every shared word: word, Jaccard, both shifts (when the run has them), frequency rank."""
    t = pd.DataFrame({"word": result.words, "Jaccard": result.jaccard})
    if result.shifts is not None:
        t["local shift"] = result.shifts.local
        t["Procrustes shift"] = result.shifts.procrustes
    t["frequency rank"] = np.arange(1, result.n + 1)
    return t


def moved(result: Neighbourhoods, n: int = 15, *, most: bool = True, by: str = "Jaccard") -> pd.DataFrame:
    """The ``n`` words that moved most or least by ``by`` (low Jaccard, high shift), ties in frequency order."""
    t = word_table(result)
    if by not in t.columns:
        by = "Jaccard"
    return t.sort_values(by, ascending=most != MOVED_BY[by], kind="stable").head(n).reset_index(drop=True)


_DROP_WORDS = {
    "b: not a single token": "are not a single token of B",
    "b: only in another case": "are in B only in another case",
    "b: not in vocabulary": "are not in B's vocabulary",
    "b: zero or non-finite vector": "have a zero or broken vector in B",
    "a: word-internal or byte token": "are word pieces or byte tokens, not words",
    "a: zero or non-finite vector": "have a zero or broken vector in A",
    "a: not a single entry": "are not a single entry of A",
}


def dropped_text(dropped: dict, n: int) -> str:
    """Why A's vocabulary entries were skipped on the way to ``n`` shared words, in plain words.

    >>> dropped_text({"b: not a single token": 641}, 10_000)
    "To find 10,000 shared words, 641 entries of A's vocabulary were skipped: 641 are not a single token of B."
    """
    parts = []
    for rule, count in dropped.items():
        side, _, why = rule.partition(": ")
        text = _DROP_WORDS.get(rule, f"{why} ({side.upper()})" if why else rule)
        parts.append(f"{count:,} {text}")
    total = sum(dropped.values())
    return f"To find {n:,} shared words, {total:,} entries of A's vocabulary were skipped: " + "; ".join(parts) + "."


def largest_top(a: str, b: str, k: int) -> tuple[int, str | None]:
    """The largest N whose run (with the shuffled null) fits this server's budget, or (0, why not)."""
    dims = []
    for spec in (a, b):
        dim, error = source_dim(spec)
        if error:
            return 0, f"{plain(spec, 80)}: {plain(error, 300)}"
        dims.append(dim)
    budget = default_budget()
    top = largest(lambda m: budget.allows(neighbours_cost(m, max(dims), k)), 2, _PARAMS["top"][2])
    if top < 2:
        return 0, f"not even 2 shared words fit the budget here ({budget.text()})"
    return top, None


def pick_row(key: str) -> None:
    """``on_select`` of a clickable word table: the clicked row's word shows its dominoes (and is picked)."""
    ss = st.session_state
    rows = ((ss.get(key) or {}).get("selection") or {}).get("rows") or []
    words = ss.get(f"_{key}_words") or []
    if rows and rows[0] < len(words):
        ss["nb_word"] = words[rows[0]]
        set_word(words[rows[0]])


def clickable_table(where, table: pd.DataFrame, key: str, **kwargs) -> None:
    """``table`` (with a ``word`` column) in ``where``; clicking a row shows that word's dominoes."""
    st.session_state[f"_{key}_words"] = list(table["word"])
    where.dataframe(
        table,
        hide_index=True,
        width="stretch",
        on_select=lambda: pick_row(key),
        selection_mode="single-row",
        key=key,
        column_config=_FORMATS,
        **kwargs,
    )


def show_dominoes(result: Neighbourhoods, word: str) -> None:
    """One line of ``word``'s numbers, then its dominoes (its neighbours in A and in B side by side)."""
    i = result.words.index(word)
    shifts = (
        ""
        if result.shifts is None
        else f", local shift **{result.shifts.local[i]:.3f}**, Procrustes shift **{result.shifts.procrustes[i]:.3f}**"
    )
    st.markdown(
        f"**{plain(word, 100)}** (frequency rank {i + 1:,}): Jaccard **{result.jaccard[i]:.3f}** "
        f"({int(result.shared[i])} of {result.k} neighbours shared){shifts}. ● = in both."
    )
    st.dataframe(dominoes(result, word), hide_index=True, width="stretch")


_FORMATS = {
    "word": st.column_config.TextColumn("word", width="small"),
    "Jaccard": st.column_config.NumberColumn("Jaccard", format="%.3f", width="small"),
    "local shift": st.column_config.NumberColumn("local", format="%.3f", width="small", help="local shift"),
    "Procrustes shift": st.column_config.NumberColumn(
        "Procrustes", format="%.3f", width="small", help="Procrustes shift"
    ),
    "frequency rank": st.column_config.NumberColumn(
        "rank", width="small", help="frequency rank: place in A's vocabulary order"
    ),
}


@st.cache_data(show_spinner=False, max_entries=16)
def ring_word_neighbourhoods(a: str, b: str, words: tuple[str, ...], k: int) -> Neighbourhoods:
    """The ring's own words as the vocabulary: each word's k nearest among them, in A and in B."""
    vocab = shared_word_list(get_source(a), get_source(b), words)
    return compare_neighbourhoods(vocab, min(k, vocab.n - 1), a=a, b=b)


def ring_words_section(a: str, b: str, words: tuple[str, ...], k: int = 5) -> None:
    """Compare page: each ring word's neighbourhood Jaccard; choosing a word opens its dominoes."""
    st.subheader("Neighbourhoods of the ring words")
    try:
        cost = within(check_neighbours, len(words), max(get_source(a).dim, get_source(b).dim), k, runs=2)
        with work_slot(cost):
            result = ring_word_neighbourhoods(a, b, tuple(words), k)
    except CosineRingsError as exc:
        st.info(f"No neighbourhoods: {plain(str(exc), 400)}", icon=":material/info:")
        return
    st.caption(
        f"Each word's {result.k} nearest other ring words in A and in B, and the Jaccard index of the two "
        f"sets (chance level {result.summary()['chance_jaccard']:.3f}). The **Neighbours** page does "
        "the same over a whole shared vocabulary."
    )
    left, right = st.columns([2, 3])
    table = moved(result, result.n)[["word", "Jaccard"]]  # "frequency rank" is only list order here
    left.dataframe(
        table,
        hide_index=True,
        height=300,
        width="stretch",
        column_config={"Jaccard": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0, format="%.2f")},
    )
    if selected_word() in set(table["word"]):  # the picked word, as on the rings
        st.session_state["cmp_nb_word"] = selected_word()
    word = right.selectbox(
        "A ring word's dominoes",
        list(table["word"]),
        key="cmp_nb_word",
        on_change=lambda: set_word(st.session_state.get("cmp_nb_word")),
    )
    if word:
        right.dataframe(dominoes(result, word), hide_index=True, width="stretch")
