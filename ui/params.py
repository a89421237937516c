"""Every choice of the app as URL query parameters, validated both ways (pure, no Streamlit).

:func:`parse_params` turns a query-string mapping into widget values plus a
note for each parameter it could not use; :func:`to_params` writes a state
back. :mod:`ui.state` connects both to the session and the browser's URL.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lib.engine import RULES
from lib.presets import PRESETS
from lib.words import MAX_WORDS, split_words

from .sources import check_spec, default_specs
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
    "HUBS_PARAMS",
    "hubs_params",
    "PAGE_PARAMS",
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
