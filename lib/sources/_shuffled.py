"""``shuffled:SPEC[,seed=S]``: a null model that keeps the vectors and destroys meaning.

Each word gets the vector of another vocabulary entry of SPEC: the rows
of the embedding matrix are permuted with a seeded generator, so the set
of vectors, and with it the distribution of cosine similarities, is that
of the real source while the word-to-vector assignment is random. For a
transformer source the permutation acts on token rows (a split word is the
mean of its tokens' permuted rows). A base without a fixed vocabulary (the
random baseline) has its vectors permuted among the looked-up words.

The last ``,seed=S`` belongs to ``shuffled``: ``shuffled:random:dim=50,seed=1,seed=2``
shuffles ``random:dim=50,seed=1`` with seed 2.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from ..errors import SpecError
from ._cache import Progress
from ._vocab import DerivedVocabSource, VocabSource
from .base import Entry, Lookup, Source, finish_lookup
from .spec import ParsedSpec, SourceKind, build_parsed, parse_spec

__all__ = ["ShuffledSource", "ShuffledListSource", "shuffled_source", "split_seed", "KIND"]


def split_seed(arg: str | None) -> tuple[str, int]:
    """Split ``SPEC[,seed=S]`` into the base SPEC and the shuffle seed (default 0)."""
    if not arg:
        raise SpecError("shuffled needs a source: shuffled:SPEC[,seed=S]")
    head, sep, last = arg.rpartition(",")
    if sep and last.strip().startswith("seed="):
        value = last.split("=", 1)[1].strip()
        if not (value.isascii() and value.isdigit()):  # ASCII digits only: one SPEC per source
            raise SpecError(f"shuffled: seed must be a non-negative integer, got {value!r}")
        return head, int(value)
    return arg, 0


class ShuffledSource(DerivedVocabSource):
    """The rows of a :class:`VocabSource` under a seeded permutation."""

    def __init__(self, base: VocabSource, seed: int = 0):
        super().__init__(base)
        self.seed = int(seed)
        self.spec = f"shuffled:{base.spec},seed={self.seed}"
        self.name = f"{base.name}, shuffled (seed {self.seed})"
        self._lock = threading.Lock()
        self._perm: np.ndarray | None = None

    @property
    def permutation(self) -> np.ndarray:
        """``permutation[i]`` is the base row that row ``i`` takes."""
        if self._perm is None:
            with self._lock:
                if self._perm is None:
                    n = self.base.n_rows
                    dtype = np.int32 if n < 2**31 else np.int64
                    self._perm = np.random.default_rng(self.seed).permutation(n).astype(dtype)
        return self._perm

    def rows(self, ids: np.ndarray) -> np.ndarray:
        return self.base.rows(self.permutation[np.asarray(ids, dtype=np.int64)])


class ShuffledListSource(Source):
    """Vectors of a source without a vocabulary, permuted among the looked-up words."""

    def __init__(self, base: Source, seed: int = 0):
        self.base, self.seed = base, int(seed)
        self.dim = base.dim
        self.spec = f"shuffled:{base.spec},seed={self.seed}"
        self.name = f"{base.name}, shuffled (seed {self.seed})"

    def entries(self, words: Sequence[str]) -> list[Entry | str]:
        return self.base.entries(words)

    def lookup(self, words: Sequence[str]) -> Lookup:
        found = self.base.lookup(words)
        perm = np.random.default_rng(self.seed).permutation(len(found.words))
        return finish_lookup(list(found.words), found.vectors[perm], self.dim, found.missing, found.notes)

    def passage_units(self, text: str) -> list[str]:
        return self.base.passage_units(text)


def _parse(arg: str | None, allow_paths: bool) -> ParsedSpec:
    base_spec, seed = split_seed(arg)
    if base_spec.split(":", 1)[0].strip() == "shuffled":
        raise SpecError("shuffled: the base source is already shuffled")
    return ParsedSpec(head=base_spec, options={"seed": seed}, base=parse_spec(base_spec, allow_paths=allow_paths))


def shuffled_source(parsed: ParsedSpec, *, progress: Progress | None = None) -> Source:
    """Build a parsed ``shuffled:SPEC[,seed=S]``: the base source, permuted."""
    assert parsed.base is not None, "a parsed shuffled SPEC has its base"
    base, seed = build_parsed(parsed.base, progress=progress), parsed.options["seed"]
    return ShuffledSource(base, seed) if isinstance(base, VocabSource) else ShuffledListSource(base, seed)


KIND = SourceKind(
    prefix="shuffled",
    forms=("shuffled:SPEC[,seed=S]",),
    description="Null model: the vectors of SPEC with the word-to-vector assignment permuted",
    parse=_parse,
    build=lambda parsed, progress: shuffled_source(parsed, progress=progress),
    offline=lambda: None,
)
