"""Which source SPECs the web app offers and accepts.

The web app lists the concrete SPECs of every registered source kind, marks
the offline-ready ones and says what needs a download (with its size), and
refuses SPECs that point at files on the server unless the environment
variable ``COSINE_RINGS_ALLOW_PATHS=1`` is set.
"""

from __future__ import annotations

from lib.errors import ServerPathError, SpecError
from lib.sources import ALLOW_PATHS_ENV, download_size, kinds, minilm_available, parse_spec, paths_allowed
from lib.sources.spec import SourceKind, kind_named, split_spec

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
_EXTRA = ("random:dim=50",)


def kind_of(spec: str) -> SourceKind | None:
    """The registered kind of ``spec``, or None."""
    try:
        prefix, _ = split_spec(spec)
    except SpecError:
        return None
    return kind_named(prefix)


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
    if prefix == "upload" and not arg:
        return "upload a word2vec .txt or .bin vectors file in the sidebar"
    try:
        # The same parse that loads it, nested SPECs included; no file is touched.
        parse_spec(spec, allow_paths=paths_allowed())
    except ServerPathError as exc:
        return str(exc)
    except SpecError:
        return None  # bad options: reported by the load, next to the ring
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
    """Sources A and B every page opens on: two trained offline spaces, GloVe and MiniLM, where installed.

    One pair drives every page, so Neighbours and Many sources open on two
    trained spaces (random vectors are the Random baseline page's subject and
    a Many sources baseline). Without GloVe or MiniLM: random vectors.
    """
    a = "glove" if kind_of("glove") is not None else "random:dim=50,seed=1"
    b = "minilm" if kind_of("minilm") is not None and _safe(minilm_available) else "random:dim=50"
    return a, b


def _safe(probe, *args, **kwargs):
    """Call a kind's probe; a probe must never break the sidebar (None on failure)."""
    try:
        return probe(*args, **kwargs)
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
    size = _safe(download_size, spec, allow_paths=paths_allowed())
    if size == 0 or (size is None and _safe(kind.offline)):
        return f"{spec}  ✓ offline"
    text = _size_text(size)
    return f"{spec}  ⬇ download{' ' + text if text else ''}"


def download_need(spec: str) -> int:
    """Bytes a first use of ``spec`` downloads here (0: nothing, or unknown)."""
    size = _safe(download_size, spec, allow_paths=paths_allowed())
    return int(size) if isinstance(size, (int, float)) and size > 0 else 0
