"""SPEC strings: how a source is named on the command line, in the app and in URLs.

A SPEC is ``KIND`` or ``KIND:ARGUMENT``. Each backend module declares its
kinds as :class:`SourceKind` objects (form, description, ``parse``,
``build``, offline readiness, download size); ``lib.sources`` registers them.
Loading is two steps, and the app's checks use the first one:
:func:`parse_spec` turns a SPEC into a :class:`ParsedSpec` (never reading
a file), :func:`build_parsed` builds the source from it.

Whether a SPEC opens a file or folder on this machine is decided on the
parsed SPEC, nested SPECs included (:meth:`ParsedSpec.server_paths`), by
:func:`is_server_path`. With ``allow_paths=False`` (a public web app)
such a SPEC is refused before the file system is touched, and a head that
could be a name is always read as a name (never "a file if it exists"),
so neither the answer nor the error tells whether a file exists.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ..errors import ServerPathError, SpecError
from ._cache import fingerprint, path_fingerprint
from .base import Source

__all__ = [
    "ALLOW_PATHS_ENV",
    "ParsedSpec",
    "SourceKind",
    "register",
    "kinds",
    "kind_named",
    "paths_allowed",
    "is_server_path",
    "parse_spec",
    "build_parsed",
    "load_source",
    "download_size",
    "content_key",
    "parse_options",
    "ascii_int",
    "true_false",
    "split_spec",
    "split_trailing_options",
    "no_argument",
    "options_only",
]

#: The environment variable that lets the web app open files on its server.
ALLOW_PATHS_ENV = "COSINE_RINGS_ALLOW_PATHS"
#: File name endings that make a SPEC argument a path, never a model name.
_FILE_SUFFIX = re.compile(r"\.(txt|bin|gz|bz2|xz|zip|vec|w2v|kv|model|npy|npz|safetensors|cor|csv|json)$", re.I)

Progress = Callable[[int, "int | None"], None]


@dataclass(frozen=True)
class ParsedSpec:
    """A SPEC after parsing: what :meth:`SourceKind.build` builds from."""

    #: The kind (filled in by :func:`parse_spec`).
    kind: SourceKind | None = None
    #: The text after ``KIND:`` (None when absent).
    arg: str | None = None
    #: The argument before its options: a model name, corpus, path or nested SPEC.
    head: str | None = None
    options: dict = field(default_factory=dict)
    #: The file or folder on this machine that building opens (None: none).
    path: str | None = None
    #: The parsed nested SPEC (``shuffled:SPEC``).
    base: ParsedSpec | None = None

    def server_paths(self) -> tuple[str, ...]:
        """Every local file or folder this SPEC (and any nested SPEC) would open."""
        own = (self.path,) if self.path is not None else ()
        return own + (self.base.server_paths() if self.base is not None else ())


@dataclass(frozen=True)
class SourceKind:
    """One family of sources selected by a SPEC prefix, declared by its backend module."""

    prefix: str
    #: The accepted forms, e.g. ``("random", "random:dim=D,seed=S")``.
    forms: tuple[str, ...]
    description: str
    #: ``parse(arg, allow_paths)``: the argument (None when absent) as a :class:`ParsedSpec`.
    parse: Callable[[str | None, bool], ParsedSpec]
    #: ``build(parsed, progress)``: the source; ``progress(done, total)`` during downloads.
    build: Callable[[ParsedSpec, Progress | None], Source]
    #: Whether it works with no network (None: depends on the argument).
    offline: Callable[[], bool | None] = lambda: True
    #: Where it caches downloads or derived files (None: nowhere).
    cache: Callable[[], str | None] = lambda: None
    #: ``size(parsed)``: bytes a first use downloads (0: nothing, None: unknown).
    size: Callable[[ParsedSpec], int | None] | None = None
    #: Whether this kind can be used at all here (e.g. an optional wheel is installed).
    available: Callable[[], bool] = lambda: True
    #: ``files(parsed)``: the data files or folders building reads, for content keys (default: its path).
    files: Callable[[ParsedSpec], tuple[str, ...]] = lambda parsed: (parsed.path,) if parsed.path else ()

    def download_size(self, arg: str | None, *, allow_paths: bool = True) -> int | None:
        """Approximate bytes a first use of ``KIND:ARG`` downloads (0: nothing, None: unknown)."""
        if self.size is None:
            return None
        try:
            parsed = replace(self.parse(arg, allow_paths), kind=self, arg=arg)
        except SpecError:
            if arg is not None:
                return None
            parsed = ParsedSpec(kind=self)  # the kind in general (``python -m lib sources``)
        return self.size(parsed)


_REGISTRY: dict[str, SourceKind] = {}


def register(kind: SourceKind) -> SourceKind:
    _REGISTRY[kind.prefix] = kind
    return kind


def kinds() -> list[SourceKind]:
    """All registered source kinds, in registration order."""
    return list(_REGISTRY.values())


def kind_named(prefix: str) -> SourceKind | None:
    """The registered kind with this prefix, or None."""
    return _REGISTRY.get(prefix)


def valid_forms() -> str:
    return ", ".join(f for k in _REGISTRY.values() for f in k.forms)


def paths_allowed() -> bool:
    """Whether ``$COSINE_RINGS_ALLOW_PATHS`` is ``1`` (the web app may open server files)."""
    return os.environ.get(ALLOW_PATHS_ENV, "").strip() == "1"


def _path_shaped(text: str) -> bool:
    return (
        text.startswith(("/", "~", ".", "\\"))
        or "\\" in text
        or ".." in text
        or bool(re.match(r"^[A-Za-z]:", text))
        or bool(_FILE_SUFFIX.search(text))
    )


def is_server_path(text: str, *, names: re.Pattern[str] | None, allow_paths: bool) -> bool:
    """Whether a SPEC's ``text`` names a file or folder on this machine.

    ``names`` is the kind's own name space (gensim-data model names, hub
    ids, ``lee``); text in it that does not look like a path is a name.
    Only when paths are allowed (the command line) does an existing local
    file or folder of that name win over the name, as it always has there;
    otherwise the file system is not consulted at all.

    >>> import re
    >>> is_server_path("notes.txt", names=re.compile(r"\\w[\\w.-]*"), allow_paths=False)
    True
    >>> is_server_path("glove-wiki-gigaword-50", names=re.compile(r"\\w[\\w.-]*"), allow_paths=False)
    False
    """
    if names is not None and names.fullmatch(text) and not _path_shaped(text):
        return allow_paths and os.path.exists(os.path.expanduser(text))
    return True


def split_spec(spec: str) -> tuple[str, str | None]:
    """Split ``KIND:ARG`` into ``(KIND, ARG)``; ARG is None when absent."""
    if not isinstance(spec, str) or not spec.strip():
        raise SpecError(f"empty source SPEC; valid forms: {valid_forms()}")
    spec = spec.strip()
    if any(ord(c) < 32 for c in spec) or len(spec) > 1000:
        raise SpecError("source SPEC has control characters or is too long")
    prefix, sep, arg = spec.partition(":")
    return prefix, (arg if sep else None)


#: An integer option: ASCII digits, no sign, no leading zero (``int()`` would also take ``١٠٠``, full-width
#: digits, `` 50``, ``+50``, ``050`` and ``1_000``, and give one source several SPECs, each cached on its own).
_ASCII_INT = re.compile(r"0|[1-9][0-9]*")


def ascii_int(text: str) -> int:
    """``text`` as a non-negative integer written in ASCII digits, else ValueError.

    >>> ascii_int("100")
    100
    >>> ascii_int("1_000")
    Traceback (most recent call last):
    ...
    ValueError: not an integer in ASCII digits: '1_000'
    """
    if not _ASCII_INT.fullmatch(text):
        raise ValueError(f"not an integer in ASCII digits: {text[:40]!r}")
    return int(text)


def true_false(value: str) -> bool:
    """A SPEC option's ``true``/``false`` (also ``1``/``0``, ``yes``/``no``) as a bool.

    >>> true_false("TRUE"), true_false("0")
    (True, False)
    """
    text = value.strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ValueError(value)


true_false.__name__ = "true or false"  # parse_options names the expected type by it


def parse_options(arg: str | None, allowed: dict[str, type], *, kind: str) -> dict:
    """Parse ``key=value,key=value`` into typed options, rejecting unknown and repeated keys.

    Integers are ASCII digits only (:func:`ascii_int`).

    >>> parse_options("dim=50,seed=2", {"dim": int, "seed": int}, kind="random")
    {'dim': 50, 'seed': 2}
    >>> parse_options("dim=50,dim=60", {"dim": int}, kind="random")
    Traceback (most recent call last):
    ...
    lib.errors.SpecError: random: dim is given twice
    """
    out: dict = {}
    if arg is None or arg == "":
        return out
    for item in arg.split(","):
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or key not in allowed:
            shown = item if len(item) <= 40 else item[:40] + "…"
            raise SpecError(f"{kind}: unknown option {shown!r}; allowed: {', '.join(k + '=...' for k in allowed)}")
        if key in out:
            raise SpecError(f"{kind}: {key} is given twice")
        convert = ascii_int if allowed[key] is int else lambda v, t=allowed[key]: t(v.strip())
        try:
            out[key] = convert(value)
        except ValueError:
            what = "a whole number in ASCII digits" if allowed[key] is int else allowed[key].__name__
            raise SpecError(f"{kind}: {key} must be {what}, got {value[:40]!r}") from None
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


def no_argument(prefix: str) -> Callable[[str | None, bool], ParsedSpec]:
    """The ``parse`` of a kind that takes no argument."""

    def parse(arg: str | None, allow_paths: bool) -> ParsedSpec:
        if arg:
            raise SpecError(f"{prefix} takes no argument, got {prefix}:{arg[:40]}")
        return ParsedSpec()

    return parse


def options_only(prefix: str, allowed: dict[str, type]) -> Callable[[str | None, bool], ParsedSpec]:
    """The ``parse`` of a kind whose argument is only ``key=value`` options."""

    def parse(arg: str | None, allow_paths: bool) -> ParsedSpec:
        return ParsedSpec(options=parse_options(arg, allowed, kind=prefix))

    return parse


def _refusal(spec: str) -> ServerPathError:
    shown = spec if len(spec) <= 60 else spec[:60] + "…"
    return ServerPathError(
        f"the web app does not open files on the server ({shown!r}); "
        f"use the command line, or run the app with {ALLOW_PATHS_ENV}=1"
    )


def parse_spec(spec: str, *, allow_paths: bool = True) -> ParsedSpec:
    """Parse ``spec`` (nested SPECs included) without reading any file.

    Raises
    ------
    SpecError
        Unknown kind or bad options.
    ServerPathError
        With ``allow_paths=False``, when the SPEC or a nested one names a
        file or folder on this machine.
    """
    prefix, arg = split_spec(spec)
    kind = _REGISTRY.get(prefix)
    if kind is None:
        shown = spec if len(spec) <= 60 else spec[:60] + "…"
        raise SpecError(f"unknown source {shown!r}; valid forms: {valid_forms()}")
    parsed = replace(kind.parse(arg, allow_paths), kind=kind, arg=arg)
    if not allow_paths and parsed.server_paths():
        raise _refusal(spec)
    return parsed


def build_parsed(parsed: ParsedSpec, *, progress: Progress | None = None) -> Source:
    """Build the source of a :class:`ParsedSpec`."""
    assert parsed.kind is not None, "a ParsedSpec from parse_spec has its kind"
    return parsed.kind.build(parsed, progress)


def load_source(spec: str, *, progress: Progress | None = None, allow_paths: bool = True) -> Source:
    """Parse ``spec`` and build its source.

    ``progress(done_bytes, total_bytes)`` is called during a download (when
    None, downloads draw a tqdm bar on stderr). ``allow_paths=False`` (the
    public web app) refuses SPECs that open files on this machine.

    Raises
    ------
    SpecError
        If the SPEC names no registered kind, its options are wrong or it
        names a server file that is not allowed (:class:`ServerPathError`).
    SourceError
        If the source cannot be loaded.
    """
    return build_parsed(parse_spec(spec, allow_paths=allow_paths), progress=progress)


def download_size(spec: str, *, allow_paths: bool = True) -> int | None:
    """Approximate bytes a first use of ``spec`` downloads (0: nothing, None: unknown or invalid)."""
    try:
        parsed = parse_spec(spec, allow_paths=allow_paths)
    except SpecError:
        return None
    while parsed.base is not None and (parsed.kind is None or parsed.kind.size is None):
        parsed = parsed.base
    if parsed.kind is None or parsed.kind.size is None:
        return None
    return parsed.kind.size(parsed)


def content_key(spec: str, *, allow_paths: bool = True) -> str:
    """A key of ``spec`` and the content of every data file it reads (nested SPECs included).

    Results derived from a source (the hubs cache) are stored under it, so
    they go stale when a vectors file changes, whatever its name or mtime.
    """
    parsed: ParsedSpec | None = parse_spec(spec, allow_paths=allow_paths)
    parts: list[str] = [spec.strip()]
    while parsed is not None:
        if parsed.kind is not None:
            parts.extend(path_fingerprint(p) for p in parsed.kind.files(parsed))
        parsed = parsed.base
    return fingerprint(*parts)
