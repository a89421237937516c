"""Louvain communities on hand-built graphs, modularity by formula, ARI by hand, community order."""

from __future__ import annotations

from math import comb

import numpy as np
import pytest

from lib.analysis.communities import category_ari, community_order, graph_from_mask, louvain, partition_ari
from lib.errors import InputError


def cliques(sizes: list[int], inside: float = 0.9, bridge: float = 0.5):
    """Similarity and mask of cliques chained by one bridge edge each."""
    n = sum(sizes)
    s = np.full((n, n), 0.05)
    starts = np.cumsum([0] + sizes)
    for a, b in zip(starts[:-1], starts[1:]):
        s[a:b, a:b] = inside
    for b in starts[1:-1]:
        s[b - 1, b] = s[b, b - 1] = bridge
    np.fill_diagonal(s, 1.0)
    mask = s >= bridge
    np.fill_diagonal(mask, False)
    return [f"n{i}" for i in range(n)], s, mask


def modularity_by_formula(s, mask, labels):
    w = np.where(mask, s, 0.0)
    two_m = w.sum()
    k = w.sum(axis=1)
    same = labels[:, None] == labels[None, :]
    return float(((w - np.outer(k, k) / two_m) * same).sum() / two_m)


def ari_by_hand(x, y):
    xs, ys = sorted(set(x)), sorted(set(y))
    table = np.array([[sum(1 for a, b in zip(x, y) if a == i and b == j) for j in ys] for i in xs])
    index = sum(comb(int(v), 2) for v in table.ravel())
    rows = sum(comb(int(v), 2) for v in table.sum(axis=1))
    cols = sum(comb(int(v), 2) for v in table.sum(axis=0))
    expected = rows * cols / comb(len(x), 2)
    return (index - expected) / (0.5 * (rows + cols) - expected)


def test_louvain_finds_planted_cliques():
    words, s, mask = cliques([5, 4, 3])
    part = louvain(words, s, mask)
    assert part.communities == (tuple(words[0:5]), tuple(words[5:9]), tuple(words[9:12]))
    assert part.labels.tolist() == [0] * 5 + [1] * 4 + [2] * 3
    assert part.modularity == pytest.approx(modularity_by_formula(s, mask, part.labels))
    assert part.modularity > 0.5


def test_louvain_is_seeded_and_stable():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((30, 10))
    u = x / np.linalg.norm(x, axis=1, keepdims=True)
    s = u @ u.T
    mask = s > 0.3
    np.fill_diagonal(mask, False)
    words = [f"w{i}" for i in range(30)]
    assert louvain(words, s, mask).communities == louvain(words, s, mask).communities


def test_edgeless_graph_is_all_singletons():
    words, s, _ = cliques([2, 2])
    part = louvain(words, s, np.zeros((4, 4), bool))
    assert len(part.communities) == 4 and part.modularity == 0.0


def test_graph_from_mask_weights_edges_by_cosine():
    words, s, mask = cliques([3, 2])
    g = graph_from_mask(words, s, mask)
    assert g.number_of_nodes() == 5 and g.number_of_edges() == 3 + 1 + 1
    assert g[2][3]["cosine"] == pytest.approx(0.5) and g[0][1]["cosine"] == pytest.approx(0.9)
    with pytest.raises(InputError):
        graph_from_mask(words[:3], s, mask)


def test_ari_against_hand_computation():
    words, s, mask = cliques([3, 3, 2])
    a = louvain(words, s, mask)
    assert partition_ari(a, a) == pytest.approx(1.0)
    cats = {w: c for w, c in zip(words, "xxxyyyyz")}
    expected = ari_by_hand(list("xxxyyyyz"), a.labels.tolist())
    assert category_ari(a, cats) == pytest.approx(expected)
    # Only words with a category count.
    partial = {w: c for w, c in list(cats.items())[:5]}
    assert category_ari(a, partial) == pytest.approx(ari_by_hand(list("xxxyy"), a.labels[:5].tolist()))
    assert category_ari(a, {"n0": "x"}) is None


def test_partition_ari_needs_same_words():
    words, s, mask = cliques([3, 3])
    a = louvain(words, s, mask)
    b = louvain(list(reversed(words)), s, mask)
    with pytest.raises(InputError, match="same words"):
        partition_ari(a, b)


def test_community_order_groups_members_and_keeps_every_word():
    words = ["a", "x", "b", "y", "c", "z"]
    order = community_order(words, [("y", "x"), ("c", "a", "b")])
    assert order == ["x", "y", "a", "b", "c", "z"]
    assert sorted(order) == sorted(words)
    assert community_order(words, []) == words


def test_community_ordered_uses_source_a_for_the_ring_order():
    from streamlit.testing.v1 import AppTest

    def app():
        import streamlit as st

        from lib.presets import preset
        from ui.analytics import community_ordered

        wl = community_ordered(preset("course"), "random:dim=50,seed=1", "seed", 1.0, None)
        st.text(",".join(wl.words))
        st.text(",".join(wl.categories))
        st.text(",".join(community_ordered(preset("course"), "nope:x", "seed", 1.0, None).words))

    at = AppTest.from_function(app, default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    from lib.graph import build_graph
    from lib.presets import preset
    from lib.sources import RandomSource

    wl = preset("course")
    g = build_graph(RandomSource(dim=50, seed=1), wl.words).graph
    expected = community_order(g.words, louvain(g.words, g.similarity, g.mask).communities)
    assert at.text[0].value.split(",") == expected
    cats = wl.category_of()
    assert at.text[1].value.split(",") == [cats[w] for w in expected]
    assert at.text[2].value.split(",") == list(wl.words)  # A cannot be drawn: order kept
