"""Word2vec files streamed into word tables: row for row against the file, bad files, memory."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from lib.errors import VectorFileError
from lib.sources import _w2v_stream, load_source, set_cache_root

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _cache(tmp_path):
    set_cache_root(tmp_path / "cache")
    yield
    set_cache_root(None)


def _words(n: int) -> list[str]:
    # Long shared prefixes (ties beyond 32 bytes), non-ASCII, digits.
    return [f"{'New_York_City_Metropolitan_Area_' if i % 7 == 0 else ''}w{i}_é{'x' * (i % 5)}" for i in range(n)]


def write_binary(
    path: Path, words: list[str], vectors: np.ndarray, *, newline: bool = False, count: int | None = None
) -> Path:
    """The C tool's layout (``newline``: "\\n" after each row) or gensim's (none)."""
    body = b"".join(
        w.encode() + b" " + v.astype("<f4").tobytes() + (b"\n" if newline else b"")
        for w, v in zip(words, vectors, strict=True)
    )
    data = f"{len(words) if count is None else count} {vectors.shape[1]}\n".encode() + body
    (gzip.open(path, "wb") if path.suffix == ".gz" else open(path, "wb")).__enter__().write(data)
    return path


def write_text(
    path: Path, words: list[str], rows: list[list[str]], count: int | None = None, dim: int | None = None
) -> Path:
    lines = [f"{len(words) if count is None else count} {dim or len(rows[0])}"] + [
        f"{w} {' '.join(r)}" for w, r in zip(words, rows, strict=True)
    ]
    data = ("\n".join(lines) + "\n").encode()
    with gzip.open(path, "wb") if path.suffix == ".gz" else open(path, "wb") as fh:
        fh.write(data)
    return path


def read_reference(path: Path, binary: bool) -> tuple[list[str], np.ndarray]:
    """A plain Python reader of the file, row by row (the reference)."""
    data = gzip.open(path).read() if path.suffix == ".gz" else path.read_bytes()
    header, _, body = data.partition(b"\n")
    n, dim = map(int, header.split())
    words, rows, p = [], [], 0
    for _ in range(n):
        if binary:
            while body[p : p + 1] == b"\n":
                p += 1
            sp = body.index(b" ", p)
            words.append(body[p:sp].decode())
            rows.append(np.frombuffer(body[sp + 1 : sp + 1 + 4 * dim], "<f4"))
            p = sp + 1 + 4 * dim
        else:
            end = body.index(b"\n", p)
            parts = body[p:end].split()
            words.append(parts[0].decode())
            rows.append(np.array([np.float32(float(x)) for x in parts[1:]]))
            p = end + 1
    return words, np.array(rows, dtype=np.float32)


@pytest.fixture(params=[None, 4099], ids=["default-chunks", "tiny-chunks"])
def chunk(request, monkeypatch):
    if request.param:
        monkeypatch.setattr(_w2v_stream, "CHUNK_BYTES", request.param)
    return request.param


@pytest.mark.parametrize("newline", [False, True], ids=["gensim-layout", "c-tool-layout"])
def test_binary_file_row_for_row(tmp_path, chunk, newline):
    rng = np.random.default_rng(0)
    n, dim = 3000, 24
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    vectors[5, 3] = np.frombuffer(b"\x20\x20\x20\x20", "<f4")[0]  # the bytes of spaces inside a vector
    path = write_binary(tmp_path / "big.bin", _words(n), vectors, newline=newline)
    ref_words, ref_vectors = read_reference(path, True)
    seen = []
    src = load_source(f"word2vec:{path}", progress=lambda d, t: seen.append((d, t)))
    words, rows = src.vocabulary()
    assert words == ref_words and np.array_equal(rows, ref_vectors)
    assert seen[-1] == (path.stat().st_size, path.stat().st_size) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    found = src.lookup([ref_words[0], ref_words[2999], "absent"])
    assert np.array_equal(found.vectors, ref_vectors[[0, 2999]])


def test_text_gz_file_row_for_row(tmp_path, chunk):
    rng = np.random.default_rng(1)
    n, dim = 2500, 17
    values = rng.standard_normal((n, dim)) * rng.choice([1e-30, 1e-3, 1.0, 1e4], (n, 1))
    rows = [[repr(float(x)) if i % 3 else f"{x:.6e}" for x in row] for i, row in enumerate(values)]
    path = write_text(tmp_path / "vec.txt.gz", _words(n), rows)
    ref_words, ref_vectors = read_reference(path, False)
    words, got = load_source(f"word2vec:{path}").vocabulary()
    assert words == ref_words and np.array_equal(got, ref_vectors)


def test_limit_reads_the_first_rows(tmp_path, chunk):
    vectors = np.random.default_rng(2).standard_normal((500, 8)).astype(np.float32)
    path = write_binary(tmp_path / "v.bin", _words(500), vectors)
    words, rows = load_source(f"word2vec:{path},limit=123").vocabulary()
    assert words == _words(500)[:123] and np.array_equal(rows, vectors[:123])


@pytest.mark.parametrize(
    "case, message",
    [
        ("cut", "malformed or truncated word2vec binary file"),
        ("long-header", "malformed or truncated word2vec file .the header says 70 words, the file holds 60"),
        ("not-utf8", "is not UTF-8"),
    ],
)
def test_bad_binary_files_are_one_line_errors_and_nothing_is_cached(tmp_path, case, message):
    vectors = np.random.default_rng(3).standard_normal((60, 8)).astype(np.float32)
    words = _words(60)
    if case == "not-utf8":
        path = write_binary(tmp_path / "v.bin", words, vectors)
        data = path.read_bytes().replace(words[10].encode(), b"\xff\xfe" + words[10].encode()[2:])
        path.write_bytes(data)
    else:
        count = {"long-header": 70}.get(case)
        path = write_binary(tmp_path / "v.bin", words, vectors, count=count)
        if case == "cut":
            path.write_bytes(path.read_bytes()[:-7])
    with pytest.raises(VectorFileError, match=message) as err:
        load_source(f"word2vec:{path}")
    assert "\n" not in str(err.value)
    folder = tmp_path / "cache" / "word2vec"
    assert not folder.exists() or not any(folder.iterdir())


@pytest.mark.parametrize(
    "line, message",
    [
        ("w9 1 2 3", "row 10 has 2 values, the header says 3"),
        ("w9 1 2 x3", "row 10 has a value that is not a number"),
        ("w9", "row 10 is not"),
        ("w9 1 2 3 4", "row 10 has 4 values, the header says 3"),
    ],
)
def test_bad_text_rows_name_the_row(tmp_path, line, message):
    rows = [["0.5", "1", "2"]] * 12
    path = write_text(tmp_path / "v.txt", [f"w{i}" for i in range(12)], rows)
    lines = path.read_text().splitlines()
    lines[10] = line.replace("w9 1 2 3", "w9 1 2") if "has 2" in message else line
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(VectorFileError, match=message):
        load_source(f"word2vec:{path}")


def test_non_finite_zero_and_repeated_rows_are_dropped_and_reported(tmp_path, capsys):
    rng = np.random.default_rng(4)
    words = ["cat", "nan", "dog", "zero", "cat", "inf", "Dog", "bird"]
    vectors = rng.standard_normal((8, 6)).astype(np.float32)
    vectors[1, 2], vectors[3], vectors[5, 0] = np.nan, 0.0, np.inf
    path = write_binary(tmp_path / "v.bin", words, vectors)
    src = load_source(f"word2vec:{path}")
    got_words, rows = src.vocabulary()
    assert got_words == ["cat", "dog", "Dog", "bird"]  # the first 'cat' row is kept
    assert np.array_equal(rows, vectors[[0, 2, 6, 7]])
    assert src.table.build == {
        "read": 8,
        "kept": 4,
        "dropped": {
            "vector has NaN or infinite values": 2,
            "zero vector": 1,
            "repeated word; its first row is kept": 1,
        },
    }
    res = src.lookup(["zero", "nan", "cat"])
    assert res.words == ("cat",)
    assert [m.reason for m in res.missing] == ["zero vector", "vector has NaN or infinite values"]
    from lib.cli import main

    assert main(["prepare", f"word2vec:{path}"]) == 0
    out = capsys.readouterr().out
    assert "table" in out and "dropped  2 vector has NaN or infinite values, 1 zero vector, 1 repeated word" in out


def test_interrupted_build_leaves_nothing_and_the_next_use_builds(tmp_path, monkeypatch):
    vectors = np.random.default_rng(5).standard_normal((2000, 16)).astype(np.float32)
    path = write_binary(tmp_path / "v.bin", _words(2000), vectors)
    monkeypatch.setattr(_w2v_stream, "CHUNK_BYTES", 10_000)

    def stop(done, total):
        if done > total // 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        load_source(f"word2vec:{path}", progress=stop)
    assert not any((tmp_path / "cache" / "word2vec").iterdir())
    assert np.array_equal(load_source(f"word2vec:{path}").vocabulary()[1], vectors)


def test_streaming_build_memory_is_bounded(tmp_path):
    """A 120 MB binary builds with far less than 120 MB of extra resident memory."""
    n, dim = 100_000, 300
    words = np.array([f"w{i:07d} ".encode() for i in range(n)])
    rows = np.empty(n, dtype=[("w", "S9"), ("v", "<f4", (dim,))])
    rows["w"], rows["v"] = words, np.random.default_rng(6).standard_normal((n, dim), dtype=np.float32)
    path = tmp_path / "big.bin"
    with open(path, "wb") as fh:
        fh.write(f"{n} {dim}\n".encode())
        rows.tofile(fh)
    child = textwrap.dedent(
        """
        import sys
        from lib.sources import load_source, set_cache_root
        def peak():
            return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024
        set_cache_root(sys.argv[2])
        import numpy, gzip, json
        before = peak()
        src = load_source("word2vec:" + sys.argv[1])
        print(json.dumps({"before": before, "after": peak(), "n": src.n_rows}))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", child, str(path), str(tmp_path / "cache")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["n"] == n
    assert got["after"] - got["before"] < 70, got  # the file is 121 MB; a chunk is 8 MB


def test_in_memory_reader_keeps_the_first_of_repeated_words(tmp_path):
    from lib.sources import load_word2vec_file

    vectors = np.random.default_rng(7).standard_normal((4, 5)).astype(np.float32)
    path = write_binary(tmp_path / "v.bin", ["cat", "dog", "cat", "cow"], vectors)
    kv = load_word2vec_file(path)  # as gensim 4 reads it (test_reader_rules_against_gensim)
    assert kv.index_to_key == ["cat", "dog", "cow"]
    assert np.array_equal(kv["cat"], vectors[0]) and np.array_equal(kv["cow"], vectors[3])
