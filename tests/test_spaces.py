"""The space card: hubness and anisotropy against brute force, benchmarks against gensim, the card command."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from gensim.models import KeyedVectors
from gensim.test.utils import datapath

from lib.errors import InputError
from lib.spaces.anisotropy import anisotropy
from lib.spaces.benchmarks import (
    BenchVocabulary,
    benchmark_words,
    check_benchmarks,
    evaluate_analogies,
    evaluate_pairs,
)
from lib.spaces.hubness import hubness
from tests.source_fixtures import write_word2vec


def _brute_counts(x: np.ndarray, k: int) -> np.ndarray:
    """N_k from the full float64 cosine matrix: k largest others per row, ties to the smaller index."""
    u = x / np.linalg.norm(x, axis=1, keepdims=True)
    s = u @ u.T
    np.fill_diagonal(s, -np.inf)
    counts = np.zeros(len(x), dtype=np.int64)
    for i in range(len(x)):
        order = np.lexsort((np.arange(len(x)), -s[i]))[:k]
        counts[order] += 1
    return counts


def test_hubness_equals_brute_force():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2000, 12)) + np.array([1.5] + [0] * 11)  # a shifted cloud has hubs
    x[7] = x[5]  # an exact tie between two words
    words = [f"w{i}" for i in range(len(x))]
    got = hubness(x, words, (5, 10, 50))
    for k in (5, 10, 50):
        counts = _brute_counts(x, k)
        h = got[k]
        assert np.array_equal(h.counts, counts)
        assert counts.sum() == len(x) * k
        c = counts - counts.mean()
        assert h.skewness == pytest.approx((c**3).mean() / (c**2).mean() ** 1.5, rel=1e-12)
        assert h.hub_rate == np.mean(counts > 2 * k)
        assert h.antihub_rate == np.mean(counts == 0)
        assert h.robinhood == pytest.approx(np.abs(counts - k).sum() / (2 * len(x) * k), rel=1e-12)
        top = sorted(range(len(x)), key=lambda i: (-counts[i], i))[:20]
        assert [w for w, _ in h.top_hubs] == [words[i] for i in top]
    assert got[5].skewness > 0.3  # N_k of a 12-dimensional cloud is right-skewed


def test_hubness_rejects_bad_k():
    with pytest.raises(InputError, match="between 1 and 9"):
        hubness(np.eye(10), [str(i) for i in range(10)], (5, 10))


def test_anisotropy_equals_brute_force():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((600, 8)) + 2.0
    a = anisotropy(x)
    u = x / np.linalg.norm(x, axis=1, keepdims=True)
    s = u @ u.T
    assert a.mean_cosine == pytest.approx((s.sum() - np.trace(s)) / (600 * 599), rel=1e-10)
    sv = np.linalg.svd(u - u.mean(axis=0), compute_uv=False) ** 2
    assert a.top_pc_share == pytest.approx(sv[0] / sv.sum(), rel=1e-10)
    assert a.effective_dim == pytest.approx(sv.sum() ** 2 / (sv**2).sum(), rel=1e-10)
    assert a.mean_cosine > 0.5  # a shifted cloud is a narrow cone


@pytest.fixture(scope="module")
def small_space():
    """The first 1,500 GloVe words plus case variants near some answers' inputs (gensim's ignore rule)."""
    from lib.sources import load_source

    words, vectors = load_source("glove").vocabulary(1500)
    rng = np.random.default_rng(5)
    extra_w, extra_v = [], []
    for w in ("france", "paris", "germany", "london", "king", "man", "good"):
        i = words.index(w)
        for form in (w.title(), w.upper(), w[:-1] + w[-1].upper()):
            extra_w.append(form)
            extra_v.append(vectors[i] + 0.05 * rng.standard_normal(vectors.shape[1]).astype(np.float32))
    words = words + extra_w
    vectors = np.vstack([vectors, np.array(extra_v, dtype=np.float32)])
    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(words, vectors)
    return words, vectors, kv


@pytest.mark.parametrize("name", ["wordsim353.tsv", "simlex999.txt"])
def test_word_pairs_equal_gensim(small_space, name):
    words, vectors, kv = small_space
    got = evaluate_pairs(BenchVocabulary(words, vectors), datapath(name))
    bench = {"wordsim353.tsv": "wordsim353", "simlex999.txt": "simlex999"}[name]
    only = BenchVocabulary(words, vectors, only=benchmark_words([bench]))  # as the card indexes them
    assert evaluate_pairs(only, datapath(name)) == got and len(only.index) < len(set(w.upper() for w in words))
    pearson, spearman, oov = kv.evaluate_word_pairs(datapath(name))
    assert got["pearson"] == pytest.approx(pearson[0], abs=1e-6)  # gensim's cosines are float32
    assert got["spearman"] == pytest.approx(spearman[0], abs=1e-9)
    assert 100 * (1 - got["pairs_used"] / got["pairs_total"]) == pytest.approx(oov, abs=1e-9)
    lo, hi = got["spearman_ci"]
    assert lo < got["spearman"] < hi


def test_analogies_equal_gensim(small_space):
    words, vectors, kv = small_space
    got = evaluate_analogies(BenchVocabulary(words, vectors), datapath("questions-words.txt"))
    only = BenchVocabulary(words, vectors, only=benchmark_words(["analogies"]))  # as the card indexes them
    assert evaluate_analogies(only, datapath("questions-words.txt")) == got
    score, sections = kv.evaluate_word_analogies(datapath("questions-words.txt"))
    total = sections[-1]
    assert got["correct"] == len(total["correct"])
    assert got["questions_used"] == len(total["correct"]) + len(total["incorrect"])
    assert got["accuracy"] == pytest.approx(score, abs=0)
    assert got["questions_total"] == 19544
    for mine, theirs in zip(got["sections"], sections[:-1], strict=True):
        assert mine["section"] == theirs["section"]
        assert mine["correct"] == len(theirs["correct"])
        assert mine["questions_used"] == len(theirs["correct"]) + len(theirs["incorrect"])
    assert got["correct"] > 50


def test_restrict_vocab_and_unknown_benchmark():
    vocab = BenchVocabulary(["a", "b", "C", "c"], np.eye(4), restrict_vocab=3)
    assert len(vocab) == 3 and vocab.index == {"A": 0, "B": 1, "C": 2}
    with pytest.raises(InputError, match="unknown benchmark 'wordsim'"):
        check_benchmarks(["wordsim"])


def _cli(*args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lib", *args], capture_output=True, text=True, env=env)


@pytest.fixture()
def w2v_spec(tmp_path, monkeypatch):
    rng = np.random.default_rng(6)
    words = ["king", "queen", "man", "woman", "paris", "france", "berlin", "germany", "cat", "dog"]
    words += [f"w{i}" for i in range(290)]
    path = write_word2vec(tmp_path / "small.bin", words, rng.standard_normal((300, 16)))
    monkeypatch.setenv("COSINE_RINGS_CACHE", str(tmp_path / "cache"))
    return f"word2vec:{path}"


def test_card_command_and_cache(w2v_spec, tmp_path):
    import os

    env = {**os.environ, "COSINE_RINGS_CACHE": str(tmp_path / "cache")}
    first = _cli("card", "--source", w2v_spec, "--top", "200", "--k", "5,10", env=env)
    assert first.returncode == 0, first.stderr
    card = json.loads(first.stdout)
    assert set(card["hubness"]) == {"5", "10"} and card["rows"] == 200
    assert card["benchmarks"]["wordsim353"]["pairs_total"] == 353
    assert card["benchmarks"]["analogies"]["questions_total"] == 19544
    assert list((tmp_path / "cache" / "cards").glob("*.parquet"))
    again = _cli("card", "--source", w2v_spec, "--top", "200", "--k", "5,10", env=env)
    assert json.loads(again.stdout) == card
    text = _cli("card", "--source", w2v_spec, "--top", "200", "--k", "5", "--format", "text", env=env)
    assert "k=5: skewness" in text.stdout and "wordsim353" in text.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "glove", "--benchmarks", "wordsim"], "unknown benchmark 'wordsim'"),
        (["--source", "glove", "--top", "50", "--k", "5,50"], "--top must be larger than the largest k (50)"),
        (["--source", "random:dim=8"], "has no fixed vocabulary"),
        (["--source", "glove", "--k", "five"], "--k must be comma-separated"),
    ],
)
def test_card_bad_input_one_line(args, message):
    out = _cli("card", *args)
    assert out.returncode == 2
    assert out.stderr.startswith("error: ") and message in out.stderr and out.stderr.count("\n") == 1
