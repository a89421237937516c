"""The random baseline: one N(0, 1) vector per word, stable across lists and processes."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from ..errors import SpecError
from .base import Lookup, Source, finish_lookup
from .spec import SourceKind, options_only

__all__ = ["RandomSource", "word_seed", "KIND"]


def word_seed(word: str) -> int:
    """A stable 64-bit integer for ``word`` (blake2b, never Python's ``hash``)."""
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


class RandomSource(Source):
    """Each word's vector is drawn from N(0, 1) with a generator seeded by (seed, word)."""

    def __init__(self, dim: int = 300, seed: int = 0):
        if not 1 <= int(dim) <= 100_000:
            raise SpecError(f"random: dim must be between 1 and 100000, got {dim}")
        if int(seed) < 0:
            raise SpecError(f"random: seed must be >= 0, got {seed}")
        self.dim, self.seed = int(dim), int(seed)
        self.spec = f"random:dim={self.dim},seed={self.seed}"
        self.name = f"Random N(0,1), {self.dim}d, seed {self.seed}"

    def vector(self, word: str) -> np.ndarray:
        rng = np.random.default_rng([self.seed, word_seed(word)])
        return rng.standard_normal(self.dim)

    def lookup(self, words: Sequence[str]) -> Lookup:
        rows = [self.vector(w) for w in words]
        return finish_lookup(list(words), rows, self.dim)


KIND = SourceKind(
    prefix="random",
    forms=("random", "random:dim=D,seed=S"),
    description="Random baseline: N(0,1) vectors seeded per word (default dim=300, seed=0)",
    parse=options_only("random", {"dim": int, "seed": int}),
    build=lambda parsed, progress: RandomSource(**parsed.options),
)
