"""``word2vec`` and ``word2vec:NAME``: KeyedVectors models of gensim-data.

The data folder follows ``gensim.downloader``'s layout
(``$GENSIM_DATA_DIR/NAME/NAME.gz``, default ``<cache>/gensim-data``), so a
folder filled by ``gensim.downloader`` is used as is. Downloads reuse
gensim-data's URLs and MD5 checksums but go through
:func:`~lib.sources._cache.download_file`: ``gensim.downloader`` itself has
no network timeout and no progress callback. The model file is streamed
once into an on-disk word table (:mod:`._w2v_stream`, a few hundred MB of
memory at most), so later starts take milliseconds and keep resident
memory small (Google News is 3.6 GB in memory when loaded whole).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import urllib.error
import urllib.request
from pathlib import Path

from ..errors import SourceError, SpecError, VectorFileError
from ._cache import (
    NETWORK_TIMEOUT_S,
    Progress,
    atomic_dir,
    atomic_file,
    cache_root,
    discard,
    download_file,
    offline_error,
)
from ._table import TableSource
from ._word2vec import cached_table_source, word2vec_file_source
from .spec import ParsedSpec, SourceKind, is_server_path, split_trailing_options, true_false

__all__ = ["DEFAULT_MODEL", "gensim_data_dir", "model_file", "gensim_data_source", "gensim_download_size", "KIND"]

DEFAULT_MODEL = "word2vec-google-news-300"
_LIST_URL = "https://raw.githubusercontent.com/RaRe-Technologies/gensim-data/master/list.json"
_RELEASE_URL = "https://github.com/RaRe-Technologies/gensim-data/releases/download"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$")

#: Approximate download sizes (bytes) of the common models, from gensim-data's list.json.
KNOWN_SIZES = {
    "word2vec-google-news-300": 1_743_563_840,
    "glove-wiki-gigaword-50": 69_182_535,
    "glove-wiki-gigaword-100": 134_300_434,
    "glove-wiki-gigaword-200": 264_336_934,
    "glove-wiki-gigaword-300": 394_362_229,
    "glove-twitter-25": 109_885_004,
    "glove-twitter-50": 209_216_938,
    "glove-twitter-100": 405_932_991,
    "glove-twitter-200": 795_373_100,
    "fasttext-wiki-news-subwords-300": 1_005_007_116,
    "conceptnet-numberbatch-17-06-300": 1_225_497_562,
}


def gensim_data_dir() -> Path:
    """``$GENSIM_DATA_DIR`` when set, else ``<cache root>/gensim-data`` (read at call time)."""
    env = os.environ.get("GENSIM_DATA_DIR", "").strip()
    return Path(env).expanduser() if env else cache_root() / "gensim-data"


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise SpecError(f"word2vec: {name!r} is not a gensim-data model name")
    return name


def model_file(name: str) -> Path | None:
    """The downloaded model file of ``name``, or None when it is not there."""
    folder = gensim_data_dir() / _check_name(name)
    if not folder.is_dir():
        return None
    info = gensim_data_dir() / "information.json"
    candidates = [folder / f"{name}.gz"]
    try:
        entry = json.loads(info.read_text()).get("models", {}).get(name, {})
        if entry.get("file_name"):
            candidates.insert(0, folder / entry["file_name"])
    except (OSError, ValueError, AttributeError):
        pass
    candidates += sorted(folder.glob("*.gz"))
    return next((p for p in candidates if p.is_file()), None)


def _fetch_info(name: str, timeout: float) -> dict:
    try:
        with urllib.request.urlopen(_LIST_URL, timeout=timeout) as resp:
            return json.loads(resp.read().decode("utf-8"))
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise offline_error(f"{name} (gensim-data)", getattr(exc, "reason", exc)) from exc
    except ValueError as exc:
        raise SourceError(f"gensim-data: unreadable model list ({exc})") from exc


def _download(name: str, progress: Progress | None, timeout: float) -> Path:
    info = _fetch_info(name, timeout)
    entry = info.get("models", {}).get(name)
    if entry is None:
        if name in info.get("corpora", {}):
            raise SpecError(f"word2vec: {name!r} is a gensim-data corpus, not a vectors model")
        raise SpecError(f"word2vec: unknown gensim-data model {name!r}; see gensim.downloader.info()['models']")
    parts = int(entry.get("parts", 1))
    total = entry.get("file_size")
    folder = gensim_data_dir() / name
    with atomic_dir(folder) as tmp:
        download_file(
            f"{_RELEASE_URL}/{name}/__init__.py",
            tmp / "__init__.py",
            what=name,
            progress=lambda d, t: None,
            timeout=timeout,
        )
        if parts == 1:
            download_file(
                f"{_RELEASE_URL}/{name}/{name}.gz",
                tmp / f"{name}.gz",
                what=name,
                progress=progress,
                md5=entry.get("checksum"),
                timeout=timeout,
            )
        else:
            done_before = 0
            with open(tmp / f"{name}.gz", "wb") as out:
                for part in range(parts):
                    piece = tmp / f"{name}.gz_0{part}"
                    offset = done_before
                    report = None if progress is None else (lambda d, t, o=offset: progress(o + d, total))
                    download_file(
                        f"{_RELEASE_URL}/{name}/{name}.gz_0{part}",
                        piece,
                        what=name,
                        progress=report,
                        md5=entry.get(f"checksum-{part}"),
                        timeout=timeout,
                    )
                    done_before += piece.stat().st_size
                    with open(piece, "rb") as src:
                        shutil.copyfileobj(src, out)
                    piece.unlink()
    info_path = gensim_data_dir() / "information.json"
    if not info_path.exists():
        with atomic_file(info_path) as tmp_info:
            tmp_info.write_text(json.dumps(info))
    found = model_file(name)
    if found is None:
        raise SourceError(f"{name}: download finished but no model file is in {folder}")
    return found


def gensim_data_source(
    name: str | None = None,
    *,
    limit: int | None = None,
    progress: Progress | None = None,
    timeout: float = NETWORK_TIMEOUT_S,
) -> TableSource:
    """A gensim-data model (default ``word2vec-google-news-300``), downloading it if needed.

    Parameters
    ----------
    name : str, optional
        A gensim-data KeyedVectors model name.
    limit : int, optional
        Keep only the first ``limit`` (most frequent) words.
    progress : callable, optional
        ``progress(done_bytes, total_bytes)`` during a download, then again
        (from 0) while the model file is streamed into the table on first use.
    timeout : float
        Network timeout in seconds.
    """
    name = _check_name(name or DEFAULT_MODEL)
    path = model_file(name) or _download(name, progress, timeout)
    spec = (
        "word2vec"
        if name == DEFAULT_MODEL and limit is None
        else f"word2vec:{name}" + (f",limit={limit}" if limit else "")
    )
    label = f"gensim-data {name}"
    try:
        return cached_table_source(path, spec=spec, name=label, kind="word2vec", limit=limit, progress=progress)
    except VectorFileError:
        # A damaged download of our own is removed and fetched again; a
        # user's GENSIM_DATA_DIR is never deleted.
        if not path.resolve().is_relative_to(cache_root().resolve()):
            raise
        discard(path.parent)
        path = _download(name, progress, timeout)
        return cached_table_source(path, spec=spec, name=label, kind="word2vec", limit=limit, progress=progress)


def gensim_download_size(name: str | None) -> int | None:
    """Approximate bytes to download for ``name`` (0 when already there, None when unknown)."""
    name = name or DEFAULT_MODEL
    if not _NAME.match(name):
        return None
    if model_file(name) is not None:
        return 0
    return KNOWN_SIZES.get(name)


def _parse(arg: str | None, allow_paths: bool) -> ParsedSpec:
    """``word2vec``, ``word2vec:NAME`` (gensim-data) or ``word2vec:PATH[,binary=B]``, each with ``,limit=N``."""
    head, opts = split_trailing_options(arg, {"limit": int, "binary": true_false}, kind="word2vec")
    if opts.get("limit") is not None and opts["limit"] < 1:
        raise SpecError(f"word2vec: limit must be >= 1, got {opts['limit']}")
    local = bool(head) and is_server_path(head, names=_NAME, allow_paths=allow_paths)
    if "binary" in opts and not local:
        raise SpecError("word2vec: binary= is for a file of yours (word2vec:PATH,binary=true|false)")
    return ParsedSpec(head=head or None, options=opts, path=head if local else None)


def _build(parsed: ParsedSpec, progress: Progress | None) -> TableSource:
    limit = parsed.options.get("limit")
    if parsed.path is not None:
        return word2vec_file_source(parsed.path, limit=limit, binary=parsed.options.get("binary"), progress=progress)
    return gensim_data_source(parsed.head, limit=limit, progress=progress)


def _files(parsed: ParsedSpec) -> tuple[str, ...]:
    if parsed.path is not None:
        return (parsed.path,)
    found = model_file(parsed.head or DEFAULT_MODEL)
    return (str(found),) if found is not None else ()


KIND = SourceKind(
    prefix="word2vec",
    forms=("word2vec", "word2vec:NAME[,limit=N]", "word2vec:PATH[,limit=N][,binary=true|false]"),
    description=(
        "Word2Vec: gensim-data word2vec-google-news-300 (default), another gensim-data model, "
        "or a local word2vec text/binary/.gz file; cached as an on-disk table"
    ),
    parse=_parse,
    build=_build,
    offline=lambda: model_file(DEFAULT_MODEL) is not None,
    cache=lambda: f"{cache_root() / 'word2vec'} (downloads: {gensim_data_dir()})",
    size=lambda parsed: 0 if parsed.path is not None else gensim_download_size(parsed.head),
    files=_files,
)
