"""The word2vec reader side by side with gensim 4: format choice, the reading rules, rows read in place."""

from __future__ import annotations

import logging
import os
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from gensim.models import KeyedVectors
from test_word2vec_stream import write_binary, write_text

from lib.errors import SpecError, VectorFileError
from lib.sources import load_source, set_cache_root
from lib.sources._table_build import AFTER_COUNT
from lib.sources._w2v_stream import NOT_NFC
from lib.words import clean_words, read_words_file


@pytest.fixture(autouse=True)
def _cache(tmp_path):
    set_cache_root(tmp_path / "cache")
    yield
    set_cache_root(None)


def gensim_rows(path: Path, binary: bool) -> tuple[list[str], np.ndarray]:
    kv = KeyedVectors.load_word2vec_format(str(path), binary=binary)
    return list(kv.index_to_key), np.asarray(kv.vectors)


def ours(spec: str) -> tuple[list[str], np.ndarray]:
    return load_source(spec).vocabulary()


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.astype(np.float64), b.astype(np.float64)
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


# --- text or binary ------------------------------------------------------------


def printable_binary(path: Path) -> Path:
    """A binary file (C tool layout) whose float bytes are printable: each row is also a valid text line."""
    rows = [b"0.25 0.5", b"-3.5 0.5", b"0.5 -2.5", b"1.25 4.5"]
    path.write_bytes(b"4 2\n" + b"".join(b"w%d " % i + r + b"\n" for i, r in enumerate(rows)))
    return path


def test_ambiguous_bytes_follow_the_extension_or_the_option_else_are_refused(tmp_path):
    true = gensim_rows(printable_binary(tmp_path / "v.bin"), binary=True)
    as_text = gensim_rows(printable_binary(tmp_path / "v.txt"), binary=False)
    assert as_text[1][0].tolist() == [0.25, 0.5]  # both readings really exist
    assert abs(_cos(true[1][0], true[1][1]) - _cos(as_text[1][0], as_text[1][1])) > 0.2

    for name, spec_tail, expected in [
        ("v.bin", "", true),
        ("v.txt", "", as_text),
        ("v.w2v", ",binary=true", true),
        ("v.w2v", ",binary=false", as_text),
        ("v.bin", ",binary=false", as_text),
    ]:
        path = printable_binary(tmp_path / name)
        words, rows = ours(f"word2vec:{path}{spec_tail}")
        assert words == expected[0] and np.array_equal(rows, expected[1]), (name, spec_tail)

    with pytest.raises(VectorFileError, match=r"read both as word2vec text and as binary; say which with binary=true"):
        load_source(f"word2vec:{printable_binary(tmp_path / 'v.w2v')}")
    with pytest.raises(SpecError, match="binary must be true or false"):
        load_source(f"word2vec:{tmp_path / 'v.bin'},binary=maybe")


def test_structure_wins_over_a_wrong_extension(tmp_path):
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(300)]
    vectors = rng.standard_normal((300, 20)).astype(np.float32)
    binary_as_txt = write_binary(tmp_path / "really-binary.txt", words, vectors)
    rows = [[f"{x:.5f}" for x in row] for row in vectors.tolist()]
    text_as_bin = write_text(tmp_path / "really-text.bin", words, rows)
    text_plain = write_text(tmp_path / "plain", words, rows)  # no extension at all
    assert ours(f"word2vec:{binary_as_txt}")[1].tobytes() == gensim_rows(binary_as_txt, True)[1].tobytes()
    for path in (text_as_bin, text_plain):
        got = ours(f"word2vec:{path}")
        ref = gensim_rows(path, False)
        assert got[0] == ref[0] and np.array_equal(got[1], ref[1])
    with pytest.raises(VectorFileError, match="binary=true names binary, but the first rows read only as text"):
        load_source(f"word2vec:{text_plain},binary=true")
    with pytest.raises(VectorFileError, match="binary=false names text, but the first rows read only as binary"):
        load_source(f"word2vec:{binary_as_txt},binary=false")


# --- the reading rules, each against gensim ----------------------------------------


