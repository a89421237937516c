"""Fetch a transformer checkpoint folder: a local folder as is, or a Hugging Face hub id.

Only what the token embeddings need is downloaded: the tokenizer files,
``config.json`` and the safetensors weights (for a sharded checkpoint, the
index and the one shard holding the embedding). Files go to the hub cache
under ``<cache root>/huggingface`` (``$HF_HUB_CACHE`` when set) through
``huggingface_hub.hf_hub_download``, which writes to a temporary file and
renames it when complete. ``HF_HUB_OFFLINE=1`` uses the cache only.
"""

from __future__ import annotations

import json
import os
import re
import socket
from pathlib import Path
from urllib.parse import urlparse

from ..errors import SourceError, SpecError, VectorFileError
from ._cache import NETWORK_TIMEOUT_S, Progress, cache_root, offline_error
from ._safetensors import embedding_tensor_name
from .spec import is_server_path

__all__ = [
    "HUB_ID",
    "cached_weights",
    "hf_cache_dir",
    "is_offline",
    "hub_reachable",
    "model_folder",
    "hub_download_size",
    "KNOWN_SIZES",
    "DEFAULT_MAX_DOWNLOAD_MB",
    "max_download_bytes",
]

#: What a Hugging Face model id looks like (``name`` or ``org/name``).
HUB_ID = _REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}(/[\w.-]{1,96})?$")
_TOKENIZER_FILES = ("tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt", "vocab.txt")

#: Approximate sizes (bytes) of ``model.safetensors`` of well-known checkpoints.
KNOWN_SIZES = {
    "openai-community/gpt2": 548_105_171,
    "distilbert/distilgpt2": 352_824_413,
    "openai-community/gpt2-medium": 1_520_013_706,
    "openai-community/gpt2-large": 3_247_159_534,
    "openai-community/gpt2-xl": 6_431_829_964,
    "google-bert/bert-base-uncased": 440_449_768,
}
_ALIASES = {
    "gpt2": "openai-community/gpt2",
    "distilgpt2": "distilbert/distilgpt2",
    "bert-base-uncased": "google-bert/bert-base-uncased",
}
_ALIASES.update({f"gpt2-{s}": f"openai-community/gpt2-{s}" for s in ("medium", "large", "xl")})


def hf_cache_dir() -> Path:
    """``$HF_HUB_CACHE`` when set, else ``<cache root>/huggingface`` (read at call time)."""
    env = os.environ.get("HF_HUB_CACHE", "").strip()
    return Path(env).expanduser() if env else cache_root() / "huggingface"


def is_offline() -> bool:
    """Whether ``HF_HUB_OFFLINE`` is set (read now, not at import time)."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def _repo_id(name: str) -> str:
    if not _REPO_ID.match(name) or ".." in name:
        raise SpecError(f"{name!r} is neither a local folder nor a Hugging Face model id (like openai-community/gpt2)")
    return _ALIASES.get(name, name)


def _forwarding_tqdm(progress: Progress):
    from tqdm.auto import tqdm

    class _Forward(tqdm):  # hf_hub_download reports through a tqdm class
        def __init__(self, *args, **kwargs):
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)
            self._done = 0

        def update(self, n=1):
            self._done += int(n or 0)
            progress(self._done, int(self.total) if self.total else None)
            return super().update(n)

    return _Forward


def hub_reachable(timeout: float = 5.0) -> bool:
    """Whether the hub endpoint accepts a TCP connection within ``timeout`` seconds.

    Checked once per model before downloading: ``hf_hub_download`` retries
    an unreachable host with back-off for about half a minute.
    """
    from huggingface_hub import constants

    url = urlparse(os.environ.get("HF_ENDPOINT") or constants.ENDPOINT)
    try:
        with socket.create_connection(
            (url.hostname or "", url.port or (443 if url.scheme == "https" else 80)), timeout=timeout
        ):
            return True
    except OSError:
        return False


#: Largest file a download may fetch (MB) unless ``COSINE_RINGS_MAX_DOWNLOAD_MB`` says otherwise.
DEFAULT_MAX_DOWNLOAD_MB = 2000


def max_download_bytes() -> int:
    """The download cap in bytes: ``COSINE_RINGS_MAX_DOWNLOAD_MB`` (read now) or the default."""
    raw = os.environ.get("COSINE_RINGS_MAX_DOWNLOAD_MB", "").strip()
    try:
        mb = float(raw) if raw else DEFAULT_MAX_DOWNLOAD_MB
    except ValueError:
        mb = DEFAULT_MAX_DOWNLOAD_MB
    return int(max(mb, 0) * 1_000_000)


def _check_size(repo: str, filename: str) -> None:
    """Refuse a file larger than the cap, from the hub's metadata (a HEAD request), before fetching it."""
    from huggingface_hub import get_hf_file_metadata, hf_hub_url, try_to_load_from_cache

    if isinstance(try_to_load_from_cache(repo, filename, cache_dir=str(hf_cache_dir())), str):
        return  # already here: nothing to transfer
    size = get_hf_file_metadata(hf_hub_url(repo, filename), timeout=NETWORK_TIMEOUT_S).size
    cap = max_download_bytes()
    if size is not None and size > cap:
        raise SourceError(
            f"{repo}/{filename} is {size / 1e6:,.0f} MB; downloads here are capped at "
            f"{cap / 1e6:,.0f} MB (COSINE_RINGS_MAX_DOWNLOAD_MB)"
        )


