"""Exact numbers out: full-precision JSON, flat and near-flat spaces, one node per vector."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lib.cli import main
from lib.engine import FLAT_SPREAD, is_flat, ring_graph, upper_triangle
from lib.graph import build_graph
from lib.hubs import hub_degrees
from lib.sources import KeyedVectorsSource, load_source, set_cache_root

WORDS = "cat,dog,horse,cow,car,bus,train,apple,banana,paris,london,red"


@pytest.fixture(autouse=True)
def _cache(tmp_path):
    set_cache_root(tmp_path / "cache")
    yield
    set_cache_root(None)


def _cli_json(argv: list[str], capsys) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


# --- full-precision JSON --------------------------------------------------------


def test_graph_json_round_trips_float64(capsys):
    out = _cli_json(["graph", "--source", "glove", "--words", WORDS], capsys)
    g = build_graph(load_source("glove"), WORDS.split(",")).graph
    assert out["threshold"] == g.threshold and out["median"] == g.median and out["std"] == g.std
    assert out["stats"]["density"] == g.density
    assert [n["x"] for n in out["nodes"]] == g.x.tolist() and [n["size"] for n in out["nodes"]] == g.size.tolist()
    pairs = zip(g.edges["i"], g.edges["j"], strict=True)
    assert [e["cosine"] for e in out["edges"]] == [g.similarity[i, j] for i, j in pairs]
    # A float64 reference computed independently of the engine.
    v = load_source("glove").lookup(WORDS.split(",")).vectors.astype(np.float64)
    unit = v / np.linalg.norm(v, axis=1, keepdims=True)
    ref = unit @ unit.T
    assert (
        max(abs(e["cosine"] - ref[g.words.index(e["source"]), g.words.index(e["target"])]) for e in out["edges"])
        < 1e-15
    )
    assert any(len(repr(e["cosine"])) > 10 for e in out["edges"])  # not cut to 6 decimals


def test_compare_and_null_json_are_not_rounded(capsys):
    out = _cli_json(
        ["compare", "--a", "glove", "--b", "random:dim=50,seed=1", "--words", WORDS, "--permutations", "99"], capsys
    )
    a = build_graph(load_source("glove"), WORDS.split(",")).graph
    assert out["a"]["threshold"] == a.threshold
    assert any(len(repr(x)) > 10 for x in (out["rsa"]["spearman"], out["rsa"]["pearson"]))
    null = _cli_json(["null", "--source", "glove", "--words", WORDS, "--draws", "5"], capsys)
    density = null["statistics"]["density"]
    real = build_graph(load_source("glove"), WORDS.split(",")).graph.density
    assert density["real"] == real  # e.g. 0.2857142857142857, not 0.285714
    values = np.array(density["random"]["values"])
    assert density["random"]["mean"] == float(np.mean(values))
    assert density["random"]["std"] == float(np.std(values, ddof=1))


# --- flat and near-flat spaces ----------------------------------------------------


def _near_flat(n: int = 40, seed: int = 0) -> np.ndarray:
    """Unit-ish rows e0 + delta * r: cosines about 1 - 4e-11, spread over a few 1e-10."""
    rng = np.random.default_rng(seed)
    v = np.zeros((n, 4))
    v[:, 0] = 1.0
    v[:, 1:] = 3.65e-6 * rng.standard_normal((n, 3))
    return v


def _reference_cosines(v: np.ndarray) -> np.ndarray:
    x = v.astype(np.longdouble)
    unit = x / np.sqrt((x * x).sum(axis=1, keepdims=True))
    return unit @ unit.T


@pytest.mark.parametrize("rule", ["seed", "course"])
def test_near_flat_space_gets_an_ordinary_threshold(rule):
    v = _near_flat()
    g = ring_graph([f"w{i}" for i in range(40)], v, rule=rule)
    u = upper_triangle(g.similarity)
    assert 1e-10 < np.ptp(u) < 1e-9 and abs(np.median(u) - 0.99999999996) < 3e-11
    assert not g.flat and 0 < g.n_edges < 780 and g.std > 0
    ref = _reference_cosines(v)
    iu = np.triu_indices(40, k=1)
    error = np.abs(ref[iu] - u).max()
    assert error < 1e-15
    assert np.abs(ref[iu] - g.threshold).min() > error  # every pair is on the same side of T in both
    want = ref[iu] > g.threshold if rule == "course" else ref[iu] >= g.threshold
    assert g.n_edges == int(want.sum())
    assert set(zip(g.edges["i"], g.edges["j"], strict=True)) == {(i, j) for i, j, w in zip(*iu, want, strict=True) if w}
    hubs = hub_degrees(list(g.words), v, rule=rule)
    assert (
        hubs.degree.tolist() == g.degree.tolist()
        and not hubs.flat
        and hubs.threshold == pytest.approx(g.threshold, abs=1e-15)
    )


def test_seed_rule_near_flat_example_is_not_complete():
    g = ring_graph([f"w{i}" for i in range(40)], _near_flat(), rule="seed")
    assert g.n_pairs == 780 and g.n_edges < 200


@pytest.mark.parametrize("rule", ["seed", "course", "fixed"])
def test_exactly_flat_spaces(rule):
    rng = np.random.default_rng(3)
    base = rng.standard_normal(300)
    copies = base * rng.uniform(0.5, 2.0, (40, 1))  # scaled copies: cosine 1 up to rounding
    value = 0.5 if rule == "fixed" else None
    g = ring_graph([f"w{i}" for i in range(40)], copies, rule=rule, value=value)
    assert g.flat and g.n_edges == 780
    if rule != "fixed":
        assert g.std == 0.0 and g.threshold == g.median
    hubs = hub_degrees(list(g.words), copies, rule=rule, value=value)
    assert hubs.flat and hubs.degree.tolist() == [39] * 40


@pytest.mark.parametrize("rule", ["seed", "course"])
def test_orthogonal_rows_are_flat_and_the_course_rule_has_a_defined_result(rule):
    q, _ = np.linalg.qr(np.random.default_rng(4).standard_normal((40, 40)))
    for rows in (np.eye(40), q):
        g = ring_graph([f"w{i}" for i in range(40)], rows, rule=rule)
        assert g.flat and g.n_edges == 780 and g.std == 0.0
        if rows is not q:  # every cosine exactly 0: the course rule's non-zero set is empty
            assert g.median == 0.0 and g.threshold == 0.0


def test_flat_rule_is_relative_to_float64_rounding():
    assert FLAT_SPREAD == 64 * np.finfo(np.float64).eps
    assert is_flat(np.array([0.3, 0.3 + 32 * np.finfo(float).eps]))
    assert not is_flat(np.array([0.99999999996, 0.99999999996 + 3e-10]))
    assert not is_flat(np.array([1e-3, 1e-3 + 1e-12]))
    assert not is_flat(np.zeros(0))


# --- one node per vector --------------------------------------------------------------


def test_case_variants_become_one_node_in_every_word_source(tmp_path, capsys):
    from gensim.models import KeyedVectors

    words = "Cat,dog,cat,CAT,horse,Dog,cow".split(",")
    out = _cli_json(["graph", "--source", "glove", "--words", ",".join(words)], capsys)
    assert out["words"] == ["Cat", "dog", "horse", "cow"]
    assert out["missing"] == [
        {"word": "cat", "reason": "same vector as 'Cat'"},
        {"word": "CAT", "reason": "same vector as 'Cat'"},
        {"word": "Dog", "reason": "same vector as 'dog'"},
    ]
    kv = KeyedVectors(vector_size=4)
    kv.add_vectors(["cat", "dog", "horse", "cow", "Cat"], np.random.default_rng(0).standard_normal((5, 4)))
    res = KeyedVectorsSource(kv, spec="upload:x", name="x").lookup(words)
    # 'Cat' is its own entry here; 'cat' and 'CAT' share the lower-case one.
    assert res.words == ("Cat", "dog", "cat", "horse", "cow")
    assert [(m.word, m.reason) for m in res.missing] == [
        ("CAT", "same vector as 'cat'"),
        ("Dog", "same vector as 'dog'"),
    ]


def test_passage_words_that_share_a_vector_become_one_node():
    src = load_source("glove")
    units = src.passage_units("The cat saw the dog. THE END")
    res = src.lookup(units)
    assert "The" in res.words and "the" not in res.words and "THE" not in res.words
    assert {m.word: m.reason for m in res.missing}["the"] == "same vector as 'The'"


def test_transformer_words_with_the_same_tokens_become_one_node():
    res = load_source("minilm").lookup(["Paris", "paris", "PARIS", "london"])
    assert res.words == ("Paris", "london")
    assert [m.reason for m in res.missing] == ["same vector as 'Paris'"] * 2
