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


def test_fixed_rule_in_a_flat_space_reports_std_zero():
    from lib.graph import GraphResult, graph_to_dict

    copies = np.random.default_rng(3).standard_normal(50) * np.random.default_rng(4).uniform(0.5, 2.0, (10, 1))
    g = ring_graph([f"w{i}" for i in range(10)], copies, rule="fixed", value=0.5)
    assert g.flat and 0 < np.ptp(upper_triangle(g.similarity)) and g.std == 0.0
    out = graph_to_dict(GraphResult("test", "test", 50, g, (), ()))
    assert out["std"] == 0.0 and out["stats"]["all_equal"] and out["threshold"] == 0.5


def _exact_cosine_is_one(a, b) -> bool:
    """Whether integer rows a and b point the same way, in exact integer arithmetic."""
    dot = sum(int(x) * int(y) for x, y in zip(a, b, strict=True))
    return dot > 0 and dot * dot == sum(int(x) ** 2 for x in a) * sum(int(y) ** 2 for y in b)


def test_equal_unit_rows_have_cosine_exactly_one():
    rng = np.random.default_rng(7)
    base = rng.integers(-9, 10, (6, 3))
    # Each base row four times (as is, doubled, as is, times 4: the same unit row), scattered.
    rows = np.concatenate([base, 2 * base, base, 4 * base])[rng.permutation(24)]
    g = ring_graph([f"w{i}" for i in range(24)], rows.astype(np.float64), rule="fixed", value=1.0)
    want = {(i, j) for i in range(24) for j in range(i + 1, 24) if _exact_cosine_is_one(rows[i], rows[j])}
    assert len(want) == 6 * 6  # 6 pairs within each group of 4
    assert set(zip(g.edges["i"], g.edges["j"], strict=True)) == want
    assert all(g.similarity[i, j] == 1.0 for i, j in want)
    assert (g.similarity == g.similarity.T).all()
    # Rows equal in their first entries but not after are not made equal.
    sparse = ring_graph(["a", "b", "c"], np.array([[0, 0, 0, 0, 1, 2], [0, 0, 0, 0, 2, 1], [0, 0, 0, 0, 1, 2.0]]))
    assert sparse.similarity[0, 2] == 1.0 and sparse.similarity[0, 1] == pytest.approx(0.8, abs=1e-15)


# --- one node per vector --------------------------------------------------------------