def _fetch(repo: str, filename: str, *, progress: Progress | None, local_only: bool) -> Path:
    from huggingface_hub import hf_hub_download

    if not local_only:
        _check_size(repo, filename)

    kwargs = {"cache_dir": str(hf_cache_dir()), "local_files_only": local_only, "etag_timeout": NETWORK_TIMEOUT_S}
    if progress is not None:
        kwargs["tqdm_class"] = _forwarding_tqdm(progress)
    return Path(hf_hub_download(repo, filename, **kwargs))


def _classify(exc: Exception, repo: str) -> Exception | None:
    """Map a hub exception to our error; None means "this file does not exist"."""
    from huggingface_hub import errors

    if isinstance(exc, errors.GatedRepoError):
        return SourceError(f"{repo}: gated model; accept its licence on huggingface.co and log in first")
    if isinstance(exc, errors.RepositoryNotFoundError):
        return SourceError(f"unknown Hugging Face model id {repo!r}")
    if isinstance(exc, errors.RevisionNotFoundError):
        return SourceError(f"{repo}: revision not found")
    if isinstance(exc, errors.LocalEntryNotFoundError):
        return offline_error(repo, "not in the local cache")
    if isinstance(exc, errors.EntryNotFoundError):
        return None
    if isinstance(exc, (errors.HFValidationError, ValueError)):
        return SpecError(f"{repo!r} is not a valid Hugging Face model id")
    return offline_error(repo, f"{type(exc).__name__}: {exc}")


def _get(
    repo: str, filename: str, *, local_only: bool, progress: Progress | None = None, optional: bool = False
) -> Path | None:
    try:
        return _fetch(repo, filename, progress=progress, local_only=local_only)
    except SourceError:
        raise  # our own refusal (the size cap), already one line
    except Exception as exc:  # the hub raises httpx, OSError and its own types
        err = _classify(exc, repo)
        if err is None or (optional and isinstance(exc, FileNotFoundError)):
            return None
        raise err from exc


def model_folder(id_or_dir: str, *, progress: Progress | None = None, local: bool | None = None) -> Path:
    """A folder with the checkpoint's tokenizer and safetensors weights.

    Parameters
    ----------
    id_or_dir : str
        A local folder, or a hub model id (``openai-community/gpt2``, ``distilgpt2``).
    progress : callable, optional
        ``progress(done_bytes, total_bytes)`` while the weights download.
    local : bool, optional
        Whether ``id_or_dir`` is a local folder, as the parsed SPEC decided
        (None: a folder of that name is used when it exists).

    Raises
    ------
    SourceError
        Unknown id, no safetensors weights, or no network (one line naming
        the offline sources).
    """
    folder = Path(id_or_dir).expanduser()
    if local is None:
        local = is_server_path(id_or_dir, names=HUB_ID, allow_paths=True)
    if local:
        if not folder.is_dir():
            if not id_or_dir.startswith((".", "/", "~")) and "/" not in id_or_dir:
                _repo_id(id_or_dir)  # neither a folder nor an id: say so
            raise SourceError(f"{id_or_dir}: no such folder")
        return folder
    repo = _repo_id(id_or_dir)
    local_only = is_offline() or not hub_reachable()
    # Offline, a missing model.safetensors may just mean a sharded checkpoint: try its index next.
    weights = _get(repo, "model.safetensors", progress=progress, local_only=local_only, optional=local_only)
    if weights is None:
        index = _get(repo, "model.safetensors.index.json", local_only=local_only)
        if index is None:
            raise SourceError(
                f"{repo}: no model.safetensors on the hub (pickled pytorch_model.bin checkpoints are refused)"
            )
        try:
            weight_map = dict(json.loads(index.read_text())["weight_map"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise VectorFileError(f"{repo}: unreadable model.safetensors.index.json ({exc})") from exc
        name = embedding_tensor_name(list(weight_map), f"{repo}/model.safetensors.index.json")
        _get(repo, weight_map[name], progress=progress, local_only=local_only)
        weights = index
    folder = weights.parent
    # The repo is reachable (or cached): the remaining files are optional.
    _get(repo, "config.json", optional=True, local_only=local_only)
    if _get(repo, "tokenizer.json", optional=True, local_only=local_only) is None:
        for fname in _TOKENIZER_FILES:
            _get(repo, fname, optional=True, local_only=local_only)
    return folder


def cached_weights(model: str) -> Path | None:
    """The hub cache's ``model.safetensors`` (or sharded index) of ``model``, or None when not cached.

    Its path holds the revision, so it changes when a newer revision is fetched.
    """
    try:
        repo = _repo_id(model)
    except SpecError:
        return None
    from huggingface_hub import try_to_load_from_cache

    for name in ("model.safetensors", "model.safetensors.index.json"):
        found = try_to_load_from_cache(repo, name, cache_dir=str(hf_cache_dir()))
        if isinstance(found, str):
            return Path(found)
    return None


def hub_download_size(id_or_dir: str | None, default: str | None = None, *, local: bool | None = None) -> int | None:
    """Approximate bytes to download (0 when local or cached, None when unknown).

    ``local`` says whether the name is a local folder, as the parsed SPEC
    decided (None: when a folder of that name exists).
    """
    name = id_or_dir or default or ""
    if local is None:
        local = is_server_path(name, names=HUB_ID, allow_paths=True)
    if local:
        return 0
    try:
        repo = _repo_id(name)
    except SpecError:
        return None
    from huggingface_hub import try_to_load_from_cache

    cached = try_to_load_from_cache(repo, "model.safetensors", cache_dir=str(hf_cache_dir()))
    if isinstance(cached, str):
        return 0
    return KNOWN_SIZES.get(repo)
