"""Writing a word table piece by piece, never holding the vectors.

:class:`TableWriter` takes rows in batches (words as one UTF-8 blob plus
their lengths, vectors as a float32 block) and appends both straight to
``words.bin`` and ``vectors.npy``; only the word lengths stay in memory.
A writer made with ``vectors_in`` (an uncompressed word2vec binary read in
place) writes no vectors: it keeps each row's byte offset in that file
(8 bytes a row) and saves them as ``vector_at.npy``, with the file's path
and identity in ``meta.json`` (see :class:`~._rows.FileRows`).
:meth:`TableWriter.finish` reads the words back once (tens of MB for
millions of words), sorts them with numpy (:func:`byte_order`), drops
repeated words (the first row is kept) and writes the index files. The
caller runs it inside :func:`~._cache.atomic_dir`, so an interrupted build
leaves nothing behind.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import VectorFileError

__all__ = ["TABLE_FORMAT", "TableWriter", "BuildReport", "byte_order", "MAX_DROPPED_LISTED", "AFTER_COUNT"]

#: Version of the on-disk layout, stored in ``meta.json``.
TABLE_FORMAT = 1
#: At most this many dropped words are listed by name in ``dropped.json``.
MAX_DROPPED_LISTED = 10_000
_NPY_HEADER = 128
_KEY_BYTES = 24  # words are ordered by their first 24 bytes in numpy, ties in Python


@dataclass
class BuildReport:
    """What a build read, kept and dropped (counts by reason, and the first words dropped).

    ``beyond_count`` is True when the file went on after the header's count
    of rows (those rows are not read, as gensim does not read them).
    """

    read: int = 0
    kept: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    listed: list[tuple[str, str]] = field(default_factory=list)
    beyond_count: bool = False

    def drop(self, word: str, reason: str) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + 1
        if len(self.listed) < MAX_DROPPED_LISTED:
            self.listed.append((word, reason))

    def summary(self) -> str:
        """One line: rows kept of rows read, and each reason with its count and first words."""
        text = f"{self.kept:,} of {self.read:,} rows kept"
        for reason, count in self.dropped.items():
            first = [w for w, r in self.listed if r == reason][:3]
            text += f"; {count:,} dropped ({reason}: {', '.join(repr(w) for w in first)}{', ...' if count > 3 else ''})"
        if self.beyond_count:
            text += f"; {AFTER_COUNT}"
        return text

    def to_json(self) -> dict:
        out = {"read": self.read, "kept": self.kept, "dropped": dict(self.dropped)}
        if self.beyond_count:
            out["notes"] = [AFTER_COUNT]
        return out


#: What a build report says when the file went on after the header's count of rows.
AFTER_COUNT = "the file goes on after the header's count of rows; those rows were not read (as in gensim)"


def npy_header(rows: int, dim: int) -> bytes:
    """A fixed-size (128-byte) ``.npy`` v1 header for a C-order float32 (rows, dim) array."""
    text = f"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {dim}), }}"
    body = text.ljust(_NPY_HEADER - 10 - 1) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(body)) + body.encode("latin1")


def _prefix_keys(blob: np.ndarray, offsets: np.ndarray) -> list[np.ndarray]:
    """Big-endian uint64 keys of each word's first 24 bytes, zero-padded (most significant first)."""
    starts, lengths = offsets[:-1], np.diff(offsets)
    padded = np.concatenate((blob, np.zeros(_KEY_BYTES, np.uint8)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, _KEY_BYTES)
    keys = [np.empty(len(starts), dtype=np.uint64) for _ in range(_KEY_BYTES // 8)]
    inside = np.arange(_KEY_BYTES)
    step = 1 << 18  # 6 MB of windows at a time
    for a in range(0, len(starts), step):
        part = windows[starts[a : a + step]] * (inside < lengths[a : a + step, None])
        as_keys = np.ascontiguousarray(part, dtype=np.uint8).view(">u8")
        for j, key in enumerate(keys):
            key[a : a + len(part)] = as_keys[:, j]
    return keys


def byte_order(blob: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort words by their UTF-8 bytes; return ``(order, repeated, first)``.

    ``order`` lists word ids in byte order (ties by id, so a repeated word's
    first row comes first); ``repeated`` holds the ids of later copies of a
    word and ``first`` the id each of them repeats.

    >>> blob = np.frombuffer(b"dogcatdogant", np.uint8)
    >>> order, rep, first = byte_order(blob, np.array([0, 3, 6, 9, 12]))
    >>> order.tolist(), rep.tolist(), first.tolist()
    ([3, 1, 0, 2], [2], [0])
    """
    n = len(offsets) - 1
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    keys = _prefix_keys(blob, offsets)
    order = np.lexsort(keys[::-1])
    same = np.ones(n - 1, dtype=bool)
    for key in keys:
        sorted_key = key[order]
        same &= sorted_key[1:] == sorted_key[:-1]
    lengths = np.diff(offsets)
    long = lengths[order] > _KEY_BYTES
    repeated, first = [], []
    # Runs of equal 24-byte prefixes: short words in a run are identical
    # only when their lengths agree too; anything else is sorted in Python.
    run_starts = np.flatnonzero(np.diff(np.concatenate(([False], same, [False])).astype(np.int8)) == 1)
    run_stops = np.flatnonzero(np.diff(np.concatenate(([False], same, [False])).astype(np.int8)) == -1) + 1
    raw = blob.tobytes() if len(run_starts) else b""
    for a, b in zip(run_starts.tolist(), run_stops.tolist(), strict=True):
        ids = order[a:b].tolist()
        if not long[a:b].any() and len(set(lengths[ids].tolist())) == 1:
            repeated.extend(ids[1:])
            first.extend([ids[0]] * (b - a - 1))
            continue
        words = {i: raw[offsets[i] : offsets[i + 1]] for i in ids}
        ids.sort(key=words.__getitem__)  # stable: equal words stay in id order
        order[a:b] = ids
        head = ids[0]
        for prev, cur in zip(ids, ids[1:], strict=False):
            if words[prev] == words[cur]:
                repeated.append(cur)
                first.append(head)
            else:
                head = cur
    return order, np.asarray(repeated, np.int64), np.asarray(first, np.int64)


class TableWriter:
    """Append rows to a new table folder, then :meth:`finish` it (see the module docstring)."""

    def __init__(self, folder: Path, dim: int, *, vectors_in: tuple[Path, str] | None = None):
        self.folder, self.dim = Path(folder), int(dim)
        self.report = BuildReport()
        #: ``(path, identity)`` of the file whose rows are indexed in place (None: vectors are copied).
        self.vectors_in = vectors_in
        self._lengths: list[np.ndarray] = []
        self._at: list[np.ndarray] = []
        self._rows = 0
        # Words go to disk as they come and are read back once to sort them.
        self._words = open(self.folder / "words.bin", "wb")
        self._vectors = None if vectors_in else open(self.folder / "vectors.npy", "wb")
        if self._vectors is not None:
            self._vectors.write(npy_header(0, self.dim))

    def add(self, blob: bytes, lengths: np.ndarray, vectors: np.ndarray, at: np.ndarray | None = None) -> None:
        """Append ``len(lengths)`` words (``blob``, UTF-8 back to back) and their float32 rows.

        In place (``vectors_in``), ``at`` holds the rows' byte offsets in that
        file and ``vectors`` (already checked by the caller) are not written.
        """
        if vectors.shape != (len(lengths), self.dim):
            raise VectorFileError(f"{len(lengths)} words but vectors of shape {vectors.shape}")
        self._words.write(blob)
        self._lengths.append(np.asarray(lengths, dtype=np.int32))
        if self._vectors is None:
            if at is None or len(at) != len(lengths):
                raise VectorFileError("rows read in place need their offsets")
            self._at.append(np.asarray(at, dtype=np.int64))
        else:
            self._vectors.write(np.ascontiguousarray(vectors, dtype="<f4").data)
        self._rows += len(lengths)

    def _drop_repeated(self, blob, offsets, order, repeated):
        keep = np.ones(len(offsets) - 1, dtype=bool)
        keep[repeated] = False
        for r in repeated.tolist():
            self.report.drop(
                blob[offsets[r] : offsets[r + 1]].tobytes().decode("utf-8"), "repeated word; its first row is kept"
            )
        lengths = np.diff(offsets)[keep]
        blob = blob[np.repeat(keep, np.diff(offsets))]
        offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
        new_id = np.cumsum(keep) - 1
        order = new_id[order[keep[order]]]
        self._compact_vectors(keep)
        return blob, offsets, order

    def _compact_vectors(self, keep: np.ndarray) -> None:
        if self._vectors is None:
            self._at = [np.concatenate(self._at)[keep]]
            return
        src, dst = self.folder / "vectors.npy", self.folder / "vectors.tmp"
        row_bytes, step = 4 * self.dim, 1 << 16
        with open(src, "rb") as fin, open(dst, "wb") as fout:
            fout.write(npy_header(0, self.dim))
            fin.seek(_NPY_HEADER)
            for start in range(0, len(keep), step):
                part = np.frombuffer(fin.read(row_bytes * len(keep[start : start + step])), "<f4").reshape(-1, self.dim)
                fout.write(part[keep[start : start + step]].tobytes())
        dst.replace(src)

    def finish(self) -> BuildReport:
        """Sort the words, drop repeats, write the index files and ``meta.json`` (last)."""
        self.abort()
        blob = np.fromfile(self.folder / "words.bin", dtype=np.uint8)
        offsets = np.zeros(self._rows + 1, dtype=np.int64)
        if self._lengths:
            np.cumsum(np.concatenate(self._lengths), out=offsets[1:])
        self._lengths.clear()
        order, repeated, _ = byte_order(blob, offsets)
        if len(repeated):
            blob, offsets, order = self._drop_repeated(blob, offsets, order, repeated)
        n = len(offsets) - 1
        meta_rows: dict = {}
        if self._vectors is None:
            at = np.concatenate(self._at) if self._at else np.zeros(0, np.int64)
            np.save(self.folder / "vector_at.npy", at.astype("<i8"))
            meta_rows = {"vectors_in": {"path": str(self.vectors_in[0]), "identity": self.vectors_in[1]}}
        else:
            with open(self.folder / "vectors.npy", "r+b") as fh:
                fh.write(npy_header(n, self.dim))
        blob.tofile(self.folder / "words.bin")
        np.save(self.folder / "offsets.npy", offsets)
        np.save(self.folder / "order.npy", order.astype(np.int64))
        self.report.kept = n
        if self.report.listed:
            (self.folder / "dropped.json").write_text(json.dumps(self.report.listed))
        meta = {
            "format": TABLE_FORMAT,
            "n": n,
            "bytes": int(offsets[-1]),
            "dim": self.dim,
            "build": self.report.to_json(),
            **meta_rows,
        }
        (self.folder / "meta.json").write_text(json.dumps(meta))
        return self.report

    def abort(self) -> None:
        """Close the files (the caller's atomic folder removes the rest)."""
        if self._vectors is not None:
            self._vectors.close()
        self._words.close()
