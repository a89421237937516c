"""What every page starts with: title, URL notes and word-list problems."""

from __future__ import annotations

import streamlit as st

from .sidebar import Choices, choices
from .state import to_params, url_notes
from .text import plain
from .views import show_problems

__all__ = ["page_header"]


def page_header(title: str, intro: str = "", *, needs_words: bool = True) -> Choices:
    """Show the title and any notes; stop the page when there are no words to draw.

    Returns the sidebar's choices.
    """
    ch = choices()
    st.title(title)
    if intro:
        st.caption(intro)
    words = ch.words.words if ch.words is not None else ()
    categories = ch.words.categories if ch.words is not None else None
    for note in url_notes(to_params(ch.state, words, categories)):
        st.warning(f"Link parameter not used: {plain(note, 400)}", icon=":material/link:")
    if needs_words and show_problems(ch):
        st.stop()
    return ch
