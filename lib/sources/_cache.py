"""The cache folder, atomic writes, downloads with progress and the offline message.

Everything a source derives or downloads lives under one root folder:
``$COSINE_RINGS_CACHE`` (default ``~/.cache/cosine-rings``), or whatever
:func:`set_cache_root` was given. Each kind gets a subfolder. Nothing is
written in place: files and folders are built under a temporary name next
to their target and moved there with :func:`os.replace`, so a reader either
sees a complete entry or none. Entries derived from a file are keyed by its
content (:func:`file_fingerprint`), and processes that build the same entry
at once take turns (:func:`build_lock`): the first builds, the others reuse.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from ..atomic import atomic_path
from ..errors import SourceError

__all__ = [
    "Progress",
    "OFFLINE_SOURCES",
    "cache_root",
    "set_cache_root",
    "kind_cache_dir",
    "atomic_dir",
    "atomic_file",
    "build_lock",
    "discard",
    "fingerprint",
    "file_fingerprint",
    "file_identity",
    "path_fingerprint",
    "HASH_LIMIT",
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
        try:
            os.replace(tmp, target)
        except OSError as exc:
            if not (clear and exc.errno in (errno.ENOTEMPTY, errno.EEXIST) and target.is_dir()):
                raise
            # Another process committed the same entry in between: keep the winner's.
            discard(tmp)
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
    """Yield a temporary file path next to ``target``; it replaces ``target`` on success.

    :func:`lib.atomic.atomic_path`, with the folder created and a failed
    write turned into the one-line cache error.
    """
    target = Path(target)
    _writable_parent(target)
    try:
        with atomic_path(target) as tmp:
            yield tmp
    except OSError as exc:
        raise _write_error(target, exc) from exc


@contextlib.contextmanager
def build_lock(target: str | os.PathLike) -> Iterator[None]:
    """Hold an exclusive lock for building ``target`` while the block runs.

    Processes that build the same cache entry at once take turns: the first
    builds, the others wait and then find the finished entry (callers check
    again inside the block). The lock is a file in ``<cache root>/.locks``
    named after ``target``'s absolute path (never removed: removing a lock
    file others may hold would let two builders in). ``fcntl.flock`` locks
    are released by the kernel when a process dies, so a crashed builder
    never blocks the next.
    """
    target = Path(target).expanduser().absolute()
    lock = _writable_parent(cache_root() / ".locks" / "x") / f"{target.name[:40]}-{fingerprint(str(target))}.lock"
    try:
        import fcntl
    except ImportError:  # not POSIX: the rename in atomic_dir/atomic_file still keeps entries whole
        yield
        return
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise _write_error(lock, exc) from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


#: Files up to this size are keyed by a hash of their content; larger ones by identity (see below).
HASH_LIMIT = 32 * 1024 * 1024


def file_fingerprint(path: str | os.PathLike) -> str:
    """A key that changes whenever the content of the file at ``path`` changes.

    Files up to :data:`HASH_LIMIT` bytes are keyed by a SHA-256 of their
    content. Hashing a 1.2 GB file takes ~5 s here (sha256, warm page
    cache), too slow for every start, so larger files are keyed by their
    identity: device, inode, size, mtime and ctime in nanoseconds. A writer
    cannot set ctime (restoring the mtime with ``touch``/``os.utime``
    itself updates ctime), so a same-size rewrite with the old mtime still
    changes the key; renames or ``chmod`` change it too (one rebuild).
    """
    st = os.stat(path)
    identity = file_identity(st)
    if st.st_size > HASH_LIMIT:
        return identity
    # Within one process an unchanged identity means unchanged content: hash once.
    if identity not in _HASHED:
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
        if len(_HASHED) > 256:
            _HASHED.clear()
        _HASHED[identity] = f"sha256:{digest.hexdigest()}"
    return _HASHED[identity]


_HASHED: dict[str, str] = {}


def file_identity(st: os.stat_result) -> str:
    """Device, inode, size, mtime and ctime (ns) of a stat result: changes whenever the file is written."""
    return f"stat:{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"


def path_fingerprint(path: str | os.PathLike) -> str:
    """:func:`file_fingerprint` of a file; of a folder, that of each file directly in it; "missing" when absent."""
    path = Path(path).expanduser()
    try:
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.is_file())
            return fingerprint(*((p.name, file_fingerprint(p)) for p in files))
        return file_fingerprint(path)
    except OSError:
        return "missing"


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


def _nothing() -> None:
    return None


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
    close: Callable[[], None] = _nothing
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
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                raise offline_error(what, getattr(exc, "reason", exc)) from exc
            if total_bytes is not None and done != total_bytes:
                raise SourceError(f"{what}: download of {url} stopped at {done} of {total_bytes} bytes")
            if md5 and digest.hexdigest() != md5:
                raise SourceError(f"{what}: download of {url} is corrupt (checksum mismatch); try again")
    finally:
        close()
    return target
