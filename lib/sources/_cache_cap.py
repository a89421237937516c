"""A size cap on the derived caches, least recently used dropped first.

Results derived from a source (trained Word2Vec tables, hub degrees,
neighbourhoods, space cards) are written under the cache root
(:func:`lib.sources.cache_root`), one file or folder per entry, in the
folders of :data:`DERIVED`. A visitor of a public copy can make new
entries at will (each training seed adds about 24 MB), so after every new
entry :func:`trim` deletes the least recently used entries of those
folders until they hold at most ``COSINE_RINGS_CACHE_MB`` megabytes
(:data:`DEFAULT_MB` when unset). Reading an entry marks it used
(:func:`touch`: its modification time). Downloads and the tables of
downloaded models are not derived and are never evicted here.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from ._cache import cache_root, discard

__all__ = ["CAP_ENV", "DEFAULT_MB", "DERIVED", "cap_bytes", "touch", "trim", "derived_entries"]

#: The environment variable of the cap, in megabytes.
CAP_ENV = "COSINE_RINGS_CACHE_MB"
#: The cap when the variable is unset.
DEFAULT_MB = 1000.0
#: The folders of the cache root that hold derived results.
DERIVED = ("word2vec-train", "hubs", "neighbours", "cards")
_LOCK = threading.Lock()


def cap_bytes() -> float:
    """The cap in bytes (``COSINE_RINGS_CACHE_MB``, read now; a bad or non-positive value: the default)."""
    try:
        mb = float(os.environ.get(CAP_ENV, "") or DEFAULT_MB)
    except ValueError:
        mb = DEFAULT_MB
    return (mb if mb > 0 else DEFAULT_MB) * 1e6


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def derived_entries(root: Path | None = None) -> list[tuple[Path, int, float]]:
    """``(entry, bytes, last used)`` of every derived entry, least recently used first."""
    root = Path(root) if root is not None else cache_root()
    out = []
    for folder in DERIVED:
        base = root / folder
        if not base.is_dir():
            continue
        for entry in base.iterdir():
            if entry.name.startswith("."):  # temporaries of an atomic write, locks
                continue
            try:
                out.append((entry, _size(entry), entry.stat().st_mtime))
            except OSError:  # removed meanwhile
                continue
    return sorted(out, key=lambda e: e[2])


def touch(path: str | os.PathLike) -> None:
    """Mark a derived entry (file or folder) as just used."""
    try:
        os.utime(path)
    except OSError:
        pass


def trim(keep: str | os.PathLike | None = None, root: Path | None = None) -> list[Path]:
    """Delete least recently used derived entries until they fit the cap; return what was deleted.

    ``keep`` (the entry just written) is never deleted, even when it alone is over the cap.
    """
    keep_path = Path(keep).resolve() if keep is not None else None
    with _LOCK:
        entries = derived_entries(root)
        total = sum(size for _, size, _ in entries)
        cap = cap_bytes()
        gone: list[Path] = []
        for entry, size, _ in entries:
            if total <= cap:
                break
            if keep_path is not None and entry.resolve() == keep_path:
                continue
            discard(entry)
            total -= size
            gone.append(entry)
        return gone
