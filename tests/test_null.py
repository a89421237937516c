"""Null distributions: shapes, invariants of shuffling, known answers, z and p, the null command, the sweep."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from lib.analysis.null import NullStatistic, null_distributions, null_to_dict
from lib.analysis.sweep import mask_at, threshold_sweep
from lib.engine import ring_graph
from lib.errors import InputError

ROOT = Path(__file__).resolve().parents[1]


def clustered(n_per: int = 6, cats: int = 3, dim: int = 40, noise: float = 0.5, seed: int = 0):
    """Vectors with strong category structure: centre per category plus noise."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((cats, dim))
    x = np.repeat(centres, n_per, axis=0) + noise * rng.standard_normal((cats * n_per, dim))
    words = [f"w{i}" for i in range(cats * n_per)]
    categories = {w: f"c{i // n_per}" for i, w in enumerate(words)}
    return words, x, categories


def test_structured_space_beats_both_nulls():
    words, x, cats = clustered()
    g = ring_graph(words, x)
    res = null_distributions(g, x.shape[1], cats, draws=60, seed=1)
    assert set(res.statistics) == {"density", "modularity", "selectivity", "category_ari"}
    sel = res.statistics["selectivity"]
    assert sel.real > 0.5
    assert sel.p("random") == pytest.approx(1 / 61) and sel.p("shuffled") == pytest.approx(1 / 61)
    assert sel.z("random") > 5 and sel.z("shuffled") > 5
    assert res.statistics["category_ari"].real == pytest.approx(1.0)


def test_shuffling_keeps_the_graph_shape():
    words, x, cats = clustered(seed=3)
    g = ring_graph(words, x)
    res = null_distributions(g, x.shape[1], cats, draws=30, seed=2)
    dens = res.statistics["density"]
    assert np.allclose(dens.shuffled, g.density)
    assert dens.z("shuffled") is None and dens.p("shuffled") == 1.0
    # Random N(0,1) spaces keep about 16% of pairs under the seed rule.
    assert 0.08 < dens.random.mean() < 0.25


def test_random_source_is_not_special():
    # Two independent random spaces (a typical seed: RSA between such spaces has sd ~0.05 at 30 words).
    rng = np.random.default_rng(1)
    words = [f"w{i}" for i in range(30)]
    g = ring_graph(words, rng.standard_normal((30, 50)))
    other = ring_graph(words, rng.standard_normal((30, 50)))
    cats = {w: f"c{i % 3}" for i, w in enumerate(words)}
    res = null_distributions(g, 50, cats, other, draws=100, seed=0)
    assert "rsa" in res.statistics
    for name in ("selectivity", "category_ari", "rsa"):
        assert res.statistics[name].p("random") > 0.01
        assert res.statistics[name].p("shuffled") > 0.01
    rsa = res.statistics["rsa"]
    assert rsa.real == pytest.approx(
        stats.spearmanr(g.similarity[np.triu_indices(30, 1)], other.similarity[np.triu_indices(30, 1)])[0]
    )


def test_seeded_and_reproducible():
    words, x, cats = clustered(n_per=4)
    g = ring_graph(words, x)
    a = null_distributions(g, 40, cats, draws=10, seed=5)
    b = null_distributions(g, 40, cats, draws=10, seed=5)
    c = null_distributions(g, 40, cats, draws=10, seed=6)
    assert np.array_equal(a.statistics["modularity"].random, b.statistics["modularity"].random)
    assert not np.array_equal(a.statistics["modularity"].random, c.statistics["modularity"].random)


def test_z_and_p_by_hand():
    st = NullStatistic("x", 3.0, np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.0, 0.0, 0.0, 0.0]))
    assert st.z("random") == pytest.approx((3.0 - 2.5) / np.std([1, 2, 3, 4], ddof=1))
    assert st.p("random") == pytest.approx((1 + 2) / 5)
    assert st.z("shuffled") is None and st.p("shuffled") == pytest.approx(1 / 5)
    d = null_to_dict(type("R", (), {"statistics": {"x": st}})())
    assert d["x"]["real"] == 3.0 and d["x"]["random"]["values"] == [1.0, 2.0, 3.0, 4.0]


