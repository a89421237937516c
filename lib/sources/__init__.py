"""Embedding sources behind one interface, selected by SPEC strings.

Each backend lives in a private module and registers its SPEC kind here.
"""
from __future__ import annotations

from .base import Lookup, Missing, Note, Source, finish_lookup
from .spec import SourceKind, kinds, load_source, parse_options, register
from ._random import RandomSource
from ._word2vec import KeyedVectorsSource, load_word2vec_file, word2vec_file_source

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
]


def _build_random(arg: str | None) -> Source:
    opts = parse_options(arg, {"dim": int, "seed": int}, kind="random")
    return RandomSource(**opts)


def _build_word2vec(arg: str | None) -> Source:
    from ..errors import SpecError

    if not arg:
        raise SpecError("word2vec needs a file: word2vec:PATH")
    return word2vec_file_source(arg)


register(
    SourceKind(
        prefix="random",
        forms=("random", "random:dim=D,seed=S"),
        description="Random baseline: N(0,1) vectors seeded per word (default dim=300, seed=0)",
        build=_build_random,
    )
)
register(
    SourceKind(
        prefix="word2vec",
        forms=("word2vec:PATH",),
        description="Word2Vec-format vectors from a local text, binary or .gz file",
        build=_build_word2vec,
    )
)
