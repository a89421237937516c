"""Ring orders of a word list: as given, grouped by category, or in a given order.

Examples
--------
>>> from lib.words import WordList
>>> wl = WordList(("a", "x", "b", "y"), ("fruit", "car", "fruit", "car"))
>>> ordered(wl, "category").words
('a', 'b', 'x', 'y')
>>> reordered(wl, ["y", "b"]).words
('y', 'b', 'a', 'x')
"""

from __future__ import annotations

from collections.abc import Sequence

from lib.words import WordList

__all__ = ["ordered", "reordered"]


def reordered(words: WordList, order: Sequence[str]) -> WordList:
    """``words`` in the order of ``order`` (categories follow); words not in ``order`` go last."""
    index = {w: i for i, w in enumerate(words.words)}
    ranked = list(dict.fromkeys(w for w in order if w in index))
    ranked += [w for w in words.words if w not in set(ranked)]
    idx = [index[w] for w in ranked]
    cats = tuple(words.categories[i] for i in idx) if words.categories else None
    return WordList(tuple(words.words[i] for i in idx), cats)


def ordered(words: WordList, order: str) -> WordList:
    """``words`` in ring order: as given, or grouped by category (stable)."""
    if order != "category" or not words.categories:
        return words
    first: dict[str, int] = {}
    for c in words.categories:
        first.setdefault(c, len(first))
    by_category = sorted(range(len(words.words)), key=lambda i: first[words.categories[i]])
    return reordered(words, [words.words[i] for i in by_category])
