"""Word2vec files (binary or text, plain or gzipped) streamed into a word table.

:func:`build_word2vec_table` reads the file in chunks of a few MB and
writes each chunk's rows straight into a :class:`~._table_build.TableWriter`,
so resident memory stays at a chunk plus the words, whatever the size of
the model (gensim's ``load_word2vec_format`` holds all of it, 3.6 GB for
Google News). Parsing is vectorised: a binary chunk is cut into rows by a
tight ``bytes.find`` loop and its floats are read with one
``np.frombuffer``; a text chunk is cut into lines, the words are masked
out and all numbers of the chunk are parsed by one ``np.fromstring``.

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

__all__ = ["read_header", "build_word2vec_table", "reads_as", "reads_in_place", "CHUNK_BYTES", "NOT_NFC"]

#: Bytes read from the file per chunk (decompressed for .gz).
CHUNK_BYTES = 8 << 20
_MAX_WORD = 1 << 16
_NEWLINE, _SPACE = 10, 32


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


class _Rows:
    """Rows parsed from one chunk, before the finite/zero check.

    ``at`` holds, for a binary file read in place, the byte offset of each
    row's vector in the file (None otherwise).
    """

    def __init__(self, blob: bytes, lengths: np.ndarray, vectors: np.ndarray, at: np.ndarray | None = None):
        self.blob, self.lengths, self.vectors, self.at = blob, lengths, vectors, at


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


def _store(writer: TableWriter, rows: _Rows, path: Path) -> None:
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


def _ranges(size: int, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """A boolean mask of ``size`` bytes, True inside ``starts[k]:stops[k]`` (ascending, disjoint)."""
    bounds = np.empty(2 * len(starts) + 2, dtype=np.int64)
    bounds[0], bounds[-1] = 0, size
    bounds[1:-1:2], bounds[2:-1:2] = starts, stops
    keep = np.zeros(len(bounds) - 1, dtype=bool)
    keep[1::2] = True  # gap, range, gap, range, ..., gap
    return np.repeat(keep, np.diff(bounds))


def _word_bytes(buf: bytes, u8: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> bytes:
    """The words ``buf[starts[k]:stops[k]]`` back to back."""
    lengths = stops - starts
    width = int(lengths.max()) if len(lengths) else 0
    if width > 256:  # a few long words: slices, not a (rows x width) block
        mv = memoryview(buf)
        return b"".join(map(mv.__getitem__, map(slice, starts.tolist(), stops.tolist())))
    # Each word is followed by its vector, so a window of ``width`` bytes rarely passes the end of ``buf``.
    padded = u8 if not len(starts) or starts[-1] + width <= len(u8) else np.concatenate((u8, np.zeros(width, np.uint8)))
    block = np.lib.stride_tricks.sliding_window_view(padded, max(width, 1))[starts]
    return block[np.arange(max(width, 1)) < lengths[:, None]].tobytes()


def _word_ends(buf: bytes | memoryview, row_bytes: int, most: int) -> np.ndarray:
    """Offsets of the spaces that end words: up to ``most`` rows whose vectors lie wholly in ``buf``.

    From a row's start the word ends at the first space; the next row
    starts ``row_bytes`` after it (the vector's bytes may hold 0x20
    anywhere, so most spaces are not boundaries). One ``find`` per row in
    C is faster than finding every space of the chunk with numpy and
    chaining them (measured: 2.8 against 5-7 ms per 8 MB chunk of a
    300-dimensional file). A memoryview must start at its object's first
    byte, as :class:`_Window`'s do.
    """
    data = buf.obj if isinstance(buf, memoryview) else buf
    find, size, out = data.find, len(buf), []
    append, last = out.append, len(buf) - 1 - row_bytes
    end = find(b" ", 0, size)
    while 0 <= end <= last:
        append(end)
        end = find(b" ", end + 1 + row_bytes, size)
    return np.array(out[:most], dtype=np.int64)


def _binary_rows(buf: bytes, dim: int, final: bool, path: Path, row: int, most: int) -> tuple[_Rows, int]:
    """Parse up to ``most`` whole rows at the start of ``buf``; return them and the bytes consumed.

    The rows' ``at`` holds each vector's offset in ``buf``.
    """
    row_bytes, size = 4 * dim, len(buf)
    u8 = np.frombuffer(buf, np.uint8)
    ends = _word_ends(buf, row_bytes, most)  # the last row may be cut by the chunk's end
    starts = np.concatenate(([0], ends[:-1] + 1 + row_bytes)).astype(np.int64) if len(ends) else ends
    used = int(ends[-1]) + 1 + row_bytes if len(ends) else 0
    if len(ends) and (ends - starts).max() > _MAX_WORD or not len(ends) and size > _MAX_WORD + row_bytes:
        raise VectorFileError(
            f"{path}: a word near row {row + 1} is longer than {_MAX_WORD} bytes (not word2vec binary?)"
        )
    if final and len(ends) < most and bytes(buf[used:]).strip():
        raise VectorFileError(
            f"{path}: malformed or truncated word2vec binary file (row {row + len(ends) + 1} is incomplete)"
        )
    # The C tool ends each row with "\n", gensim does not: drop newlines before a word, as gensim does.
    while len(starts) and (lead := (u8[starts] == _NEWLINE) & (starts < ends)).any():
        starts = starts + lead
    words = _word_bytes(buf, u8, starts, ends)
    # Rows of a sliding-window view: one memcpy per row, no byte mask.
    windows = (
        np.lib.stride_tricks.sliding_window_view(u8, row_bytes) if len(ends) else np.zeros((0, row_bytes), np.uint8)
    )
    vectors = windows[ends + 1].view("<f4").reshape(-1, dim)
    return _Rows(words, (ends - starts).astype(np.int64), vectors, (ends + 1).astype(np.int64)), used


def _line_error(buf: bytes, starts: np.ndarray, stops: np.ndarray, dim: int, path: Path, row: int) -> VectorFileError:
    """The first bad line of a chunk, found the slow way (only when the chunk failed)."""
    for k, (a, b) in enumerate(zip(starts.tolist(), stops.tolist(), strict=True)):
        parts = buf[a:b].split()
        if len(parts) != dim + 1:
            return VectorFileError(
                f"{path}: malformed or truncated word2vec text file (row {row + k + 1} has {len(parts) - 1} values, "
                f"the header says {dim})"
            )
        try:
            [float(x) for x in parts[1:]]
        except ValueError:
            return VectorFileError(
                f"{path}: malformed word2vec text file (row {row + k + 1} has a value that is not a number)"
            )
    return VectorFileError(f"{path}: malformed text rows after row {row}")


_WHITESPACE = np.zeros(256, dtype=bool)
_WHITESPACE[[9, 10, 11, 12, 13, 32]] = True


def _text_rows(buf: bytes, dim: int, path: Path, row: int, most: int) -> tuple[_Rows, int]:
    """Parse up to ``most`` lines of a chunk of whole text lines (``buf`` ends with a newline).

    Returns the rows and the bytes they used (blank lines included).
    """
    u8 = np.frombuffer(buf, np.uint8)
    nl = np.flatnonzero(u8 == _NEWLINE)
    starts = np.concatenate(([0], nl[:-1] + 1))
    blank = (nl - starts == 0) | ((nl - starts == 1) & (u8[np.maximum(nl - 1, 0)] == 13))
    starts, nl = starts[~blank][:most], nl[~blank][:most]
    used = int(nl[-1]) + 1 if len(nl) and len(starts) == most else len(buf)
    u8 = u8[:used]
    spaces = np.flatnonzero(u8 == _SPACE)
    at = np.searchsorted(spaces, starts)
    sp = spaces[np.minimum(at, max(len(spaces) - 1, 0))] if len(spaces) else np.full(len(starts), -1)
    bad_word = (at >= len(spaces)) | (sp > nl) | (sp == starts)
    if bad_word.any():
        k = int(np.flatnonzero(bad_word)[0])
        raise VectorFileError(f"{path}: row {row + k + 1} is not '<word> <{dim} numbers>'")
    # Blank out each word (start..space) so only numbers remain, then count tokens per line.
    numbers = u8.copy()
    numbers[_ranges(len(u8), starts, sp)] = _SPACE
    blank_byte = _WHITESPACE[numbers]
    token_starts = np.flatnonzero(~blank_byte[1:] & blank_byte[:-1]) + 1
    per_line = np.bincount(np.searchsorted(nl, token_starts), minlength=len(starts))
    if len(per_line) != len(starts) or (per_line != dim).any():
        raise _line_error(buf, starts, nl, dim, path, row)
    try:
        values = np.fromstring(numbers.tobytes(), dtype=np.float64, sep=" ")
    except ValueError:
        raise _line_error(buf, starts, nl, dim, path, row) from None
    if values.size != len(starts) * dim:
        raise _line_error(buf, starts, nl, dim, path, row)
    words = _word_bytes(buf, u8, starts, sp)
    return _Rows(words, (sp - starts).astype(np.int64), values.astype(np.float32).reshape(-1, dim)), used


def _parse(buf: bytes, dim: int, binary: bool, final: bool, path: Path, row: int, most: int) -> tuple[_Rows, int]:
    """Up to ``most`` whole rows at the start of ``buf`` and the bytes they used.

    Without ``final`` a row cut by the end of ``buf`` is left for the next
    chunk; with it, all of ``buf`` must be whole rows (up to ``most``).
    """
    if binary:
        return _binary_rows(buf, dim, final, path, row, most)
    buf = bytes(buf)
    cut = len(buf) if final else buf.rfind(b"\n") + 1
    if cut == 0:
        return _Rows(b"", np.zeros(0, np.int64), np.zeros((0, dim), np.float32)), 0
    return _text_rows(buf[:cut] if buf[:cut].endswith(b"\n") else buf[:cut] + b"\n", dim, path, row, most)


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
        rows, used = _parse(buf, dim, binary, final, path, report.read, want - report.read)
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


def _clean_words(rows: _Rows) -> bool:
    """Whether the parsed words are UTF-8, not empty and free of control characters."""
    blob = np.frombuffer(rows.blob, np.uint8)
    if not len(rows.lengths) or (rows.lengths == 0).any() or (blob < 32).any() or (blob == 127).any():
        return False
    try:
        rows.blob.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def reads_as(body: bytes, count: int, dim: int, *, binary: bool, eof: bool, path: Path) -> bool:
    """Whether ``body`` (the bytes after the header) parses as rows of that format.

    Up to ``count`` rows are parsed; when ``eof``, ``body`` is the whole
    rest of the file and must be whole rows up to there.
    """
    if not eof and not binary:
        body = body[: body.rfind(b"\n") + 1]  # whole lines only
    try:
        rows, _ = _parse(body, dim, binary, eof, path, 0, count)
    except VectorFileError:
        return False
    return _clean_words(rows)


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
