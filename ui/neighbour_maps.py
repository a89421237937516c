"""The Neighbours page's linked maps of both vocabularies (deck.gl through ``st.pydeck_chart``).

Each map draws the first :data:`lib.shifts.deck.MAX_POINTS` shared words at
their PCA place (B's map turned onto A's), coloured by the chosen measure.
Clicking points on either map picks them (each click adds or removes one
word; Streamlit's deck.gl charts report clicks, not boxes); the picked words
are ringed and labelled on *both* maps and listed below with their dominoes.
The page's "Find a word" box centres both maps on that word.

The big words layer is turned into JSON once per run and measure
(:func:`_prepared`, kept for all sessions); a rerun after a click only adds
the few picked words and the view, so it sends the same large layer again
but builds nothing large.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.analysis.neighbours import Neighbourhoods
from lib.shifts.deck import (
    MAX_POINTS,
    MEASURES,
    WORDS_LAYER,
    deck_json,
    map_png,
    map_points,
    view_on,
    words_layer_json,
)

from .text import plain

__all__ = ["MAP_KEYS", "DeckSpec", "picked_rows", "maps_section"]

#: Element keys of the two maps (their selections live under these session keys).
MAP_KEYS = {"a": "nb_map_a", "b": "nb_map_b"}
#: The width the maps' first view is fitted to (a column of the wide layout at 1280 px is about 430 px).
_FIT_WIDTH = 420
_HEIGHT = 440


class DeckSpec:
    """What ``st.pydeck_chart`` reads of a ``pydeck.Deck``: its JSON (built here) and its tooltip."""

    def __init__(self, spec: str, tooltip: dict) -> None:
        self._spec = spec
        self._tooltip = tooltip

    def to_json(self) -> str:
        return self._spec


@st.cache_resource(show_spinner=False, max_entries=6)
def _prepared(key: tuple, measure: str, _result: Neighbourhoods) -> tuple[pd.DataFrame, dict[str, str]]:
    """The map table and the JSON of each side's words layer for run ``key`` coloured by ``measure``."""
    column, moved_high = MEASURES[measure]
    values = _result.jaccard if column == "jaccard" else _result.table()[column].to_numpy()
    points = map_points(_result.words, _result.shifts.xy, values, moved_high=moved_high)
    return points, {side: words_layer_json(points, side) for side in ("a", "b")}


def picked_rows() -> list[int]:
    """Rows picked on either map, in the order first seen (A's clicks first)."""
    out: list[int] = []
    for key in MAP_KEYS.values():
        selection = (st.session_state.get(key) or {}).get("selection") or {}
        for i in (selection.get("indices") or {}).get(WORDS_LAYER, []):
            if isinstance(i, int) and i not in out:
                out.append(i)
    return out


def _clear() -> None:
    for key in MAP_KEYS.values():
        st.session_state.pop(key, None)


def maps_section(key: tuple, result: Neighbourhoods, word: str | None, show_dominoes) -> None:
    """Both maps side by side, the picked words with their dominoes, and the PNG download."""
    st.subheader("Maps of both vocabularies")
    if result.shifts is None:
        st.info("This run has no map positions; compute it again to draw the maps.")
        return
    left, right = st.columns([2, 3], vertical_alignment="bottom")
    measure = left.selectbox("Colour by", list(MEASURES), key="nb_map_colour")
    points, layers = _prepared(key, measure, result)
    found = word if word in set(points["word"]) else None
    stayed, went = ("high", "low") if not MEASURES[measure][1] else ("low", "high")
    right.caption(
        f"PCA of each space's unit rows; B's map is turned onto A's (one 2-D rotation). "
        f"{len(points):,} words" + (f" (the first {MAX_POINTS:,})" if result.n > MAX_POINTS else "") + ". "
        f"Yellow: moved ({went} {measure}); purple: stayed ({stayed}). Click points to pick words on both maps."
    )
    picked = picked_rows()
    tooltip = {"text": "{w}\n" + measure + ": {v}"}
    columns = st.columns(2)
    for side, column in zip(("a", "b"), columns, strict=True):
        spec = deck_json(layers[side], points, side, picked, view_on(points, side, found, _FIT_WIDTH))
        column.caption(f"**{side.upper()}**: {plain(result.a if side == 'a' else result.b, 60)}")
        column.container(border=True).pydeck_chart(
            DeckSpec(spec, tooltip),
            on_select="rerun",
            selection_mode="multi-object",
            key=MAP_KEYS[side],
            height=_HEIGHT,
            width="stretch",
        )
    names = [points.at[i, "word"] for i in picked if i < len(points)]
    head, clear, png = st.columns([3, 1, 1], vertical_alignment="center")
    head.markdown(
        f"**{len(names):,} picked on the maps**" + (f": {plain(', '.join(names[:12]), 300)}" if names else "")
    )
    clear.button("Clear picks", key="nb_map_clear", on_click=_clear, disabled=not names)
    png.download_button(
        "Maps as PNG",
        data=lambda: map_png(
            points,
            picked,
            label=f"{measure}: yellow = moved most",
            titles=(f"A: {result.a}", f"B: {result.b}"),
        ),
        file_name="neighbour-maps.png",
        mime="image/png",
        key="nb_map_png",
        help="Both maps side by side (up to 20,000 points each and every picked word), drawn by vl-convert.",
    )
    if names:
        tabs = st.tabs([plain(name, 30) for name in names[:8]])
        for tab, name in zip(tabs, names[:8], strict=True):
            with tab:
                show_dominoes(name)
