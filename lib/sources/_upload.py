"""Vectors uploaded through the web app: parsed, capped, never unpickled.

An upload is word2vec text or binary bytes. They are written to a private
temporary file and read with the same gensim code path as ``word2vec:PATH``
(which parses the format and never unpickles), under size, count and
dimension caps, then the file is removed.

An upload's SPEC is ``upload:NAME#HASH`` (HASH: the content's SHA-256
prefix), so caches key on the content, not the file name. An upload is
held by the web session that uploaded it (:func:`hold_upload`), which is
what ``load_source("upload:...")`` finds; when that session ends the
vectors are freed, so a link to an upload works only while it lives.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
import weakref
from pathlib import Path

from ..errors import SourceError, SpecError, VectorFileError
from ._word2vec import KeyedVectorsSource, load_word2vec_file, word2vec_format
from .spec import ParsedSpec, SourceKind

__all__ = [
    "MAX_UPLOAD_BYTES",
    "MAX_UPLOAD_WORDS",
    "MAX_UPLOAD_DIM",
    "upload_source",
    "hold_upload",
    "holds_upload",
    "build_upload",
    "KIND",
]

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_UPLOAD_WORDS = 200_000
MAX_UPLOAD_DIM = 4096

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _check_header(data: bytes, name: str) -> None:
    header = data[:1024].split(b"\n", 1)[0].split()
    if len(header) != 2 or not all(p.isdigit() for p in header):
        raise VectorFileError(f"{name}: not a word2vec file (the first line must be '<count> <dimension>')")
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
    # The extension breaks a tie between the text and binary readings (word2vec_format): keep a .bin one.
    suffix = ".bin" if shown.lower().endswith(".bin") else ".vec"
    fd, tmp = tempfile.mkstemp(prefix="cosine-rings-upload-", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        word2vec_format(tmp)
        kv = load_word2vec_file(tmp)
    except VectorFileError as exc:
        # Name the upload, not the private temporary path.
        raise VectorFileError(str(exc).replace(tmp, shown)) from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    return KeyedVectorsSource(kv, spec=f"upload:{shown}#{digest}", name=f"uploaded {shown}")


#: Uploads that some holder (a web session) still references, by SPEC.
_HELD: weakref.WeakValueDictionary[str, KeyedVectorsSource] = weakref.WeakValueDictionary()
_LOCK = threading.Lock()


def hold_upload(data: bytes, name: str = "upload") -> KeyedVectorsSource:
    """Parse an upload (see :func:`upload_source`) and make its SPEC loadable while it is referenced.

    The caller keeps the returned source (the web app: in the session's
    state); once no holder references it, it is freed and its SPEC no
    longer loads. The same content held twice is parsed once.
    """
    digest = hashlib.sha256(data).hexdigest()[:16]
    with _LOCK:
        for spec, source in list(_HELD.items()):
            if spec.endswith("#" + digest):
                return source
    source = upload_source(data, name)
    with _LOCK:
        _HELD[source.spec] = source
    return source


def holds_upload(spec: str) -> bool:
    """Whether some holder still references the upload ``spec`` (``upload:NAME#HASH``)."""
    with _LOCK:
        return spec in _HELD


def build_upload(arg: str | None) -> KeyedVectorsSource:
    """The source of ``upload:NAME#HASH``, if this process still holds that upload."""
    spec = f"upload:{arg}"
    with _LOCK:
        source = _HELD.get(spec)
    if source is None:
        name = (arg or "").split("#", 1)[0] or "vectors"
        raise SourceError(
            f"the uploaded vectors {name[:60]!r} are not on this server (any more): a link to an "
            "upload works only while the session that uploaded it is open; upload the file again"
        )
    return source


def _parse(arg: str | None, allow_paths: bool) -> ParsedSpec:
    # Held in this process's memory; never a path.
    if not arg:
        raise SpecError("upload a word2vec .txt or .bin vectors file in the sidebar")
    return ParsedSpec(head=arg)


KIND = SourceKind(
    prefix="upload",
    forms=("upload:NAME#HASH",),
    description="Vectors uploaded in the web app (word2vec text or binary, parsed, never unpickled), held in memory",
    parse=_parse,
    build=lambda parsed, progress: build_upload(parsed.head),
    size=lambda parsed: 0,
)
