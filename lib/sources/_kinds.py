"""Builders, cache folders and download sizes of the SPEC kinds registered in ``__init__``.

Each ``build_*`` takes the part of the SPEC after ``KIND:`` (None when
absent); those that may download also take ``progress``.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import SpecError
from ._cache import Progress, kind_cache_dir
from ._gensim_data import DEFAULT_MODEL, gensim_data_dir, gensim_data_source, gensim_download_size, model_file
from ._hf import minilm_source, transformer_source
from ._hub import hf_cache_dir, hub_download_size
from ._random import RandomSource
from ._shuffled import shuffled_source
from ._train import trained_source
from ._word2vec import word2vec_file_source
from .base import Source
from .spec import load_source, parse_options, split_trailing_options

__all__ = [
    "GPT2_DEFAULT",
    "build_random",
    "build_word2vec",
    "build_train",
    "build_gpt2",
    "build_hf",
    "build_minilm",
    "build_shuffled",
    "word2vec_cache",
    "word2vec_offline",
    "word2vec_download_size",
    "hub_cache",
    "gpt2_offline",
    "gpt2_download_size",
    "hf_download_size",
]

GPT2_DEFAULT = "openai-community/gpt2"
_FILE_SUFFIXES = (".bin", ".txt", ".gz", ".vec", ".w2v", ".bz2")


def build_random(arg: str | None) -> Source:
    return RandomSource(**parse_options(arg, {"dim": int, "seed": int}, kind="random"))


def _is_path(text: str) -> bool:
    return "/" in text or "\\" in text or text.startswith("~") or text.endswith(_FILE_SUFFIXES) or Path(text).exists()


def build_word2vec(arg: str | None, *, progress: Progress | None = None) -> Source:
    """``word2vec``, ``word2vec:NAME`` (gensim-data) or ``word2vec:PATH``, each with ``,limit=N``."""
    head, opts = split_trailing_options(arg, {"limit": int}, kind="word2vec")
    limit = opts.get("limit")
    if limit is not None and limit < 1:
        raise SpecError(f"word2vec: limit must be >= 1, got {limit}")
    if head and _is_path(head):
        return word2vec_file_source(head, limit=limit, progress=progress)
    return gensim_data_source(head or None, limit=limit, progress=progress)


def build_train(arg: str | None) -> Source:
    return trained_source(arg)


def build_gpt2(arg: str | None, *, progress: Progress | None = None) -> Source:
    return transformer_source("gpt2", arg, default=GPT2_DEFAULT, progress=progress)


def build_hf(arg: str | None, *, progress: Progress | None = None) -> Source:
    return transformer_source("hf", arg, progress=progress)


def build_minilm(arg: str | None) -> Source:
    return minilm_source(arg)


def build_shuffled(arg: str | None, *, progress: Progress | None = None) -> Source:
    return shuffled_source(arg, lambda spec: load_source(spec, progress=progress))


def word2vec_cache() -> str:
    return f"{kind_cache_dir('word2vec')} (downloads: {gensim_data_dir()})"


def word2vec_offline() -> bool:
    return model_file(DEFAULT_MODEL) is not None


def word2vec_download_size(arg: str | None) -> int | None:
    head, _ = split_trailing_options(arg, {"limit": int}, kind="word2vec")
    return 0 if head and _is_path(head) else gensim_download_size(head or None)


def hub_cache() -> str:
    return str(hf_cache_dir())


def gpt2_offline() -> bool:
    return hub_download_size(None, GPT2_DEFAULT) == 0


def _model_of(arg: str | None) -> str | None:
    head, _ = split_trailing_options(arg, {"space": int, "multi": str}, kind="hf")
    return head or None


def gpt2_download_size(arg: str | None) -> int | None:
    return hub_download_size(_model_of(arg), GPT2_DEFAULT)


def hf_download_size(arg: str | None) -> int | None:
    model = _model_of(arg)
    return None if model is None else hub_download_size(model, model)
