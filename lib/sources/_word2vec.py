"""Word2Vec-format files: cached word tables, and gensim's ``KeyedVectors`` for small ones.

``word2vec:PATH`` reads a local word2vec text or binary file (optionally
gzipped); the format is chosen from the file's content, the extension only
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
from ._w2v_stream import build_word2vec_table
from .base import Entry, Lookup, Missing, Note, Source, finish_lookup, one_word_per_entry

__all__ = [
    "KeyedVectorsSource",
    "load_word2vec_file",
    "sniff_word2vec_binary",
    "case_variants",
    "distinct_rows",
    "cached_table_source",
    "word2vec_file_source",
]


def _open(path: Path):
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def sniff_word2vec_binary(path: str | os.PathLike) -> bool:
    """Return True if ``path`` looks like word2vec binary format, False for text.

    Reads the header ``<count> <dim>`` and the first bytes after it: text
    files hold only printable UTF-8 and whitespace, binary files hold raw
    float32 bytes.

    Raises
    ------
    VectorFileError
        If the header is missing or malformed.
    """
    path = Path(path)
    try:
        with _open(path) as fh:
            header = fh.readline(1024)
            body = fh.read(4096)
    except (OSError, EOFError) as exc:
        raise VectorFileError(f"{path}: cannot read ({exc})") from exc
    parts = header.split()
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise VectorFileError(
            f"{path}: not a word2vec file (the first line must be '<count> <dimension>', got {header[:60]!r})"
        )
    if int(parts[0]) == 0 or int(parts[1]) == 0:
        raise VectorFileError(f"{path}: header says {int(parts[0])} words of dimension {int(parts[1])}")
    if not body:
        raise VectorFileError(f"{path}: header only, no vectors (truncated file)")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the 4096-byte boundary is still text.
        if exc.start < len(body) - 4:
            return True
        text = body[: exc.start].decode("utf-8")
    if any(ord(c) < 32 and c not in "\t\n\r " for c in text):
        return True
    if path.suffix == ".bin" and not text.strip():
        return True
    return False


def load_word2vec_file(path: str | os.PathLike, *, limit: int | None = None):
    """Read a word2vec text/binary (optionally .gz) file into gensim ``KeyedVectors`` (for small files).

    The file goes through the same streaming parser as the cached tables
    (a temporary table, read back whole), so the same rules hold: header
    counts checked, NaN/inf and zero rows dropped, a repeated word keeps its
    first row (gensim's own reader raises ``AttributeError`` there).
    """
    import tempfile

    from gensim.models import KeyedVectors

    path = Path(path).expanduser()
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    binary = sniff_word2vec_binary(path)
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
    progress: Progress | None = None,
) -> TableSource:
    """A word2vec file as a :class:`TableSource` cached as an on-disk table.

    The first use streams the file into a table under the cache folder of
    ``kind`` (keyed by the file's content, see
    :func:`~._cache.file_fingerprint`, and ``limit``), calling
    ``progress(bytes_read, file_size)`` as it goes; later uses open that
    table in milliseconds. The table is built in a temporary folder and
    renamed into place only when complete; a damaged cached table is
    discarded and rebuilt.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    binary = sniff_word2vec_binary(path)  # rejects a non-word2vec file before any caching
    with _open(path) as fh:
        dim = int(fh.readline(1024).split()[1])
    folder = kind_cache_dir(kind) / f"{path.name[:40]}-{fingerprint(file_fingerprint(path), limit)}"

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


def word2vec_file_source(path: str, *, limit: int | None = None, progress: Progress | None = None) -> TableSource:
    """``word2vec:PATH``: a local word2vec text/binary/.gz file, streamed once into a cached table."""
    spec = f"word2vec:{path}" + (f",limit={limit}" if limit else "")
    return cached_table_source(path, spec=spec, name=f"word2vec file {Path(path).name}", limit=limit, progress=progress)
