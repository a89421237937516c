"""Every choice of the app in the URL query string, validated both ways.

:func:`parse_params` turns a query-string mapping into widget values plus a
note for each parameter it could not use (pure, no Streamlit). The app calls
:func:`init_from_url` once per session, before the sidebar widgets exist, and
:func:`write_url` after them, so a link opened elsewhere shows the same view.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from lib.engine import RULES
from lib.presets import PRESETS
from lib.words import MAX_WORDS, split_words

from .sources import OTHER, UPLOAD, check_spec, default_specs, known_specs
from .text import shorten

__all__ = [
    "MODES",
    "ORDERS",
    "COLOURS",
    "MAX_URL_TEXT",
    "MAX_URL_WORDS",
    "url_words_fit",
    "UrlState",
    "defaults",
    "parse_params",
    "to_params",
    "init_from_url",
    "current_state",
    "write_url",
    "share_link",
    "url_notes",
    "publish",
    "keep_hidden_widgets",
    "PERSISTENT",
    "HUBS_PARAMS",
    "hubs_params",
    "PAGE_PARAMS",
    "page_param",
]

MODES = ("preset", "text", "upload", "passage")
ORDERS = ("input", "category", "community")
COLOURS = ("shared", "separate")
#: Longest passage kept in the URL; longer ones are shared as their words.
MAX_URL_TEXT = 3000
#: Longest word list (characters) put into a link; longer lists (uploads) are not shared by link.
MAX_URL_WORDS = 60_000
_TRUE = {"1", "on", "true", "yes"}
_FALSE = {"0", "off", "false", "no"}
_KNOWN = {
    "preset",
    "words",
    "categories",
    "passage",
    "a",
    "b",
    "rule",
    "k",
    "value",
    "order",
    "labels",
    "colour",
    "word",
    "side",
    "hubs_n",
    "hubs_alpha",
    "hubs_stop",
    "hubs_min",
    "top",
    "nk",
    "nword",  # the Neighbours page's N, k and word (ui/neighbours.py)
    "sources",
}
#: Hubs page settings: URL parameter -> (smallest, largest) for numbers, None for on/off.
HUBS_PARAMS = {"hubs_n": (100, 400_000), "hubs_alpha": None, "hubs_stop": None, "hubs_min": (1, 20)}
#: Parameters a page reads itself (``sources``: the Many sources page); kept per session.
PAGE_PARAMS = ("sources",)
_PAGE_KEY = "_url_page_params"
_NOTES_KEY = "_url_notes"
_INIT_KEY = "_url_initialised"


@dataclass(frozen=True)
class UrlState:
    """The choices that live in the URL (widget values, not yet resolved)."""

    mode: str
    preset: str
    words: str
    passage: str
    a: str
    b: str
    rule: str
    k: float
    value: float
    order: str
    labels: bool
    colour: str
    word: str = ""
    side: str = "A"
    #: Categories of a shared word list (one per word, comma separated), e.g. from an uploaded CSV.
    categories: str = ""
    hubs_n: int = 5000
    hubs_alpha: bool = False
    hubs_stop: bool = False
    hubs_min: int = 1


def defaults() -> UrlState:
    """The landing view: the course list, GloVe (when installed) against random."""
    a, b = default_specs()
    return UrlState(
        mode="preset",
        preset="course",
        words="",
        passage="",
        a=a,
        b=b,
        rule="seed",
        k=1.0,
        value=0.5,
        order="input",
        labels=True,
        colour="shared",
    )


def _first(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else ""
    return str(value)


def _float(raw: str, lo: float, hi: float) -> float | None:
    try:
        x = float(raw)
    except ValueError:
        return None
    return x if math.isfinite(x) and lo <= x <= hi else None


def _word_choice(p: Mapping[str, str], d: UrlState, out: dict) -> list[str]:
    """Read the word list (passage, words with their categories, or preset) into ``out``; return notes."""
    notes: list[str] = []
    if "passage" in p and p["passage"].strip():
        out["mode"], out["passage"] = "passage", p["passage"][: 20 * MAX_URL_TEXT]
    elif "words" in p:
        words = split_words(p["words"])
        if not words:
            notes.append(f"words={shorten(p['words'], 60)!r} has no words; using the {d.preset!r} preset")
        elif len(words) > MAX_WORDS:
            notes.append(f"words has {len(words):,} words, the limit is {MAX_WORDS:,}; using the {d.preset!r} preset")
        else:
            out["mode"], out["words"] = "text", ", ".join(words)
            out["categories"], note = _categories(p.get("categories", ""), len(words))
            notes.extend([note] if note else [])
    elif "preset" in p:
        if p["preset"] in PRESETS:
            out["preset"] = p["preset"]
        else:
            notes.append(f"unknown preset {shorten(p['preset'], 60)!r}; using {d.preset!r}")
    return notes


def parse_params(params: Mapping[str, Any]) -> tuple[UrlState, list[str]]:
    """Validate a query string; bad or unknown parameters fall back to defaults.

    Returns the state and one note per parameter that was not used as given.

    Examples
    --------
    >>> s, notes = parse_params({"rule": "course", "k": "abc"})
    >>> s.rule, s.k, notes
    ('course', 1.0, ["k='abc' is not a number between 0 and 10; using 1.0"])
    """
    d = defaults()
    out = dict(d.__dict__)
    notes: list[str] = []
    p = {key: _first(v) for key, v in params.items()}
    for key in sorted(set(p) - _KNOWN):
        notes.append(f"unknown parameter {shorten(key, 60)!r} ignored")
    notes.extend(_word_choice(p, d, out))
    for side in ("a", "b"):
        if side in p:
            problem = check_spec(p[side])
            if problem:
                notes.append(
                    f"source {side}={shorten(p[side], 80)!r}: {shorten(problem, 200)}; using {getattr(d, side)!r}"
                )
            else:
                out[side] = p[side].strip()
    if "rule" in p:
        if p["rule"] in RULES:
            out["rule"] = p["rule"]
        else:
            notes.append(f"rule={shorten(p['rule'], 60)!r} is not one of {', '.join(RULES)}; using {d.rule!r}")
    for key, lo, hi in (("k", 0.0, 10.0), ("value", -1.0, 1.0)):
        if key in p:
            x = _float(p[key], lo, hi)
            if x is None:
                notes.append(
                    f"{key}={shorten(p[key], 60)!r} is not a number between {lo:g} and {hi:g}; using {getattr(d, key)}"
                )
            else:
                out[key] = x
    for key, allowed in (("order", ORDERS), ("colour", COLOURS)):
        if key in p:
            if p[key] in allowed:
                out[key] = p[key]
            else:
                notes.append(
                    f"{key}={shorten(p[key], 60)!r} is not one of {', '.join(allowed)}; using {getattr(d, key)!r}"
                )
    if "labels" in p:
        flag = p["labels"].lower()
        if flag in _TRUE | _FALSE:
            out["labels"] = flag in _TRUE
        else:
            notes.append(f"labels={shorten(p['labels'], 60)!r} is not on or off; using on")
    if "word" in p:
        out["word"] = p["word"].strip()[:100]
    if "side" in p:
        if p["side"].upper() in ("A", "B"):
            out["side"] = p["side"].upper()
        else:
            notes.append(f"side={shorten(p['side'], 60)!r} is not A or B; using A")
    notes.extend(_hubs_settings(p, out))
    return UrlState(**out), notes


def _categories(raw: str, n_words: int) -> tuple[str, str | None]:
    """The ``categories`` parameter if it names one category per word, else ``""`` and a note."""
    if not raw:
        return "", None
    cats = [c.strip() for c in raw.split(",")]
    if len(cats) != n_words or not all(cats):
        return "", f"categories has {len(cats)} entries for {n_words} words; showing the words without categories"
    return ",".join(cats), None


def _hubs_settings(p: Mapping[str, str], out: dict) -> list[str]:
    """Read the Hubs page's settings into ``out``; one note per value not used."""
    notes = []
    for key, bounds in HUBS_PARAMS.items():
        if key not in p:
            continue
        raw = p[key].strip().lower()
        if bounds is None:
            if raw in _TRUE | _FALSE:
                out[key] = raw in _TRUE
            else:
                notes.append(f"{key}={shorten(p[key], 60)!r} is not on or off; using off")
        elif raw.isdigit() and bounds[0] <= int(raw) <= bounds[1]:
            out[key] = int(raw)
        else:
            notes.append(
                f"{key}={shorten(p[key], 60)!r} is not a whole number from {bounds[0]:,} to {bounds[1]:,}; "
                f"using {out[key]}"
            )
    return notes


