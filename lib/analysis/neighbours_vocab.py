"""The shared vocabulary of two sources: the words both have, with a reason for every word dropped.

From A's vocabulary in A's own order (frequency rank for word2vec and
GloVe), the first N words that B also has. A word is "in" a source when it
is one entry of it as written: a word of a word table in that exact case, a
single token of a token source with the source's usual leading space (GPT-2:
``cat`` is in when ``Ġcat`` is one token). Entries of a token source that
are not words (word-internal pieces ``##ing``, byte tokens) are skipped.
A word list can be the vocabulary instead; then the words either source
lacks are listed with the reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from ..sources import Source, VocabSource
from ..sources._vocab import case_variants
from ..sources.base import Lookup, Missing
from ..sources.together import lookup_together
from ..words import clean_words

__all__ = ["SharedVocabulary", "has_vocabulary", "shared_vocabulary", "shared_word_list", "vocabulary_units"]

#: A's entries looked up in B at once.
_CHUNK = 8192
_PIECE = "##"  # how token sources write word-internal pieces and byte tokens


@dataclass(frozen=True)
class SharedVocabulary:
    """Words in order, their rows in A and in B, and what was left out.

    ``dropped`` counts, per rule, the vocabulary entries of A that were
    passed over before the N-th shared word; ``missing`` lists the words of
    a word list that were left out, with the reason.
    """

    words: tuple[str, ...]
    vectors_a: np.ndarray
    vectors_b: np.ndarray
    missing: tuple[Missing, ...] = ()
    dropped: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.words)


def has_vocabulary(source: Source) -> bool:
    """Whether ``source`` has a vocabulary in its own order (``random`` has none: any word gets a vector)."""
    return isinstance(source, VocabSource) or getattr(source, "kv", None) is not None


def vocabulary_units(source: Source, limit: int) -> list[str]:
    """The first ``limit`` vocabulary entries of ``source`` (as its lookup accepts them), without rows."""
    if isinstance(source, VocabSource):
        return list(source.vocab_units(int(limit))[0])
    kv = getattr(source, "kv", None)
    if kv is not None:  # gensim KeyedVectors: index_to_key is in frequency order
        return list(kv.index_to_key[: int(limit)])
    raise InputError(f"{source.spec} has no vocabulary; give a word list (--words, --words-file or --preset)")


def _single(found: Lookup) -> tuple[dict[str, int], dict[str, str]]:
    """Row of each word found as one entry as written; the note of each found otherwise."""
    noted = {n.word: n.note for n in found.notes}
    rows = {w: i for i, w in enumerate(found.words) if w not in noted}
    return rows, noted


def _b_rule(note: str) -> str:
    return "b: only in another case" if note.startswith("found as") else "b: not a single token"


def _a_rule(reason: str) -> str:
    return "a: zero or non-finite vector" if "vector" in reason else f"a: {reason}"


def _chunk_status(a: Source, b: Source, units: list[str]):
    """Per unit: (vector in A, vector in B) or the rule that dropped it."""
    words = [u for u in units if not u.startswith(_PIECE)]
    in_a = a.lookup(words) if words else None
    rows_a, noted_a = _single(in_a) if in_a else ({}, {})
    reasons_a = {m.word: m.reason for m in in_a.missing} if in_a else {}
    keep = [w for w in words if w in rows_a]
    in_b = b.lookup(keep) if keep else None
    rows_b, noted_b = _single(in_b) if in_b else ({}, {})
    reasons_b = {m.word: m.reason for m in in_b.missing} if in_b else {}
    out = []
    for u in units:
        if u.startswith(_PIECE):
            out.append("a: word-internal or byte token")
        elif u in reasons_a:
            out.append(_a_rule(reasons_a[u]))
        elif u in noted_a:
            out.append("a: not a single entry")
        elif u in rows_b:
            out.append((in_a.vectors[rows_a[u]], in_b.vectors[rows_b[u]]))
        elif u in noted_b:
            out.append(_b_rule(noted_b[u]))
        else:
            reason = reasons_b.get(u, "not in vocabulary")
            out.append(
                "b: zero or non-finite vector"
                if "vector" in reason
                else "b: not a single token"
                if reason.startswith("splits")
                else "b: not in vocabulary"
            )
    return out


def _is_token_source(source: Source) -> bool:
    base = getattr(source, "base", source)  # a shuffled source keeps its base's vocabulary
    return hasattr(base, "vocab")


def _dropped_at_build(source: Source) -> dict[str, str]:
    """Words a word table left out when it was built (zero or non-finite rows), with the reason.

    The table lists up to :data:`~lib.sources._table_build.MAX_DROPPED_LISTED`
    of them by name; the rest read as not in the vocabulary.
    """
    base = getattr(source, "base", source)  # a shuffled source keeps its base's vocabulary
    table = getattr(base, "table", None)
    return table.dropped() if table is not None else {}


def _drop_rule(b: Source, word: str, index_b: dict, gone_b: dict[str, str]) -> str:
    if word in gone_b:  # B's file has the word, with a vector no cosine can use
        return "b: zero or non-finite vector"
    if _is_token_source(b):
        return "b: not a single token"
    if any(form in index_b for form in case_variants(word)[1:]):
        return "b: only in another case"
    return "b: not in vocabulary"


def _good_rows(rows: np.ndarray) -> np.ndarray:
    return np.isfinite(rows).all(axis=1) & rows.any(axis=1)


def _shared_rows(a: VocabSource, b: VocabSource, top: int):
    """Words, A rows, B rows and drop counts, by id: no per-word lookups (a vocabulary is one read)."""
    units_b, ids_b = b.vocab_units(None)
    index_b = dict(zip(units_b, ids_b.tolist(), strict=True))
    gone_b = _dropped_at_build(b)
    words: list[str] = []
    # The rows go straight into arrays of the final width (trimmed at the end: a view, no copy).
    rows_a = np.empty((top, a.dim), dtype=np.float32)
    rows_b = np.empty((top, b.dim), dtype=np.float32)
    dropped: Counter = Counter()
    limit, done = max(2 * top, 1024), 0
    while len(words) < top:
        units, ids_a = a.vocab_units(limit)
        if len(units) <= done:
            break
        for start in range(done, len(units), _CHUNK):
            chunk, pairs = units[start : start + _CHUNK], []
            for unit, ida in zip(chunk, ids_a[start : start + _CHUNK].tolist(), strict=True):
                if unit.startswith(_PIECE):
                    pairs.append("a: word-internal or byte token")
                elif unit in index_b:
                    pairs.append((ida, index_b[unit]))
                else:
                    pairs.append(_drop_rule(b, unit, index_b, gone_b))
            found = [p for p in pairs if not isinstance(p, str)]
            va = a.rows(np.array([p[0] for p in found], dtype=np.int64)) if found else np.zeros((0, a.dim))
            vb = b.rows(np.array([p[1] for p in found], dtype=np.int64)) if found else np.zeros((0, b.dim))
            good_a, good_b, r = _good_rows(va), _good_rows(vb), 0
            kept: list[int] = []
            start_row = len(words)
            for unit, status in zip(chunk, pairs, strict=True):
                if len(words) == top:
                    break
                if isinstance(status, str):
                    dropped[status] += 1
                    continue
                if not (good_a[r] and good_b[r]):
                    dropped["a: zero or non-finite vector" if not good_a[r] else "b: zero or non-finite vector"] += 1
                else:
                    words.append(unit)
                    kept.append(r)
                r += 1
            np.take(va, kept, axis=0, out=rows_a[start_row : len(words)])  # whole blocks: no per-word arrays
            np.take(vb, kept, axis=0, out=rows_b[start_row : len(words)])
            if len(words) == top:
                break
        done, limit = len(units), 4 * limit
    return words, rows_a[: len(words)], rows_b[: len(words)], dropped


def _shared_by_lookup(a: Source, b: Source, top: int):
    """As :func:`_shared_rows`, through ``lookup`` (sources that are not a :class:`VocabSource`)."""
    words: list[str] = []
    rows_a: list[np.ndarray] = []
    rows_b: list[np.ndarray] = []
    dropped: Counter = Counter()
    limit, done = max(2 * top, 1024), 0
    while len(words) < top:
        units = vocabulary_units(a, limit)
        if len(units) <= done:
            break
        for start in range(done, len(units), _CHUNK):
            chunk = units[start : start + _CHUNK]
            for unit, status in zip(chunk, _chunk_status(a, b, chunk), strict=True):
                if len(words) == top:
                    break
                if isinstance(status, str):
                    dropped[status] += 1
                else:
                    words.append(unit)
                    rows_a.append(status[0])
                    rows_b.append(status[1])
            if len(words) == top:
                break
        done, limit = len(units), 4 * limit
    return words, rows_a, rows_b, dropped


def shared_vocabulary(a: Source, b: Source, top: int) -> SharedVocabulary:
    """The first ``top`` words of A's vocabulary that B has (fewer when the vocabularies run out).

    B without a vocabulary (``random``) has every word: the first ``top`` usable words of A.

    Raises
    ------
    InputError
        If ``top`` < 2, neither source has a vocabulary (random), or fewer than 2 words are shared.
        When only B has one (A is ``random``), B's order decides.
    """
    if int(top) < 2:
        raise InputError(f"--top must be at least 2, got {top}")
    if not has_vocabulary(a):
        if not has_vocabulary(b):
            raise InputError(
                f"neither {a.spec} nor {b.spec} has a vocabulary; give a word list "
                "(--words, --words-file or --preset on the command line)"
            )
        # A without a vocabulary (random) has a vector for every word: B's order decides.
        v = shared_vocabulary(b, a, top)
        swap = {"a": "b", "b": "a"}
        dropped = {swap[r[0]] + r[1:] if r[:2] in ("a:", "b:") else r: n for r, n in v.dropped.items()}
        return SharedVocabulary(v.words, v.vectors_b, v.vectors_a, v.missing, dropped)
    if isinstance(a, VocabSource) and isinstance(b, VocabSource):
        words, rows_a, rows_b, dropped = _shared_rows(a, b, int(top))
    else:
        words, found_a, found_b, dropped = _shared_by_lookup(a, b, int(top))
        rows_a, rows_b = _stack(found_a, a.dim), _stack(found_b, b.dim)
    if len(words) < 2:
        raise InputError(f"{a.spec} and {b.spec} share {len(words)} word(s); need at least 2")
    return SharedVocabulary(tuple(words), rows_a, rows_b, (), dict(dropped))


def _stack(rows: list[np.ndarray], dim: int) -> np.ndarray:
    return np.ascontiguousarray(np.array(rows, dtype=np.float32).reshape(len(rows), dim))


def shared_word_list(a: Source, b: Source, words: Sequence[str]) -> SharedVocabulary:
    """A word list as the vocabulary: the words both sources have as one entry, in list order.

    The words are decided for both sources together
    (:func:`lib.sources.together.lookup_together`), so a word that is an
    entry of both as written is kept even when a case variant of it comes
    first in the list; a word either source draws only through another case
    or as several tokens is then left out ("not a single entry").

    Raises
    ------
    InputError
        If fewer than 2 words are left.
    """
    together = lookup_together([a, b], words, labels=["A", "B"])
    found_a, found_b = together.lookups
    noted = [{n.word: n.note for n in found.notes} for found in (found_a, found_b)]
    unusable = [Missing(w, reason) for w, s, reason in together.dropped if s is None]
    reasons: dict[str, str] = {}
    for w, s, reason in together.dropped:  # A's reasons, then B's
        if s is not None:
            reasons.setdefault(w, f"{'AB'[s]}: {reason}")
    for side, notes in zip("AB", noted, strict=True):
        for w, note in notes.items():
            reasons.setdefault(w, f"{side}: not a single entry ({note})")
    kept = [w for w in together.words if w not in reasons]
    order = {w: i for i, w in enumerate(clean_words(list(words))[0])}
    missing = unusable + [Missing(w, reasons[w]) for w in sorted(reasons, key=order.__getitem__)]
    if len(kept) < 2:
        raise InputError(f"only {len(kept)} of the words are in both {a.spec} and {b.spec}; need at least 2")
    row = {w: i for i, w in enumerate(together.words)}
    return SharedVocabulary(
        tuple(kept),
        _stack([found_a.vectors[row[w]] for w in kept], a.dim),
        _stack([found_b.vectors[row[w]] for w in kept], b.dim),
        tuple(missing),
        {},
    )
