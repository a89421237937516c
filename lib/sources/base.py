"""The one small interface every embedding source implements.

A source has a ``spec`` (the string that selects it), a ``name`` for people,
a ``dim`` and a :meth:`Source.lookup` that returns a :class:`Lookup`: the words
it found with their vectors, and for every other word the reason it was
dropped, plus notes on words it resolved differently (case change, split
into tokens). :class:`Missing` and :class:`Note` live in :mod:`lib.words`
and are re-exported here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..words import Missing, Note, split_words

__all__ = ["Missing", "Note", "Lookup", "Source", "finish_lookup"]


@dataclass(frozen=True)
class Lookup:
    """Result of :meth:`Source.lookup`: found words (input order) and their vectors."""

    words: tuple[str, ...]
    vectors: np.ndarray
    missing: tuple[Missing, ...] = ()
    notes: tuple[Note, ...] = ()

    def __post_init__(self) -> None:
        if self.vectors.ndim != 2 or self.vectors.shape[0] != len(self.words):
            raise ValueError("Lookup: one vector row per word is required")


def finish_lookup(
    words: Sequence[str],
    rows: Sequence[np.ndarray] | np.ndarray,
    dim: int,
    missing: Iterable[Missing] = (),
    notes: Iterable[Note] = (),
) -> Lookup:
    """Build a :class:`Lookup`, dropping zero and non-finite vectors with a reason.

    Every source funnels its result through here, so no source can hand the
    engine a vector whose cosine is undefined.
    """
    missing = list(missing)
    arr = np.asarray(rows, dtype=np.float32).reshape(len(words), dim) if len(words) else np.zeros((0, dim), np.float32)
    keep = []
    for idx, w in enumerate(words):
        row = arr[idx]
        if not np.all(np.isfinite(row)):
            missing.append(Missing(w, "vector has NaN or infinite values"))
        elif not np.any(row):
            missing.append(Missing(w, "zero vector"))
        else:
            keep.append(idx)
    kept_words = tuple(words[i] for i in keep)
    kept_notes = tuple(n for n in notes if n.word in set(kept_words))
    return Lookup(kept_words, np.ascontiguousarray(arr[keep]), tuple(missing), kept_notes)


class Source(ABC):
    """An embedding source: a name, a dimension and a word lookup."""

    #: The SPEC string that selects this source (e.g. ``random:dim=50,seed=1``).
    spec: str
    #: A short human-readable name.
    name: str
    #: Vector dimension.
    dim: int

    @abstractmethod
    def lookup(self, words: Sequence[str]) -> Lookup:
        """Return vectors for ``words`` it has, and a reason for each it drops.

        ``words`` are unique; the order of found words follows the input.
        """

    def vocabulary(self, limit: int | None = None) -> tuple[list[str], np.ndarray]:
        """The first ``limit`` vocabulary entries (all when None) and their (n, dim) matrix.

        Used by the vocabulary-scale hubs analysis. Sources without a fixed
        vocabulary (the random baseline) raise :class:`SourceError`.
        """
        from ..errors import SourceError

        raise SourceError(f"{self.spec} has no fixed vocabulary")

    def passage_units(self, text: str) -> list[str]:
        """The unique units of a text passage, in order of first appearance.

        Word sources split into words; transformer sources override this to
        return the passage's unique tokens, as the course notebook did.
        """
        seen: dict[str, None] = {}
        for w in split_words(text):
            w = w.strip(".,;:!?\"'()[]{}")
            if w:
                seen.setdefault(w, None)
        return list(seen)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.spec!r} dim={self.dim}>"