@pytest.mark.parametrize("binary", [True, False], ids=["binary", "text"])
def test_a_header_count_below_the_rows_reads_the_counted_rows_as_gensim(tmp_path, binary, capsys):
    words = [f"w{i}" for i in range(40)]
    vectors = np.random.default_rng(1).standard_normal((40, 6)).astype(np.float32)
    if binary:
        path = write_binary(tmp_path / "v.bin", words, vectors, count=25)
    else:
        path = write_text(tmp_path / "v.txt", words, [[repr(float(x)) for x in r] for r in vectors], count=25)
    ref = gensim_rows(path, binary)
    src = load_source(f"word2vec:{path}")
    got = src.vocabulary()
    assert got[0] == ref[0] == words[:25] and np.array_equal(got[1], ref[1])
    assert src.table.build["notes"] == [AFTER_COUNT]
    from lib.cli import main

    assert main(["prepare", f"word2vec:{path}"]) == 0
    out = capsys.readouterr().out
    assert "goes on after the header's count of rows" in out
    assert ("reads the vectors from" in out) is binary


def test_a_file_of_only_nan_and_inf_rows_is_refused_where_gensim_loads_it(tmp_path):
    vectors = np.array([[np.nan, 1.0], [np.inf, 0.0], [1.0, -np.inf]], dtype=np.float32)
    path = write_binary(tmp_path / "v.bin", ["a", "b", "c"], vectors)
    assert not np.isfinite(gensim_rows(path, True)[1]).all(axis=1).any()  # gensim: 3 unusable rows
    with pytest.raises(VectorFileError, match=r"no usable vectors in file \(0 of 3 rows kept; 3 dropped \(vector has"):
        load_source(f"word2vec:{path}")


@pytest.mark.parametrize(
    "layout",
    ["two spaces after the word", "tabs between numbers", "blank lines", "CRLF line ends"],
)
def test_loose_whitespace_is_read_where_gensim_refuses(tmp_path, layout):
    words = ["cat", "dog", "cow"]
    rows = [["0.5", "-1.25", "3"], ["2", "0.125", "-4"], ["1e-3", "7", "0.75"]]
    clean = write_text(tmp_path / "clean.txt", words, rows)
    text = clean.read_text()
    loose = {
        "two spaces after the word": text.replace("cat ", "cat  ").replace("cow ", "cow  "),
        "tabs between numbers": text.replace("-1.25 ", "-1.25\t").replace(" 7 ", "\t7\t"),
        "blank lines": text.replace("\ndog", "\n\ndog").replace("\ncow", "\n\n\ncow"),
        "CRLF line ends": text.replace("\n", "\r\n"),
    }[layout]
    path = tmp_path / "loose.txt"
    path.write_text(loose, newline="")
    if layout != "CRLF line ends":  # gensim strips the \r itself
        with pytest.raises((ValueError, EOFError)):
            gensim_rows(path, False)
    ref = gensim_rows(clean, False)
    got = ours(f"word2vec:{path}")
    assert got[0] == ref[0] and np.array_equal(got[1], ref[1])


def test_a_repeated_word_keeps_its_first_row_as_gensim_which_only_warns(tmp_path, caplog):
    vectors = np.random.default_rng(2).standard_normal((4, 5)).astype(np.float32)
    path = write_binary(tmp_path / "v.bin", ["cat", "dog", "cat", "cow"], vectors)
    with caplog.at_level(logging.WARNING, logger="gensim.models.keyedvectors"):
        ref = gensim_rows(path, True)  # no exception
    assert "duplicate word 'cat'" in caplog.text
    assert ref[0] == ["cat", "dog", "cow", None]  # gensim 4.4 leaves an empty slot for the repeat
    got = ours(f"word2vec:{path}")
    assert got[0] == ["cat", "dog", "cow"] and np.array_equal(got[1], ref[1][:3])
    assert np.array_equal(got[1], vectors[[0, 1, 3]])


