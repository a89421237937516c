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
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..words import Missing, Note, split_words

__all__ = ["Missing", "Note", "Entry", "Drop", "Lookup", "Source", "finish_lookup", "one_word_per_entry"]


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


@dataclass(frozen=True)
class Entry:
    """The stored vector a word resolves to in one source.

    ``key`` names it (row ids, a gensim key, the word itself); ``exact`` says
    the word *is* that entry as typed: no case change, one token, no mean.
    """

    key: Hashable
    exact: bool


@dataclass(frozen=True)
class Drop:
    """Why :func:`one_word_per_entry` left a word out: in source ``source``, ``reason``.

    ``shared`` is True when the word's entry there went to another word of
    the list (``reason`` is then ``same vector as 'cat'``), False when that
    source has no entry for it.
    """

    source: int
    reason: str
    shared: bool = False


def one_word_per_entry(words: Sequence[str], entries: Sequence[Sequence[Entry | str]]) -> dict[str, Drop]:
    """The case rule, decided for all sources together: which words keep a vector in every source.

    ``entries[s][i]`` is what source ``s`` resolves ``words[i]`` to: an
    :class:`Entry`, or the reason (a string) it has none. Each entry of a
    source goes to at most one word (two words on one vector would be one
    point drawn twice, linked at cosine 1):

    1. a word that some source lacks takes nothing;
    2. the words that are an exact entry of *every* source take their
       entries first, so an exact entry is never dropped and never paired
       with a different one;
    3. the other words, in list order, take their entries when no earlier
       word holds any of them in any source: the first typed form stays.

    Returns the words left out, each with a :class:`Drop`; the rest keep a
    vector in every source.

    >>> e = lambda key, exact=True: Entry(key, exact)
    >>> # A and B both have only "Zebra": the exact word stays, whatever the order.
    >>> one_word_per_entry(["zebra", "Zebra"], [[e("Zebra", False), e("Zebra")]] * 2)
    {'zebra': Drop(source=0, reason="same vector as 'Zebra'", shared=True)}
    >>> # A has "Cat" and "cat", B only "cat": B's cat is not paired with A's Cat.
    >>> one_word_per_entry(["Cat", "cat"], [[e("Cat"), e("cat")], [e("cat", False), e("cat")]])
    {'Cat': Drop(source=1, reason="same vector as 'cat'", shared=True)}
    """
    dropped: dict[str, Drop] = {}
    for i, w in enumerate(words):
        lack = next((s for s, per_word in enumerate(entries) if isinstance(per_word[i], str)), None)
        if lack is not None:
            dropped[w] = Drop(lack, entries[lack][i])
    holder: list[dict[Hashable, str]] = [{} for _ in entries]
    exact = [i for i, w in enumerate(words) if w not in dropped and all(e[i].exact for e in entries)]
    rest = [i for i, w in enumerate(words) if w not in dropped and not all(e[i].exact for e in entries)]
    for i in exact + rest:
        taken = next((s for s, per_word in enumerate(entries) if per_word[i].key in holder[s]), None)
        if taken is not None:
            dropped[words[i]] = Drop(taken, f"same vector as {holder[taken][entries[taken][i].key]!r}", shared=True)
            continue
        for s, per_word in enumerate(entries):
            holder[s][per_word[i].key] = words[i]
    return {w: dropped[w] for w in words if w in dropped}


def finish_lookup(
    words: Sequence[str],
    rows: Sequence[np.ndarray] | np.ndarray,
    dim: int,
    missing: Iterable[Missing] = (),
    notes: Iterable[Note] = (),
) -> Lookup:
    """Build a :class:`Lookup`, dropping zero and non-finite vectors with a reason.

    Every source funnels its result through here, so no source can hand the
    engine a vector whose cosine is undefined. Rows are stored as float32
    (as gensim stores word vectors), except that a float64 array stays
    float64: the mean of several token rows is not rounded back.
    """
    missing = list(missing)
    dtype = np.float64 if isinstance(rows, np.ndarray) and rows.dtype == np.float64 else np.float32
    arr = np.asarray(rows, dtype=dtype).reshape(len(words), dim) if len(words) else np.zeros((0, dim), dtype)
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
        Words that resolve to the same entry keep one vector, as
        :func:`one_word_per_entry` decides for this source alone.
        """

    def entries(self, words: Sequence[str]) -> list[Entry | str]:
        """What each word resolves to (see :func:`one_word_per_entry`), or why it has no entry.

        A source without a vocabulary (``random``) gives every word a vector
        of its own: each word is its own exact entry.
        """
        return [Entry(w, True) for w in words]

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
