"""One word list looked up in several sources at once, with one decision per word.

Compare, the many-sources matrix, the neighbourhoods of a word list and the
app's rings (passages included) all draw several sources on the same words.
:func:`lookup_together` decides, for all the sources together and by the
rule of :func:`~.base.one_word_per_entry`, which words every source draws
and which entry each takes, so that a word that is an exact entry of every
source is never dropped and never paired with a different entry.

:func:`passage_words` merges the units several sources take from one text
passage (``The`` for GloVe, ``the`` and ``.`` for MiniLM) into one list in
text order, for :func:`lookup_together` to decide on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..words import clean_words
from .base import Drop, Lookup, Missing, Source, one_word_per_entry

__all__ = ["Together", "lookup_together", "passage_words"]


@dataclass(frozen=True)
class Together:
    """The words every source draws (list order) and each source's vectors for them.

    ``lookups[s]`` holds source ``s``'s vectors and notes for exactly
    ``words``; ``missing[s]`` every other usable word, with why source ``s``
    does not draw it; ``dropped`` lists ``(word, s, reason)`` for each
    source ``s`` that lacks a word or gave its entry to another word, source
    by source in list order, after the words unusable in themselves
    (``s`` None).
    """

    words: tuple[str, ...]
    lookups: tuple[Lookup, ...]
    missing: tuple[tuple[Missing, ...], ...]
    dropped: tuple[tuple[str, int | None, str], ...]


def _restrict(lookup: Lookup, words: list[str]) -> Lookup:
    row = {w: i for i, w in enumerate(lookup.words)}
    kept = set(words)
    vectors = np.ascontiguousarray(lookup.vectors[[row[w] for w in words]])
    return Lookup(tuple(words), vectors, (), tuple(n for n in lookup.notes if n.word in kept))


def _reason_in(s: int, own: str | None, drop: Drop, labels: Sequence[str]) -> str:
    """Why source ``s`` does not draw a word that ``drop`` left out."""
    if own is not None:
        return own
    if drop.source == s:
        return drop.reason
    return f"{drop.reason} in {labels[drop.source]}" if drop.shared else f"not in {labels[drop.source]}"


def lookup_together(
    sources: Sequence[Source], words: Sequence[str], *, labels: Sequence[str] | None = None
) -> Together:
    """Look ``words`` up in every source and keep the words all of them draw.

    Words are cleaned (:func:`lib.words.clean_words`), resolved in each
    source (:meth:`Source.entries`), decided together
    (:func:`~.base.one_word_per_entry`), then looked up for their vectors; a
    word whose vector is zero or not finite in one source is left out of all.
    ``labels`` name the sources in reasons (default: each SPEC).

    Raises
    ------
    InputError
        If no words are given, or more than :data:`lib.words.MAX_WORDS`.
    """
    labels = [s.spec for s in sources] if labels is None else list(labels)
    usable, unusable = clean_words(list(words))
    entries = [source.entries(usable) for source in sources]
    dropped = one_word_per_entry(usable, entries)
    kept = [w for w in usable if w not in dropped]
    lookups = [source.lookup(kept) for source in sources]
    own = [{m.word: m.reason for m in lookup.missing} for lookup in lookups]
    for s, reasons in enumerate(own):  # zero or non-finite vectors
        for w, reason in reasons.items():
            dropped.setdefault(w, Drop(s, reason))
    for s, per_word in enumerate(entries):
        own[s].update((w, e) for w, e in zip(usable, per_word, strict=True) if isinstance(e, str))
    common = [w for w in kept if w not in dropped]
    missing = tuple(
        tuple(Missing(w, _reason_in(s, own[s].get(w), dropped[w], labels)) for w in usable if w in dropped)
        for s in range(len(sources))
    )
    return Together(
        tuple(common),
        tuple(_restrict(lookup, common) for lookup in lookups),
        missing,
        tuple((m.word, None, m.reason) for m in unusable)
        + tuple(
            (w, s, own[s].get(w) or dropped[w].reason)
            for s in range(len(sources))
            for w in usable
            if w in own[s] or (w in dropped and dropped[w].source == s)
        ),
    )


def passage_words(text: str, units: Sequence[Sequence[str]]) -> list[str]:
    """The units several sources take from ``text``, merged into one list in text order.

    Each source's units are in text order; each unit is placed at its
    next case-insensitive occurrence after the unit before it in the same
    list (a unit not found as written, such as a ``##`` word piece, at that
    unit's place). A unit of several sources takes its earliest place;
    equal places keep the order of the sources. Each distinct string comes
    once.

    >>> passage_words("The cat saw the dog.", [["The", "cat", "saw", "the", "dog"], ["the", "cat", "saw", "dog", "."]])
    ['The', 'the', 'cat', 'saw', 'dog', '.']
    """
    if not text.strip():
        raise InputError("the passage is empty")
    lowered = text.lower()
    placed: dict[str, tuple[int, int, int]] = {}
    for s, own in enumerate(units):
        at = 0
        for i, unit in enumerate(own):
            found = lowered.find(unit.lower(), at)  # a list is in text order: search on from the unit before
            at = found if found >= 0 else at
            placed[unit] = min(placed.get(unit, (at, s, i)), (at, s, i))
    return sorted(placed, key=placed.__getitem__)
