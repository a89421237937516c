"""``abtt:SPEC``: all-but-the-top against an independent reference, its options and its errors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from lib.errors import SourceError, SpecError
from lib.sources import AbttSource, load_source
from lib.sources._abtt import default_top
from tests.source_fixtures import write_word2vec


@pytest.fixture()
def w2v(tmp_path, monkeypatch):
    monkeypatch.setenv("COSINE_RINGS_CACHE", str(tmp_path / "cache"))
    rng = np.random.default_rng(11)
    words = [f"w{i}" for i in range(400)]
    # A common direction and a shared offset: the anisotropy abtt removes.
    vectors = rng.standard_normal((400, 20)) + 3.0 + np.outer(rng.standard_normal(400) * 4, rng.standard_normal(20))
    path = write_word2vec(tmp_path / "v.bin", words, vectors)
    return f"word2vec:{path}", words, vectors.astype(np.float32).astype(np.float64)


def _reference(x: np.ndarray, fit: np.ndarray, top: int) -> np.ndarray:
    """Mean of ``fit`` removed, then the top right singular vectors of the centred ``fit`` projected out."""
    mean = fit.mean(axis=0)
    _, _, vt = np.linalg.svd(fit - mean, full_matrices=False)
    v = vt[:top].T
    c = x - mean
    return c - c @ v @ v.T


@pytest.mark.parametrize(("options", "top", "rows"), [("", 1, 400), (",top=3", 3, 400), (",top=2,rows=150", 2, 150)])
def test_abtt_equals_reference(w2v, options, top, rows):
    spec, words, vectors = w2v
    source = load_source(f"abtt:{spec}{options}")
    assert isinstance(source, AbttSource) and (source.top, source.fit_rows) == (top, rows)
    got = source.lookup(["w5", "w17", "w399"])
    want = _reference(vectors[[5, 17, 399]], vectors[:rows], top)
    np.testing.assert_allclose(got.vectors, want, rtol=1e-5, atol=1e-5)
    _, all_rows = source.vocabulary()
    ref = _reference(vectors, vectors[:rows], top)
    np.testing.assert_allclose(all_rows, ref, rtol=1e-5, atol=1e-5)
    if rows == len(words):  # fitted on every row: centred, and nothing left along the removed directions
        assert np.abs(all_rows.mean(axis=0)).max() < 1e-4
    assert source.spec == f"abtt:{spec},top={top},rows={rows}"


def test_abtt_defaults_and_nesting(w2v):
    spec, _, _ = w2v
    assert [default_top(d) for d in (20, 100, 149, 150, 300, 768)] == [1, 1, 1, 2, 3, 8]
    shuffled = load_source(f"abtt:shuffled:{spec},seed=4,top=2")
    assert shuffled.top == 2 and shuffled.base.spec.endswith(",seed=4")
    outer = load_source(f"shuffled:abtt:{spec},top=2,seed=1")
    assert outer.base.top == 2


@pytest.mark.parametrize(
    ("suffix", "error", "message"),
    [
        (",top=20", SpecError, "top=20 must be smaller than the dimension"),
        (",rows=500", SourceError, "rows=500 but"),
        (",top=3,rows=3", SourceError, "needs more than top=3 rows"),
        (",top=0", SpecError, "top must be at least 1"),
    ],
)
def test_abtt_bad_options(w2v, suffix, error, message):
    spec, _, _ = w2v
    with pytest.raises(error, match=message):
        load_source(f"abtt:{spec}{suffix}")


def test_abtt_refuses_random_and_empty():
    with pytest.raises(SpecError, match="random vectors have no vocabulary"):
        load_source("abtt:random:dim=20")
    with pytest.raises(SpecError, match="abtt needs a source"):
        load_source("abtt:")


def test_abtt_in_commands_one_line_errors(w2v):
    spec, _, _ = w2v
    ok = subprocess.run(
        [sys.executable, "-m", "lib", "graph", "--source", f"abtt:{spec}", "--words", "w1,w2,w3,w4,w5"],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "lib", "card", "--source", f"abtt:{spec},top=20"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "smaller than the dimension" in bad.stderr
