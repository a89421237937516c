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

import pandas as pd
import streamlit as st

from lib.analysis.neighbours import Neighbourhoods, compare_neighbourhoods
from lib.analysis.neighbours_store import cached_neighbours, neighbours_for
from lib.analysis.neighbours_vocab import shared_word_list
from lib.budget import check_neighbours
from lib.errors import CosineRingsError
from lib.sources import paths_allowed

from .cached import get_source
from .pick import selected_word, set_word
from .state import publish
from .text import plain
from .work import work_slot

__all__ = [
    "DEFAULT_TOP",
    "RunKey",
    "init_params",
    "publish_params",
    "cached_result",
    "compute",
    "dominoes",
    "moved",
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
    cost = check_neighbours(top, max(get_source(a).dim, get_source(b).dim), k)
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


def moved(result: Neighbourhoods, n: int = 15, *, most: bool = True) -> pd.DataFrame:
    """The ``n`` words that moved most (lowest Jaccard) or least, ties in frequency order."""
    t = pd.DataFrame({"word": result.words, "Jaccard": result.jaccard, "frequency rank": range(1, result.n + 1)})
    return t.sort_values("Jaccard", ascending=most, kind="stable").head(n).reset_index(drop=True)


@st.cache_data(show_spinner=False, max_entries=16)
def ring_word_neighbourhoods(a: str, b: str, words: tuple[str, ...], k: int) -> Neighbourhoods:
    """The ring's own words as the vocabulary: each word's k nearest among them, in A and in B."""
    vocab = shared_word_list(get_source(a), get_source(b), words)
    return compare_neighbourhoods(vocab, min(k, vocab.n - 1), a=a, b=b)


def ring_words_section(a: str, b: str, words: tuple[str, ...], k: int = 5) -> None:
    """Compare page: each ring word's neighbourhood Jaccard; choosing a word opens its dominoes."""
    st.subheader("Neighbourhoods of the ring words")
    try:
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
