"""Atomic file writes: a temporary file next to the target, then one rename.

A reader (a later run, another process) sees the old file or the complete
new one, never a half-written file. Used by exports (:mod:`lib.export`) and
every cache entry (:mod:`lib.sources._cache`).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "write_atomic"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary file path next to ``target``; on success it replaces ``target``.

    The file gets the permissions ``open()`` would give it (``mkstemp``
    makes 0600). On any exception the temporary file is removed and
    ``target`` is left as it was. The folder of ``target`` must exist.
    """
    target = Path(target)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(target: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically (see :func:`atomic_path`); return ``target``."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)
