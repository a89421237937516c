"""Word-list parsing, cleaning and presets."""

from __future__ import annotations

import pytest

from lib.errors import InputError
from lib.presets import PRESETS, preset
from lib.words import (
    MAX_WORDS,
    clean_words,
    parse_word_text,
    read_words_file,
    split_words,
)


def test_split_words_on_commas_spaces_newlines():
    assert split_words("cat, dog\ncar\tbus,,  pear ") == ["cat", "dog", "car", "bus", "pear"]
    assert split_words("") == []


def test_clean_words_reports_duplicates_after_the_first():
    usable, missing = clean_words(["cat", "dog", "cat", "dog", "Cat"])
    assert usable == ["cat", "dog", "Cat"]
    assert [(m.word, m.reason) for m in missing] == [("cat", "duplicate"), ("dog", "duplicate")]


def test_clean_words_drops_control_characters_and_huge_words():
    usable, missing = clean_words(["ok", "bad\x00word", "x" * 1_000_000, "emoji🙂", "שלום"])
    assert usable == ["ok", "emoji🙂", "שלום"]
    reasons = [m.reason for m in missing]
    assert reasons == ["control or invisible characters", "longer than 100 characters"]
    assert all(len(m.word) < 50 for m in missing)


@pytest.mark.parametrize("words", [[], ["", "  "]])
def test_no_words_is_an_error(words):
    with pytest.raises(InputError, match="no words given"):
        clean_words(words)


def test_too_many_words_is_an_error():
    with pytest.raises(InputError, match="limit"):
        clean_words([f"w{i}" for i in range(MAX_WORDS + 1)])


def test_csv_with_categories(tmp_path):
    p = tmp_path / "list.csv"
    p.write_text("category,word\nfruit,apple\nfruit,pear\nspace,moon\n", encoding="utf-8")
    wl = read_words_file(p)
    assert wl.words == ("apple", "pear", "moon")
    assert wl.categories == ("fruit", "fruit", "space")


def test_txt_file_and_bom(tmp_path):
    p = tmp_path / "list.txt"
    p.write_bytes("\ufeffcat dog\ncar".encode("utf-8"))
    assert read_words_file(p).words == ("cat", "dog", "car")
    assert read_words_file(p).categories is None


def test_non_utf8_file_is_a_clear_error(tmp_path):
    p = tmp_path / "latin1.txt"
    p.write_bytes("café,naïve".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        read_words_file(p)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        read_words_file(tmp_path / "nope.txt")


def test_plain_text_is_not_mistaken_for_categories():
    wl = parse_word_text("cat,dog\nfish,bird")
    assert wl.words == ("cat", "dog", "fish", "bird") and wl.categories is None


def test_course_preset_is_the_method_list():
    wl = preset("course")
    assert len(wl.words) == 20
    assert wl.words[:6] == ("space", "spaceship", "planet", "moon", "star", "galaxy")
    assert wl.category_of()["date"] == "fruit"
    assert set(wl.categories) == {"space", "furniture", "fruit"}


def test_every_preset_is_well_formed():
    for name, wl in PRESETS.items():
        assert 10 <= len(wl.words) <= 60, name
        assert len(set(wl.words)) == len(wl.words), name
        assert wl.categories is not None and len(wl.categories) == len(wl.words)


def test_unknown_preset():
    with pytest.raises(InputError, match="unknown preset"):
        preset("nope")


def test_words_imports_no_sources_and_no_pandas():
    import subprocess
    import sys
    from pathlib import Path

    code = "import sys, lib.words; print(sorted(m for m in sys.modules if m.startswith(('lib.', 'pandas'))))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert eval(out) == ["lib.errors", "lib.words"]


def test_missing_and_note_are_the_same_types_from_words_and_sources():
    from lib.sources import Missing as SourcesMissing
    from lib.sources import Note as SourcesNote
    from lib.sources.base import Missing as BaseMissing
    from lib.words import Missing, Note

    assert Missing is SourcesMissing is BaseMissing and Note is SourcesNote
