"""The command line end to end, in a subprocess, including every bad input of the core issue."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lib.engine import ring_graph
from lib.sources import RandomSource

ROOT = Path(__file__).resolve().parents[1]
WORDS = "cat,dog,car,bus,apple,pear"


def run_cli(*args: str, check_rc: int | None = 0) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "lib", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    if check_rc is not None:
        assert proc.returncode == check_rc, proc.stderr
    return proc


def write_w2v(path: Path, words: list[str], vectors: np.ndarray, binary: bool) -> Path:
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vector_size=vectors.shape[1])
    kv.add_vectors(words, vectors.astype(np.float32))
    kv.save_word2vec_format(str(path), binary=binary)
    return path


def test_graph_random_json_is_correct():
    out = json.loads(run_cli("graph", "--source", "random:dim=50,seed=1", "--words", WORDS, "--format", "json").stdout)
    assert {"source", "words", "missing", "threshold", "nodes", "edges"} <= set(out)
    assert out["source"] == "random:dim=50,seed=1"
    assert out["words"] == WORDS.split(",")
    src = RandomSource(dim=50, seed=1)
    g = ring_graph(out["words"], src.lookup(out["words"]).vectors)
    assert out["threshold"] == pytest.approx(g.threshold, abs=1e-6)
    assert [n["degree"] for n in out["nodes"]] == g.degree.tolist()
    assert [(e["source"], e["target"]) for e in out["edges"]] == list(zip(g.edges["source"], g.edges["target"]))
    assert out["nodes"][0] == {
        "word": "cat",
        "x": 1.0,
        "y": 0.0,
        "degree": int(g.degree[0]),
        "size": pytest.approx(g.size[0], abs=1e-6),
    }


def test_random_vectors_do_not_depend_on_the_list_or_process():
    a = RandomSource(dim=20, seed=3).lookup(["cat", "dog"]).vectors
    b = RandomSource(dim=20, seed=3).lookup(["zebra", "dog", "cat"]).vectors
    np.testing.assert_array_equal(a[0], b[2])
    out = run_cli("graph", "--source", "random:dim=20,seed=3", "--words", "cat,dog,zebra")
    again = run_cli("graph", "--source", "random:dim=20,seed=3", "--words", "cat,dog,zebra")
    assert out.stdout == again.stdout
    assert RandomSource(dim=20, seed=4).lookup(["cat"]).vectors.tolist() != a[:1].tolist()


@pytest.mark.parametrize(
    "binary, name", [(True, "vec.bin"), (False, "vec.txt"), (True, "vec.dat"), (False, "vec.bin.gz")]
)
def test_graph_word2vec_file(tmp_path, binary, name):
    rng = np.random.default_rng(0)
    words = ["cat", "dog", "Paris", "car", "bus", "apple"]
    vecs = rng.standard_normal((6, 8))
    path = write_w2v(tmp_path / name, words, vecs, binary)
    out = json.loads(run_cli("graph", "--source", f"word2vec:{path}", "--words", "cat,dog,paris,car,bus,zebra").stdout)
    assert out["words"] == ["cat", "dog", "paris", "car", "bus"]
    assert out["missing"] == [{"word": "zebra", "reason": "not in vocabulary"}]
    assert out["notes"] == [{"word": "paris", "note": "found as 'Paris'"}]
    csv = run_cli("graph", "--source", f"word2vec:{path}", "--words", "cat,dog,paris,car,bus,zebra", "--format", "csv")
    assert csv.stdout.startswith("source,target,cosine")  # the words left out go to stderr, not into the CSV
    assert "note: zebra: left out (not in vocabulary)" in csv.stderr and "note: paris: found as 'Paris'" in csv.stderr
    g = ring_graph(out["words"], vecs[:5])
    assert out["threshold"] == pytest.approx(g.threshold, abs=1e-5)
    assert [n["degree"] for n in out["nodes"]] == g.degree.tolist()


def test_csv_format_writes_the_edge_table():
    out = run_cli("graph", "--source", "random:dim=50,seed=1", "--words", WORDS, "--format", "csv").stdout
    lines = out.strip().splitlines()
    assert lines[0] == "source,target,cosine"
    cos = [float(ln.rsplit(",", 1)[1]) for ln in lines[1:]]
    assert cos == sorted(cos) and len(cos) > 0


def test_words_file_and_preset(tmp_path):
    p = tmp_path / "w.csv"
    p.write_text("a,cat\na,dog\nb,car\nb,bus\n", encoding="utf-8")
    out = json.loads(run_cli("graph", "--source", "random", "--words-file", str(p)).stdout)
    assert out["words"] == ["cat", "dog", "car", "bus"]
    out = json.loads(run_cli("graph", "--source", "random", "--preset", "course").stdout)
    assert len(out["words"]) == 20


def test_zero_and_nan_vectors_are_dropped_not_nan(tmp_path):
    words = ["a", "b", "c", "d", "zero", "nan"]
    vecs = np.random.default_rng(1).standard_normal((6, 4))
    vecs[4] = 0
    vecs[5, 0] = np.nan
    path = write_w2v(tmp_path / "v.txt", words, vecs, binary=False)
    out = json.loads(run_cli("graph", "--source", f"word2vec:{path}", "--words", ",".join(words)).stdout)
    assert out["words"] == ["a", "b", "c", "d"]
    assert {m["word"]: m["reason"] for m in out["missing"]} == {
        "zero": "zero vector",
        "nan": "vector has NaN or infinite values",
    }
    assert all(np.isfinite(e["cosine"]) for e in out["edges"])


def test_all_equal_similarities(tmp_path):
    path = write_w2v(tmp_path / "v.txt", ["a", "b", "c"], np.ones((3, 4)), binary=False)
    out = json.loads(run_cli("graph", "--source", f"word2vec:{path}", "--words", "a,b,c").stdout)
    assert out["stats"]["all_equal"] is True and len(out["edges"]) == 3


def _truncated_binary(tmp_path: Path) -> Path:
    good = write_w2v(tmp_path / "good.bin", ["a", "b", "c", "d"], np.ones((4, 50)), binary=True)
    bad = tmp_path / "trunc.bin"
    bad.write_bytes(good.read_bytes()[:300])
    return bad


BAD_CASES = {
    "no words": (["--source", "random", "--words", ""], "no words given"),
    "only spaces": (["--source", "random", "--words", " , ,"], "no words given"),
    "no word option": (["--source", "random"], "no words given"),
    "two words": (["--source", "random", "--words", "cat,dog"], "at least 3 usable words"),
    "duplicates leave two": (["--source", "random", "--words", "cat,dog,cat,dog"], "duplicate"),
    "unknown spec": (["--source", "nosuch:thing", "--words", WORDS], "valid forms: random"),
    "bad random option": (["--source", "random:dims=3", "--words", WORDS], "unknown option"),
    "bad random value": (["--source", "random:dim=abc", "--words", WORDS], "dim must be a whole number"),
    "missing file": (["--source", "word2vec:/nonexistent/v.bin", "--words", WORDS], "no such file"),
    "fixed without value": (["--source", "random", "--words", WORDS, "--rule", "fixed"], "needs --value"),
    "negative k": (["--source", "random", "--words", WORDS, "--k", "-2"], "k must be"),
    "fixed out of range": (
        ["--source", "random", "--words", WORDS, "--rule", "fixed", "--value", "7"],
        "between -1 and 1",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_input_one_line_exit_2(case):
    args, message = BAD_CASES[case]
    proc = run_cli("graph", *args, check_rc=2)
    assert proc.stdout == ""
    err = proc.stderr.strip()
    assert message in err
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err


@pytest.mark.parametrize("kind", ["truncated", "garbage", "header only", "bad header"])
def test_bad_word2vec_files_name_the_file(tmp_path, kind):
    if kind == "truncated":
        path = _truncated_binary(tmp_path)
    else:
        path = tmp_path / f"{kind.replace(' ', '_')}.txt"
        path.write_bytes(
            {"garbage": b"\x00\x01\x02 garbage", "header only": b"3 4\n", "bad header": b"hello world foo\n1 2 3\n"}[
                kind
            ]
        )
    proc = run_cli("graph", "--source", f"word2vec:{path}", "--words", "a,b,c", check_rc=2)
    err = proc.stderr.strip()
    assert err.startswith("error: ") and str(path) in err and "\n" not in err, err


def test_help_lists_subcommands():
    out = run_cli("--help").stdout
    assert "graph" in out and "sources" in out


@pytest.mark.parametrize("command", ["compare", "graph", "matrix", "neighbours", "null", "sources", "hubs"])
def test_help_is_plain_text_and_explains_format(command):
    out = run_cli(command, "--help").stdout
    assert "``" not in out and ":mod:" not in out
    if command != "hubs":
        assert "--format {" in out and out.split("--format {", 2)[-1].split("\n", 1)[0].strip().count(" ") > 1


def test_compare_text_is_rounded_and_json_exact():
    args = ("compare", "--a", "random:dim=20,seed=1", "--b", "random:dim=20,seed=2", "--preset", "course")
    exact = json.loads(run_cli(*args, "--permutations", "99").stdout)
    text = run_cli(*args, "--permutations", "99", "--format", "text").stdout
    assert f"spearman {exact['rsa']['spearman']:.3f} " in text
    assert not re.search(r"\d\.\d{5,}", text)  # no 16-digit floats for people
    assert len(repr(exact["rsa"]["spearman"])) > 8  # the JSON keeps every digit


def test_a_words_file_that_is_not_what_it_seems_is_said(tmp_path):
    rows = tmp_path / "w.csv"
    rows.write_text("fruit,apple\nfruit,pear,ripe\nfurniture,chair\n")
    proc = run_cli("graph", "--source", "random:dim=5", "--words-file", str(rows), "--format", "csv")
    assert "warning:" in proc.stderr and "row 2 has 3 fields" in proc.stderr
    vectors = tmp_path / "v.txt"
    vectors.write_text("2 4\ncat 0.1 0.2 0.3 0.4\ndog 1.2328 8 12 1\n")
    proc = run_cli("graph", "--source", "random:dim=5", "--words-file", str(vectors), check_rc=2)
    assert "looks like a vectors file" in proc.stderr and "word2vec:PATH" in proc.stderr


def test_export_names_the_words_it_dropped(tmp_path):
    out = tmp_path / "g.svg"
    proc = run_cli("export", "--source", "random:dim=5", "--words", "cat,dog,dog,bus", "--out", str(out))
    assert "note: dog: left out (duplicate)" in proc.stderr
