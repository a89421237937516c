"""The cache folder, atomic writes, downloads with progress and the offline message.

Everything a source derives or downloads lives under one root folder:
``$COSINE_RINGS_CACHE`` (default ``~/.cache/cosine-rings``), or whatever
:func:`set_cache_root` was given. Each kind gets a subfolder. Nothing is
written in place: files and folders are built under a temporary name next
to their target and moved there with :func:`os.replace`, so a reader either
sees a complete entry or none.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import socket
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Iterator

from ..errors import SourceError

__all__ = [
    "Progress",
    "OFFLINE_SOURCES",
    "cache_root",
    "set_cache_root",
    "kind_cache_dir",
    "atomic_dir",
    "atomic_file",
    "discard",
    "fingerprint",
    "offline_error",
    "download_file",
    "NETWORK_TIMEOUT_S",
]

#: ``progress(done_bytes, total_bytes_or_None)``, called while downloading.
Progress = Callable[[int, "int | None"], None]

#: Sources that need no network; named in every "no network" message.
OFFLINE_SOURCES = ("glove", "minilm", "word2vec-train:lee", "random")

#: Seconds a connection may stay silent before a download gives up.
NETWORK_TIMEOUT_S = 15.0

_ROOT_OVERRIDE: Path | None = None


def cache_root() -> Path:
    """The cache root: :func:`set_cache_root`, else ``$COSINE_RINGS_CACHE``, else ``~/.cache/cosine-rings``."""
    if _ROOT_OVERRIDE is not None:
        return _ROOT_OVERRIDE
    env = os.environ.get("COSINE_RINGS_CACHE", "").strip()
    return Path(env).expanduser() if env else Path.home() / ".cache" / "cosine-rings"


def set_cache_root(path: str | os.PathLike | None) -> None:
    """Use ``path`` as the cache root from now on (None: back to the environment/default)."""
    global _ROOT_OVERRIDE
    _ROOT_OVERRIDE = None if path is None else Path(path).expanduser()


def kind_cache_dir(kind: str) -> Path:
    """The cache subfolder of one source kind (not created)."""
    return cache_root() / kind


def discard(path: str | os.PathLike) -> None:
    """Remove a cache file or folder, ignoring one that is already gone."""
    path = Path(path)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _writable_parent(target: Path) -> Path:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SourceError(f"cannot create cache folder {target.parent} ({exc})") from exc
    return target.parent


def _write_error(target: Path, exc: OSError) -> Exception:
    """A cache write that failed (disk full, read-only, no permission) as a one-line error.

    Errors that are not about writing (a download's own SourceError, say) pass through.
    """
    if isinstance(exc, SourceError) or not exc.errno:
        return exc
    return SourceError(
        f"cannot write to the cache folder {target.parent} ({exc.strerror or exc}); "
        "free some space there or point COSINE_RINGS_CACHE elsewhere, then try again"
    )


@contextlib.contextmanager
def _commit(tmp: Path, target: Path, *, clear: bool) -> Iterator[None]:
    """Run the block, then move ``tmp`` onto ``target``; on any error remove ``tmp`` instead."""
    try:
        yield
        if clear and target.exists():
            discard(target)
        os.replace(tmp, target)
    except OSError as exc:
        discard(tmp)
        raise _write_error(target, exc) from exc
    except BaseException:
        discard(tmp)
        raise


@contextlib.contextmanager
def atomic_dir(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary folder; on success it replaces ``target`` in one rename.

    On any exception the temporary folder is removed and ``target`` is left
    as it was, so a half-built entry is never seen by a later run.
    """
    target = Path(target)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=_writable_parent(target)))
    with _commit(tmp, target, clear=True):
        yield tmp


@contextlib.contextmanager
def atomic_file(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary file path next to ``target``; it replaces ``target`` on success."""
    target = Path(target)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=_writable_parent(target))
    os.close(fd)
    # mkstemp creates 0600; the finished file gets the permissions open() would give it.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(name, 0o666 & ~umask)
    with _commit(Path(name), target, clear=False):
        yield Path(name)


def fingerprint(*parts: object) -> str:
    """A short stable hex digest of ``parts`` (for cache folder names)."""
    h = hashlib.sha256()
    for p in parts:
        h.update(repr(p).encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:16]


def offline_error(what: str, exc: BaseException | str | None = None) -> SourceError:
    """The one-line error for a download that cannot reach the network."""
    why = f" ({exc})" if exc else ""
    return SourceError(
        f"{what} needs a download and the network is unreachable{why}; "
        f"sources that work offline: {', '.join(OFFLINE_SOURCES)}"
    )


def _tqdm_progress(desc: str) -> tuple[Progress, Callable[[], None]]:
    """A progress callback drawing a tqdm bar on stderr, and its closer."""
    from tqdm import tqdm

    bar = tqdm(desc=desc, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr, leave=False)

    def update(done: int, total: int | None) -> None:
        if total and bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    return update, bar.close


def download_file(
    url: str,
    target: str | os.PathLike,
    *,
    what: str,
    progress: Progress | None = None,
    md5: str | None = None,
    timeout: float = NETWORK_TIMEOUT_S,
) -> Path:
    """Download ``url`` to ``target`` atomically, reporting progress; return ``target``.

    Parameters
    ----------
    what : str
        The source named in error messages.
    progress : callable, optional
        ``progress(done_bytes, total_bytes)``; None draws a tqdm bar on stderr.
    md5 : str, optional
        Expected MD5 hex digest; a mismatch discards the file.
    timeout : float
        Seconds without data before giving up.

    Raises
    ------
    SourceError
        With the offline message when the host cannot be reached.
    """
    target = Path(target)
    close: Callable[[], None] = lambda: None
    if progress is None:
        progress, close = _tqdm_progress(what)
    try:
        with atomic_file(target) as tmp:
            try:
                with urllib.request.urlopen(url, timeout=timeout) as resp, open(tmp, "wb") as out:
                    total = resp.headers.get("Content-Length")
                    total_bytes = int(total) if total and total.isdigit() else None
                    digest, done = hashlib.md5(), 0
                    progress(0, total_bytes)
                    while chunk := resp.read(1 << 20):
                        out.write(chunk)
                        digest.update(chunk)
                        done += len(chunk)
                        progress(done, total_bytes)
            except urllib.error.HTTPError as exc:
                raise SourceError(f"{what}: download of {url} failed (HTTP {exc.code})") from exc
            except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError) as exc:
                raise offline_error(what, getattr(exc, "reason", exc)) from exc
            if total_bytes is not None and done != total_bytes:
                raise SourceError(f"{what}: download of {url} stopped at {done} of {total_bytes} bytes")
            if md5 and digest.hexdigest() != md5:
                raise SourceError(f"{what}: download of {url} is corrupt (checksum mismatch); try again")
    finally:
        close()
    return target