def test_bad_arguments():
    words, x, _ = clustered(n_per=2)
    g = ring_graph(words, x)
    with pytest.raises(InputError, match="draws"):
        null_distributions(g, 40, draws=0)
    with pytest.raises(InputError, match="same words"):
        null_distributions(g, 40, other=ring_graph(words[::-1], x))


def test_mask_at_matches_the_engine():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((15, 8))
    for rule, value in (("seed", None), ("course", None), ("fixed", 0.2)):
        g = ring_graph([str(i) for i in range(15)], x, rule=rule, k=0.5, value=value)
        mask, t = mask_at(g.similarity, rule, k=0.5, value=value)
        assert np.array_equal(mask, g.mask) and t == pytest.approx(g.threshold)


def test_threshold_sweep_counts():
    rng = np.random.default_rng(1)
    g = ring_graph([str(i) for i in range(25)], rng.standard_normal((25, 20)))
    sw = threshold_sweep(g.similarity)
    assert sw["k"].iloc[0] == 0.0 and sw["k"].iloc[-1] == 3.0 and len(sw) == 31
    at_one = sw[np.isclose(sw["k"], 1.0)].iloc[0]
    assert at_one["edges"] == g.n_edges and at_one["density"] == pytest.approx(g.density)
    assert (np.diff(sw["edges"]) <= 0).all() and (np.diff(sw["components"]) >= 0).all()
    assert sw["largest"].iloc[0] == 25 or sw["components"].iloc[0] > 1
    import networkx as nx

    at_two = sw[np.isclose(sw["k"], 2.0)].iloc[0]
    mask, _ = mask_at(g.similarity, k=2.0)
    graph = nx.from_numpy_array(mask.astype(int))
    comps = list(nx.connected_components(graph))
    assert at_two["components"] == len(comps) and at_two["largest"] == max(map(len, comps))
    with pytest.raises(InputError):
        threshold_sweep(np.ones((1, 1)))


