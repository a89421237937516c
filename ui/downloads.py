"""Long work a link could start waits for a button: downloads and training runs.

A link alone never starts minutes of work. A source that would download
first, or train a Word2Vec model with options of its own, shows a button;
only a listed source (the sidebar's list) starts after that one press. An
unlisted model id (``hf:some/model``) asks a second time, saying that it is
not a listed model and that the hub's size cap applies. Confirmations are
kept per session.
"""

from __future__ import annotations

import streamlit as st

from lib.errors import CosineRingsError
from lib.sources import paths_allowed
from lib.sources.spec import ParsedSpec, parse_spec, split_spec

from .sources import download_need, known_specs
from .text import plain

__all__ = ["UNKNOWN", "TRAINING", "pending", "confirm", "prompt"]

#: ``pending`` value: a download of unknown size (an unlisted model id).
UNKNOWN = -1
#: ``pending`` value: a training run with options of its own.
TRAINING = -2
_CONFIRMED = "_confirmed_downloads"
_FIRST_PRESS = "_first_press_downloads"
_DEFAULT_TRAINING = "word2vec-train:lee"


def _innermost(spec: str) -> ParsedSpec | None:
    """The innermost parsed SPEC (``shuffled:X`` gives X's), or None when ``spec`` does not parse."""
    try:
        parsed = parse_spec(spec, allow_paths=paths_allowed())
    except CosineRingsError:
        return None
    while parsed.base is not None:
        parsed = parsed.base
    return parsed


def _inner(spec: str) -> str:
    """The innermost SPEC as the parser splits it (the same split that loads it)."""
    parsed = _innermost(spec)
    if parsed is None or parsed.kind is None:
        return spec
    return parsed.kind.prefix + (f":{parsed.arg}" if parsed.arg is not None else "")


def _default_training(parsed: ParsedSpec) -> bool:
    """Whether a parsed ``word2vec-train`` SPEC trains exactly ``word2vec-train:lee`` (options included)."""
    default = parse_spec(_DEFAULT_TRAINING)
    return parsed.head == default.head and parsed.options == default.options


def _needs(spec: str) -> int:
    """What first use of ``spec`` would start: bytes, UNKNOWN, TRAINING, or 0 (nothing long).

    Decided on the parsed SPEC, nested SPECs included, so no spelling of a SPEC reads
    differently here than in the loader.
    """
    parsed = _innermost(spec)
    if parsed is None or parsed.kind is None:
        return 0  # the load reports the bad SPEC
    kind = parsed.kind
    if kind.prefix == "word2vec-train":
        return 0 if _default_training(parsed) else TRAINING
    spec = _inner(spec)
    size = download_need(spec)
    if size:
        return size
    if kind.download_size is None:
        return 0
    _, arg = split_spec(spec)
    try:
        known, offline = kind.download_size(arg), kind.offline()
    except Exception:  # a probe must never break the page
        known, offline = None, None
    return UNKNOWN if known is None and offline is not True else 0


def _listed(spec: str) -> bool:
    return _inner(spec) in known_specs()


def pending(spec: str) -> int:
    """What ``spec`` would start before this session confirmed it (0: go ahead)."""
    if spec in st.session_state.get(_CONFIRMED, set()):
        return 0
    return _needs(spec)


def confirm(spec: str) -> None:
    """The button's callback: a listed source (or a second press) may start now."""
    ss = st.session_state
    if _listed(spec) or _needs(spec) == TRAINING or spec in ss.get(_FIRST_PRESS, set()):
        ss.setdefault(_CONFIRMED, set()).add(spec)
    else:
        ss.setdefault(_FIRST_PRESS, set()).add(spec)


def prompt(spec: str, need: int, key: str) -> None:
    """The note and button(s) of a source waiting for confirmation."""
    shown = plain(spec, 80)
    if need == TRAINING:
        st.info(
            f"{shown} trains a Word2Vec model here with options of its own (this can take minutes; "
            "the work budget refuses runs that are too large).",
            icon=":material/hourglass_empty:",
        )
        st.button(f"Train {shown}", key=f"get_{key}", on_click=confirm, args=(spec,))
        return
    size = f"about {need / 1e6:,.0f} MB" if need > 0 else "a download of unknown size"
    if _listed(spec):
        st.info(
            f"{shown} needs {size} the first time (cached afterwards); a progress bar shows while it runs.",
            icon=":material/download:",
        )
        st.button(f"Download {shown}", key=f"get_{key}", on_click=confirm, args=(spec,))
        return
    from lib.sources._hub import max_download_bytes

    cap = f"{max_download_bytes() / 1e6:,.0f} MB"
    if spec in st.session_state.get(_FIRST_PRESS, set()):
        st.warning(
            f"{shown} is not one of the listed models: it is fetched from the model hub as named, "
            f"{size}, refused above {cap}. Download it?",
            icon=":material/warning:",
        )
        st.button(f"Yes, download {shown}", key=f"get2_{key}", on_click=confirm, args=(spec,))
        return
    st.info(f"{shown} is not one of the listed models; it needs {size} (at most {cap}).", icon=":material/download:")
    st.button(f"Download {shown}", key=f"get_{key}", on_click=confirm, args=(spec,))
