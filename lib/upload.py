"""Vectors uploaded through the web app: parsed, capped, never unpickled.

An upload is word2vec text or binary bytes. They are written to a private
temporary file and read with the same gensim code path as ``word2vec:PATH``
(which parses the format and never unpickles), under size, count and
dimension caps, then the file is removed.

Uploaded vectors cannot travel in a share link; their SPEC names the content
hash so that caches key on the content, not the file name.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from .errors import VectorFileError
from .sources._word2vec import KeyedVectorsSource, load_word2vec_file, sniff_word2vec_binary

__all__ = ["MAX_UPLOAD_BYTES", "MAX_UPLOAD_WORDS", "MAX_UPLOAD_DIM", "upload_source"]

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_UPLOAD_WORDS = 200_000
MAX_UPLOAD_DIM = 4096

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _check_header(data: bytes, name: str) -> None:
    header = data[:1024].split(b"\n", 1)[0].split()
    if len(header) != 2 or not all(p.isdigit() for p in header):
        raise VectorFileError(
            f"{name}: not a word2vec file (the first line must be '<count> <dimension>')"
        )
    count, dim = int(header[0]), int(header[1])
    if count > MAX_UPLOAD_WORDS:
        raise VectorFileError(f"{name}: {count:,} words; uploads take at most {MAX_UPLOAD_WORDS:,}")
    if not 1 <= dim <= MAX_UPLOAD_DIM:
        raise VectorFileError(f"{name}: dimension {dim}; uploads take 1 to {MAX_UPLOAD_DIM}")


def upload_source(data: bytes, name: str = "upload") -> KeyedVectorsSource:
    """Build a source from uploaded word2vec text or binary bytes.

    Raises
    ------
    VectorFileError
        If the upload is too large, not word2vec format, or malformed.
    """
    shown = _SAFE.sub("_", Path(str(name)).name)[:60] or "upload"
    if len(data) > MAX_UPLOAD_BYTES:
        raise VectorFileError(f"{shown}: {len(data):,} bytes; uploads take at most {MAX_UPLOAD_BYTES:,}")
    if not data:
        raise VectorFileError(f"{shown}: empty file")
    _check_header(data, shown)
    digest = hashlib.sha256(data).hexdigest()[:16]
    fd, tmp = tempfile.mkstemp(prefix="cosine-rings-upload-", suffix=".vec")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        sniff_word2vec_binary(tmp)
        kv = load_word2vec_file(tmp)
    except VectorFileError as exc:
        # Name the upload, not the private temporary path.
        raise VectorFileError(str(exc).replace(tmp, shown)) from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    return KeyedVectorsSource(kv, spec=f"upload:{shown}#{digest}", name=f"uploaded {shown}")
