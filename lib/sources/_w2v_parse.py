"""Word2vec rows parsed from one chunk of a file, binary or text, with numpy.

:func:`parse_rows` returns the whole rows at the start of a buffer and the
bytes they used; :mod:`._w2v_stream` feeds it chunk after chunk and
:func:`~._word2vec.word2vec_format` tries both readings on a file's first
rows (:func:`reads_as`). A binary chunk is cut into rows by one
``bytes.find`` per row and its floats are gathered with one fancy index
of a sliding-window view; a text chunk is cut into lines, the words are
masked out and all numbers of the chunk are parsed by one
``np.fromstring``. The reading rules are in :mod:`._w2v_stream`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import VectorFileError

__all__ = ["Rows", "parse_rows", "reads_as", "MAX_WORD"]

#: Longest word accepted, in bytes.
MAX_WORD = 1 << 16
_NEWLINE, _SPACE = 10, 32


class Rows:
    """Rows parsed from one chunk, before the finite/zero check.

    ``at`` holds, for a binary file read in place, the byte offset of each
    row's vector in the file (None otherwise).
    """

    def __init__(self, blob: bytes, lengths: np.ndarray, vectors: np.ndarray, at: np.ndarray | None = None):
        self.blob, self.lengths, self.vectors, self.at = blob, lengths, vectors, at


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


def _binary_rows(buf: bytes, dim: int, final: bool, path: Path, row: int, most: int) -> tuple[Rows, int]:
    """Parse up to ``most`` whole rows at the start of ``buf``; return them and the bytes consumed.

    The rows' ``at`` holds each vector's offset in ``buf``.
    """
    row_bytes, size = 4 * dim, len(buf)
    u8 = np.frombuffer(buf, np.uint8)
    ends = _word_ends(buf, row_bytes, most)  # the last row may be cut by the chunk's end
    starts = np.concatenate(([0], ends[:-1] + 1 + row_bytes)).astype(np.int64) if len(ends) else ends
    used = int(ends[-1]) + 1 + row_bytes if len(ends) else 0
    if len(ends) and (ends - starts).max() > MAX_WORD or not len(ends) and size > MAX_WORD + row_bytes:
        raise VectorFileError(
            f"{path}: a word near row {row + 1} is longer than {MAX_WORD} bytes (not word2vec binary?)"
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
    return Rows(words, (ends - starts).astype(np.int64), vectors, (ends + 1).astype(np.int64)), used


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


def _text_rows(buf: bytes, dim: int, path: Path, row: int, most: int) -> tuple[Rows, int]:
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
    return Rows(words, (sp - starts).astype(np.int64), values.astype(np.float32).reshape(-1, dim)), used


def parse_rows(buf: bytes, dim: int, binary: bool, final: bool, path: Path, row: int, most: int) -> tuple[Rows, int]:
    """Up to ``most`` whole rows at the start of ``buf`` and the bytes they used.

    Without ``final`` a row cut by the end of ``buf`` is left for the next
    chunk; with it, all of ``buf`` must be whole rows (up to ``most``).
    """
    if binary:
        return _binary_rows(buf, dim, final, path, row, most)
    buf = bytes(buf)
    cut = len(buf) if final else buf.rfind(b"\n") + 1
    if cut == 0:
        return Rows(b"", np.zeros(0, np.int64), np.zeros((0, dim), np.float32)), 0
    return _text_rows(buf[:cut] if buf[:cut].endswith(b"\n") else buf[:cut] + b"\n", dim, path, row, most)


def _clean_words(rows: Rows) -> bool:
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
        rows, _ = parse_rows(body, dim, binary, eof, path, 0, count)
    except VectorFileError:
        return False
    return _clean_words(rows)
