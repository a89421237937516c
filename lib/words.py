"""Word lists: parsing typed text and files, cleaning, de-duplicating.

A :class:`WordList` is the words in order plus, optionally, a category for
each (from a preset or a ``category,word`` file).
"""

from __future__ import annotations

import csv
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
    "WordList",
    "split_words",
    "parse_word_text",
    "read_words_file",
    "clean_words",
]

#: Most words one graph takes (the N x N matrix and the chart stay usable).
MAX_WORDS = 5000
#: Longest word kept; longer ones are dropped with a reason.
MAX_WORD_LENGTH = 100
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


def read_words_file(path: str | Path) -> WordList:
    """Read a .txt (words separated by commas/whitespace) or .csv (``category,word``) file."""
    path = Path(path).expanduser()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read word list ({exc.strerror or exc})") from None
    text = decode_word_bytes(data, str(path))
    return parse_word_text(text, csv_categories=path.suffix.lower() == ".csv")


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
