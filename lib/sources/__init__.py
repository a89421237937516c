"""Embedding sources behind one interface, selected by SPEC strings.

Each backend module declares its SPEC kinds (``KIND``, or several in
``_hf``) as :class:`SourceKind` objects: form, description, parse, build,
offline readiness and download size. Adding a source is one new module and
its kind in :data:`_KINDS` below, whose order is the order of
``python -m lib sources`` and of the app's source lists.
"""

from __future__ import annotations

from . import _abtt, _gensim_data, _glove, _hf, _random, _shuffled, _train, _upload
from ._abtt import AbttSource
from ._cache import OFFLINE_SOURCES, Progress, cache_root, kind_cache_dir, set_cache_root
from ._glove import glove_available, glove_source
from ._hf import TransformerSource, minilm_available
from ._random import RandomSource
from ._shuffled import ShuffledListSource, ShuffledSource
from ._table import TableSource
from ._upload import build_upload, hold_upload, holds_upload, upload_source
from ._vocab import VocabSource
from ._word2vec import KeyedVectorsSource, load_word2vec_file, word2vec_file_source
from .base import Lookup, Missing, Note, Source, finish_lookup
from .spec import (
    ALLOW_PATHS_ENV,
    ParsedSpec,
    SourceKind,
    content_key,
    download_size,
    is_server_path,
    kind_named,
    kinds,
    load_source,
    parse_options,
    parse_spec,
    paths_allowed,
    register,
)

__all__ = [
    "ALLOW_PATHS_ENV",
    "AbttSource",
    "Lookup",
    "Missing",
    "Note",
    "ParsedSpec",
    "Source",
    "SourceKind",
    "RandomSource",
    "KeyedVectorsSource",
    "content_key",
    "download_size",
    "finish_lookup",
    "is_server_path",
    "kind_named",
    "kinds",
    "load_source",
    "load_word2vec_file",
    "parse_options",
    "parse_spec",
    "paths_allowed",
    "register",
    "OFFLINE_SOURCES",
    "Progress",
    "cache_root",
    "kind_cache_dir",
    "set_cache_root",
    "glove_available",
    "glove_source",
    "minilm_available",
    "TableSource",
    "TransformerSource",
    "ShuffledSource",
    "ShuffledListSource",
    "VocabSource",
    "word2vec_file_source",
    "build_upload",
    "hold_upload",
    "holds_upload",
    "upload_source",
]

_KINDS = (
    _random.KIND,
    _glove.KIND,
    _hf.MINILM,
    _gensim_data.KIND,
    _train.KIND,
    _hf.GPT2,
    _hf.HF,
    _shuffled.KIND,
    _abtt.KIND,
    _upload.KIND,
)
for _kind in _KINDS:
    register(_kind)
