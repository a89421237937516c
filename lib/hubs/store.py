"""Hubs runs for a source SPEC: its vocabulary matrix, the baselines, and a disk cache.

:func:`hubs_for` is what the command line and the Hubs page call. It loads
the first N vocabulary entries of a source (or builds a baseline of the same
shape), runs :func:`lib.hubs.hub_degrees` and keeps the result in the project
cache folder (``$COSINE_RINGS_CACHE/hubs``, default
``~/.cache/cosine-rings/hubs``), keyed by (source SPEC and the content of
its data files, :func:`lib.sources.content_key`; N, rule, k, value,
baseline), so the same question is answered instantly the next time and a
changed vectors file is never answered from the old one.

Baselines of a source's N x d matrix:

- ``random``: a seeded N(0, 1) matrix of the same shape;
- ``shuffled``: the same N rows in a seeded random order. Permuting rows
  only relabels the tokens, so the degree multiset is identical to the
  source's; only which token has which degree changes.

Result files are Parquet tables (``token``, ``degree``, ``rank``) with the
run's numbers as JSON in the schema metadata; the ``--out`` file of
``python -m lib hubs`` has the same format. Files are written under a
temporary name and moved into place, and a damaged cache file is ignored
and recomputed.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..errors import InputError, SourceError
from ..parquet_meta import read_with_meta, write_with_meta
from ..sources import RandomSource, Source, content_key, load_source
from ..sources._cache import cache_root, fingerprint
from .engine import DEFAULT_BLOCK, HubResult, Progress, hub_degrees

__all__ = [
    "BASELINES",
    "vocabulary_matrix",
    "baseline_matrix",
    "hubs_for",
    "cached_hubs",
    "cache_path",
    "write_result",
    "read_result",
]

#: Baselines of a source's matrix offered by :func:`hubs_for`.
BASELINES = ("random", "shuffled")

_META_KEY = b"cosine_rings_hubs"
_FORMAT = 1


def vocabulary_matrix(
    spec: str, limit: int | None, *, allow_paths: bool = True, loader: Callable[[str], Source] | None = None
) -> tuple[list[str], np.ndarray]:
    """Tokens and float32 rows of the first ``limit`` entries of source ``spec`` (all when None).

    The random source has no vocabulary: it gives ``limit`` rows of a seeded
    N(0, 1) matrix, named ``r0``, ``r1``, ... Rows that are zero or not
    finite (no cosine) are left out. ``allow_paths=False`` (the web app)
    refuses a SPEC that opens a file on this machine; ``loader(spec)``, when
    given, supplies the source instead (the app's already loaded one).

    Raises
    ------
    InputError
        If ``limit`` is below 3, or missing for ``random``.
    """
    if limit is not None and int(limit) < 3:
        raise InputError(f"--top must be at least 3, got {limit}")
    source = load_source(spec, allow_paths=allow_paths) if loader is None else loader(spec)
    if isinstance(source, RandomSource):
        if limit is None:
            raise InputError("random has no vocabulary: give the number of rows (--top N)")
        rng = np.random.default_rng(source.seed)
        vectors = rng.standard_normal((int(limit), source.dim), dtype=np.float32)
        return [f"r{i}" for i in range(int(limit))], vectors
    tokens, vectors = source.vocabulary(limit)
    vectors = np.asarray(vectors, dtype=np.float32)
    good = np.isfinite(vectors).all(axis=1) & vectors.any(axis=1)
    if not good.all():
        tokens = [t for t, g in zip(tokens, good) if g]
        vectors = vectors[good]
    return list(tokens), vectors


def baseline_matrix(kind: str, vectors: np.ndarray, seed: int = 0) -> np.ndarray:
    """The ``random`` or ``shuffled`` baseline of ``vectors`` (same shape, seeded)."""
    rng = np.random.default_rng(seed)
    if kind == "random":
        return rng.standard_normal(vectors.shape, dtype=np.float32)
    if kind == "shuffled":
        return vectors[rng.permutation(len(vectors))]
    raise InputError(f"unknown baseline {kind!r}; use one of {', '.join(BASELINES)}")


def _key(
    spec: str,
    limit: int | None,
    rule: str,
    k: float,
    value: float | None,
    baseline: str | None,
    seed: int,
    allow_paths: bool = True,
) -> dict:
    return {
        "format": _FORMAT,
        "source": spec,
        "content": content_key(spec, allow_paths=allow_paths),
        "limit": None if limit is None else int(limit),
        "rule": rule,
        "k": float(k),
        "value": None if value is None else float(value),
        "baseline": baseline,
        "seed": int(seed) if baseline else None,
    }


def cache_path(key: dict) -> Path:
    """The cache file of a run key (see :func:`hubs_for`)."""
    return cache_root() / "hubs" / f"{fingerprint(*sorted(key.items()))}.parquet"


def write_result(result: HubResult, path: str | os.PathLike, key: dict | None = None) -> Path:
    """Write ``result`` as a Parquet table with its numbers in the metadata, atomically."""
    import pyarrow as pa

    meta = {
        "key": key,
        "source": result.source,
        "n": result.n,
        "rule": result.rule,
        "k": result.k,
        "value": result.value,
        "threshold": result.threshold,
        "median": result.median,
        "std": result.std,
        "n_pairs": result.n_pairs,
        "n_edges": result.n_edges,
        "flat": result.flat,
        "timings": result.timings,
    }
    table = pa.table({"token": list(result.tokens), "degree": np.asarray(result.degree, np.int64), "rank": result.rank})
    return write_with_meta(table, meta, path, _META_KEY)


def read_result(path: str | os.PathLike, key: dict | None = None) -> HubResult | None:
    """Read a result written by :func:`write_result`; None if it is absent, damaged or for another key."""
    got = read_with_meta(path, _META_KEY, key)
    if got is None:
        return None
    table, meta = got
    try:
        tokens = tuple(str(t) for t in table.column("token").to_pylist())
        degree = np.asarray(table.column("degree").to_numpy(), dtype=np.int64)
        if len(tokens) != meta["n"] or len(degree) != meta["n"]:
            return None
        degree.setflags(write=False)
        return HubResult(
            tokens=tokens,
            degree=degree,
            rule=meta["rule"],
            k=float(meta["k"]),
            value=meta["value"],
            threshold=float(meta["threshold"]),
            median=float(meta["median"]),
            std=float(meta["std"]),
            flat=bool(meta["flat"]),
            timings=dict(meta["timings"]),
            source=str(meta["source"]),
        )
    except Exception:  # any damage (truncated file, foreign metadata): treat as absent
        return None


def cached_hubs(
    spec: str,
    limit: int | None = None,
    *,
    rule: str = "seed",
    k: float = 1.0,
    value: float | None = None,
    baseline: str | None = None,
    seed: int = 0,
    allow_paths: bool = True,
) -> HubResult | None:
    """The cached result of this run, or None (never computes)."""
    key = _key(spec, limit, rule, k, value, baseline, seed, allow_paths)
    path = cache_path(key)
    return read_result(path, key) if path.is_file() else None


def hubs_for(
    spec: str,
    limit: int | None = None,
    *,
    rule: str = "seed",
    k: float = 1.0,
    value: float | None = None,
    baseline: str | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    use_cache: bool = True,
    block: int = DEFAULT_BLOCK,
    matrix: tuple[Sequence[str], np.ndarray] | None = None,
    allow_paths: bool = True,
    scheduler=None,
    loader: Callable[[str], Source] | None = None,
) -> HubResult:
    """Degrees and threshold of the first ``limit`` tokens of ``spec``, from the cache when possible.

    Parameters
    ----------
    spec : str
        Source SPEC, as everywhere.
    limit : int, optional
        Use the first ``limit`` vocabulary entries (all when None).
    baseline : {None, "random", "shuffled"}
        Run on a baseline of the source's matrix instead (see the module notes).
    matrix : (tokens, vectors), optional
        The already loaded :func:`vocabulary_matrix` of ``spec`` and ``limit``.
    progress, cancel, scheduler
        Passed to :func:`lib.hubs.hub_degrees` (the cache does not depend on
        the scheduler: the result is the same).
    allow_paths, loader
        Passed to :func:`vocabulary_matrix` (``loader``: a source already loaded).
    """
    if baseline is not None and baseline not in BASELINES:
        raise InputError(f"unknown baseline {baseline!r}; use one of {', '.join(BASELINES)}")
    key = _key(spec, limit, rule, k, value, baseline, seed, allow_paths)
    path = cache_path(key)
    if use_cache and path.is_file():
        hit = read_result(path, key)
        if hit is not None:
            return hit
    if matrix is None:
        matrix = vocabulary_matrix(spec, limit, allow_paths=allow_paths, loader=loader)
    tokens, vectors = matrix
    if baseline is not None:
        vectors = baseline_matrix(baseline, vectors, seed)
        tokens = [f"r{i}" for i in range(len(tokens))] if baseline == "random" else tokens
    label = spec if baseline is None else f"{baseline} baseline of {spec}"
    result = replace(
        hub_degrees(
            tokens,
            vectors,
            rule=rule,
            k=k,
            value=value,
            block=block,
            progress=progress,
            cancel=cancel,
            scheduler=scheduler,
        ),
        source=label,
    )
    if use_cache:
        try:
            write_result(result, path, key)
        except (InputError, SourceError):
            pass  # an unwritable cache folder must not lose the computed result
    return result
