"""Neighbourhood runs for two source SPECs, kept in a disk cache like the hubs results.

:func:`neighbours_for` is what the command line and the Neighbours page
call: it builds the shared vocabulary (the first N words, or a word list),
runs :func:`lib.analysis.neighbours.compare_neighbourhoods` and keeps the
result in ``$COSINE_RINGS_CACHE/neighbours`` (default
``~/.cache/cosine-rings/neighbours``), keyed by (A, B, N or the words, k,
null). Result files are Parquet tables (word, neighbour indices and float64
cosines of each side) with the run's other numbers as JSON in the schema
metadata, written under a temporary name and moved into place; a damaged
file is ignored and recomputed.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..errors import InputError, SourceError
from ..parquet_meta import read_with_meta, write_with_meta
from ..shifts.result import MAP_COLUMNS, SHIFT_COLUMNS, Shifts
from ..sources import content_key, load_source
from ..sources._cache import atomic_file, cache_root, fingerprint
from ..sources.base import Missing, Source
from .knn import DEFAULT_BLOCK, Mapper
from .neighbours import DEFAULT_K, Neighbourhoods, compare_neighbourhoods
from .neighbours_vocab import SharedVocabulary, shared_vocabulary, shared_word_list

__all__ = [
    "neighbours_for",
    "cached_neighbours",
    "run_key",
    "write_neighbours",
    "read_neighbours",
    "write_table",
    "out_table",
]

_META_KEY = b"cosine_rings_neighbours"
_FORMAT = 2  # 2: with the per-word shifts and map coordinates


def run_key(
    a: str,
    b: str,
    *,
    top: int | None,
    words: Sequence[str] | None,
    k: int,
    null: bool,
    allow_paths: bool = True,
    shifts: bool = True,
) -> dict:
    """What a run depends on (the cache key): the SPECs and the content of their files, N or the words, k,
    the null, and whether the shifts were left out."""
    return {
        **({} if shifts else {"shifts": False}),  # a run with shifts keeps the key it always had
        "format": _FORMAT,
        "a": a,
        "b": b,
        "top": None if top is None else int(top),
        "content": fingerprint(content_key(a, allow_paths=allow_paths), content_key(b, allow_paths=allow_paths)),
        "words": None if words is None else fingerprint(*words),
        "k": int(k),
        "null": bool(null),
    }


def _path(key: dict) -> Path:
    return cache_root() / "neighbours" / f"{fingerprint(*sorted(key.items()))}.parquet"


def write_neighbours(result: Neighbourhoods, path: str | os.PathLike, key: dict | None = None) -> Path:
    """Write ``result`` (all of it) as a Parquet file, atomically."""
    import pyarrow as pa

    n, k = result.n, result.k
    meta = {
        "key": key,
        "a": result.a,
        "b": result.b,
        "k": k,
        "n": n,
        "shuffled": result.shuffled_jaccard,
        "missing": [[m.word, m.reason] for m in result.missing],
        "dropped": result.dropped,
        "stats": result.stats,
        "shifts_shuffled": None if result.shifts is None else result.shifts.shuffled,
    }

    def lists(x: np.ndarray, typ):
        return pa.FixedSizeListArray.from_arrays(pa.array(np.ascontiguousarray(x).reshape(-1), typ), k)

    table = pa.table(
        {
            "word": list(result.words),
            "index_a": lists(result.index_a, pa.int32()),
            "index_b": lists(result.index_b, pa.int32()),
            "cosine_a": lists(result.cosine_a, pa.float64()),
            "cosine_b": lists(result.cosine_b, pa.float64()),
            **({} if result.shifts is None else result.shifts.columns()),
        }
    )
    return write_with_meta(table, meta, path, _META_KEY)


def read_neighbours(path: str | os.PathLike, key: dict | None = None) -> Neighbourhoods | None:
    """Read a file of :func:`write_neighbours`; None if absent, damaged or for another key."""
    got = read_with_meta(path, _META_KEY, key)
    if got is None:
        return None
    table, meta = got
    try:
        n, k = int(meta["n"]), int(meta["k"])

        def grid(name: str, dtype) -> np.ndarray:
            flat = table.column(name).combine_chunks().flatten().to_numpy()
            out = np.asarray(flat, dtype=dtype).reshape(n, k)
            out.setflags(write=False)
            return out

        words = tuple(str(w) for w in table.column("word").to_pylist())
        if len(words) != n:
            return None
        return Neighbourhoods(
            a=meta["a"],
            b=meta["b"],
            k=k,
            words=words,
            index_a=grid("index_a", np.int64),
            index_b=grid("index_b", np.int64),
            cosine_a=grid("cosine_a", np.float64),
            cosine_b=grid("cosine_b", np.float64),
            missing=tuple(Missing(w, r) for w, r in meta["missing"]),
            dropped=dict(meta["dropped"]),
            shuffled_jaccard=meta["shuffled"],
            stats=dict(meta["stats"]),
            shifts=_read_shifts(table, meta),
        )
    except Exception:  # any damage (truncated file, foreign metadata): treat as absent
        return None


def _read_shifts(table, meta: dict) -> Shifts | None:
    """The shifts kept beside a run (None when it was written without them)."""
    if meta.get("shifts_shuffled") is None:
        return None
    column = {name: table.column(name).to_numpy().astype(np.float64) for name in SHIFT_COLUMNS + MAP_COLUMNS}
    xy = np.column_stack([column[name] for name in MAP_COLUMNS])
    for x in (*column.values(), xy):
        x.setflags(write=False)
    return Shifts(column["procrustes_shift"], column["local_shift"], xy, dict(meta["shifts_shuffled"]))


#: Columns of the ``--out`` table (the shifts and map columns when the run has them).
OUT_COLUMNS = ("word", "jaccard", *SHIFT_COLUMNS, "neighbours_a", "neighbours_b", *MAP_COLUMNS)


def out_table(result: Neighbourhoods):
    """The per-word table of ``--out`` and of ``--format csv``, neighbour lists as Python lists."""
    table = result.table()
    return table[[c for c in OUT_COLUMNS if c in table.columns]]


def write_table(result: Neighbourhoods, path: str) -> None:
    """The ``--out`` file: one row a word (word, jaccard, both shifts, neighbours of each side as lists,
    map coordinates x_a, y_a, x_b, y_b), .parquet or .csv."""
    table = out_table(result)
    try:
        if path.endswith(".parquet"):
            with atomic_file(path) as tmp:
                table.to_parquet(tmp, index=False)
        elif path.endswith(".csv"):
            for side in ("neighbours_a", "neighbours_b"):
                table[side] = [json.dumps(x, ensure_ascii=False) for x in table[side]]
            from ..export import csv_safe  # words that look like spreadsheet formulas are quoted

            with atomic_file(path) as tmp:
                csv_safe(table).to_csv(tmp, index=False)
        else:
            raise InputError(f"--out must name a .parquet or .csv file, got {path!r}")
    except OSError as exc:
        raise InputError(f"cannot write {path} ({exc.strerror or exc})") from exc


def cached_neighbours(
    a: str,
    b: str,
    *,
    top: int | None = None,
    words: Sequence[str] | None = None,
    k: int = DEFAULT_K,
    null: bool = False,
    allow_paths: bool = True,
) -> Neighbourhoods | None:
    """The cached result of this run, or None (never computes)."""
    key = run_key(a, b, top=top, words=words, k=k, null=null, allow_paths=allow_paths)
    path = _path(key)
    return read_neighbours(path, key) if path.is_file() else None


def _vocabulary(
    a: str,
    b: str,
    top: int | None,
    words: Sequence[str] | None,
    allow_paths: bool,
    loader: Callable[[str], Source] | None,
) -> SharedVocabulary:
    if (top is None) == (words is None):
        raise InputError("give either the number of words (--top N) or a word list")
    load = loader or (lambda spec: load_source(spec, allow_paths=allow_paths))
    sa, sb = load(a), load(b)
    return shared_vocabulary(sa, sb, top) if words is None else shared_word_list(sa, sb, words)


def neighbours_for(
    a: str,
    b: str,
    *,
    top: int | None = None,
    words: Sequence[str] | None = None,
    k: int = DEFAULT_K,
    null: bool = False,
    progress: Callable[[str, int, int], bool | None] | None = None,
    cancel: threading.Event | None = None,
    use_cache: bool = True,
    block: int = DEFAULT_BLOCK,
    mapper: Mapper | None = None,
    allow_paths: bool = True,
    loader: Callable[[str], Source] | None = None,
    shifts: bool = True,
) -> Neighbourhoods:
    """Neighbourhoods of the first ``top`` shared words of A and B (or of ``words``), cached.

    ``shifts=False`` leaves out the per-word shifts and map positions (the k-NN comparison alone).
    ``progress(stage, done, total)``: stage "a" or "b" for the two searches.
    ``allow_paths=False`` (the web app) refuses a SPEC that opens a file on this machine;
    ``loader(spec)``, when given, supplies the sources instead (the app's already loaded ones).
    The cache is keyed by the content of the sources' files (:func:`lib.sources.content_key`).
    """
    if top is not None and int(top) < 2:
        raise InputError(f"--top must be at least 2, got {top}")
    if not isinstance(k, (int, np.integer)) or int(k) < 1:
        raise InputError(f"k must be at least 1, got {k}")
    key = run_key(a, b, top=top, words=words, k=k, null=null, allow_paths=allow_paths, shifts=shifts)
    path = _path(key)
    if use_cache and path.is_file():
        hit = read_neighbours(path, key)
        if hit is not None:
            return hit
    vocab = _vocabulary(a, b, top, words, allow_paths, loader)
    result = compare_neighbourhoods(
        vocab, k, a=a, b=b, null=null, shifts=shifts, block=block, mapper=mapper, progress=progress, cancel=cancel
    )
    if use_cache:
        try:
            write_neighbours(result, path, key)
        except (InputError, SourceError):
            pass  # an unwritable cache folder must not lose the computed result
    return result