def test_case_variants_become_one_node_in_every_word_source(tmp_path, capsys):
    from gensim.models import KeyedVectors

    words = "Cat,dog,cat,CAT,horse,Dog,cow".split(",")
    out = _cli_json(["graph", "--source", "glove", "--words", ",".join(words)], capsys)
    # GloVe is lower-case: 'cat' is the entry as typed, so it keeps it although 'Cat' comes first.
    assert out["words"] == ["dog", "cat", "horse", "cow"]
    assert out["missing"] == [
        {"word": "Cat", "reason": "same vector as 'cat'"},
        {"word": "CAT", "reason": "same vector as 'cat'"},
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
    assert "the" in res.words and "The" not in res.words and "THE" not in res.words
    assert {m.word: m.reason for m in res.missing}["The"] == "same vector as 'the'"


def test_transformer_words_with_the_same_tokens_become_one_node():
    res = load_source("minilm").lookup(["Paris", "paris", "PARIS", "london"])
    assert res.words == ("paris", "london")  # MiniLM lower-cases: 'paris' is the token as typed
    assert [(m.word, m.reason) for m in res.missing] == [
        ("Paris", "same vector as 'paris'"),
        ("PARIS", "same vector as 'paris'"),
    ]


# --- one case rule across sources (decided together) -----------------------------------


def _w2v(tmp_path, name: str, rows: dict[str, list[float]]) -> str:
    from tests.source_fixtures import write_word2vec

    path = write_word2vec(tmp_path / f"{name}.txt", list(rows), np.array(list(rows.values()), dtype=np.float32))
    return f"word2vec:{path}"


FIXED = ("--rule", "fixed", "--value", "-1")
_OTHERS = {"dog": [0.0, 1.0, 0.2], "car": [0.3, -1.0, 0.5], "sun": [-1.0, 0.1, 0.4]}


def test_an_exact_entry_of_every_source_is_kept_and_never_paired_with_another(tmp_path, capsys):
    # A has 'Cat' and 'cat'; B only 'cat'. Independent reference: B's 'cat' pairs with A's 'cat', never A's 'Cat'.
    a_rows = {"Cat": [1.0, 0.0, 0.0], "cat": [0.0, 0.0, 1.0], **_OTHERS}
    b_rows = {"cat": [0.5, 0.5, 0.0], **_OTHERS}
    a, b = _w2v(tmp_path, "a", a_rows), _w2v(tmp_path, "b", b_rows)
    out = _cli_json(
        ["compare", "--a", a, "--b", b, "--words", "Cat,cat,dog,car,sun", "--permutations", "9", *FIXED], capsys
    )
    assert out["words"] == ["cat", "dog", "car", "sun"]
    assert {"word": "Cat", "reason": f"same vector as 'cat' in {b}"} in out["a"]["missing"]
    assert {"word": "Cat", "reason": "same vector as 'cat'"} in out["b"]["missing"]

    def cosine(u, v):  # of the stored float32 rows, in float64
        u, v = (np.asarray(x, dtype=np.float32).astype(np.float64) for x in (u, v))
        return float(u @ v / np.sqrt((u @ u) * (v @ v)))

    pairs = {(e["source"], e["target"]): e["cosine"] for e in out["a"]["edges"]}
    assert len(pairs) == 6  # fixed at -1: every pair is an edge
    for (s, t), c in pairs.items():
        assert c == pytest.approx(cosine(a_rows[s], a_rows[t]), abs=1e-15)
    from lib.analysis.matrix import align_sources

    results, common, dropped = align_sources(
        [load_source(a), load_source(b), load_source("random:dim=4")], ["Cat", "cat", "dog", "car", "sun"]
    )
    assert common == ("cat", "dog", "car", "sun")
    assert results[0].graph.similarity[0, 1] == pytest.approx(cosine(a_rows["cat"], a_rows["dog"]), abs=1e-15)
    assert [(d.word, d.source, d.reason) for d in dropped] == [("Cat", b, "same vector as 'cat'")]


def test_a_case_variant_typed_first_does_not_take_the_exact_word(tmp_path):
    from lib.analysis.neighbours_vocab import shared_word_list
    from lib.graph import build_graphs

    rows = {"Zebra": [1.0, 0.2, 0.0], **_OTHERS}
    a, b = load_source(_w2v(tmp_path, "a", rows)), load_source(_w2v(tmp_path, "b", rows))
    listed = ["zebra", "Zebra", "dog", "car", "sun"]
    vocab = shared_word_list(a, b, listed)
    assert vocab.words == ("Zebra", "dog", "car", "sun")
    assert [(m.word, m.reason) for m in vocab.missing] == [("zebra", "A: same vector as 'Zebra'")]
    ga, gb = build_graphs([a, b], listed)
    assert ga.graph.words == gb.graph.words == ("Zebra", "dog", "car", "sun")


def test_with_no_exact_entry_in_every_source_the_first_typed_form_stays(tmp_path):
    from lib.graph import build_graphs

    # A has only 'zebra', B only 'Zebra': each is typed exactly, neither is in both.
    a = load_source(_w2v(tmp_path, "a", {"zebra": [1.0, 0.2, 0.0], **_OTHERS}))
    b = load_source(_w2v(tmp_path, "b", {"Zebra": [0.0, 0.2, 1.0], **_OTHERS}))
    ga, gb = build_graphs([a, b], ["zebra", "Zebra", "dog", "car", "sun"])
    assert ga.graph.words == gb.graph.words == ("zebra", "dog", "car", "sun")
    assert ga.notes == () and [(n.word, n.note) for n in gb.notes] == [("zebra", "found as 'Zebra'")]
    assert [(m.word, m.reason) for m in ga.missing] == [("Zebra", "same vector as 'zebra'")]


def test_cat_and_cat_on_glove_and_minilm_keep_the_word_both_have_as_typed():
    from lib.analysis.neighbours_vocab import shared_word_list

    vocab = shared_word_list(load_source("glove"), load_source("minilm"), ["Cat", "cat", "dog", "car"])
    assert vocab.words == ("cat", "dog", "car")
    assert [(m.word, m.reason) for m in vocab.missing] == [("Cat", "A: same vector as 'cat'")]


# --- what the docs say about the Mantel p and the ARI -----------------------------------


def test_mantel_p_permutes_b_so_swapping_the_sources_changes_p():
    from scipy import stats

    from lib.analysis.compare import mantel_test
    from lib.engine import cosine_matrix

    rng = np.random.default_rng(11)
    x = rng.standard_normal((9, 4))
    sa, sb = cosine_matrix(x), cosine_matrix(x + rng.standard_normal((9, 4)))
    iu = np.triu_indices(9, k=1)

    def reference(x, y, permutations=199, seed=0):  # permute y's rows and columns together, as docs/method.md says
        r = stats.spearmanr(x[iu], y[iu]).statistic
        perms = np.random.default_rng(seed).permuted(np.tile(np.arange(9), (permutations, 1)), axis=1)
        null = [stats.spearmanr(x[iu], y[np.ix_(p, p)][iu]).statistic for p in perms]
        return r, (1 + sum(v >= r - 1e-12 for v in null)) / (1 + permutations)

    r_ab, p_ab, _ = mantel_test(sa, sb, permutations=199, seed=0)
    r_ba, p_ba, _ = mantel_test(sb, sa, permutations=199, seed=0)
    want_ab, want_ba = reference(sa, sb), reference(sb, sa)
    assert r_ab == pytest.approx(want_ab[0], abs=1e-12) and r_ba == pytest.approx(r_ab, abs=1e-12)
    assert (p_ab, p_ba) == (want_ab[1], want_ba[1]) and p_ab != p_ba


def test_ari_of_two_all_singleton_partitions_is_one_although_the_formula_is_zero_over_zero():
    from math import comb

    from lib.analysis.communities import Partition, partition_ari

    words = tuple("abcde")
    singletons = Partition(words, tuple((w,) for w in words), np.arange(5), 0.0)
    # The formula's numerator and denominator, in exact integers: both 0.
    index = sum(comb(1, 2) for _ in words)
    expected = index * index / comb(5, 2)
    assert index - expected == 0 and (index + index) / 2 - expected == 0
    assert partition_ari(singletons, singletons) == 1.0


def test_a_word_of_several_tokens_is_the_float64_mean_of_its_token_rows():
    from fractions import Fraction

    src = load_source("minilm")
    res = src.lookup(["starfruit", "banana"])
    assert res.words == ("starfruit", "banana") and res.vectors.dtype == np.float64
    rows = src.rows(np.array(src.vocab.word_ids("starfruit", space=src.space)))  # the 3 stored float32 rows
    assert rows.shape[0] == 3 and rows.dtype == np.float32
    exact = np.array([float(sum(Fraction(float(x)) for x in col) / 3) for col in rows.T])  # correctly rounded
    assert np.all(np.abs(res.vectors[0] - exact) <= np.spacing(np.abs(exact)))
    assert np.array_equal(res.vectors[1], src.rows(np.array(src.vocab.word_ids("banana", space=src.space)))[0])
