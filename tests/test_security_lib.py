"""The library side of a public copy's safety: server paths, CSV formulas, content-keyed caches,
concurrent first use and one-line errors. Each test asserts the safe outcome."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from source_fixtures import write_word2vec

from lib.cli import main
from lib.errors import ServerPathError, SourceError, SpecError
from lib.export import csv_safe, edges_csv, nodes_csv
from lib.graph import build_graph
from lib.hubs.store import hubs_for
from lib.sources import RandomSource, _cache, content_key, load_source, parse_spec, set_cache_root
from ui.sources import check_spec

ROOT = Path(__file__).resolve().parents[1]
SECRET = "TOP-SECRET-LINE"

#: SPECs that open a file or folder on the server, through every kind and nesting.
PATH_SPECS = [
    "word2vec:notes.txt,limit=5",
    "word2vec:notes.txt",
    "shuffled:word2vec:notes.txt,limit=5",
    "shuffled:word2vec:notes.txt,limit=5,seed=3",
    "word2vec-train:notes.txt,min_count=1",
    "word2vec-train:notes,min_count=1",
    "word2vec-train:notes",
    "shuffled:word2vec-train:notes.txt,min_count=1,seed=1",
    "hf:./lib/sources,multi=mean",
    "hf:lib/sources/,multi=mean",
    "hf:/etc",
    "hf:a/../b",
    "gpt2:./x",
    "gpt2:~/x",
    "gpt2:x/y/z",
    "shuffled:gpt2:./x,space=0,seed=2",
    "word2vec:~",
    "word2vec:~/notes",
    "word2vec:..",
    "word2vec:../notes",
    "word2vec:/etc/passwd",
    "word2vec:C:\\notes",
    "word2vec:sub/notes",
    "word2vec:notes.bin",
    "word2vec:notes.vec.gz,limit=2",
]


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    for var in ("GENSIM_DATA_DIR", "HF_HUB_CACHE", "COSINE_RINGS_CACHE", "COSINE_RINGS_ALLOW_PATHS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    set_cache_root(tmp_path / "cache")
    yield
    set_cache_root(None)


@pytest.fixture
def server_cwd(tmp_path, monkeypatch) -> Path:
    """A working folder holding files a visitor must not read."""
    cwd = tmp_path / "server"
    (cwd / "lib" / "sources").mkdir(parents=True)
    for name in ("notes.txt", "notes", "notes.bin"):
        (cwd / name).write_text(f"{SECRET}\nsecond line\n")
    monkeypatch.chdir(cwd)
    return cwd


@contextlib.contextmanager
def _no_file_system():
    """Make any existence check or stat fail loudly: a public parse must not need them."""

    def boom(*args, **kwargs):
        raise AssertionError("the file system was touched while parsing a public SPEC")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(os.path, "exists", boom)
        mp.setattr(os, "stat", boom)
        yield


@pytest.mark.parametrize("spec", PATH_SPECS)
def test_server_paths_are_refused_before_the_file_system(spec, server_cwd, monkeypatch):
    with _no_file_system(), pytest.raises(ServerPathError) as err:
        load_source(spec, allow_paths=False)
    message = str(err.value)
    assert "does not open files on the server" in message and SECRET not in message
    assert check_spec(spec) == message  # the app's check is the same parse
    # The same SPEC with the file absent gives the same answer: existence is not told.
    for name in ("notes.txt", "notes", "notes.bin"):
        (server_cwd / name).unlink()
    with pytest.raises(ServerPathError) as absent:
        load_source(spec, allow_paths=False)
    assert str(absent.value) == message


def test_name_shaped_arguments_are_names_in_public_whatever_the_folder_holds(server_cwd, monkeypatch):
    named = [
        ("word2vec:notes", "notes"),
        ("word2vec:glove-wiki-gigaword-50,limit=9", "glove-wiki-gigaword-50"),
        ("hf:lib/sources,multi=mean", "lib/sources"),
        ("gpt2:distilgpt2", "distilgpt2"),
    ]
    with _no_file_system():
        for spec, head in named:
            parsed = parse_spec(spec, allow_paths=False)
            assert parsed.path is None and parsed.server_paths() == () and parsed.head == head
    # The command line keeps reading a local file or folder of that name, as it always has.
    assert parse_spec("word2vec:notes", allow_paths=True).path == "notes"
    assert parse_spec("hf:lib/sources,multi=mean", allow_paths=True).path == "lib/sources"
    assert parse_spec("shuffled:word2vec:notes.txt,limit=5,seed=3", allow_paths=True).server_paths() == ("notes.txt",)


def test_a_hub_id_that_is_also_a_server_folder_tells_nothing(server_cwd):
    with pytest.raises(SourceError) as here:
        load_source("hf:lib/sources,multi=mean", allow_paths=False)
    with pytest.raises(SourceError) as absent:
        load_source("hf:lib/nowhere,multi=mean", allow_paths=False)
    assert str(here.value).replace("lib/sources", "ID") == str(absent.value).replace("lib/nowhere", "ID")
    assert "no such folder" not in str(here.value)


def test_allow_paths_environment_lets_the_app_open_files(server_cwd, monkeypatch):
    monkeypatch.setenv("COSINE_RINGS_ALLOW_PATHS", "1")
    assert check_spec("word2vec:notes.txt,limit=5") is None
    monkeypatch.setenv("COSINE_RINGS_ALLOW_PATHS", "0")
    assert "does not open files" in check_spec("word2vec:notes.txt,limit=5")


def test_refusal_messages_are_short(server_cwd):
    with pytest.raises(ServerPathError) as err:
        parse_spec("word2vec:/" + "a" * 900 + ".txt", allow_paths=False)
    assert len(str(err.value)) < 200


# --- CSV formulas -----------------------------------------------------------------

ATTACK_WORDS = ['=HYPERLINK("http://evil.example/x")', "+1+cmd|' /Ccalc'!A0", "@SUM(1+1)", "-2+3", "cat", "dog"]


def _rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def _safe_text(cell: str) -> bool:
    return not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_csv_exports_neutralise_formulas_and_keep_numbers():
    result = build_graph(RandomSource(dim=8, seed=1), ATTACK_WORDS + ["\tTAB", "\rCR"], rule="fixed", value=-1.0)
    edges, nodes = _rows(edges_csv(result)), _rows(nodes_csv(result, {"-2+3": "=cat", "cat": "animal"}))
    assert len(edges) == result.graph.n_edges > 0 and len(nodes) == len(ATTACK_WORDS) + 2
    for row in edges:
        assert _safe_text(row["source"]) and _safe_text(row["target"])
        assert float(row["cosine"]) == pytest.approx(float(row["cosine"]))  # still a number
    assert any(float(r["cosine"]) < 0 for r in edges)  # negative numbers are not quoted
    assert {r["word"] for r in nodes} == {("'" + w if not _safe_text(w) else w) for w in result.graph.words}
    assert all(_safe_text(r["word"]) and _safe_text(r["category"]) for r in nodes)
    assert next(r for r in nodes if r["word"] == "'-2+3")["category"] == "'=cat"
    assert all(int(r["degree"]) >= 0 for r in nodes)


def test_csv_safe_leaves_ordinary_text_and_numbers_alone():
    import pandas as pd

    table = pd.DataFrame({"word": ["cat", "e-mail", "=x"], "cosine": [-0.25, 0.5, 1.0]})
    out = csv_safe(table)
    assert out["word"].tolist() == ["cat", "e-mail", "'=x"] and out["cosine"].tolist() == [-0.25, 0.5, 1.0]
    assert table["word"].tolist() == ["cat", "e-mail", "=x"]  # the input is not changed


def test_cli_csv_outputs_are_formula_safe(tmp_path, capsys):
    out = tmp_path / "x.csv"
    words = ",".join(["=1+1", "@SUM(1)", "-2+3", "cat"])
    assert (
        main(
            [
                "export",
                "--source",
                "random:dim=8",
                "--words",
                words,
                "--rule",
                "fixed",
                "--value",
                "-1",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    rows = _rows(out.read_bytes())
    assert rows and all(_safe_text(r["source"]) and _safe_text(r["target"]) for r in rows)
    capsys.readouterr()
    assert (
        main(
            [
                "graph",
                "--source",
                "random:dim=8",
                "--words",
                words,
                "--rule",
                "fixed",
                "--value",
                "-1",
                "--format",
                "csv",
            ]
        )
        == 0
    )
    printed = _rows(capsys.readouterr().out.encode())
    assert len(printed) == 6 and all(_safe_text(r["source"]) and _safe_text(r["target"]) for r in printed)


# --- caches keyed by content ---------------------------------------------------------


def _same_size_rewrite(path: Path, words: list[str], vectors: np.ndarray) -> None:
    """Rewrite ``path`` with new vectors of the same byte size and put the old mtime back."""
    before = path.stat()
    write_word2vec(path, words, vectors)
    assert path.stat().st_size == before.st_size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


@pytest.mark.parametrize("hash_limit", [_cache.HASH_LIMIT, 0])
def test_word_table_cache_follows_the_content(tmp_path, monkeypatch, hash_limit):
    monkeypatch.setattr(_cache, "HASH_LIMIT", hash_limit)  # 0: the inode/size/mtime/ctime key of big files
    words = ["alpha", "beta", "gamma", "delta"]
    rng = np.random.default_rng(0)
    first, second = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    path = write_word2vec(tmp_path / "v.bin", words, first)
    spec = f"word2vec:{path}"
    np.testing.assert_allclose(load_source(spec).lookup(words).vectors, first.astype(np.float32))
    _same_size_rewrite(path, words, second)
    np.testing.assert_allclose(load_source(spec).lookup(words).vectors, second.astype(np.float32))


def test_hubs_cache_follows_the_content(tmp_path):
    rng = np.random.default_rng(1)
    words = [f"w{i:03d}" for i in range(60)]
    path = write_word2vec(tmp_path / "v.bin", words, rng.standard_normal((60, 6)))
    spec = f"word2vec:{path}"
    before = hubs_for(spec, 60)
    key_before = content_key(spec)
    clustered = rng.standard_normal((60, 6)) + np.repeat(rng.standard_normal((3, 6)) * 4, 20, axis=0)
    _same_size_rewrite(path, words, clustered)
    assert content_key(spec) != key_before
    after = hubs_for(spec, 60)
    fresh = hubs_for(spec, 60, use_cache=False)
    assert after.threshold == fresh.threshold and np.array_equal(after.degree, fresh.degree)
    assert after.threshold != before.threshold


# --- concurrent first use ------------------------------------------------------------

_WORKER = """
import sys, time
from pathlib import Path
from lib.sources import load_source
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.005)
source = load_source(sys.argv[1])
(table,) = [p for p in Path(sys.argv[3]).iterdir() if p.is_dir()]
print(table.stat().st_ino, source.lookup(["w00007"]).vectors[0][:3].tolist())
"""


def test_three_processes_building_the_same_table_all_succeed(tmp_path):
    rng = np.random.default_rng(2)
    words = [f"w{i:05d}" for i in range(20000)]
    vectors = rng.standard_normal((20000, 50)).astype(np.float32)
    path = write_word2vec(tmp_path / "big.txt", words, vectors, binary=False)
    go = tmp_path / "go"
    env = {
        **os.environ,
        "COSINE_RINGS_CACHE": str(tmp_path / "shared-cache"),
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    tables = tmp_path / "shared-cache" / "word2vec"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, f"word2vec:{path}", str(go), str(tables)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    time.sleep(2.0)  # let all three reach the start line (imports done)
    go.touch()
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err for _, err in outs]
    inodes = set()
    for out, _ in outs:
        inode, row = out.strip().split(" ", 1)
        inodes.add(int(inode))
        np.testing.assert_allclose(np.array(eval(row)), vectors[7][:3], atol=1e-4)
    # One process built the table; the other two waited and opened that same folder.
    (table,) = [p for p in tables.iterdir() if p.is_dir()]
    assert inodes == {table.stat().st_ino}
    assert not [p for p in tables.iterdir() if p.name.endswith(".tmp")]


def test_a_folder_committed_by_another_process_is_reused(tmp_path, monkeypatch):
    target = tmp_path / "entry"
    original = _cache.discard

    def late_discard(path):
        if Path(path) == target:
            return None  # the winner's folder appears right after our discard
        return original(path)

    monkeypatch.setattr(_cache, "discard", late_discard)
    with _cache.atomic_dir(target) as tmp:
        (tmp / "mine").write_text("loser")
        # Another process commits the same entry while we build ours.
        target.mkdir()
        (target / "theirs").write_text("winner")
    assert [p.name for p in target.iterdir()] == ["theirs"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# --- one line instead of a traceback ------------------------------------------------


def test_export_to_a_folder_is_one_line(tmp_path, capsys):
    folder = tmp_path / "out.csv"
    folder.mkdir()
    assert main(["export", "--source", "random:dim=8", "--words", "a,b,c", "--out", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "folder" in err and len(err.strip().splitlines()) == 1


def test_memory_error_is_one_line(monkeypatch, capsys):
    import lib.commands.graph as graph_command

    def too_big(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(graph_command, "build_graph", too_big)
    assert main(["graph", "--source", "random:dim=8", "--words", "a,b,c"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: not enough memory") and len(err.strip().splitlines()) == 1


def test_a_repeated_word_keeps_its_first_vector(tmp_path, capsys):
    path = tmp_path / "dup.txt"
    path.write_text("4 2\ncat 1 0\ndog 0 1\ncat 5 5\nbus 1 1\n")
    source = load_source(f"word2vec:{path}")
    found = source.lookup(["cat", "dog", "bus"])
    np.testing.assert_array_equal(found.vectors[0], [1, 0])
    assert main(["graph", "--source", f"word2vec:{path}", "--words", "cat,dog,bus"]) == 0
    assert capsys.readouterr().err == ""


def test_bad_options_never_reach_the_file_system(server_cwd):
    with _no_file_system(), pytest.raises(SpecError):
        parse_spec("word2vec:notes.txt,limit=abc", allow_paths=False)


def test_hubs_refuse_server_files_in_public(server_cwd):
    from lib.hubs.store import cached_hubs, vocabulary_matrix

    for spec in ("word2vec-train:notes.txt,min_count=1", "word2vec:notes.txt,limit=5"):
        with pytest.raises(ServerPathError):
            vocabulary_matrix(spec, 10, allow_paths=False)
        with pytest.raises(ServerPathError):
            cached_hubs(spec, 10, allow_paths=False)
        with pytest.raises(ServerPathError):
            hubs_for(spec, 10, allow_paths=False)
    assert not (server_cwd.parent / "cache" / "word2vec-train").exists()  # nothing trained or cached
