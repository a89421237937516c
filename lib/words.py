"""Word lists: parsing typed text and files, cleaning, de-duplicating.

A :class:`WordList` is the words in order plus, optionally, a category for
each (from a preset or a ``category,word`` file).
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

__all__ = [
    "Missing",
    "Note",
    "MAX_WORDS",
    "MAX_WORD_LENGTH",
    "VECTORS_WARNING",
    "WordList",
    "split_words",
    "parse_word_text",
    "read_words_file",
    "read_words_text",
    "clean_words",
    "find_word",
    "word_text_warnings",
    "looks_like_vectors",
]

#: Most words one graph takes (the N x N matrix and the chart stay usable).
MAX_WORDS = 5000
#: Longest word kept; longer ones are dropped with a reason.
MAX_WORD_LENGTH = 100
#: What :func:`word_text_warnings` says of a vectors file given as a word list.
VECTORS_WARNING = "this looks like a vectors file (a word and its numbers on each line), not a word list"
#: Largest word-list file read.
MAX_FILE_BYTES = 2_000_000

_SPLIT = re.compile(r"[,\s]+")


@dataclass(frozen=True)
class Missing:
    """A word that was dropped, and why (``duplicate``, ``not in vocabulary``, ...)."""

    word: str
    reason: str


@dataclass(frozen=True)
class Note:
    """A word that was kept but resolved differently from how it was typed."""

    word: str
    note: str


@dataclass(frozen=True)
class WordList:
    """Words in order, with an optional category per word."""

    words: tuple[str, ...]
    categories: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.categories is not None and len(self.categories) != len(self.words):
            raise InputError("one category per word is required")

    def category_of(self) -> dict[str, str]:
        return dict(zip(self.words, self.categories, strict=True)) if self.categories else {}


def split_words(text: str) -> list[str]:
    """Split text on commas, spaces and newlines; empty pieces are dropped.

    >>> split_words("cat, dog\\n car  bus,,")
    ['cat', 'dog', 'car', 'bus']
    """
    return [w for w in _SPLIT.split(text or "") if w]


def _is_category_csv(rows: list[list[str]]) -> bool:
    return bool(rows) and all(len(r) == 2 and r[0].strip() and r[1].strip() for r in rows)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def looks_like_vectors(text: str) -> bool:
    """Whether ``text`` reads as a word2vec text file (a word then numbers on each line), not a word list.

    Looks at the first 20 non-empty lines: each (after an optional ``count dim``
    header) is one token followed by at least three numbers.

    >>> looks_like_vectors("2 3\\ncat 0.1 0.2 0.3\\ndog 1 2 3\\n")
    True
    >>> looks_like_vectors("cat, dog\\n12 apples")
    False
    """
    lines = [ln.split() for ln in text.splitlines()[:40] if ln.strip()][:20]
    if lines and len(lines[0]) == 2 and all(f.isdigit() for f in lines[0]):
        lines = lines[1:]
    return bool(lines) and all(len(f) >= 4 and all(_is_number(x) for x in f[1:]) for f in lines)


def word_text_warnings(text: str, *, csv_categories: bool = False) -> list[str]:
    """Why a word-list text may not be read as its author meant: one line each.

    A vectors file read as words, or (``csv_categories``) CSV rows that are
    not ``category,word``, so that the whole file is read as plain words.

    >>> word_text_warnings("fruit,apple\\nfruit,pear,x\\n", csv_categories=True)
    ['row 2 has 3 fields, not 2 (category,word): the file is read as plain words, without categories']
    """
    if looks_like_vectors(text):
        return [VECTORS_WARNING]
    if not csv_categories:
        return []
    rows = list(csv.reader(ln for ln in text.splitlines() if ln.strip()))
    if rows and [c.strip().lower() for c in rows[0]] == ["category", "word"]:
        rows = rows[1:]
    if not rows or _is_category_csv(rows) or all(len(r) == 1 for r in rows):
        return []
    line, row = next((n, r) for n, r in enumerate(rows, 1) if len(r) != 2 or not (r[0].strip() and r[1].strip()))
    what = f"has {len(row)} field{'s' if len(row) != 1 else ''}, not 2" if len(row) != 2 else "has an empty field"
    return [f"row {line} {what} (category,word): the file is read as plain words, without categories"]


def find_word(query: str, words: Sequence[str], n: int = 3) -> tuple[str | None, list[str]]:
    """The word of ``words`` that ``query`` names, case-insensitively; else the nearest spellings.

    Returns ``(word, [])`` on a match (an exact match wins over one that
    differs in case), else ``(None, suggestions)`` with up to ``n`` close
    words (:func:`difflib.get_close_matches` on lower case).

    >>> find_word("Chair", ["table", "chair"])
    ('chair', [])
    >>> find_word("chiar", ["table", "chair", "char"])
    (None, ['char', 'chair'])
    """
    q = unicodedata.normalize("NFC", query).strip()
    if not q:
        return None, []
    if q in words:
        return q, []
    lower: dict[str, str] = {}
    for w in words:
        lower.setdefault(w.lower(), w)
    if q.lower() in lower:
        return lower[q.lower()], []
    return None, [lower[m] for m in difflib.get_close_matches(q.lower(), list(lower), n=n, cutoff=0.6)]


def parse_word_text(text: str, *, csv_categories: bool = False) -> WordList:
    """Parse a word list from text.

    With ``csv_categories`` a text whose every non-empty line is
    ``category,word`` becomes a categorised list (a ``category,word`` header
    line is skipped); anything else is split on commas and whitespace.
    """
    if csv_categories:
        lines = [ln for ln in text.splitlines() if ln.strip()]
        rows = list(csv.reader(lines))
        if rows and [c.strip().lower() for c in rows[0]] == ["category", "word"]:
            rows = rows[1:]
        if _is_category_csv(rows):
            return WordList(tuple(r[1].strip() for r in rows), tuple(r[0].strip() for r in rows))
    return WordList(tuple(split_words(text)))


def decode_word_bytes(data: bytes, name: str = "word list") -> str:
    """Decode an uploaded or read word list: UTF-8 (with or without BOM) only."""
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"{name}: file is {len(data):,} bytes; the limit is {MAX_FILE_BYTES:,}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 text (byte {exc.start}); save it as UTF-8 and try again") from None


def read_words_text(path: str | Path) -> str:
    """The text of a word-list file (UTF-8, at most :data:`MAX_FILE_BYTES`)."""
    path = Path(path).expanduser()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read word list ({exc.strerror or exc})") from None
    return decode_word_bytes(data, str(path))


def read_words_file(path: str | Path, warnings: list[str] | None = None) -> WordList:
    """Read a .txt (words separated by commas/whitespace) or .csv (``category,word``) file.

    ``warnings``, when given, receives :func:`word_text_warnings` of the file.
    """
    text = read_words_text(path)
    csv_categories = Path(path).suffix.lower() == ".csv"
    if warnings is not None:
        warnings.extend(word_text_warnings(text, csv_categories=csv_categories))
    return parse_word_text(text, csv_categories=csv_categories)


def clean_words(words: Sequence[str]) -> tuple[list[str], list[Missing]]:
    """Drop unusable words with a reason; keep the first of any duplicate.

    Returns ``(usable, missing)``. Words are NFC-normalised and stripped.

    Raises
    ------
    InputError
        If no words are given or more than :data:`MAX_WORDS`.
    """
    if not words:
        raise InputError("no words given")
    if len(words) > MAX_WORDS:
        raise InputError(f"{len(words):,} words given; the limit is {MAX_WORDS:,}")
    usable: list[str] = []
    seen: set[str] = set()
    missing: list[Missing] = []
    for raw in words:
        w = unicodedata.normalize("NFC", str(raw)).strip()
        if not w:
            continue
        shown = w if len(w) <= 40 else w[:40] + "…"
        if len(w) > MAX_WORD_LENGTH:
            missing.append(Missing(shown, f"longer than {MAX_WORD_LENGTH} characters"))
        elif any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co") and c != "\u200d" for c in w):
            missing.append(Missing(repr(shown)[1:-1], "control or invisible characters"))
        elif w in seen:
            missing.append(Missing(w, "duplicate"))
        else:
            seen.add(w)
            usable.append(w)
    if not usable and not missing:
        raise InputError("no words given")
    return usable, missing
