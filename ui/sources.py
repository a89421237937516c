"""Which source SPECs the web app offers and accepts.

The web app lists the concrete SPECs of every registered source kind, marks
the offline-ready ones and says what needs a download (with its size), and
refuses SPECs that point at files on the server unless the environment
variable ``COSINE_RINGS_ALLOW_PATHS=1`` is set.
"""
from __future__ import annotations

import os
import re

from lib.errors import SpecError
from lib.sources import kinds
from lib.sources.spec import SourceKind, split_spec

__all__ = [
    "OTHER",
    "UPLOAD",
    "ALLOW_PATHS_ENV",
    "paths_allowed",
    "check_spec",
    "known_specs",
    "default_specs",
    "spec_label",
    "kind_of",
    "download_need",
]

#: Selectbox entry that reveals the free SPEC text field.
OTHER = "other (type a SPEC)"
#: The selectbox entry that shows a vectors file uploader.
UPLOAD = "upload vectors (word2vec .txt/.bin)"
ALLOW_PATHS_ENV = "COSINE_RINGS_ALLOW_PATHS"
_FILE_SUFFIX = re.compile(r"\.(txt|bin|gz|bz2|xz|zip|vec|kv|model|npy|npz|safetensors)$", re.I)
_EXTRA = ("random:dim=50",)


def paths_allowed() -> bool:
    """Whether this server accepts SPECs that name local files."""
    return os.environ.get(ALLOW_PATHS_ENV, "") == "1"


def kind_of(spec: str) -> SourceKind | None:
    """The registered kind of ``spec``, or None."""
    try:
        prefix, _ = split_spec(spec)
    except SpecError:
        return None
    return next((k for k in kinds() if k.prefix == prefix), None)


def _looks_like_path(prefix: str, arg: str) -> bool:
    if arg.startswith(("/", "~", ".", "\\")) or "\\" in arg or ".." in arg:
        return True
    if _FILE_SUFFIX.search(arg) or os.path.exists(os.path.expanduser(arg)):
        return True
    # Hugging Face model ids are "org/name"; anywhere else a slash is a path.
    return "/" in arg and prefix not in ("hf", "gpt2")


def check_spec(spec: str) -> str | None:
    """Return why the web app refuses ``spec``, or None when it is acceptable.

    Checks only the form (a registered kind, no server file path); loading
    errors surface later, next to the ring they concern.

    Examples
    --------
    >>> check_spec("random:dim=50")
    >>> check_spec("nonsense")[:14]
    'unknown source'
    """
    try:
        prefix, arg = split_spec(spec)
    except SpecError as exc:
        return str(exc)
    if kind_of(spec) is None:
        valid = ", ".join(f for k in kinds() for f in k.forms)
        return f"unknown source {prefix!r} (valid forms: {valid})"
    if prefix == "upload":
        # Held in this server's memory (lib.sources._upload); never a path.
        return None if arg else "upload a word2vec .txt or .bin vectors file in the sidebar"
    if arg is None:
        return None
    if prefix == "shuffled":  # shuffled:SPEC[,seed=S]: check the base SPEC
        head, sep, last = arg.rpartition(",")
        return check_spec(head if sep and last.strip().startswith("seed=") else arg)
    if not paths_allowed() and _looks_like_path(prefix, arg):
        return (f"the web app does not open files on the server ({spec!r}); "
                f"use the command line, or run the app with {ALLOW_PATHS_ENV}=1")
    return None


def _concrete(form: str) -> bool:
    # Forms with placeholders (random:dim=D,seed=S, word2vec:PATH) have capitals,
    # alternatives (multi=mean|first) a bar, optional parts brackets.
    return form == form.lower() and not any(c in form for c in "|[]")


def known_specs() -> list[str]:
    """The ready-made SPECs offered in the source selectboxes, in registry order."""
    specs: list[str] = []
    for kind in kinds():
        if _safe(kind.available) is False:
            continue
        specs.extend(f for f in kind.forms if _concrete(f) and f not in specs)
    for extra in _EXTRA:
        if extra not in specs and kind_of(extra) is not None:
            specs.append(extra)
    return specs


def default_specs() -> tuple[str, str]:
    """Sources A and B of the landing page: GloVe when installed, against random."""
    a = "glove" if kind_of("glove") is not None else "random:dim=50,seed=1"
    return a, "random:dim=50"


def _safe(probe, *args):
    """Call a kind's probe; a probe must never break the sidebar (None on failure)."""
    try:
        return probe(*args)
    except Exception:
        return None


def _size_text(size: int | None) -> str:
    if isinstance(size, (int, float)) and size > 0:
        return f"{size / 1e6:,.0f} MB" if size >= 1e6 else f"{size / 1e3:,.0f} kB"
    return ""


def spec_label(spec: str) -> str:
    """How ``spec`` reads in a selectbox: offline-ready, or what it downloads."""
    if spec in (OTHER, UPLOAD):
        return spec
    kind = kind_of(spec)
    if kind is None:
        return spec
    _, arg = split_spec(spec)
    size = _safe(kind.download_size, arg) if kind.download_size else None
    if size == 0 or (size is None and _safe(kind.offline)):
        return f"{spec}  ✓ offline"
    text = _size_text(size)
    return f"{spec}  ⬇ download{' ' + text if text else ''}"


def download_need(spec: str) -> int:
    """Bytes a first use of ``spec`` downloads here (0: nothing, or unknown)."""
    kind = kind_of(spec)
    if kind is None:
        return 0
    prefix, arg = split_spec(spec)
    if prefix == "shuffled" and arg:
        return download_need(arg.split(",seed=")[0])
    size = _safe(kind.download_size, arg) if kind.download_size else None
    return int(size) if isinstance(size, (int, float)) and size > 0 else 0
