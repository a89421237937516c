"""Two-source measures against independent computations (scipy, direct loops), and the compare command."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from lib.analysis.communities import community_order
from lib.analysis.compare import (
    _CHUNK_VALUES,
    _permutation_batches,
    align_results,
    common_words,
    compare_graphs,
    mantel_test,
    selectivity,
)
from lib.engine import ring_graph
from lib.errors import InputError
from lib.graph import build_graph
from lib.presets import preset
from lib.sources import RandomSource

ROOT = Path(__file__).resolve().parents[1]
WORDS = [f"w{i}" for i in range(20)]


def graphs(seed_a: int, seed_b: int, n: int = 20, dim: int = 30):
    words = [f"w{i}" for i in range(n)]
    rng_a, rng_b = np.random.default_rng(seed_a), np.random.default_rng(seed_b)
    return ring_graph(words, rng_a.standard_normal((n, dim))), ring_graph(words, rng_b.standard_normal((n, dim)))


def upper(s):
    return s[np.triu_indices(len(s), 1)]


def test_rsa_point_estimates_match_scipy():
    a, b = graphs(1, 2)
    # Make B related to A so the correlation is far from 0.
    x = np.random.default_rng(1).standard_normal((20, 30))
    b = ring_graph(a.words, x + 0.7 * np.random.default_rng(5).standard_normal((20, 30)))
    c = compare_graphs(a, b, permutations=200)
    assert c.rsa.spearman == pytest.approx(stats.spearmanr(upper(a.similarity), upper(b.similarity))[0], abs=1e-12)
    assert c.rsa.pearson == pytest.approx(stats.pearsonr(upper(a.similarity), upper(b.similarity))[0], abs=1e-12)
    assert c.rsa.spearman > 0.5 and c.rsa.p_value == pytest.approx(1 / 201)


def test_mantel_null_matches_a_direct_loop():
    a, b = graphs(3, 4, n=7)
    stat, p, null = mantel_test(a.similarity, b.similarity, permutations=300, seed=11)
    perms = np.concatenate(list(_permutation_batches(7, 300, 11, _CHUNK_VALUES // 21)))
    loop = []
    for perm in perms:
        pb = b.similarity[np.ix_(perm, perm)]
        loop.append(stats.spearmanr(upper(a.similarity), upper(pb))[0])
    loop = np.array(loop)
    np.testing.assert_allclose(null, loop, atol=1e-12)
    assert stat == pytest.approx(stats.spearmanr(upper(a.similarity), upper(b.similarity))[0], abs=1e-12)
    assert p == pytest.approx((1 + np.sum(loop >= stat - 1e-12)) / 301)


def test_mantel_p_agrees_with_exhaustive_enumeration():
    a, b = graphs(8, 9, n=5)
    ua = upper(a.similarity)
    stat = stats.pearsonr(ua, upper(b.similarity))[0]
    exact = [
        stats.pearsonr(ua, upper(b.similarity[np.ix_(p, p)]))[0] for p in map(list, itertools.permutations(range(5)))
    ]
    exact_p = np.mean(np.array(exact) >= stat - 1e-12)
    got_stat, got_p, _ = mantel_test(a.similarity, b.similarity, permutations=20000, seed=0, method="pearson")
    assert got_stat == pytest.approx(stat, abs=1e-12)
    assert got_p == pytest.approx(exact_p, abs=0.015)


def test_source_compared_with_itself():
    a, _ = graphs(1, 2)
    c = compare_graphs(a, a, permutations=999, seed=3)
    assert c.rsa.spearman == pytest.approx(1.0) and c.rsa.pearson == pytest.approx(1.0)
    assert c.rsa.p_value == pytest.approx(1 / 1000)
    assert c.edges.jaccard == 1.0 and len(c.edges.only_a) == 0 and len(c.edges.only_b) == 0
    assert len(c.edges.shared) == a.n_edges
    assert c.degree_spearman == pytest.approx(1.0)
    assert c.ari == pytest.approx(1.0)
    assert c.hubs_a == c.hubs_b == c.hubs_shared


def test_independent_random_sources_are_not_alike():
    a, b = graphs(21, 22, n=40, dim=100)
    c = compare_graphs(a, b, permutations=2000, seed=0)
    assert abs(c.rsa.spearman) < 0.1
    assert c.rsa.p_value > 0.05


def test_edge_and_degree_agreement_by_hand():
    a, b = graphs(5, 6)
    ea = {frozenset(p) for p in zip(a.edges["source"], a.edges["target"])}
    eb = {frozenset(p) for p in zip(b.edges["source"], b.edges["target"])}
    c = compare_graphs(a, b, permutations=10)
    assert c.edges.jaccard == pytest.approx(len(ea & eb) / len(ea | eb))
    assert {frozenset(p) for p in zip(c.edges.shared["source"], c.edges.shared["target"])} == ea & eb
    assert {frozenset(p) for p in zip(c.edges.only_a["source"], c.edges.only_a["target"])} == ea - eb
    assert {frozenset(p) for p in zip(c.edges.only_b["source"], c.edges.only_b["target"])} == eb - ea
    assert c.degree_spearman == pytest.approx(stats.spearmanr(a.degree, b.degree)[0])
    assert c.hubs_a[0] == a.words[int(np.argmax(a.degree))]
    counts = c.pairs["quadrant"].value_counts()
    assert counts.get("both", 0) == len(ea & eb) and counts.sum() == a.n_pairs


def test_selectivity_by_hand():
    s = np.array([[1, 0.8, 0.1, 0.2], [0.8, 1, 0.3, 0.0], [0.1, 0.3, 1, 0.6], [0.2, 0.0, 0.6, 1]])
    cats = {"a": "x", "b": "x", "c": "y", "d": "y"}
    assert selectivity(list("abcd"), s, cats) == pytest.approx((0.8 + 0.6) / 2 - (0.1 + 0.2 + 0.3 + 0.0) / 4)
    assert selectivity(list("abcd"), s, {w: "x" for w in "abcd"}) is None


def test_categories_give_category_measures():
    wl = preset("course")
    src = RandomSource(dim=50, seed=1)
    a = build_graph(src, wl.words).graph
    c = compare_graphs(a, a, wl.category_of(), permutations=10)
    assert c.selectivity_a == pytest.approx(c.selectivity_b)
    assert c.category_ari_a is not None and -1 <= c.category_ari_a <= 1


def test_align_results_drops_words_missing_in_the_other(tmp_path):
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vector_size=4)
    kv.add_vectors(["cat", "dog", "car", "bus"], np.random.default_rng(0).standard_normal((4, 4)).astype(np.float32))
    path = tmp_path / "v.txt"
    kv.save_word2vec_format(str(path), binary=False)
    from lib.sources import load_source

    w2v, rnd = load_source(f"word2vec:{path}"), RandomSource(dim=8)
    words = ["cat", "dog", "pear", "car", "bus"]
    a, b = align_results(build_graph(w2v, words), build_graph(rnd, words), w2v, rnd, words)
    assert a.graph.words == b.graph.words == ("cat", "dog", "car", "bus")
    assert any(m.word == "pear" and "not in" in m.reason for m in b.missing)
    assert common_words(["x", "y", "z"], ["z", "x"]) == ["x", "z"]
    with pytest.raises(InputError, match="need at least 3"):
        three = ["cat", "dog", "pear"]
        align_results(build_graph(w2v, ["cat", "dog", "car"]), build_graph(rnd, three), w2v, rnd, three)


def test_compare_rejects_different_words_and_bad_permutations():
    a, _ = graphs(1, 2)
    b = ring_graph(list(reversed(a.words)), np.eye(20))
    with pytest.raises(InputError, match="same words"):
        compare_graphs(a, b)
    with pytest.raises(InputError, match="permutations"):
        mantel_test(a.similarity, a.similarity, permutations=0)


def run_cli(*args: str, rc: int = 0) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "lib", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == rc, proc.stderr
    return proc


def test_compare_command_json(tmp_path):
    from lib.graph import graph_to_dict

    f = tmp_path / "w.csv"
    f.write_text("category,word\nanimal,cat\nanimal,dog\nanimal,cow\nvehicle,car\nvehicle,bus\nvehicle,van\n")
    out = json.loads(
        run_cli(
            "compare",
            "--a",
            "random:dim=20,seed=1",
            "--b",
            "random:dim=20,seed=1",
            "--words-file",
            str(f),
            "--permutations",
            "99",
            "--seed",
            "4",
            "--format",
            "json",
        ).stdout
    )
    assert {"words", "a", "b", "rsa", "edges", "degree_spearman", "communities", "selectivity"} <= set(out)
    assert out["words"] == ["cat", "dog", "cow", "car", "bus", "van"]
    assert out["a"] == graph_to_dict(build_graph(RandomSource(dim=20, seed=1), out["words"]))
    # Full precision: Pearson of identical matrices is 1 to float64 rounding (0.9999999999999997 here).
    assert out["rsa"] == {
        "spearman": 1.0,
        "pearson": pytest.approx(1.0, abs=1e-15),
        "p_value": 0.01,
        "permutations": 99,
    }
    assert out["edges"]["jaccard"] == 1.0 and out["edges"]["only_a"] == []
    assert {"a", "b", "ari"} <= set(out["communities"]) and out["communities"]["ari"] == 1.0
    assert out["selectivity"]["a"] == out["selectivity"]["b"]


def test_compare_command_errors():
    p = run_cli("compare", "--a", "random", "--b", "nope:x", "--words", "a,b,c", rc=2)
    assert p.stderr.startswith("error:") and len(p.stderr.strip().splitlines()) == 1
    p = run_cli("compare", "--a", "random", "--b", "random", "--words", "a,b,c", "--permutations", "0", rc=2)
    assert "permutations" in p.stderr
    text = run_cli(
        "compare",
        "--a",
        "random",
        "--b",
        "random:seed=3",
        "--preset",
        "course",
        "--permutations",
        "50",
        "--format",
        "text",
    ).stdout
    assert "RSA" in text and "selectivity" in text


def test_pair_scatter_chart_has_quadrants_and_both_thresholds():
    from lib.analysis.charts import QUADRANTS, pair_scatter, pair_scatter_data

    a, b = graphs(1, 2, n=12)
    c = compare_graphs(a, b, permutations=10)
    spec = pair_scatter(c, a, b, label_a="W2V", label_b="RND").to_dict()
    layers = spec["layer"]
    assert layers[0]["mark"]["type"] == "circle"
    assert layers[0]["encoding"]["color"]["scale"]["domain"] == list(QUADRANTS)
    assert {t["field"] for t in layers[0]["encoding"]["tooltip"]} >= {"source", "target", "cosine_a", "cosine_b"}
    datasets = spec["datasets"]
    rule_x = datasets[layers[1]["data"]["name"]][0]["threshold"]
    rule_y = datasets[layers[2]["data"]["name"]][0]["threshold"]
    assert rule_x == pytest.approx(a.threshold) and rule_y == pytest.approx(b.threshold)
    assert "x" in layers[1]["encoding"] and "y" in layers[2]["encoding"]
    rows = datasets[layers[0]["data"]["name"]]
    assert len(rows) == a.n_pairs
    for r in rows:  # each point's quadrant agrees with the two masks
        i, j = a.words.index(r["source"]), a.words.index(r["target"])
        expect = {(True, True): "both", (True, False): "only A", (False, True): "only B", (False, False): "neither"}
        assert r["quadrant"] == expect[(bool(a.mask[i, j]), bool(b.mask[i, j]))]
    big_a, big_b = graphs(3, 4, n=120, dim=10)
    d = pair_scatter_data(compare_graphs(big_a, big_b, permutations=5), max_points=3000)
    edges_either = int((big_a.mask | big_b.mask)[np.triu_indices(120, 1)].sum())
    assert len(d.frame) == 3000 and (d.frame["quadrant"] != "neither").sum() == edges_either
    assert d.omitted == big_a.n_pairs - 3000


def test_sweep_chart_marks_current_k():
    from lib.analysis.charts import SWEEP_MEASURES, sweep_chart
    from lib.analysis.sweep import threshold_sweep

    a, b = graphs(1, 2)
    spec = sweep_chart({"A": threshold_sweep(a.similarity), "B": threshold_sweep(b.similarity)}, 1.3).to_dict()
    assert len(spec["concat"]) == len(SWEEP_MEASURES)
    first = spec["concat"][0]["layer"]
    assert spec["datasets"][first[1]["data"]["name"]] == [{"k": 1.3}]
    assert {r["source"] for r in spec["datasets"][first[0]["data"]["name"]]} == {"A", "B"}


def test_render_comparison_and_sweep_in_streamlit():
    from streamlit.testing.v1 import AppTest

    def app():
        from lib.graph import build_graph
        from lib.presets import preset
        from lib.sources import RandomSource
        from ui.analytics import render_comparison, render_sweep

        wl = preset("course")
        a = build_graph(RandomSource(dim=50, seed=1), wl.words)
        b = build_graph(RandomSource(dim=50, seed=2), wl.words)
        render_comparison(a, b, wl.category_of(), permutations=300, seed=0)
        render_sweep({"A": a, "B": b}, 1.0)
        c = build_graph(RandomSource(dim=50, seed=2), wl.words[:10])
        render_comparison(a, c)

    at = AppTest.from_function(app, default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    wl = preset("course")
    a = build_graph(RandomSource(dim=50, seed=1), wl.words).graph
    b = build_graph(RandomSource(dim=50, seed=2), wl.words).graph
    c = compare_graphs(a, b, wl.category_of(), permutations=300, seed=0)
    shown = {m.label: m.value for m in at.metric}
    assert shown["RSA (Spearman)"] == f"{c.rsa.spearman:.3f}"
    assert shown["Mantel p"] == f"{c.rsa.p_value:.4f}"
    assert shown["Edge Jaccard"] == f"{c.edges.jaccard:.3f}"
    assert shown["Communities ARI"] == f"{c.ari:.3f}"
    assert len(at.get("vega_lite_chart")) == 4  # scatter, two community rings, sweep
    assert any("different words" in i.value for i in at.info)


def _ring_words(chart) -> list[str]:
    import pyarrow as pa

    for ds in chart.proto.datasets:
        df = pa.ipc.open_stream(ds.data.data).read_pandas()
        if {"word", "x"} <= set(df.columns):
            return df["word"].tolist()
    raise AssertionError("no node table in the chart")


def test_compare_page_shows_the_measures_and_orders_rings_by_community():
    from streamlit.testing.v1 import AppTest

    from lib.analysis.communities import community_order, louvain

    spec_a, spec_b = "random:dim=50,seed=1", "random:dim=50,seed=2"
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=180)
    at.query_params.update({"preset": "course", "a": spec_a, "b": spec_b, "order": "community"})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    wl = preset("course")
    a = build_graph(RandomSource(dim=50, seed=1), wl.words).graph
    order = community_order(a.words, louvain(a.words, a.similarity, a.mask).communities)
    rings = at.get("vega_lite_chart")
    assert _ring_words(rings[0]) == order and _ring_words(rings[1]) == order
    b = build_graph(RandomSource(dim=50, seed=2), order).graph
    a = build_graph(RandomSource(dim=50, seed=1), order).graph
    c = compare_graphs(a, b, wl.category_of(), permutations=10_000, seed=0)
    shown = {m.label: m.value for m in at.metric}
    assert shown["RSA (Spearman)"] == f"{c.rsa.spearman:.3f}" and shown["Edge Jaccard"] == f"{c.edges.jaccard:.3f}"
    assert {"Communities (Louvain, cosine as weight)", "Threshold sweep"} <= {s.value for s in at.subheader}


def test_page_permutations_shrink_for_long_lists():
    from ui.analytics import PERMUTATION_BUDGET, page_permutations

    assert page_permutations(50) == 10_000 and page_permutations(200) == 10_000
    assert page_permutations(1000) == PERMUTATION_BUDGET // (1000 * 999 // 2)
    assert page_permutations(5000) == 199 and page_permutations(20, 500) == 500


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(4, 15), dim=st.integers(2, 12))
def test_compare_is_symmetric_and_p_is_in_range(seed, n, dim):
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(n)]
    a, b = ring_graph(words, rng.standard_normal((n, dim))), ring_graph(words, rng.standard_normal((n, dim)))
    ab, ba = compare_graphs(a, b, permutations=49, seed=seed), compare_graphs(b, a, permutations=49, seed=seed)
    assert ab.rsa.spearman == pytest.approx(ba.rsa.spearman) and ab.edges.jaccard == pytest.approx(ba.edges.jaccard)
    assert len(ab.edges.only_a) == len(ba.edges.only_b) and ab.ari == pytest.approx(ba.ari)
    assert 1 / 50 <= ab.rsa.p_value <= 1 and 0 <= ab.edges.jaccard <= 1
    assert sorted(community_order(a.words, ab.communities_a.communities)) == sorted(words)
