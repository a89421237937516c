"""The app's choices in the session and in the browser's URL.

The app calls :func:`init_from_url` once per session, before the sidebar
widgets exist, and :func:`write_url` after them, so a link opened elsewhere
shows the same view. Parsing and writing the parameters themselves is pure
(:mod:`ui.params`); its public names are re-exported here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import streamlit as st

from .params import (
    COLOURS,
    HUBS_PARAMS,
    MAX_URL_TEXT,
    MAX_URL_WORDS,
    MODES,
    ORDERS,
    PAGE_PARAMS,
    UrlState,
    defaults,
    hubs_params,
    parse_params,
    to_params,
    url_words_fit,
)
from .sources import OTHER, UPLOAD, known_specs

#: Re-exported from :mod:`ui.params`, so pages import the URL's names from one place.
__all__ = [
    "COLOURS",
    "HUBS_PARAMS",
    "MAX_URL_TEXT",
    "MAX_URL_WORDS",
    "MODES",
    "ORDERS",
    "PAGE_PARAMS",
    "PERSISTENT",
    "UrlState",
    "current_state",
    "defaults",
    "hubs_params",
    "init_from_url",
    "keep_hidden_widgets",
    "page_param",
    "parse_params",
    "publish",
    "share_link",
    "to_params",
    "url_notes",
    "url_words_fit",
    "write_url",
]

_PAGE_KEY = "_url_page_params"
_NOTES_KEY = "_url_notes"
_INIT_KEY = "_url_initialised"


def _spec_widgets(side: str, spec: str) -> dict[str, str]:
    if spec in known_specs():
        return {f"{side}_choice": spec, f"{side}_custom": ""}
    return {f"{side}_choice": OTHER, f"{side}_custom": spec}


def init_from_url() -> None:
    """On a session's first run, set the sidebar widgets from ``st.query_params``."""
    ss = st.session_state
    if ss.get(_INIT_KEY):
        return
    state, notes = parse_params(st.query_params.to_dict())
    ss[_INIT_KEY] = True
    ss["_url_opened"] = st.query_params.to_dict()  # for pages with their own parameters
    ss[_NOTES_KEY] = notes
    ss[_PAGE_KEY] = {key: st.query_params.get_all(key) for key in PAGE_PARAMS}
    ss.update(
        mode=state.mode,
        preset=state.preset,
        words_text=state.words,
        passage=state.passage,
        words_categories=state.categories,
        words_categories_text=state.words,
        rule=state.rule,
        k=state.k,
        value=state.value,
        order=state.order,
        labels=state.labels,
        colour=state.colour,
    )
    if state.word:
        ss["word"] = state.word
    ss["rg_side"] = state.side
    ss.update(hubs_n=state.hubs_n, hubs_alpha=state.hubs_alpha, hubs_stop=state.hubs_stop, hubs_min=state.hubs_min)
    ss.update(_spec_widgets("a", state.a))
    ss.update(_spec_widgets("b", state.b))


def page_param(key: str) -> list[str]:
    """Every value of a page's own parameter ``key`` in the link that opened this session."""
    return list(st.session_state.get(_PAGE_KEY, {}).get(key, []))


#: Widget keys whose values survive while their widget is hidden (mode switches).
PERSISTENT = (
    "mode",
    "preset",
    "words_text",
    "words_categories",
    "words_categories_text",
    "passage",
    "a_choice",
    "a_custom",
    "b_choice",
    "b_custom",
    "rule",
    "k",
    "value",
    "order",
    "labels",
    "colour",
    "hubs_n",
    "hubs_alpha",
    "hubs_stop",
    "hubs_min",
)


def keep_hidden_widgets() -> None:
    """Stop Streamlit from forgetting the values of sidebar widgets that are hidden.

    Re-assigning a widget's key interrupts its clean-up, so e.g. the chosen
    preset is still there after a detour through the free-text mode.
    """
    ss = st.session_state
    for key in PERSISTENT:
        if key in ss:
            ss[key] = ss[key]


def url_notes(params: dict[str, str]) -> list[str]:
    """Notes on URL parameters that were not used as given.

    Shown until the user changes the view the link opened.
    """
    ss = st.session_state
    first = ss.setdefault("_url_first_params", params)
    return ss.get(_NOTES_KEY, []) if params == first else []


def publish(params: dict[str, str] | None = None, **extra: str) -> dict[str, str]:
    """Write the view's parameters (plus a page's non-empty ``extra``) to the URL and the share box."""
    ss = st.session_state
    if params is not None:
        ss["_url_params"] = params
    full = dict(ss.get("_url_params", {}))
    for key, value in extra.items():  # an empty extra takes its parameter out of the URL
        if value:
            full[key] = value
        else:
            full.pop(key, None)
    write_url(full)
    slot = ss.get("_share_slot")
    if slot is not None:
        slot.code(share_link(full), language=None, wrap_lines=True)
    return full


def current_state() -> UrlState:
    """The sidebar's current choices as a :class:`UrlState`."""
    ss = st.session_state
    d = defaults()

    def spec(side: str) -> str:
        choice = ss.get(f"{side}_choice", getattr(d, side))
        if choice == UPLOAD:
            return ss.get(f"{side}_upload_spec") or "upload:"
        return (ss.get(f"{side}_custom") or "").strip() if choice == OTHER else choice

    return UrlState(
        mode=ss.get("mode", d.mode),
        preset=ss.get("preset", d.preset),
        words=ss.get("words_text", ""),
        passage=ss.get("passage", ""),
        categories=_link_categories(ss),
        a=spec("a"),
        b=spec("b"),
        rule=ss.get("rule", d.rule),
        k=float(ss.get("k", d.k)),
        value=float(ss.get("value", d.value)),
        order=ss.get("order", d.order),
        labels=bool(ss.get("labels", d.labels)),
        colour=ss.get("colour", d.colour),
        word=ss.get("word", "") or "",
    )


def _link_categories(ss: Any) -> str:
    # A link's categories belong to the words it set; once the words are edited they no longer apply.
    same = ss.get("words_text", "") == ss.get("words_categories_text")
    return (ss.get("words_categories", "") or "") if same else ""


def write_url(params: dict[str, str]) -> None:
    """Make ``st.query_params`` equal ``params``, touching only what changed."""
    qp = st.query_params
    current = qp.to_dict()
    if current == params:
        return
    for key in set(current) - set(params):
        del qp[key]
    for key, value in params.items():
        if current.get(key) != value:
            qp[key] = value


def share_link(params: dict[str, str]) -> str:
    """The full link of this view (page path included) for the "Copy share link" box."""
    base = getattr(st.context, "url", None) or ""
    return f"{base}?{urlencode(params)}" if params else base