def hubs_params(n: int, alpha: bool, stop: bool, min_length: int) -> dict[str, str]:
    """The Hubs page's settings as URL parameters (defaults left out)."""
    d = defaults()
    q = {
        "hubs_n": str(n) if n != d.hubs_n else "",
        "hubs_alpha": "on" if alpha else "",
        "hubs_stop": "on" if stop else "",
        "hubs_min": str(min_length) if min_length != d.hubs_min else "",
    }
    return {k: v for k, v in q.items() if v}


def to_params(
    state: UrlState, words: tuple[str, ...] = (), categories: tuple[str, ...] | None = None
) -> dict[str, str]:
    """The query string of ``state``; ``words`` (and their ``categories``) stand in for uploads and long passages."""
    q: dict[str, str] = {}
    if state.mode == "preset":
        q["preset"] = state.preset
    elif state.mode == "text":
        q["words"] = ",".join(split_words(state.words))
        if state.categories and categories:
            q["categories"] = state.categories
    elif state.mode == "passage" and len(state.passage) <= MAX_URL_TEXT:
        q["passage"] = state.passage
    elif words and url_words_fit(words):
        q["words"] = ",".join(words)
        if categories and len(categories) == len(words):
            # Commas would split a category in two; the URL keeps one entry per word.
            q["categories"] = ",".join(c.replace(",", " ") for c in categories)
    q["a"], q["b"], q["rule"] = state.a, state.b, state.rule
    q["k"] = f"{state.k:g}"
    if state.rule == "fixed":
        q["value"] = f"{state.value:g}"
    q["order"], q["colour"] = state.order, state.colour
    q["labels"] = "on" if state.labels else "off"
    if state.word:
        q["word"] = state.word
    return q


def url_words_fit(words: tuple[str, ...]) -> bool:
    """Whether ``words`` may go into a link (at most :data:`MAX_WORDS`, :data:`MAX_URL_WORDS` characters)."""
    return len(words) <= MAX_WORDS and sum(len(w) + 1 for w in words) <= MAX_URL_WORDS


# -- Streamlit glue -------------------------------------------------------------


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
