"""SPEC strings: how a source is named on the command line, in the app and in URLs.

A SPEC is ``KIND`` or ``KIND:ARGUMENT``. Each kind registers a
:class:`SourceKind` with its form, a one-line description and a builder.
``load_source("random:dim=50,seed=1")`` parses and builds.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..errors import SpecError
from .base import Source

__all__ = [
    "SourceKind",
    "register",
    "kinds",
    "load_source",
    "parse_options",
    "split_spec",
    "split_trailing_options",
]


@dataclass(frozen=True)
class SourceKind:
    """One family of sources selected by a SPEC prefix."""

    prefix: str
    #: The accepted forms, e.g. ``("random", "random:dim=D,seed=S")``.
    forms: tuple[str, ...]
    description: str
    #: Builds the source from the part after ``prefix:`` (None when absent).
    build: Callable[[str | None], Source]
    #: Whether it works with no network (None: depends on the argument).
    offline: Callable[[], bool | None] = lambda: True
    #: Where it caches downloads or derived files (None: nowhere).
    cache: Callable[[], str | None] = lambda: None
    #: Approximate bytes a first use of ``KIND:ARG`` downloads (0: nothing, None: unknown).
    download_size: Callable[[str | None], int | None] | None = None
    #: Whether this kind can be used at all here (e.g. an optional wheel is installed).
    available: Callable[[], bool] = lambda: True
    #: Whether ``build`` takes a ``progress=`` download callback.
    accepts_progress: bool = False


_REGISTRY: dict[str, SourceKind] = {}


def register(kind: SourceKind) -> SourceKind:
    _REGISTRY[kind.prefix] = kind
    return kind


def kinds() -> list[SourceKind]:
    """All registered source kinds, in registration order."""
    return list(_REGISTRY.values())


def valid_forms() -> str:
    return ", ".join(f for k in _REGISTRY.values() for f in k.forms)


def split_spec(spec: str) -> tuple[str, str | None]:
    """Split ``KIND:ARG`` into ``(KIND, ARG)``; ARG is None when absent."""
    if not isinstance(spec, str) or not spec.strip():
        raise SpecError(f"empty source SPEC; valid forms: {valid_forms()}")
    spec = spec.strip()
    if any(ord(c) < 32 for c in spec) or len(spec) > 1000:
        raise SpecError("source SPEC has control characters or is too long")
    prefix, sep, arg = spec.partition(":")
    return prefix, (arg if sep else None)


def parse_options(arg: str | None, allowed: dict[str, type], *, kind: str) -> dict:
    """Parse ``key=value,key=value`` into typed options, rejecting unknown keys."""
    out: dict = {}
    if arg is None or arg == "":
        return out
    for item in arg.split(","):
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or key not in allowed:
            raise SpecError(
                f"{kind}: unknown option {item!r}; allowed: {', '.join(k + '=...' for k in allowed)}"
            )
        try:
            out[key] = allowed[key](value.strip())
        except ValueError:
            raise SpecError(f"{kind}: {key} must be {allowed[key].__name__}, got {value!r}") from None
    return out


def split_trailing_options(arg: str | None, allowed: dict[str, type], *, kind: str) -> tuple[str, dict]:
    """Split ``HEAD,key=value,...`` into HEAD and typed options.

    Only trailing ``key=value`` items with an ``allowed`` key count as
    options, so HEAD (a path, a model id or a nested SPEC) may contain
    commas of its own.
    """
    parts = (arg or "").split(",")
    tail: list[str] = []
    while len(parts) > 1 and parts[-1].partition("=")[0].strip() in allowed and "=" in parts[-1]:
        tail.insert(0, parts.pop())
    return ",".join(parts), parse_options(",".join(tail), allowed, kind=kind)


def load_source(spec: str, *, progress: Callable[[int, int | None], None] | None = None) -> Source:
    """Parse ``spec`` and build its source.

    ``progress(done_bytes, total_bytes)`` is called during a download (when
    None, downloads draw a tqdm bar on stderr).

    Raises
    ------
    SpecError
        If the SPEC names no registered kind or its options are wrong.
    SourceError
        If the source cannot be loaded.
    """
    prefix, arg = split_spec(spec)
    kind = _REGISTRY.get(prefix)
    if kind is None:
        raise SpecError(f"unknown source {spec!r}; valid forms: {valid_forms()}")
    if kind.accepts_progress:
        return kind.build(arg, progress=progress)
    return kind.build(arg)
