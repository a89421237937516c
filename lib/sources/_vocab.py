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

from .base import Lookup, Missing, Note, Source, finish_lookup

__all__ = ["Resolved", "VocabSource", "as_float32_rows", "case_variants"]


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

    def lookup(self, words: Sequence[str]) -> Lookup:
        """Vectors of ``words``, one node per vector entry.

        Words that resolve to the same rows (``Cat`` and ``cat`` found as
        the same entry, two words with the same tokens) would be the same
        vector twice, linked at cosine 1; the first keeps it and each later
        one is reported in ``missing`` as ``same vector as 'Cat'``.
        """
        found: list[str] = []
        groups: list[tuple[int, ...]] = []
        missing: list[Missing] = []
        notes: list[Note] = []
        first_of: dict[tuple[int, ...], str] = {}
        for w in words:
            res = self.resolve(w)
            if isinstance(res, str):
                missing.append(Missing(w, res))
                continue
            if res.ids in first_of:
                missing.append(Missing(w, f"same vector as {first_of[res.ids]!r}"))
                continue
            first_of[res.ids] = w
            found.append(w)
            groups.append(res.ids)
            if res.note:
                notes.append(Note(w, res.note))
        flat = np.fromiter((i for g in groups for i in g), dtype=np.int64)
        all_rows = self.rows(flat)
        out = np.empty((len(groups), self.dim), dtype=np.float32)
        start = 0
        for k, g in enumerate(groups):
            out[k] = all_rows[start : start + len(g)].mean(axis=0)
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
