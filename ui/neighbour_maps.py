"""The Neighbours page's linked maps of both vocabularies (deck.gl through ``st.pydeck_chart``).

Each map draws the first :data:`lib.shifts.deck.MAX_POINTS` shared words at
their PCA place (B's map turned onto A's), coloured by the chosen measure.
Clicking points on either map picks them (each click adds or removes one
word; Streamlit's deck.gl charts report clicks, not boxes); the picked words
are ringed and labelled on *both* maps and listed below with their dominoes.
The page's "Find a word" box centres both maps on that word. At most
:data:`lib.shifts.deck.MAX_CLICKABLE` words of a map answer clicks and
hovering (those nearest the found word, then the most frequent): deck.gl's
pick on pointer-down over all 50,000 took longer than its 250 ms click
window with software WebGL, so no click registered.

A click does not stay a selection of the chart: the page adds (or removes)
the word to its own list of picks and draws the clickable layer under a new
id, so the chart drops its selection. A chart with a selection has
Streamlit recolour every point of every layer, one JSON conversion a point
(1.4 s of the browser's time at 50,000 points, measured), and dim the
unselected ones on the clicked map only.

The section is a fragment: a click reruns only the maps, not the page. The
JSON rows of every word are made once per run and measure (:func:`_prepared`,
kept for all sessions) and served as a Streamlit media file that the maps
load by URL, so a rerun sends specs of a few hundred kB whose big layer's
URL has not changed: the browser neither parses nor loads it again, and the
pan and zoom stay (the view changes only with the found word).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit import runtime

from lib.analysis.neighbours import Neighbourhoods
from lib.shifts.deck import (
    MAX_CLICKABLE,
    MAX_POINTS,
    MEASURES,
    WORDS_LAYER,
    all_words_layer,
    clickable_rows,
    deck_json,
    map_png,
    map_points,
    view_on,
    words_json,
    words_layer_json,
)

from .text import plain

__all__ = ["MAP_KEYS", "DeckSpec", "picked_rows", "maps_section"]

#: Element keys of the two maps (their last click lives under these session keys).
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
def _prepared(key: tuple, measure: str, _result: Neighbourhoods) -> tuple[pd.DataFrame, dict[str, bytes]]:
    """The map table and the JSON rows of each side's words for run ``key`` coloured by ``measure``."""
    column, moved_high = MEASURES[measure]
    values = _result.jaccard if column == "jaccard" else _result.table()[column].to_numpy()
    points = map_points(_result.words, _result.shifts.xy, values, moved_high=moved_high)
    return points, {side: words_json(points, side) for side in ("a", "b")}


def _served(data: bytes, name: str) -> str:
    """The URL the browser loads ``data`` (JSON) from: a Streamlit media file, kept while the page shows it.

    ``st.pydeck_chart`` has no other way to hand deck.gl data outside its
    spec (see :mod:`lib.shifts.deck` on why that matters).
    """
    url = runtime.get_instance().media_file_mgr.add(data, "application/json", name)
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}{url}" if base else url


def picked_rows(run: tuple) -> list[int]:
    """The rows picked on the maps of run ``run``, in the order clicked; a click on the map shown last adds
    (or removes) its word, and the next clickable layer gets a new id (see the module docstring)."""
    ss = st.session_state
    if ss.get("nb_map_run") != run:
        ss.update(nb_map_run=run, nb_map_picked=[], nb_map_shown=None)
    picked = ss["nb_map_picked"]
    layer, clickable = ss["nb_map_shown"] or (None, {})
    for side, key in MAP_KEYS.items():
        selection = (ss.get(key) or {}).get("selection") or {}
        for i in (selection.get("indices") or {}).get(layer, []) if layer else []:
            if isinstance(i, int) and 0 <= i < len(clickable[side]):
                row = int(clickable[side][i])
                if row in picked:
                    picked.remove(row)
                else:
                    picked.append(row)
                ss["nb_map_gen"] = ss.get("nb_map_gen", 0) + 1
    return list(picked)


def _clear() -> None:
    st.session_state["nb_map_picked"] = []


@st.fragment
def maps_section(key: tuple, result: Neighbourhoods, word: str | None, show_dominoes) -> None:
    """Both maps side by side, the picked words with their dominoes, and the PNG download (a fragment)."""
    st.subheader("Maps of both vocabularies")
    if result.shifts is None:
        st.info("This run has no map positions; compute it again to draw the maps.")
        return
    left, right = st.columns([2, 3], vertical_alignment="bottom")
    measure = left.selectbox("Colour by", list(MEASURES), key="nb_map_colour")
    points, rows = _prepared(key, measure, result)
    found = word if word in set(points["word"]) else None
    stayed, went = ("high", "low") if not MEASURES[measure][1] else ("low", "high")
    right.caption(
        f"PCA of each space's unit rows; B's map is turned onto A's (one 2-D rotation). "
        f"{len(points):,} words" + (f" (the first {MAX_POINTS:,})" if result.n > MAX_POINTS else "") + ". "
        f"Yellow: moved ({went} {measure}); purple: stayed ({stayed}). Click points to pick words on both maps"
        + (
            f" (at most {MAX_CLICKABLE:,} a map answer clicks: those nearest the found word, then the most frequent)."
            if len(points) > MAX_CLICKABLE
            else "."
        )
    )
    picked = [i for i in picked_rows(key) if i < len(points)]
    clickable = {side: clickable_rows(points, side, found) for side in ("a", "b")}
    layer = f"{WORDS_LAYER}{st.session_state.get('nb_map_gen', 0)}"
    st.session_state["nb_map_shown"] = (layer, clickable)
    tooltip = {"text": "{w}\n" + measure + ": {v}"}
    columns = st.columns(2)
    for side, column in zip(("a", "b"), columns, strict=True):
        layers = all_words_layer(_served(rows[side], f"nb_map_data_{side}"))
        layers += "," + words_layer_json(points, side, clickable[side], layer_id=layer)
        spec = deck_json(layers, points, side, picked, view_on(points, side, found, _FIT_WIDTH))
        column.caption(f"**{side.upper()}**: {plain(result.a if side == 'a' else result.b, 60)}")
        column.container(border=True).pydeck_chart(
            DeckSpec(spec, tooltip),
            on_select="rerun",
            selection_mode="single-object",
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
