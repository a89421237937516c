"""Cached loading and computing for the pages.

Sources are loaded once per server with ``st.cache_resource`` (Streamlit
takes a per-key lock, so two sessions asking for the same source at once
load it once); graph results are cached with ``st.cache_data``. Every input
of a cached function is one of its arguments.
"""
from __future__ import annotations

from typing import Callable

import streamlit as st

from lib.graph import GraphResult, build_graph
from lib.sources import Source, load_source

__all__ = ["get_source", "graph_result", "passage_words", "load_with_progress"]


@st.cache_resource(show_spinner=False, max_entries=8)
def get_source(spec: str, _progress: Callable[[int, int | None], None] | None = None) -> Source:
    """The loaded source of ``spec``, shared by all sessions.

    ``_progress(done_bytes, total_bytes)`` (not part of the cache key)
    receives download progress.
    """
    return load_source(spec, progress=_progress)


def load_with_progress(spec: str, label: str) -> Source:
    """Load ``spec`` (cached), showing a progress bar while a download runs."""
    slot = st.empty()

    def progress(done: int, total: int | None) -> None:
        fraction = min(done / total, 1.0) if total else 0.0
        size = f"{done / 1e6:,.1f} of {total / 1e6:,.1f} MB" if total else f"{done / 1e6:,.1f} MB"
        slot.progress(fraction, text=f"{label}: downloading {spec} ({size})")

    try:
        with st.spinner(f"{label}: loading {spec} …", show_time=True):
            return get_source(spec, _progress=progress)
    finally:
        slot.empty()


@st.cache_data(show_spinner=False, max_entries=64)
def graph_result(spec: str, words: tuple[str, ...], rule: str, k: float,
                 value: float | None) -> GraphResult:
    """The ring graph of ``words`` under source ``spec`` (raises CosineRingsError)."""
    return build_graph(get_source(spec), words, rule=rule, k=k, value=value)


@st.cache_data(show_spinner=False, max_entries=32)
def passage_words(spec: str, text: str) -> tuple[str, ...]:
    """The unique units of a passage for ``spec`` (words, or tokens for transformers)."""
    return tuple(get_source(spec).passage_units(text))
