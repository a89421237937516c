"""Space cards of SPECs, kept in a disk cache like the neighbourhood results.

:func:`card_for` is what the command line and the Spaces page call. A card
is stored in ``$COSINE_RINGS_CACHE/cards`` as a Parquet table (each word's
N_k for each k) with the card's other numbers as JSON metadata, under a key
of the SPEC, the content of its data files (:func:`lib.sources.content_key`),
N, the k values and the benchmarks. The hub summaries are recomputed from
the stored counts when read, so a cached card equals a fresh one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..errors import InputError, SourceError
from ..parquet_meta import read_with_meta, write_with_meta
from ..sources import Source, content_key, load_source
from ..sources._cache import cache_root, fingerprint
from .anisotropy import Anisotropy
from .benchmarks import BENCHMARKS
from .card import DEFAULT_TOP, Progress, SpaceCard, check_card_args, space_card
from .hubness import DEFAULT_KS, hub_summary

__all__ = ["card_key", "card_for", "cached_card", "write_card", "read_card"]

_META_KEY = b"cosine_rings_card"
_FORMAT = 1


def card_key(spec: str, *, top: int, ks: Sequence[int], benchmarks: Sequence[str], allow_paths: bool = True) -> dict:
    """What a card depends on (the cache key)."""
    return {
        "format": _FORMAT,
        "source": spec,
        "content": content_key(spec, allow_paths=allow_paths),
        "top": int(top),
        "ks": sorted(int(k) for k in ks),
        "benchmarks": list(benchmarks),
    }


def _path(key: dict) -> Path:
    return cache_root() / "cards" / f"{fingerprint(*sorted((k, str(v)) for k, v in key.items()))}.parquet"


def write_card(card: SpaceCard, path: str | Path, key: dict | None = None) -> Path:
    """Write ``card`` (counts and numbers) as a Parquet file, atomically."""
    import pyarrow as pa

    columns = {"word": list(card.words)} | {f"n_{k}": pa.array(h.counts, pa.int32()) for k, h in card.hubness.items()}
    meta = card.to_dict() | {"key": key, "timings": card.timings}
    return write_with_meta(pa.table(columns), meta, path, _META_KEY)


def read_card(path: str | Path, key: dict | None = None) -> SpaceCard | None:
    """The card of a file of :func:`write_card`; None if absent, damaged or for another key."""
    got = read_with_meta(path, _META_KEY, key)
    if got is None:
        return None
    table, meta = got
    try:
        words = tuple(str(w) for w in table.column("word").to_pylist())
        hub = {}
        for k in sorted(int(x) for x in meta["hubness"]):
            counts = np.asarray(table.column(f"n_{k}").to_numpy(), dtype=np.int64)
            hub[k] = hub_summary(counts, k, words)
        return SpaceCard(
            source=meta["source"],
            name=meta["name"],
            dim=int(meta["dim"]),
            rows=int(meta["rows"]),
            words=words,
            hubness=hub,
            anisotropy=Anisotropy(**meta["anisotropy"]),
            benchmarks=dict(meta["benchmarks"]),
            rule=meta["benchmark_words"],
            timings={},  # a cached card took no time
        )
    except Exception:  # any damage (missing column, foreign metadata): treat as absent
        return None


def cached_card(
    spec: str,
    *,
    top: int = DEFAULT_TOP,
    ks: Sequence[int] = DEFAULT_KS,
    benchmarks: Sequence[str] = BENCHMARKS,
    allow_paths: bool = True,
) -> SpaceCard | None:
    """The cached card of these settings, or None (never computes)."""
    key = card_key(spec, top=top, ks=ks, benchmarks=benchmarks, allow_paths=allow_paths)
    path = _path(key)
    return read_card(path, key) if path.is_file() else None


def card_for(
    spec: str,
    *,
    top: int = DEFAULT_TOP,
    ks: Sequence[int] = DEFAULT_KS,
    benchmarks: Sequence[str] = BENCHMARKS,
    progress: Progress | None = None,
    use_cache: bool = True,
    allow_paths: bool = True,
    loader: Callable[[str], Source] | None = None,
) -> SpaceCard:
    """The card of ``spec``, from the cache or computed and stored.

    ``loader(spec)``, when given, supplies the source (the app's already loaded one).
    """
    top, ks, names = check_card_args(top, ks, benchmarks)
    key = card_key(spec, top=top, ks=ks, benchmarks=names, allow_paths=allow_paths)
    path = _path(key)
    if use_cache and path.is_file():
        hit = read_card(path, key)
        if hit is not None:
            return hit
    source = (loader or (lambda s: load_source(s, allow_paths=allow_paths)))(spec)
    card = space_card(source, top=top, ks=ks, benchmarks=names, progress=progress)
    if use_cache:
        try:
            write_card(card, path, key)
        except (InputError, SourceError):
            pass  # an unwritable cache folder must not lose the computed card
    return card
