"""Sources with a fixed vocabulary and an embedding matrix.

A :class:`VocabSource` resolves each word to one or more matrix rows (one for
word vectors, the word's tokens for transformer sources) and reads only
those rows, so the matrix can stay on disk. :meth:`lookup`,
:meth:`vocabulary` and the shuffled null model are written once here on top
of three small methods each backend provides.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .base import Entry, Lookup, Missing, Note, Source, finish_lookup, one_word_per_entry

__all__ = ["DerivedVocabSource", "Resolved", "VocabSource", "as_float32_rows", "case_variants"]


@dataclass(frozen=True)
class Resolved:
    """How one word maps onto the matrix: its row ids (combined by mean) and a note."""

    ids: tuple[int, ...]
    note: str | None = None


def case_variants(word: str) -> list[str]:
    """The forms tried in order: as typed, lower-case, Title-case (no repeats)."""
    out: list[str] = []
    for form in (word, word.lower(), word[:1].upper() + word[1:].lower()):
        if form not in out:
            out.append(form)
    return out


def as_float32_rows(matrix, ids: np.ndarray) -> np.ndarray:
    """Rows ``ids`` of a matrix (an array or a :class:`~._rows.DiskArray`) as a new float32 array."""
    ids = np.asarray(ids, dtype=np.int64)
    if hasattr(matrix, "take") and not isinstance(matrix, np.ndarray):
        return np.asarray(matrix.take(ids), dtype=np.float32)
    return np.asarray(matrix[ids], dtype=np.float32).reshape(len(ids), matrix.shape[1])


def _entry(res: Resolved | str) -> Entry | str:
    return res if isinstance(res, str) else Entry(res.ids, res.note is None)


class VocabSource(Source):
    """A source whose words resolve to rows of a fixed embedding matrix.

    Subclasses implement :meth:`resolve`, :meth:`vocab_units`, :meth:`rows`
    and the ``n_rows`` attribute. Instances are read-only after construction
    (lazy parts are built under a lock), so one object can serve several
    threads.
    """

    #: Number of rows of the embedding matrix.
    n_rows: int

    @abstractmethod
    def resolve(self, word: str) -> Resolved | str:
        """The rows for ``word``, or the reason (a string) it has none."""

    @abstractmethod
    def vocab_units(self, limit: int | None) -> tuple[list[str], np.ndarray]:
        """The first ``limit`` vocabulary entries (as :meth:`lookup` accepts them) and their row ids."""

    @abstractmethod
    def rows(self, ids: np.ndarray) -> np.ndarray:
        """Matrix rows ``ids`` as a float32 (len(ids), dim) array."""

    def entries(self, words: Sequence[str]) -> list[Entry | str]:
        """The rows of each word (exact: one row, as typed), or why it has none."""
        return [_entry(self.resolve(w)) for w in words]

    def lookup(self, words: Sequence[str]) -> Lookup:
        """Vectors of ``words``, one node per vector entry.

        Words that resolve to the same rows (``Cat`` and ``cat`` found as
        the same entry, two words with the same tokens) would be the same
        vector twice, linked at cosine 1: :func:`~.base.one_word_per_entry`
        keeps one (the word that is the entry as typed, else the first) and
        reports each other one in ``missing`` as ``same vector as 'cat'``.
        """
        found: list[str] = []
        groups: list[tuple[int, ...]] = []
        missing: list[Missing] = []
        notes: list[Note] = []
        resolved = [self.resolve(w) for w in words]
        dropped = one_word_per_entry(words, [[_entry(r) for r in resolved]])
        for w, res in zip(words, resolved, strict=True):
            if w in dropped:
                missing.append(Missing(w, dropped[w].reason))
                continue
            found.append(w)
            groups.append(res.ids)
            if res.note:
                notes.append(Note(w, res.note))
        flat = np.fromiter((i for g in groups for i in g), dtype=np.int64)
        all_rows = self.rows(flat)
        if all(len(g) == 1 for g in groups):
            out = all_rows
        else:  # a mean of token rows, in float64 and kept so (float32 sums are off by up to 3e-9 in a cosine)
            out = np.empty((len(groups), self.dim), dtype=np.float64)
            start = 0
            for k, g in enumerate(groups):
                out[k] = all_rows[start : start + len(g)].astype(np.float64).mean(axis=0)
                start += len(g)
        return finish_lookup(found, out, self.dim, missing, notes)

    def vocabulary(self, limit: int | None = None) -> tuple[list[str], np.ndarray]:
        """The first ``limit`` vocabulary entries and their float32 (n, dim) rows.

        Each entry is a string :meth:`lookup` maps back to the same row.
        """
        if limit is not None and int(limit) < 0:
            from ..errors import InputError

            raise InputError(f"vocabulary limit must be >= 0, got {limit}")
        units, ids = self.vocab_units(None if limit is None else int(limit))
        return units, self.rows(ids)


class DerivedVocabSource(VocabSource):
    """A :class:`VocabSource` whose rows are computed from another's: the same vocabulary and the same
    resolution of words and passages; subclasses implement :meth:`rows` (the shuffled null model,
    all-but-the-top).
    """

    def __init__(self, base: VocabSource):
        self.base = base
        self.dim = base.dim

    @property
    def n_rows(self) -> int:  # type: ignore[override]
        return self.base.n_rows

    def resolve(self, word: str) -> Resolved | str:
        return self.base.resolve(word)

    def vocab_units(self, limit: int | None) -> tuple[list[str], np.ndarray]:
        return self.base.vocab_units(limit)

    def passage_units(self, text: str) -> list[str]:
        return self.base.passage_units(text)