def test_null_command():
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "lib",
            "null",
            "--source",
            "random:dim=30,seed=1",
            "--other",
            "random:dim=30,seed=2",
            "--preset",
            "course",
            "--draws",
            "20",
            "--seed",
            "3",
            "--format",
            "json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["draws"] == 20 and out["other"] == "random:dim=30,seed=2" and len(out["words"]) == 20
    st = out["statistics"]
    assert set(st) == {"density", "modularity", "selectivity", "category_ari", "rsa"}
    for entry in st.values():
        assert len(entry["random"]["values"]) == 20 and 0 < entry["random"]["p"] <= 1
    bad = subprocess.run(
        [sys.executable, "-m", "lib", "null", "--source", "random", "--words", "a,b,c", "--draws", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and bad.stderr.startswith("error: draws")


def test_null_histograms_mark_the_real_value():
    from lib.analysis.charts import REAL_LABEL, null_histograms

    words, x, cats = clustered(n_per=4)
    res = null_distributions(ring_graph(words, x), 40, cats, draws=15, seed=0)
    spec = null_histograms(res).to_dict()
    assert len(spec["concat"]) == len(res.statistics)
    for panel, (_name, st) in zip(spec["concat"], res.statistics.items()):
        bars, rule = panel["layer"]
        # The rule is "this source" on the colour legend, in red, and the x axis reaches it.
        colour = rule["encoding"]["color"]["scale"]
        assert colour["range"][colour["domain"].index(REAL_LABEL)] == "#d62728"
        assert spec["datasets"][rule["data"]["name"]][0]["model"] == REAL_LABEL
        assert spec["datasets"][rule["data"]["name"]][0]["value"] == pytest.approx(st.real, abs=1e-6)
        lo, hi = bars["encoding"]["x"]["scale"]["domain"]
        assert lo < st.real < hi
        rows = spec["datasets"][bars["data"]["name"]]
        assert len(rows) == 30 and {r["model"] for r in rows} == {"random", "shuffled"}


def test_render_null_in_streamlit_with_k_widget():
    from streamlit.testing.v1 import AppTest

    def app():
        from lib.graph import build_graph
        from lib.presets import preset
        from lib.sources import RandomSource
        from ui.analytics import render_null

        wl = preset("course")
        a = build_graph(RandomSource(dim=50, seed=1), wl.words)
        b = build_graph(RandomSource(dim=50, seed=2), wl.words)
        render_null(a, 50, wl.category_of(), b)

    at = AppTest.from_function(app, default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.number_input[0].value == 200
    table = at.dataframe[0].value
    assert list(table["statistic"])[:2] == ["Density (fraction of pairs kept)", "Modularity (Louvain)"]
    assert len(table) == 5 and "random z" in table.columns
    assert "What a random space still shows" in at.markdown[0].value
    at.number_input[0].set_value(20).run()
    assert not at.exception
    from lib.graph import build_graph
    from lib.presets import preset
    from lib.sources import RandomSource

    wl = preset("course")
    g = build_graph(RandomSource(dim=50, seed=1), wl.words).graph
    o = build_graph(RandomSource(dim=50, seed=2), wl.words).graph
    res = null_distributions(g, 50, wl.category_of(), o, draws=20, seed=0)
    shown = at.dataframe[0].value.set_index("statistic")
    # Numbers are shown with four decimals (a dash where undefined).
    assert shown.loc["Category selectivity", "random p"] == f"{res.statistics['selectivity'].p('random'):.4f}"


def test_random_baseline_page_shows_the_null_table():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=180)
    at.query_params.update({"preset": "course", "a": "random:dim=40,seed=3", "b": "random:dim=40,seed=4"})
    at.run()
    at.switch_page("app_pages/random_baseline.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Is it more than chance?" in [h.value for h in at.header]
    assert at.number_input(key="null_draws").value == 200
    table = at.dataframe[-1].value.set_index("statistic")
    assert len(table) == 5  # density, modularity, selectivity, category ARI, RSA with B
    from lib.graph import build_graph
    from lib.presets import preset
    from lib.sources import RandomSource

    g = build_graph(RandomSource(dim=40, seed=3), preset("course").words).graph
    assert table.loc["Density (fraction of pairs kept)", "real"] == f"{g.density:.4f}"
    assert table.loc["Density (fraction of pairs kept)", "shuffled z"] == "–"  # shuffling never changes density


def test_shuffled_draw_carries_the_partition_like_a_fresh_louvain():
    from sklearn.metrics import adjusted_rand_score

    from lib.analysis.communities import louvain
    from lib.analysis.null import _relabelled

    words, x, _ = clustered(n_per=5, cats=4, noise=0.4, seed=2)
    g = ring_graph(words, x)
    part = louvain(words, g.similarity, g.mask)
    rng = np.random.default_rng(0)
    for _ in range(5):
        p = rng.permutation(len(words))
        idx = np.ix_(p, p)
        fresh = louvain(words, g.similarity[idx], g.mask[idx])
        carried = _relabelled(part, p)
        assert adjusted_rand_score(fresh.labels, carried.labels) == pytest.approx(1.0)
        assert carried.modularity == pytest.approx(fresh.modularity)
        assert sorted(map(sorted, carried.communities)) == sorted(map(sorted, fresh.communities))


def test_render_null_waits_for_a_toggle_on_long_lists():
    from streamlit.testing.v1 import AppTest

    def app():
        from lib.graph import build_graph
        from lib.sources import RandomSource
        from ui.analytics import render_null

        words = [f"w{i}" for i in range(160)]
        render_null(build_graph(RandomSource(dim=10, seed=1), words), 10, draws=10)

    at = AppTest.from_function(app, default_timeout=120).run()
    assert not at.exception and len(at.dataframe) == 0
    at.toggle(key="null_run").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    assert list(at.dataframe[0].value["statistic"]) == ["Density (fraction of pairs kept)", "Modularity (Louvain)"]
