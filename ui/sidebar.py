"""The sidebar shared by every page: word list, sources A and B, threshold, display.

Drawn by the entrypoint (so the widgets keep their values across pages);
:func:`draw_sidebar` returns a :class:`Choices` the pages read through
:func:`choices`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from lib.budget import Cost
from lib.errors import CosineRingsError
from lib.presets import PRESETS, TITLES
from lib.sources import hold_upload, holds_upload
from lib.words import VECTORS_WARNING, WordList, decode_word_bytes, parse_word_text, word_text_warnings

from .pick import find_word_box
from .sources import OTHER, UPLOAD, known_specs, spec_label
from .state import COLOURS, MODES, ORDERS, UrlState, current_state
from .text import plain
from .work import work_slot

#: Bytes parsing an uploaded vectors file allocates, per byte of the file (measured 6.8 for a 49 MB line).
_UPLOAD_COPIES = 8

__all__ = ["Choices", "draw_sidebar", "choices"]

_MODE_LABELS = {"preset": "Preset", "text": "Free text", "upload": "Upload .txt/.csv", "passage": "Text passage"}
_RULE_LABELS = {"seed": "seed: median + k·std", "course": "course notebook", "fixed": "fixed value"}
_KEY = "_choices"


@dataclass(frozen=True)
class Choices:
    """What the user picked, resolved: the word list (None in passage mode) and options."""

    state: UrlState
    words: WordList | None
    passage: str
    list_name: str
    problems: tuple[str, ...]

    @property
    def value(self) -> float | None:
        return self.state.value if self.state.rule == "fixed" else None


def _source_widgets(side: str, title: str) -> None:
    options = known_specs()
    if st.session_state.get(f"{side}_choice") not in options + [UPLOAD, OTHER]:
        st.session_state[f"{side}_choice"] = options[0]
    st.selectbox(title, options + [UPLOAD, OTHER], key=f"{side}_choice", format_func=spec_label)
    if st.session_state[f"{side}_choice"] == UPLOAD:
        _vectors_upload(side, title)
    if st.session_state[f"{side}_choice"] == OTHER:
        st.text_input(
            f"{title}: SPEC", key=f"{side}_custom", placeholder="e.g. random:dim=100,seed=3 or shuffled:glove"
        )


def _vectors_upload(side: str, title: str) -> None:
    """A vectors file for one side: parsed (never unpickled) and held by the server."""
    upload = st.file_uploader(
        f"{title}: vectors file (word2vec text or binary, ≤ 50 MB)",
        type=["txt", "vec", "bin", "w2v"],
        key=f"{side}_vectors",
    )
    ss = st.session_state
    ss[f"{side}_upload_spec"] = ""
    if upload is None:
        return
    # Parse (and hash) a file once, not on every rerun: keep its outcome by file id. The
    # parsed vectors live in this session's state, so they are freed when the session ends.
    seen = ss.get(f"{side}_upload_seen")
    if seen is None or seen[0] != upload.file_id or (seen[1] and not holds_upload(seen[1])):
        try:
            data = upload.getvalue()
            # Parsing holds several copies of the file (a 49 MB line: +331 MB): one big job at a time.
            with work_slot(Cost("parsing an uploaded vectors file", _UPLOAD_COPIES * len(data), 0.0)):
                held = hold_upload(data, upload.name)
            seen = (upload.file_id, held.spec, "")
            ss[f"{side}_upload_held"] = held
        except CosineRingsError as exc:
            seen = (upload.file_id, "", str(exc))
            ss.pop(f"{side}_upload_held", None)
        ss[f"{side}_upload_seen"] = seen
    ss[f"{side}_upload_spec"] = seen[1]
    if seen[2]:
        st.error(plain(seen[2], 400), icon=":material/block:")
    else:
        st.caption(
            "Held for this session only: a share link to it works while this tab is open; "
            "anyone else must upload the file themselves."
        )


def _word_list(mode: str) -> tuple[WordList | None, str, str, list[str]]:
    """Return (word list, passage, list name, problems) for the chosen mode."""
    ss = st.session_state
    if mode == "preset":
        name = ss.get("preset", "course")
        return PRESETS[name], "", f"preset-{name}", []
    if mode == "text":
        wl = parse_word_text(ss.get("words_text", ""))
        linked = current_state().categories
        cats = tuple(linked.split(",")) if linked else ()
        if wl.words and len(cats) == len(wl.words):  # categories from a shared link
            wl = WordList(wl.words, cats)
        return wl, "", "words", ([] if wl.words else ["Type some words in the sidebar."])
    if mode == "passage":
        text = ss.get("passage", "")
        return None, text, "passage", ([] if text.strip() else ["Paste a text passage."])
    upload = ss.get("upload")
    if upload is None:
        return WordList(()), "", "upload", ["Upload a .txt or .csv word list."]
    try:
        text = decode_word_bytes(upload.getvalue(), upload.name)
    except CosineRingsError as exc:
        return WordList(()), "", "upload", [str(exc)]
    csv_categories = upload.name.lower().endswith(".csv")
    name = Path(upload.name).stem or "upload"
    warnings = word_text_warnings(text, csv_categories=csv_categories)
    if VECTORS_WARNING in warnings:  # "12", "8", "1.2328" would become nodes
        why = f"{upload.name}: {VECTORS_WARNING}. To compare it as a space, choose Sources → upload vectors."
        return WordList(()), "", name, [why]
    for warning in warnings:
        st.warning(f"{plain(upload.name, 80)}: {plain(warning, 200)}", icon=":material/warning:")
    wl = parse_word_text(text, csv_categories=csv_categories)
    return wl, "", name, ([] if wl.words else [f"{upload.name} has no words."])


def draw_sidebar() -> Choices:
    """Draw the shared sidebar and return the resolved choices."""
    sb = st.sidebar
    with sb:
        st.header("Words")
        mode = st.radio("Word list", MODES, key="mode", format_func=_MODE_LABELS.get, horizontal=True)
        if mode == "preset":
            st.selectbox("Preset", list(PRESETS), key="preset", format_func=TITLES.get)
        elif mode == "text":
            st.text_area(
                "Words (comma, space or newline separated)",
                key="words_text",
                placeholder="cat, dog, car, bus, apple, pear",
            )
        elif mode == "upload":
            st.file_uploader("Word list file (.txt words, or .csv category,word)", type=["txt", "csv"], key="upload")
        else:
            st.text_area(
                "Text passage (its unique words, or tokens for transformer sources)", key="passage", height=150
            )
        words, passage, list_name, problems = _word_list(mode)
        find_word_box(words.words if words is not None else st.session_state.get("_drawn_words", ()))
        st.header("Sources")
        _source_widgets("a", "Source A")
        _source_widgets("b", "Source B")
        st.header("Threshold")
        rule = st.radio("Rule", list(_RULE_LABELS), key="rule", format_func=_RULE_LABELS.get)
        if rule == "fixed":
            st.slider("Threshold value", -1.0, 1.0, step=0.01, key="value")
        else:
            st.number_input("k (multiplier of the std)", 0.0, 10.0, step=0.1, key="k")
        st.header("Display")
        st.radio(
            "Ring order",
            ORDERS,
            key="order",
            horizontal=True,
            format_func={"input": "input order", "category": "by category", "community": "by community (A)"}.get,
        )
        st.toggle("Labels", key="labels")
        st.radio("Colour scale of the two rings", COLOURS, key="colour", horizontal=True)
    state = current_state()
    result = Choices(state, words, passage, list_name, tuple(problems))
    st.session_state[_KEY] = result
    return result


def choices() -> Choices:
    """The choices drawn by the entrypoint on this run."""
    return st.session_state[_KEY]
