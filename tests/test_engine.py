"""The engine against hand-computed cases and an independent float64 recomputation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.engine import cosine_matrix, node_sizes, ring_graph, ring_positions, threshold_for
from lib.errors import InputError


def _reference(vectors: np.ndarray, k: float = 1.0):
    """Direct float64 implementation of docs/method.md, loops and all."""
    n = len(vectors)
    s = np.empty((n, n))
    for a in range(n):
        for b in range(n):
            va, vb = vectors[a].astype(np.float64), vectors[b].astype(np.float64)
            s[a, b] = va @ vb / (math.sqrt(va @ va) * math.sqrt(vb @ vb))
    upper = [s[a, b] for a in range(n) for b in range(a + 1, n)]
    t = float(np.median(upper) + k * np.std(upper))
    mask = np.zeros((n, n), dtype=bool)
    for a in range(n):
        for b in range(n):
            mask[a, b] = a != b and s[a, b] >= t
    return s, t, mask


def test_hand_computed_four_points():
    # Angles 0, ~5.71, 90 and 180 degrees: cosines are known in closed form.
    v = np.array([[1.0, 0.0], [1.0, 0.1], [0.0, 1.0], [-1.0, 0.0]])
    g = ring_graph(["a", "b", "c", "d"], v)
    c01 = 1 / math.sqrt(1.01)
    c12 = 0.1 / math.sqrt(1.01)
    upper = np.array([c01, 0.0, -1.0, c12, -c01, 0.0])
    assert g.median == pytest.approx(np.median(upper))
    assert g.std == pytest.approx(np.std(upper))
    assert g.threshold == pytest.approx(np.median(upper) + np.std(upper))
    # Only a-b clears median + std.
    assert g.degree.tolist() == [1, 1, 0, 0]
    assert g.edges[["source", "target"]].values.tolist() == [["a", "b"]]
    assert g.edges["cosine"].iloc[0] == pytest.approx(c01)
    assert g.isolated == ("c", "d")
    assert g.size.tolist() == pytest.approx([3.0, 3.0, 0.0, 0.0])


def test_ring_positions_follow_the_method():
    x, y = ring_positions(4)
    np.testing.assert_allclose(x, [1, 0, -1, 0], atol=1e-12)
    np.testing.assert_allclose(y, [0, 1, 0, -1], atol=1e-12)
    x, y = ring_positions(7)
    theta = np.arctan2(y, x) % (2 * np.pi)
    np.testing.assert_allclose(theta, 2 * np.pi * np.arange(7) / 7, atol=1e-12)
    assert theta.max() == pytest.approx(2 * np.pi - 2 * np.pi / 7)
    np.testing.assert_allclose(np.hypot(x, y), 1.0)


def test_node_sizes_are_three_sqrt_degree():
    assert node_sizes(np.array([0, 1, 4, 9])).tolist() == [0.0, 3.0, 6.0, 9.0]


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(3, 25),
    d=st.integers(2, 40),
    seed=st.integers(0, 10_000),
    k=st.sampled_from([0.0, 0.5, 1.0, 2.0]),
)
def test_agrees_with_float64_reference(n, d, seed, k):
    v = np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)
    words = [f"w{i}" for i in range(n)]
    g = ring_graph(words, v, k=k)
    s, t, mask = _reference(v, k)
    np.testing.assert_allclose(g.similarity, s, atol=1e-5)
    assert g.threshold == pytest.approx(t, abs=1e-5)
    # Pairs within rounding distance of T may legitimately flip; none other may.
    safe = np.abs(s - t) > 1e-9
    assert np.array_equal(g.mask[safe], mask[safe])
    assert np.array_equal(g.degree, g.mask.sum(axis=1))
    assert not g.mask.diagonal().any()
    assert np.array_equal(g.mask, g.mask.T)
    # Edge table: i < j, one row per mask pair, weakest first.
    assert (g.edges["i"] < g.edges["j"]).all()
    assert len(g.edges) == g.mask.sum() // 2
    assert g.edges["cosine"].is_monotonic_increasing
    assert g.degree.sum() == 2 * g.n_edges


def test_seed_rule_keeps_about_sixteen_percent_of_random_pairs():
    v = np.random.default_rng(0).standard_normal((300, 300))
    g = ring_graph([str(i) for i in range(300)], v)
    assert 0.13 < g.density < 0.19


def test_course_rule_matches_the_notebook():
    v = np.random.default_rng(3).standard_normal((12, 8))
    s = cosine_matrix(v)
    upper = np.triu(s, k=1)
    nz = upper[upper != 0]
    t_expected = np.median(nz) + np.std(s)
    g = ring_graph([str(i) for i in range(12)], v, rule="course")
    assert g.threshold == pytest.approx(t_expected)
    expected = s > t_expected
    np.fill_diagonal(expected, False)
    assert np.array_equal(g.mask, expected)


def test_fixed_rule_and_k_multiplier():
    v = np.random.default_rng(4).standard_normal((10, 5))
    s = cosine_matrix(v)
    g = ring_graph([str(i) for i in range(10)], v, rule="fixed", value=0.25)
    assert g.threshold == 0.25
    expected = s >= 0.25
    np.fill_diagonal(expected, False)
    assert np.array_equal(g.mask, expected)
    g2 = ring_graph([str(i) for i in range(10)], v, k=2.0)
    u = s[np.triu_indices(10, 1)]
    assert g2.threshold == pytest.approx(np.median(u) + 2 * np.std(u))


def test_all_equal_similarities_give_a_defined_graph():
    v = np.ones((5, 3))
    g = ring_graph(list("abcde"), v)
    assert g.flat and g.std == 0.0
    assert g.threshold == pytest.approx(1.0)
    assert g.n_edges == 10 and g.degree.tolist() == [4] * 5
    assert not np.isnan(g.similarity).any()


def test_result_is_immutable():
    g = ring_graph(list("abc"), np.eye(3))
    with pytest.raises(ValueError):
        g.similarity[0, 0] = 5
    with pytest.raises(AttributeError):
        g.threshold = 0.1  # type: ignore[misc]


@pytest.mark.parametrize(
    "words, vectors, message",
    [
        (["a", "b"], np.eye(2), "at least 3"),
        (["a", "a", "b"], np.eye(3), "unique"),
        (["a", "b", "c"], np.eye(2), "shape"),
        (["a", "b", "c"], np.array([[1, 0], [0, 0], [0, 1.0]]), "zero or not finite"),
        (["a", "b", "c"], np.array([[1, 0], [np.nan, 1], [0, 1.0]]), "zero or not finite"),
    ],
)
def test_bad_input_raises_clear_errors(words, vectors, message):
    with pytest.raises(InputError, match=message):
        ring_graph(words, vectors)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"rule": "nope"}, "unknown threshold rule"),
        ({"k": -1.0}, "k must be"),
        ({"k": float("nan")}, "k must be"),
        ({"rule": "fixed"}, "needs a threshold value"),
        ({"rule": "fixed", "value": 3.0}, "between -1 and 1"),
    ],
)
def test_bad_threshold_options(kwargs, message):
    with pytest.raises(InputError, match=message):
        threshold_for(np.eye(3), **kwargs)


def test_two_thousand_words_without_pair_loops():
    n = 2000
    v = np.random.default_rng(1).standard_normal((n, 50)).astype(np.float32)
    g = ring_graph([f"w{i}" for i in range(n)], v)
    # An independent count: the float64 upper triangle against median + std, pair by pair.
    unit = v.astype(np.float64) / np.linalg.norm(v.astype(np.float64), axis=1, keepdims=True)
    i, j = np.triu_indices(n, k=1)
    u = np.einsum("pd,pd->p", unit[i], unit[j])
    t = float(np.median(u) + np.std(u))
    assert g.threshold == pytest.approx(t, abs=1e-12)
    kept = u >= t
    assert g.n_edges == int(kept.sum()) > 0
    degree = np.bincount(i[kept], minlength=n) + np.bincount(j[kept], minlength=n)
    np.testing.assert_array_equal(g.degree, degree)
    assert set(zip(g.edges["i"].tolist(), g.edges["j"].tolist())) == set(zip(i[kept].tolist(), j[kept].tolist()))
