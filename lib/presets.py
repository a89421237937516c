"""Preset word lists with categories.

``course`` is the 20-word list of the course notebook (METHOD.md); the others
are lists a teacher would reach for, 10 to 60 words each.
"""
from __future__ import annotations

from .errors import InputError
from .words import WordList

__all__ = ["PRESETS", "preset", "preset_names"]

# name -> (title, {category: words})
_RAW: dict[str, tuple[str, dict[str, str]]] = {
    "course": (
        "Course: space, furniture, fruit (20)",
        {
            "space": "space spaceship planet moon star galaxy",
            "furniture": "chair table couch stool floor",
            "fruit": "apple banana pear kiwi orange peach watermelon starfruit date",
        },
    ),
}


def _build(raw: dict[str, str]) -> WordList:
    words, cats = [], []
    for cat, text in raw.items():
        for w in text.split():
            words.append(w)
            cats.append(cat)
    return WordList(tuple(words), tuple(cats))


PRESETS: dict[str, WordList] = {name: _build(raw) for name, (_, raw) in _RAW.items()}
TITLES: dict[str, str] = {name: title for name, (title, _) in _RAW.items()}


def preset_names() -> list[str]:
    return list(PRESETS)


def preset(name: str) -> WordList:
    """Return the preset word list ``name``."""
    try:
        return PRESETS[name]
    except KeyError:
        raise InputError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}") from None
