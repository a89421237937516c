"""Word2Vec-format files: cached word tables, and gensim's ``KeyedVectors`` for small ones.

``word2vec:PATH`` reads a local word2vec text or binary file (optionally
gzipped); the format is ``binary=true|false`` when the SPEC says so, else
decided by :func:`word2vec_format` from the first rows, the extension only
breaking ties. The file is streamed into an on-disk word table
(:mod:`._w2v_stream`), never loaded whole; gensim's ``KeyedVectors`` serve
uploads (small, held in memory) through :func:`load_word2vec_file`.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import SourceError, VectorFileError
from ._cache import Progress, atomic_dir, file_fingerprint, fingerprint, kind_cache_dir
from ._table import TableSource, WordTable, open_or_build
from ._vocab import case_variants
from ._w2v_parse import reads_as
from ._w2v_stream import build_word2vec_table, read_header, reads_in_place
from .base import Entry, Lookup, Missing, Note, Source, finish_lookup, one_word_per_entry

__all__ = [
    "KeyedVectorsSource",
    "load_word2vec_file",
    "word2vec_format",
    "case_variants",
    "distinct_rows",
    "cached_table_source",
    "word2vec_file_source",
]


def _open(path: Path):
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


#: Bytes after the header that :func:`word2vec_format` reads both ways (some hundreds of rows).
SNIFF_BYTES = 1 << 20
_BINARY_SUFFIXES, _TEXT_SUFFIXES = (".bin",), (".txt", ".vec")


def word2vec_format(path: str | os.PathLike, binary: bool | None = None) -> bool:
    """Return True if ``path`` is to be read as word2vec binary, False for text.

    ``binary`` (the SPEC's ``binary=true|false``) decides when given, unless
    the first rows parse only the other way (then the file is refused, as
    the option names the wrong format). Else the rows after the header (up to :data:`SNIFF_BYTES`) are parsed both
    ways: text rows are ``<word> <dim numbers>`` lines, binary rows are
    ``<word> <4*dim bytes>`` back to back; in both, words are non-empty
    UTF-8 without control characters. When only one reading parses, that
    is the format. When both do (a binary whose float bytes happen to be
    printable digits and spaces), the extension decides (``.bin`` binary;
    ``.txt``, ``.vec`` text; before ``.gz`` too) and without one of those
    the file is refused. When neither does, the reading that the extension
    (or non-text bytes) suggests goes ahead, and its parser names the bad row.

    Raises
    ------
    VectorFileError
        If the header is missing or malformed, if ``binary`` names the format the first rows do not have,
        or if both readings fit and the extension does not decide.
    """
    path = Path(path)
    try:
        with _open(path) as fh:
            count, dim = read_header(fh, path)
            body = fh.read(SNIFF_BYTES)
            eof = len(body) < SNIFF_BYTES or not fh.read(1)
    except (OSError, EOFError) as exc:
        raise VectorFileError(f"{path}: cannot read ({exc})") from exc
    if not body.strip():
        raise VectorFileError(f"{path}: header only, no vectors (truncated file)")
    as_text = reads_as(body, count, dim, binary=False, eof=eof, path=path)
    as_binary = reads_as(body, count, dim, binary=True, eof=eof, path=path)
    if binary is not None:
        if as_text != as_binary and binary != as_binary:
            named, other = ("binary", "text") if binary else ("text", "binary")
            raise VectorFileError(
                f"{path}: binary={str(binary).lower()} names {named}, but the first rows read only as {other}"
            )
        return binary
    if as_text != as_binary:
        return as_binary
    suffix = Path(path.name[:-3]).suffix if path.name.endswith(".gz") else path.suffix
    if suffix.lower() in _BINARY_SUFFIXES + _TEXT_SUFFIXES:
        return suffix.lower() in _BINARY_SUFFIXES
    if as_text:
        raise VectorFileError(
            f"{path}: its first rows read both as word2vec text and as binary; "
            f"say which with binary=true or binary=false (word2vec:{path},binary=true)"
        )
    return _looks_binary(body[:4096])


def _looks_binary(head: bytes) -> bool:
    """Whether ``head`` holds bytes that no text file has (control bytes, or not UTF-8)."""
    if any(b < 32 and b not in b"\t\n\r" for b in head) or b"\x7f" in head:
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start < len(head) - 4  # a character cut at the end is still text
    return False


def load_word2vec_file(path: str | os.PathLike, *, limit: int | None = None, binary: bool | None = None):
    """Read a word2vec text/binary (optionally .gz) file into gensim ``KeyedVectors`` (for small files).

    The file goes through the same streaming parser as the cached tables
    (a temporary table, read back whole), so the same rules hold: header
    counts checked, NaN/inf and zero rows dropped, a repeated word keeps its
    first row (gensim 4's own reader does too, with a logged warning).
    ``binary`` as in :func:`word2vec_format`.
    """
    import tempfile

    from gensim.models import KeyedVectors

    path = Path(path).expanduser()
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    binary = word2vec_format(path, binary)
    with tempfile.TemporaryDirectory(prefix="cosine-rings-w2v-") as tmp:
        build_word2vec_table(path, Path(tmp), binary=binary, limit=limit)
        table = WordTable(tmp)
        words, vectors = table.words(), table.vectors.read()
    kv = KeyedVectors(vector_size=vectors.shape[1], count=0, dtype=np.float32)
    kv.add_vectors(words, vectors)
    return kv


def distinct_rows(kv) -> tuple[list[str], np.ndarray]:
    """The words of ``kv`` and their rows, a repeated word kept at its first line.

    gensim keeps the first vector of a word that a file repeats and leaves an
    empty (None) slot for each repeat; the web app's upload path reads the
    same file that way, so the cached table does too.
    """
    keep = [i for i, w in enumerate(kv.index_to_key) if isinstance(w, str)]
    words = [kv.index_to_key[i] for i in keep]
    if len(keep) == len(kv.index_to_key):
        return words, kv.vectors
    return words, np.asarray(kv.vectors[keep])


class KeyedVectorsSource(Source):
    """A source backed by gensim ``KeyedVectors``, with case fallback."""

    def __init__(self, kv, *, spec: str, name: str):
        self.kv = kv
        self.spec = spec
        self.name = name
        self.dim = int(kv.vector_size)

    def entries(self, words: Sequence[str]) -> list[Entry | str]:
        """The key each word is found as (as typed, lower-case, Title-case), or "not in vocabulary"."""
        key_to_index = self.kv.key_to_index
        out: list[Entry | str] = []
        for w in words:
            key = next((f for f in case_variants(w) if f in key_to_index), None)
            out.append("not in vocabulary" if key is None else Entry(key, key == w))
        return out

    def lookup(self, words: Sequence[str]) -> Lookup:
        """Vectors of ``words``, one node per entry (:func:`~.base.one_word_per_entry` decides which word keeps it)."""
        found, rows, missing, notes = [], [], [], []
        entries = self.entries(words)
        dropped = one_word_per_entry(words, [entries])
        for w, entry in zip(words, entries, strict=True):
            if w in dropped:
                missing.append(Missing(w, dropped[w].reason))
                continue
            if not entry.exact:
                notes.append(Note(w, f"found as {entry.key!r}"))
            found.append(w)
            rows.append(np.asarray(self.kv.vectors[self.kv.key_to_index[entry.key]], dtype=np.float32))
        return finish_lookup(found, rows, self.dim, missing, notes)

    def vocabulary(self, limit: int | None = None) -> tuple[list[str], np.ndarray]:
        """The first ``limit`` words (gensim's order, most frequent first) and their rows."""
        words, rows = distinct_rows(self.kv)
        n = len(words) if limit is None else max(0, min(int(limit), len(words)))
        return words[:n], np.asarray(rows[:n], dtype=np.float32)


def cached_table_source(
    path: str | os.PathLike,
    *,
    spec: str,
    name: str,
    kind: str = "word2vec",
    limit: int | None = None,
    binary: bool | None = None,
    progress: Progress | None = None,
) -> TableSource:
    """A word2vec file as a :class:`TableSource` cached as an on-disk table.

    The first use streams the file into a table under the cache folder of
    ``kind`` (keyed by the file's content, see
    :func:`~._cache.file_fingerprint`, ``limit``, the format (``binary``
    as in :func:`word2vec_format`) and, for an uncompressed binary whose
    rows the table reads in place, the file's absolute path), calling
    ``progress(bytes_read, file_size)`` as it goes; later uses open that
    table in milliseconds. The table is built in a temporary folder and
    renamed into place only when complete; a damaged cached table is
    discarded and rebuilt.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    binary = word2vec_format(path, binary)  # rejects a non-word2vec file before any caching
    with _open(path) as fh:
        dim = int(fh.readline(1024).split()[1])
    where = str(path.resolve()) if reads_in_place(path, binary) else None
    folder = kind_cache_dir(kind) / f"{path.name[:40]}-{fingerprint(file_fingerprint(path), limit, binary, where)}"

    def build(target: Path) -> None:
        with atomic_dir(target) as tmp:
            build_word2vec_table(path, tmp, binary=binary, limit=limit, progress=progress)

    def open_table() -> WordTable:
        table = open_or_build(folder, build)
        if table.vectors is None or table.vectors.shape[1] != dim:
            raise VectorFileError(f"{path}: cached table does not match the file's dimension {dim}")
        return table

    source = TableSource(spec=spec, name=name, dim=dim, open_table=open_table)
    source.origin = path
    return source.prepare()


def word2vec_file_source(
    path: str, *, limit: int | None = None, binary: bool | None = None, progress: Progress | None = None
) -> TableSource:
    """``word2vec:PATH``: a local word2vec text/binary/.gz file, streamed once into a cached table."""
    spec = f"word2vec:{path}" + (f",limit={limit}" if limit else "")
    if binary is not None:
        spec += f",binary={str(binary).lower()}"
    name = f"word2vec file {Path(path).name}"
    return cached_table_source(path, spec=spec, name=name, limit=limit, binary=binary, progress=progress)
