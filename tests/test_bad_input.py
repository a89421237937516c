"""Every bad input, one table, through the command line and through the app.

Each case gives a clear one-line message (CLI: exit code 2 or a reported
drop; app: st.error / st.warning), never an exception or a traceback,
writes nothing to the cache, and the app keeps working for the next input.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.apptest_support import app_test

ROOT = Path(__file__).resolve().parents[1]
TEN_THOUSAND = ",".join(f"w{i}" for i in range(10_000))
HUGE_WORD = "x" * 1_000_000
HTML = "<img/src=x/onerror=alert(1)>"  # no spaces: words split on whitespace


@dataclass(frozen=True)
class Case:
    #: CLI arguments after ``graph``; ``{tmp}`` is replaced by the test's folder.
    cli: list[str] | None
    #: Text expected in the CLI's message (stderr line, or a drop reason in the JSON).
    cli_says: str
    #: The CLI's exit code.
    rc: int = 2
    #: The app's query string (a shared link), or None.
    query: dict | None = None
    #: Text expected in the app's st.error / st.warning messages ("" : none expected).
    app_says: str = ""
    #: Files the CLI case reads: name -> bytes.
    files: dict[str, bytes] = field(default_factory=dict)


CASES: dict[str, Case] = {
    "empty list": Case(
        ["--source", "random", "--words", ""], "no words given", query={"words": ""}, app_says="has no words"
    ),
    "one word": Case(
        ["--source", "random", "--words", "cat"],
        "at least 3 usable words",
        query={"words": "cat", "a": "random", "b": "random:dim=50,seed=1"},
        app_says="at least 3 usable words",
    ),
    "all words missing": Case(
        ["--source", "glove", "--words", "qzxqv,vqzxq,xqvzq"],
        "not in vocabulary",
        query={"words": "qzxqv,vqzxq,xqvzq", "a": "glove"},
        app_says="not in vocabulary",
    ),
    "duplicates": Case(
        ["--source", "random", "--words", "cat,dog,cat,dog"],
        "duplicate",
        query={"words": "cat,dog,cat,dog", "a": "random", "b": "random:dim=50,seed=1"},
        app_says="duplicate",
    ),
    "10,000 words": Case(
        ["--source", "random", "--words", TEN_THOUSAND],
        "the limit is 5,000",
        query={"words": TEN_THOUSAND},
        app_says="the limit is 5,000",
    ),
    "a 1 MB word": Case(
        ["--source", "random", "--words-file", "{tmp}/huge.txt"],
        "longer than 100 characters",
        rc=0,
        files={"huge.txt": f"cat dog car {HUGE_WORD}".encode()},
        query={"words": f"cat,dog,car,{HUGE_WORD}", "a": "random"},
        app_says="",
    ),
    "control characters": Case(
        ["--source", "random", "--words", "cat,dog,car,ca\x07t,bus"],
        "control or invisible characters",
        rc=0,
        query={"words": "cat,dog,car,ca\x07t,bus", "a": "random"},
        app_says="",
    ),
    "right-to-left and emoji": Case(
        ["--source", "random", "--words", "שלום,سلام,🙂,cat"],
        "",
        rc=0,
        query={"words": "שלום,سلام,🙂,cat", "a": "random"},
        app_says="",
    ),
    "HTML in a word": Case(
        ["--source", "random", "--words", f"{HTML},cat,dog,car"],
        "",
        rc=0,
        query={"words": f"{HTML},cat,dog,car", "a": "random"},
        app_says="",
    ),
    "non-UTF-8 word list": Case(
        ["--source", "random", "--words-file", "{tmp}/latin1.txt"],
        "not UTF-8",
        files={"latin1.txt": "café,naïve,crème,brûlée".encode("latin-1")},
    ),
    "corrupt vectors file": Case(
        ["--source", "word2vec:{tmp}/bad.bin", "--words", "cat,dog,car"],
        "malformed or truncated",
        files={"bad.bin": b"3 4\ncat \x00\x01\x02"},
    ),
    "empty training corpus": Case(
        ["--source", "word2vec-train:{tmp}/empty.txt", "--words", "cat,dog,car"], "empty", files={"empty.txt": b"\n\n"}
    ),
    "unknown source": Case(
        ["--source", "nosuch", "--words", "cat,dog,car"], "valid forms", query={"a": "nosuch"}, app_says="nosuch"
    ),
    "garbage query values": Case(
        ["--source", "random", "--words", "cat,dog,car", "--rule", "zzz"],
        "invalid choice",
        query={
            "rule": "zzz",
            "k": "abc",
            "order": "sideways",
            "labels": "maybe",
            "colour": "<b>",
            "preset": "nope",
            "bogus": "1",
        },
        app_says="is not one of",
    ),
    "negative k": Case(
        ["--source", "random", "--words", "cat,dog,car", "--k", "-1"], "k must be", query={"k": "-1"}, app_says="k='-1'"
    ),
    "huge k": Case(
        ["--source", "random", "--words", "cat,dog,car", "--k", "1e9"],
        "k must be",
        query={"k": "1e9"},
        app_says="k='1e9'",
    ),
    "repeated parameter": Case(
        ["--source", "random", "--words", "cat,dog", "--words", "cat,dog,car"],
        "",
        rc=0,
        query={"rule": ["fixed", "seed"], "k": ["2", "1.5"]},
        app_says="",
    ),
    "local path in the app": Case(None, "", query={"a": "word2vec:/etc/passwd"}, app_says="COSINE_RINGS_ALLOW_PATHS"),
}


def _cache_files(cache: Path) -> list[Path]:
    return [p for p in cache.rglob("*") if p.is_file()] if cache.exists() else []


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c.cli is not None])
def test_command_line(name, tmp_path):
    case = CASES[name]
    for fname, data in case.files.items():
        (tmp_path / fname).write_bytes(data)
    cache = tmp_path / "cache"
    env = {**os.environ, "COSINE_RINGS_CACHE": str(cache)}
    args = [a.replace("{tmp}", str(tmp_path)) for a in case.cli]
    source = args[args.index("--source") + 1]
    # What a good use of the same source caches (GloVe's word index, say) is allowed;
    # the bad input must add nothing to it.
    subprocess.run(
        [sys.executable, "-m", "lib", "graph", "--source", source, "--words", "cat,dog,car,bus"],
        cwd=ROOT,
        capture_output=True,
        timeout=180,
        env=env,
    )
    cached_before = _cache_files(cache)
    proc = subprocess.run(
        [sys.executable, "-m", "lib", "graph", *args], cwd=ROOT, capture_output=True, text=True, timeout=180, env=env
    )
    assert proc.returncode == case.rc, proc.stderr[-500:]
    assert "Traceback" not in proc.stderr
    if case.rc == 2:
        lines = proc.stderr.strip().splitlines()
        assert len(lines) >= 1 and len(lines[-1]) < 1000
        assert case.cli_says in lines[-1]
    else:
        out = json.loads(proc.stdout)
        reasons = " ".join(m["reason"] for m in out["missing"])
        assert case.cli_says in reasons
        assert len(out["words"]) >= 3
        if name == "HTML in a word":
            assert out["words"][0] == HTML  # words are data, carried verbatim
    assert _cache_files(cache) == cached_before


def _messages(at) -> str:
    from ui.text import shown

    return " | ".join(shown(str(e.value)) for e in list(at.error) + list(at.warning))


def _ring_count(at) -> int:
    n = 0
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        marks = {(layer.get("mark") or {}).get("type") for layer in spec.get("layer", [])}
        n += {"rule", "circle"} <= marks
    return n


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c.query is not None])
def test_app(name, tmp_path, monkeypatch):
    case = CASES[name]
    cache = tmp_path / "cache"
    monkeypatch.setenv("COSINE_RINGS_CACHE", str(cache))
    # A good use of the default sources may cache (GloVe's word index); bad input adds nothing.
    from lib.sources import load_source

    load_source("glove").lookup(["cat", "dog"])
    cached_before = _cache_files(cache)
    at = app_test(case.query)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    said = _messages(at)
    if case.app_says:
        assert case.app_says in said, said
    else:
        assert _ring_count(at) >= 1, said
    assert _cache_files(cache) == cached_before
    # The app keeps working: the next input draws both rings with no message.
    at.radio(key="mode").set_value("preset").run()
    at.selectbox(key="preset").set_value("animals")
    at.selectbox(key="a_choice").set_value("random")
    at.selectbox(key="b_choice").set_value("random:dim=50")
    at.radio(key="rule").set_value("seed").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, _messages(at)
    assert _ring_count(at) >= 2


def test_app_non_utf8_upload_then_recovers(tmp_path, monkeypatch):
    monkeypatch.setenv("COSINE_RINGS_CACHE", str(tmp_path / "cache"))
    at = app_test({"a": "random", "b": "random:dim=50,seed=1"})
    at.run()
    at.radio(key="mode").set_value("upload").run()
    at.file_uploader(key="upload").set_value(("latin1.txt", "café,naïve,crème".encode("latin-1"), "text/plain")).run()
    assert not at.exception
    assert "not UTF-8" in _messages(at)
    at.file_uploader(key="upload").set_value(("ok.txt", b"cat dog car bus", "text/plain")).run()
    assert not at.exception and not at.error, _messages(at)
    assert _ring_count(at) >= 2
