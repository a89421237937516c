"""The blockwise hubs engine equals the dense engine; cache, cancellation, command line."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from lib.cli import main
from lib.engine import ring_graph
from lib.errors import InputError
from lib.hubs import Cancelled, hub_degrees, strongest_neighbours
from lib.hubs.store import cache_path, cached_hubs, hubs_for, read_result, vocabulary_matrix, write_result
from lib.sources import content_key
from lib.sources._cache import set_cache_root


@pytest.fixture
def cache(tmp_path):
    set_cache_root(tmp_path / "cache")
    yield tmp_path / "cache"
    set_cache_root(None)


def _tokens(n: int) -> list[str]:
    return [f"t{i}" for i in range(n)]


def _same_as_dense(vectors: np.ndarray, block: int, **kw):
    """Assert that the blockwise run equals the dense engine; return both."""
    tokens = _tokens(len(vectors))
    got = hub_degrees(tokens, vectors, block=block, **kw)
    want = ring_graph(tokens, vectors, **kw)
    assert got.threshold == pytest.approx(want.threshold, abs=1e-12)
    assert got.median == pytest.approx(want.median, abs=1e-12)
    assert got.std == pytest.approx(want.std, abs=1e-12)
    assert got.flat == want.flat
    np.testing.assert_array_equal(got.degree, want.degree)
    assert got.n_edges == want.n_edges
    return got, want


def test_glove_3000_equals_dense():
    words, vectors = vocabulary_matrix("glove", 3000)
    got = hub_degrees(words, vectors, block=700)  # uneven blocks: 700 does not divide 3000
    want = ring_graph(words, vectors)
    assert got.n_pairs == 3000 * 2999 // 2
    assert abs(got.threshold - want.threshold) < 1e-6
    np.testing.assert_array_equal(got.degree, want.degree)
    assert got.timings["dtype"] == "float32"
    assert got.timings["passes"] == 1  # the sampled bracket held the median


@pytest.mark.parametrize("rule,kw", [("seed", {}), ("seed", {"k": 1.7}), ("fixed", {"value": 0.1})])
@pytest.mark.parametrize("n,d", [(65, 4), (500, 32), (1500, 300)])
def test_single_pass_equals_dense(n, d, rule, kw):
    vectors = np.random.default_rng(n + d).standard_normal((n, d)).astype(np.float32)
    got, want = _same_as_dense(vectors, 128, rule=rule, **kw)
    assert got.timings["passes"] == 1
    # Not a vacuous case: some pairs kept and some not, and the degrees differ between tokens,
    # so a wrong count in any row would show in the degree comparison above.
    assert 0 < want.n_edges < want.n_pairs
    assert want.degree.min() < want.degree.max()


@pytest.mark.parametrize("bracket", ["below", "above"])
def test_a_missed_bracket_falls_back_to_two_passes(monkeypatch, bracket):
    import lib.hubs.single as passes

    real = passes._sample_bracket

    def wrong(run):
        lo, hi, spread = real(run)
        width = hi - lo
        # A bracket well away from the median: the exact counts must reject it.
        shift = -20 * width - 2000 if bracket == "below" else 20 * width + 2000
        return lo + shift, hi + shift, spread

    monkeypatch.setattr(passes, "_sample_bracket", wrong)
    vectors = np.random.default_rng(7).standard_normal((400, 16)).astype(np.float32)
    got = hub_degrees(_tokens(400), vectors, block=64)
    assert got.timings["passes"] == 2
    want = ring_graph(_tokens(400), vectors)
    assert got.threshold == pytest.approx(want.threshold, abs=1e-12)
    np.testing.assert_array_equal(got.degree, want.degree)


@pytest.mark.parametrize(
    "rule,kw",
    [("seed", {"k": 0.0}), ("seed", {"k": 2.5}), ("course", {}), ("course", {"k": 0.5}), ("fixed", {"value": 0.05})],
)
def test_rules_equal_dense_on_random_768(rule, kw):
    vectors = np.random.default_rng(3).standard_normal((700, 768)).astype(np.float32)
    _same_as_dense(vectors, 256, rule=rule, **kw)


@pytest.mark.parametrize("n", [3, 4, 5, 6, 17, 33])
def test_small_n_odd_and_even_pair_counts(n):
    vectors = np.random.default_rng(n).standard_normal((n, 5))
    for kw in ({}, {"k": 0.0}, {"rule": "course"}, {"rule": "fixed", "value": 0.0}):
        _same_as_dense(vectors, 16, **kw)


def test_ties_and_median_of_two_equal_middles():
    # 0/1 vectors: many exactly equal cosines, the median sits inside a tie.
    rng = np.random.default_rng(0)
    vectors = rng.integers(0, 2, size=(60, 4)).astype(np.float64)
    vectors[vectors.sum(axis=1) == 0, 0] = 1.0
    for kw in ({}, {"k": 0.0}, {"rule": "course"}, {"rule": "course", "k": 0.0}):
        _same_as_dense(vectors, 16, **kw)


def test_flat_spaces_match_engine():
    same = np.ones((5, 3))
    _same_as_dense(same, 16)
    orthogonal = np.eye(6)  # every pair 0: the course rule's non-zero median is 0
    _same_as_dense(orthogonal, 16, rule="course")
    r = hub_degrees(_tokens(5), same)
    assert r.flat and r.degree.tolist() == [4] * 5 and r.std == 0.0


def test_nearly_constant_similarities_are_decided_in_float64():
    base = np.random.default_rng(1).standard_normal(40)
    vectors = base + 1e-4 * np.random.default_rng(2).standard_normal((50, 40))
    r = hub_degrees(_tokens(50), vectors, block=16)
    assert r.timings["dtype"] == "float64"
    _same_as_dense(vectors, 16)


def test_rank_and_top():
    r = hub_degrees(list("abcd"), np.array([[1, 0], [1, 0.1], [0, 1], [-1, 0]]))
    assert r.degree.tolist() == [1, 1, 0, 0]
    assert r.rank.tolist() == [1, 1, 3, 3]
    assert r.top(2)["token"].tolist() == ["a", "b"]
    assert list(r.table().columns) == ["token", "degree", "rank"]


def test_bad_inputs():
    v = np.random.default_rng(0).standard_normal((4, 3))
    with pytest.raises(InputError, match="unknown threshold rule"):
        hub_degrees(_tokens(4), v, rule="median")
    with pytest.raises(InputError, match="fixed rule needs"):
        hub_degrees(_tokens(4), v, rule="fixed")
    with pytest.raises(InputError, match="at least 3"):
        hub_degrees(_tokens(2), v[:2])
    with pytest.raises(InputError, match="3 tokens but"):
        hub_degrees(_tokens(3), v)
    v[2] = 0
    with pytest.raises(InputError, match="zero or not finite"):
        hub_degrees(_tokens(4), v)


def test_cancel_by_callback_and_by_event(cache):
    v = np.random.default_rng(0).standard_normal((100, 8))
    seen = []

    def stop_after_two(done, total):
        seen.append((done, total))
        return done < 2

    with pytest.raises(Cancelled):
        hub_degrees(_tokens(100), v, block=16, progress=stop_after_two)
    # 28 blocks, one pass of products (the seed rule's median is bracketed by a sample)
    assert seen[-1][0] == 2 and seen[-1][1] == 28
    event = threading.Event()
    event.set()
    with pytest.raises(Cancelled):
        hubs_for("glove", 50, cancel=event)
    assert cached_hubs("glove", 50) is None


def test_progress_reaches_total():
    seen = []
    hub_degrees(
        _tokens(40),
        np.random.default_rng(0).standard_normal((40, 3)),
        block=16,
        progress=lambda d, t: seen.append((d, t)),
    )
    assert seen[0] == (0, 12) and seen[-1] == (12, 12)


def test_cache_round_trip_and_corrupt_file(cache):
    calls = []
    first = hubs_for("glove", 300, progress=lambda d, t: calls.append(d))
    assert calls
    path = cache_path(
        {
            "format": 1,
            "source": "glove",
            "content": content_key("glove"),
            "limit": 300,
            "rule": "seed",
            "k": 1.0,
            "value": None,
            "baseline": None,
            "seed": None,
        }
    )
    assert path.is_file() and path.parent == cache / "hubs"
    calls.clear()
    again = hubs_for("glove", 300, progress=lambda d, t: calls.append(d))
    assert calls == []  # answered from the cache
    assert again.tokens == first.tokens and again.threshold == first.threshold
    np.testing.assert_array_equal(again.degree, first.degree)
    assert cached_hubs("glove", 300, k=2.0) is None  # another key
    path.write_bytes(b"PAR1 not really parquet")
    assert cached_hubs("glove", 300) is None
    fixed = hubs_for("glove", 300, progress=lambda d, t: calls.append(d))
    assert calls and np.array_equal(fixed.degree, first.degree)
    assert read_result(path) is not None
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_baselines(cache):
    words, vectors = vocabulary_matrix("glove", 400)
    real = hubs_for("glove", 400, matrix=(words, vectors))
    shuffled = hubs_for("glove", 400, baseline="shuffled")
    random = hubs_for("glove", 400, baseline="random")
    assert sorted(shuffled.degree) == sorted(real.degree)  # permuting rows only relabels
    assert shuffled.threshold == pytest.approx(real.threshold, abs=1e-12)
    assert random.n == 400 and random.tokens[0] == "r0"
    assert random.median == pytest.approx(0.0, abs=0.01)  # N(0,1) in 50-d: cosines centred on 0


def test_strongest_neighbours():
    v = np.array([[1, 0], [0.9, 0.1], [0, 1], [-1, 0]])
    out = strongest_neighbours(list("abcd"), v, [0, 2], n=2)
    assert [w for w, _ in out[0]] == ["b", "c"]
    assert out[1][0][0] == "b" and out[0][0][1] == pytest.approx(0.9 / np.hypot(0.9, 0.1), rel=1e-6)


def test_cli_without_out_prints_the_summary_and_top_hubs(cache, tmp_path, capsys):
    assert main(["hubs", "--source", "glove", "--top", "500", "--show", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "500 tokens" in lines[0] and not any(line.startswith("wrote") for line in lines)
    direct = hub_degrees(*vocabulary_matrix("glove", 500))
    top = [line.split() for line in lines[lines.index(next(x for x in lines if x.strip().startswith("rank"))) + 1 :]]
    assert [int(row[1]) for row in top] == sorted(direct.degree.tolist(), reverse=True)[:3]


def test_cli_writes_parquet(cache, tmp_path, capsys):
    out = tmp_path / "hubs.parquet"
    assert main(["hubs", "--source", "glove", "--top", "500", "--out", str(out), "--show", "3"]) == 0
    text = capsys.readouterr().out
    assert "500 tokens" in text and "124,750 pairs" in text and "wrote" in text
    result = read_result(out)
    assert result is not None and result.n == 500
    direct = hub_degrees(*vocabulary_matrix("glove", 500))
    np.testing.assert_array_equal(result.degree, direct.degree)
    assert result.threshold == pytest.approx(direct.threshold, abs=1e-12)


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--source", "random"], "give the number of rows"),
        (["--source", "glove", "--top", "2"], "at least 3"),
        (["--source", "glove", "--top", "50", "--rule", "fixed"], "needs --value"),
        (["--source", "nonsense", "--top", "50"], "unknown source"),
    ],
)
def test_cli_errors(cache, tmp_path, capsys, argv, message):
    assert main(["hubs", *argv, "--out", str(tmp_path / "x.parquet")]) == 2
    assert message in capsys.readouterr().err


def test_write_result_to_missing_folder(tmp_path):
    r = hub_degrees(_tokens(4), np.random.default_rng(0).standard_normal((4, 3)))
    path = write_result(r, tmp_path / "deep" / "r.parquet")
    assert read_result(path).degree.tolist() == r.degree.tolist()


# -- the Hubs page ------------------------------------------------------------------------


def _hubs_page(query: dict | None = None):
    from tests.apptest_support import app_test

    at = app_test(query, timeout=180)
    at.run()
    at.switch_page("app_pages/hubs.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_hubs_page_computes_shows_and_reopens_from_cache(cache):
    from tests.apptest_support import server_like_navigation

    with server_like_navigation():
        at = _hubs_page({"a": "glove"})
        assert any("Not computed yet" in i.value for i in at.info)
        at.number_input(key="hubs_n").set_value(300).run()
        at.button(key="hubs_compute").click().run()
        assert not at.exception, [e.value for e in at.exception]
        want = hubs_for("glove", 300)  # from the cache the page has just written
        shown = {m.label: m.value for m in at.metric}
        assert shown["threshold"] == f"{want.threshold:.4f}" and shown["pairs"] == "44,850"
        layer = json.loads(at.get("vega_lite_chart")[0].proto.spec)["layer"][0]
        assert layer["encoding"]["x"]["scale"]["type"] == "log" == layer["encoding"]["y"]["scale"]["type"]
        assert layer["encoding"]["color"]["scale"]["domain"] == ["source", "random", "shuffled"]
        assert "identical degree multiset — yes" in " ".join(c.value for c in at.caption)
        table = at.dataframe[0].value
        top = want.top(15)
        assert table["token"].tolist() == top["token"].tolist()
        assert table["degree"].tolist() == top["degree"].tolist()
        assert table["strongest neighbours"].str.count(r"\(").eq(5).all()
        at.text_input(key="hubs_find").set_value("the").run()
        i = want.tokens.index("the")
        assert f"degree **{int(want.degree[i]):,}**" in " ".join(m.value for m in at.markdown)
        at.text_input(key="hubs_find").set_value("zzzunknownzzz").run()
        assert "not among the first 300 tokens" in " ".join(m.value for m in at.markdown)
        # A fresh session with the same settings shows the cached result without computing.
        again = _hubs_page({"a": "glove"})
        again.number_input(key="hubs_n").set_value(300).run()
        assert not again.info and {m.label: m.value for m in again.metric} == shown


def test_degree_ccdf_and_chart():
    from dataclasses import replace

    from lib.hubs.chart import degree_ccdf, degree_ccdf_chart, same_degree_multiset

    r = hub_degrees(_tokens(300), np.random.default_rng(0).standard_normal((300, 6)))
    data = degree_ccdf({"a": r})
    deg = np.asarray(r.degree)
    for row in data.itertuples():
        assert row.tokens == int((deg >= row.degree).sum()) and row.fraction == row.tokens / 300
    assert data["degree"].is_monotonic_increasing and data["degree"].min() >= 1
    spec = degree_ccdf_chart({"a": r, "b": r}, dashed=("b",)).to_dict()
    solid, over = spec["layer"]
    assert solid["encoding"]["x"]["scale"]["type"] == "log" == solid["encoding"]["y"]["scale"]["type"]
    assert solid["encoding"]["color"]["scale"]["domain"] == ["a", "b"]
    assert over["mark"]["strokeDash"] == [5, 5]
    assert same_degree_multiset(r, replace(r, degree=deg[::-1].copy()))
    assert not same_degree_multiset(r, replace(r, degree=deg + 1))


@pytest.mark.parametrize("seed", range(6))
def test_random_shapes_equal_dense(seed):
    rng = np.random.default_rng(100 + seed)
    n, d = int(rng.integers(20, 400)), int(rng.choice([2, 7, 50, 300]))
    vectors = rng.standard_normal((n, d)) + rng.uniform(0, 2) * rng.standard_normal(d)  # shifted: mean > 0
    for kw in ({"k": float(rng.uniform(0, 3))}, {"rule": "course"}):
        _same_as_dense(vectors.astype(np.float32), int(rng.integers(16, 128)), **kw)
