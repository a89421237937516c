"""Word2vec files (binary or text, plain or gzipped) streamed into a word table.

:func:`build_word2vec_table` reads the file in chunks of a few MB and
writes each chunk's rows straight into a :class:`~._table_build.TableWriter`,
so resident memory stays at a chunk plus the words, whatever the size of
the model (gensim's ``load_word2vec_format`` holds all of it, 3.6 GB for
Google News). Each chunk is parsed with numpy (:mod:`._w2v_parse`) and
read into one reused buffer (:class:`_Window`).

Rules, all checked while reading (docs/method.md, "Reading word2vec files"):

* the header's dimension must match every row; the file must hold at least
  the header's count of rows. Rows after that count are not read (gensim
  does the same) and the build report says the file went on;
* a text row is the word up to its first space, then the numbers separated
  by any run of spaces or tabs; blank lines are skipped (gensim refuses
  all three, though the reading is unambiguous);
* rows with NaN or infinite values and all-zero rows are dropped and
  reported (their cosine is undefined), never kept silently; a file with
  no other rows is refused;
* a repeated word keeps its first row; later copies are dropped and
  reported (gensim 4 also keeps the first, with a logged warning);
* words must be UTF-8, as gensim requires by default; a word stored in
  decomposed Unicode (not NFC) is dropped and reported, because every word
  list is NFC-normalised and could never name it.
"""

from __future__ import annotations

import gzip
import os
import unicodedata
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ..errors import VectorFileError
from ._cache import Progress, file_identity
from ._table_build import BuildReport, TableWriter
from ._w2v_parse import Rows, parse_rows

__all__ = ["read_header", "build_word2vec_table", "reads_in_place", "CHUNK_BYTES", "NOT_NFC"]

#: Bytes read from the file per chunk (decompressed for .gz).
CHUNK_BYTES = 8 << 20


def reads_in_place(path: Path, binary: bool) -> bool:
    """Whether a table of this file indexes its rows in place (an uncompressed binary) rather than copying them."""
    return binary and path.suffix != ".gz"


def open_raw(path: Path) -> tuple[BinaryIO, BinaryIO]:
    """``(stream, raw)``: the decompressed stream and the file under it (whose position is progress)."""
    raw = open(path, "rb")
    if path.suffix == ".gz":
        return gzip.GzipFile(fileobj=raw, mode="rb"), raw
    return raw, raw


def read_header(stream: BinaryIO, path: Path) -> tuple[int, int]:
    """Read the ``<count> <dim>`` line; return ``(count, dim)``."""
    line = stream.readline(1024)
    parts = line.split()
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise VectorFileError(
            f"{path}: not a word2vec file (the first line must be '<count> <dimension>', got {line[:60]!r})"
        )
    count, dim = int(parts[0]), int(parts[1])
    if count == 0 or dim == 0:
        raise VectorFileError(f"{path}: header says {count} words of dimension {dim}")
    return count, dim


class _Window:
    """The file's bytes not parsed yet, in one buffer that is reused chunk after chunk.

    :meth:`fill` reads the next chunk after the bytes kept, :meth:`consume`
    drops the bytes parsed (moving the few left over to the front), so a
    chunk is copied once, from the file, and never again.
    """

    def __init__(self, stream: BinaryIO, raw: BinaryIO, total: int, progress: Progress | None):
        self.stream, self.raw, self.total, self.progress = stream, raw, total, progress
        self.buf = bytearray(2 * CHUNK_BYTES)
        self.filled = 0
        #: Offset of the buffer's first byte in the (decompressed) stream.
        self.offset = stream.tell()

    def fill(self) -> bool:
        """Read one more chunk (at most :data:`CHUNK_BYTES`); False at the end of the file."""
        if len(self.buf) - self.filled < CHUNK_BYTES:  # a row longer than a chunk: a bigger buffer
            bigger = bytearray(self.filled + 2 * CHUNK_BYTES)
            bigger[: self.filled] = self.buf[: self.filled]
            self.buf = bigger
        try:
            n = self.stream.readinto(memoryview(self.buf)[self.filled : self.filled + CHUNK_BYTES])
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise VectorFileError(f"{getattr(self.raw, 'name', 'file')}: unreadable or truncated ({exc})") from exc
        if n and self.progress is not None:
            self.progress(self.raw.tell(), self.total)
        self.filled += n
        return n > 0

    def view(self) -> memoryview:
        return memoryview(self.buf)[: self.filled]

    def consume(self, used: int) -> None:
        self.buf[: self.filled - used] = self.buf[used : self.filled]
        self.filled -= used
        self.offset += used

    def more_than_whitespace(self) -> bool:
        """Whether anything but whitespace is left (reading on to the end if need be)."""
        while True:
            if bytes(self.view()).strip():
                return True
            self.consume(self.filled)
            if not self.fill():
                return False


def _decode_check(blob: bytes, path: Path, row: int) -> None:
    try:
        blob.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise VectorFileError(f"{path}: a word near row {row + 1} is not UTF-8 ({exc.reason})") from exc


