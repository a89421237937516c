"""The picked word: one word that every ring, table and page shows (the URL's ``word=``).

Clicking a node on any ring picks its word, double-clicking a ring clears
it, and the sidebar's "Find a word" box picks a word by name (ignoring
case, suggesting the nearest spellings). All three write the one session
key :data:`SELECTED`; every ring is drawn from it.

A ring chart keeps the selection it was last clicked to in the browser
and restores it when redrawn, so a ring would go on showing its own last
click after another ring picked a different word. :func:`chart_key`
therefore names each ring chart after the picked word: when the word
changes, every ring is a new chart whose selections start empty and which
shows the shared pick as a given word (:data:`lib.ring_spec.PICKED`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import streamlit as st

from lib.ring_spec import PICK, UNPICK
from lib.words import find_word

from .text import plain

__all__ = ["SELECTED", "FIND", "selected_word", "set_word", "take_pick", "chart_key", "find_word_box"]

#: Session key of the picked word (read by :mod:`ui.state` for the URL).
SELECTED = "word"
#: Session key of the sidebar's "Find a word" box.
FIND = "find_word"
_MISS = "_find_miss"  # (query, nearest spellings) of the last search that found nothing
_VOCAB = "_find_vocabulary"


def selected_word() -> str:
    """The picked word ("" when none)."""
    return st.session_state.get(SELECTED, "") or ""


def set_word(word: str | None) -> None:
    """Pick ``word`` on every ring and page (None or "" clears the pick); call from callbacks."""
    ss = st.session_state
    if word:
        ss[SELECTED] = word
    else:
        ss.pop(SELECTED, None)
    ss[FIND] = word or ""
    ss.pop(_MISS, None)


def _words(selection: dict, name: str) -> list[str]:
    picked = selection.get(name) or []
    words = picked.get("word", []) if isinstance(picked, dict) else [p.get("word") for p in picked]
    return [w for w in words if isinstance(w, str)]


def take_pick(chart_key: str) -> None:
    """A ring chart's ``on_select``: a click picks the node's word, a double-click clears the pick."""
    selection = (st.session_state.get(chart_key) or {}).get("selection") or {}
    if _words(selection, UNPICK):
        set_word(None)
    elif _words(selection, PICK):
        set_word(_words(selection, PICK)[0])


def chart_key(base: str) -> str:
    """The element key of a ring chart: ``base`` plus a digest of the picked word (see the module notes)."""
    return f"{base}_{hashlib.md5(selected_word().encode()).hexdigest()[:8]}"


def _find() -> None:
    ss = st.session_state
    query = (ss.get(FIND) or "").strip()
    if not query:
        set_word(None)
        return
    word, nearest = find_word(query, ss.get(_VOCAB, ()))
    if word:
        set_word(word)
    else:
        ss[_MISS] = (query, nearest)


def find_word_box(words: Sequence[str]) -> None:
    """The sidebar's "Find a word" box over ``words`` (the word list), with the nearest spellings on a miss."""
    ss = st.session_state
    ss[_VOCAB] = tuple(words)
    if FIND not in ss:
        ss[FIND] = selected_word()
    st.text_input(
        "Find a word",
        key=FIND,
        on_change=_find,
        placeholder="e.g. chair (any case)",
        help="Picks the word on every ring, table and page, as clicking its node does. Empty it to clear.",
    )
    miss = ss.get(_MISS)
    if miss and miss[0] == (ss.get(FIND) or "").strip():
        query, nearest = miss
        st.caption(f"“{plain(query, 60)}” is not in the word list." + (" Nearest spellings:" if nearest else ""))
        for n, near in enumerate(nearest):
            st.button(plain(near, 60), key=f"find_near_{n}", on_click=set_word, args=(near,))
    elif selected_word():
        word = selected_word()
        where = "" if word in ss[_VOCAB] else " (not in this word list)"
        st.caption(f"Picked on every page: **{plain(word, 60)}**{where}. Double-click a ring or empty the box.")