def test_words_a_word_list_cannot_name(tmp_path):
    """NFD entries are dropped with a count; entries with a comma or a no-break space are reached by a .csv list."""
    nfd, nfc = unicodedata.normalize("NFD", "café"), "café"
    words = [nfd, "New_York,_NY", "a\u00a0b", "tea", "naïve"]
    vectors = np.random.default_rng(3).standard_normal((5, 4)).astype(np.float32)
    path = write_binary(tmp_path / "v.bin", words, vectors)
    src = load_source(f"word2vec:{path}")
    assert src.vocabulary()[0] == words[1:]
    assert src.table.build["dropped"] == {NOT_NFC: 1}
    res = src.lookup([nfc, "tea"])
    assert res.words == ("tea",) and res.missing[0].reason == NOT_NFC
    listed = tmp_path / "words.csv"
    listed.write_text('place,"New_York,_NY"\nthing,a\u00a0b\nthing,naïve\n', encoding="utf-8")
    usable, missing = clean_words(read_words_file(listed).words)
    assert usable == ["New_York,_NY", "a\u00a0b", "naïve"] and not missing
    assert np.array_equal(src.lookup(usable).vectors, vectors[[1, 2, 4]])


# --- rows read in place ---------------------------------------------------------------


def test_an_uncompressed_binary_is_indexed_in_place_and_a_later_change_is_caught(tmp_path):
    words = [f"w{i}" for i in range(50)]
    vectors = np.random.default_rng(4).standard_normal((50, 8)).astype(np.float32)
    path = write_binary(tmp_path / "v.bin", words, vectors, newline=True)
    src = load_source(f"word2vec:{path}")
    folder = src.table.folder
    assert (folder / "vector_at.npy").exists() and not (folder / "vectors.npy").exists()
    assert np.array_equal(src.lookup(["w7", "w0", "w49"]).vectors, vectors[[7, 0, 49]])
    assert np.array_equal(src.vocabulary(limit=20)[1], vectors[:20])

    changed = vectors.copy()
    changed[7] = -changed[7]
    data = path.read_bytes().replace(vectors[7].tobytes(), changed[7].tobytes())
    with open(path, "r+b") as fh:  # the same size, rewritten in place
        fh.write(data)
    with pytest.raises(VectorFileError, match="changed after it was indexed; load the source again"):
        src.lookup(["w7"])
    again = load_source(f"word2vec:{path}")
    assert np.array_equal(again.lookup(["w7"]).vectors[0], changed[7])


def test_in_place_rows_survive_a_later_nan_and_a_compressed_file_is_copied(tmp_path):
    words = [f"w{i}" for i in range(30)]
    vectors = np.random.default_rng(5).standard_normal((30, 8)).astype(np.float32)
    vectors[3, 1] = np.nan
    path = write_binary(tmp_path / "v.bin", words, vectors)
    got = ours(f"word2vec:{path}")
    assert got[0] == words[:3] + words[4:] and np.array_equal(got[1], np.delete(vectors, 3, axis=0))
    packed = write_binary(tmp_path / "v.bin.gz", words, vectors)
    src = load_source(f"word2vec:{packed}")
    assert (src.table.folder / "vectors.npy").exists()
    assert np.array_equal(src.vocabulary()[1], got[1])
    os.utime(path, ns=(1, 1))  # a touch alone: the table is rebuilt, the same rows come back
    assert np.array_equal(ours(f"word2vec:{path}")[1], got[1])


@pytest.mark.parametrize("span, gap", [(8 << 20, 64 << 10), (100, 0), (500, 40)])
def test_rows_in_place_any_order_repeats_and_read_spans(tmp_path, monkeypatch, span, gap):
    from lib.sources import _rows

    monkeypatch.setattr(_rows, "SPAN_BYTES", span)
    monkeypatch.setattr(_rows, "GAP_BYTES", gap)
    rng = np.random.default_rng(6)
    words = [f"w{i}{'x' * int(rng.integers(0, 30))}" for i in range(400)]  # rows of varying lengths
    vectors = rng.standard_normal((400, 7)).astype(np.float32)
    path = write_binary(tmp_path / "v.bin", words, vectors, newline=True)
    rows = load_source(f"word2vec:{path}").table.vectors
    ids = np.concatenate((rng.integers(0, 400, 300), [0, 399, 5, 5, 6]))
    assert np.array_equal(rows.take(ids), vectors[ids])
    assert np.array_equal(rows.read(37, 261), vectors[37:261]) and np.array_equal(rows.read(), vectors)
