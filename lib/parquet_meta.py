"""Parquet files that carry their own JSON metadata: the on-disk results of hubs and neighbourhoods.

A result is one Arrow table plus a JSON object under a metadata key of its
own (what it was computed from, so a cached file is used only for the same
key). Files are written atomically; a file that is absent, damaged, of
another kind or for another key reads as None, never as an error. A file
written or read counts as used for the derived caches' size cap
(:mod:`lib.sources._cache_cap`), which a new file may trim.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .errors import InputError
from .sources._cache import atomic_file
from .sources._cache_cap import touch, trim

__all__ = ["read_with_meta", "write_with_meta"]


def write_with_meta(table: Any, meta: dict, path: str | os.PathLike, meta_key: bytes) -> Path:
    """Write the Arrow ``table`` with ``meta`` (JSON) under ``meta_key`` to ``path``, atomically."""
    import pyarrow.parquet as pq

    table = table.replace_schema_metadata({meta_key: json.dumps(meta).encode("utf-8")})
    path = Path(path)
    try:
        with atomic_file(path) as tmp:
            pq.write_table(table, tmp)
    except OSError as exc:
        raise InputError(f"cannot write {path} ({exc.strerror or exc})") from exc
    trim(keep=path)
    return path


def read_with_meta(path: str | os.PathLike, meta_key: bytes, key: dict | None = None) -> tuple[Any, dict] | None:
    """The table and metadata of a file of :func:`write_with_meta`; None if unreadable or for another ``key``."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
        meta = json.loads(table.schema.metadata[meta_key])
    except Exception:  # any damage (truncated file, foreign metadata): treat as absent
        return None
    if not isinstance(meta, dict) or (key is not None and meta.get("key") != key):
        return None
    touch(path)
    return table, meta