#: Why a word in decomposed Unicode is dropped (it is listed under its NFC spelling, which users type).
NOT_NFC = "not in Unicode NFC form (word lists are NFC, so none could name it)"


def _not_nfc(blob: bytes, lengths: np.ndarray) -> np.ndarray:
    """Which words are not in NFC form (only words with non-ASCII bytes are decoded)."""
    out = np.zeros(len(lengths), dtype=bool)
    high = np.flatnonzero(np.frombuffer(blob, np.uint8) >= 0x80)
    if not len(high):
        return out
    offsets = np.concatenate(([0], np.cumsum(lengths)))
    for i in np.unique(np.searchsorted(offsets, high, side="right") - 1).tolist():
        out[i] = not unicodedata.is_normalized("NFC", blob[offsets[i] : offsets[i + 1]].decode("utf-8"))
    return out


def _store(writer: TableWriter, rows: Rows, path: Path) -> None:
    """Check finiteness, zero rows and NFC words, report and drop them, append the rest."""
    v, lengths, blob = rows.vectors, rows.lengths, rows.blob
    _decode_check(blob, path, writer.report.read)
    # Two reductions, no temporaries: max/min carry NaN and infinities, and a row is zero iff both are 0.
    high, low = v.max(axis=1), v.min(axis=1)
    finite = np.isfinite(high) & np.isfinite(low)
    nonzero = (high != 0) | (low != 0)
    nfc = ~_not_nfc(blob, lengths)
    good = finite & nonzero & nfc
    writer.report.read += len(lengths)
    if good.all():
        writer.add(blob, lengths, v, rows.at)
        return
    offsets = np.concatenate(([0], np.cumsum(lengths)))
    for i in np.flatnonzero(~good).tolist():
        word = blob[offsets[i] : offsets[i + 1]].decode("utf-8")
        if not finite[i]:
            writer.report.drop(word, "vector has NaN or infinite values")
        elif not nonzero[i]:
            writer.report.drop(word, "zero vector")
        else:
            writer.report.drop(unicodedata.normalize("NFC", word), NOT_NFC)
    keep_bytes = np.repeat(good, lengths)
    kept_blob = np.frombuffer(blob, np.uint8)[keep_bytes].tobytes()
    writer.add(kept_blob, lengths[good], v[good], None if rows.at is None else rows.at[good])


def _read_body(window: _Window, writer: TableWriter, count: int, dim: int, binary: bool, limit: int | None, path: Path):
    """Parse chunk after chunk into ``writer``; check the row count against the header.

    ``writer.report.read`` counts the rows parsed; when a binary file is
    read in place, each row's vector offset in the file goes to the writer.
    """
    want = count if limit is None else min(limit, count)
    report, final = writer.report, False
    while report.read < want and not final:
        final = not window.fill()
        buf = window.view()
        if final and not bytes(buf).strip():
            break
        rows, used = parse_rows(buf, dim, binary, final, path, report.read, want - report.read)
        del buf  # the buffer may move when it grows
        if rows.at is not None:
            rows.at += window.offset
        if len(rows.lengths):
            _store(writer, rows, path)
        window.consume(used)
    if report.read < want:
        raise VectorFileError(
            f"{path}: malformed or truncated word2vec file "
            f"(the header says {count} words, the file holds {report.read})"
        )
    if want == count and window.more_than_whitespace():
        report.beyond_count = True


def build_word2vec_table(
    path: str | os.PathLike,
    folder: Path,
    *,
    binary: bool,
    limit: int | None = None,
    progress: Progress | None = None,
    in_place: bool = True,
) -> BuildReport:
    """Stream the word2vec file ``path`` into a new table in ``folder`` (an empty, private folder).

    Parameters
    ----------
    binary : bool
        The file's format (see :func:`~._word2vec.word2vec_format`).
    limit : int, optional
        Read only the first ``limit`` rows.
    progress : callable, optional
        ``progress(bytes_read, file_size)`` after each chunk (compressed bytes for .gz).
    in_place : bool
        For an uncompressed binary file, index the rows where they are
        (:class:`~._rows.FileRows`) instead of copying the vectors. Every
        value is still read and checked.

    Raises
    ------
    VectorFileError
        With a one-line reason on a malformed, truncated or inconsistent file, or when no row is usable.
    """
    path = Path(path)
    stream, raw = open_raw(path)
    with stream, raw:
        count, dim = read_header(stream, path)
        st = os.fstat(raw.fileno())
        rows_in = (path.resolve(), file_identity(st)) if in_place and reads_in_place(path, binary) else None
        writer = TableWriter(folder, dim, vectors_in=rows_in)
        try:
            _read_body(_Window(stream, raw, st.st_size, progress), writer, count, dim, binary, limit, path)
        finally:
            writer.abort()
    report = writer.finish()
    if report.kept == 0:
        raise VectorFileError(f"{path}: no usable vectors in file ({report.summary()})")
    return report
