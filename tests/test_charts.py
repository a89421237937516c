"""Charts: the ring's data and spec (via ``to_dict``), its hover highlight, and the other charts."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
import vl_convert as vlc

from lib.charts import (
    degree_distribution_chart,
    degree_table,
    matrix_heatmap,
    neighbours,
    ring_data,
    similarity_histogram,
)
from lib.engine import ring_graph
from lib.errors import InputError
from lib.ring_spec import PICK, PICKED, UNPICK, node_pixel_scale, ring_spec

EVIL = "<img src=x onerror=alert(1)>"


def graph_of(n: int, seed: int = 0, dim: int = 20, words=None):
    words = list(words) if words is not None else [f"w{i}" for i in range(n)]
    return ring_graph(words, np.random.default_rng(seed).standard_normal((len(words), dim)))


@pytest.fixture
def small():
    # a-b and c-d are near-parallel pairs; e is orthogonal to everything else.
    words = ["a", "b", "c", "d", "e", EVIL]
    v = np.array([[1, 0, 0, 0], [1, 0.1, 0, 0], [0, 1, 0, 0], [0, 1, 0.1, 0], [0, 0, 0, 1], [0.5, 0.5, 0.6, 0]])
    return ring_graph(words, v)


def layers_by_mark(d: dict) -> dict[str, dict]:
    return {layer["mark"]["type"]: layer for layer in d["layer"]}


def dataset(d: dict, layer: dict) -> list[dict]:
    return d["datasets"][layer["data"]["name"]]


def test_ring_data_nodes_follow_the_method(small):
    d = ring_data(small, pixel_scale=2.0)
    nodes = d.nodes
    assert list(nodes.columns) == [
        "word",
        "x",
        "y",
        "degree",
        "diameter",
        "area",
        "label_x",
        "label_y",
        "angle",
        "align",
        "label",
        "group",
        "neighbours",
    ]
    assert nodes["word"].tolist() == list(small.words)
    np.testing.assert_allclose(nodes["x"] ** 2 + nodes["y"] ** 2, 1.0, atol=1e-3)
    np.testing.assert_allclose(nodes["diameter"], 3 * np.sqrt(small.degree), atol=1e-3)
    np.testing.assert_allclose(nodes["area"], math.pi / 4 * (2.0 * 3 * np.sqrt(small.degree)) ** 2, atol=0.01)
    # Labels outside the ring, aligned away from it.
    assert (np.hypot(nodes["label_x"], nodes["label_y"]) > 1.0).all()
    assert set(nodes.loc[nodes["x"] > 0.01, "align"]) == {"left"}
    assert set(nodes.loc[nodes["x"] < -0.01, "align"]) == {"right"}
    # Coordinates are rounded to keep the chart data small.
    assert all(len(repr(v).split(".")[-1]) <= 4 for v in nodes["x"])


def test_ring_data_neighbours_and_isolated(small):
    nodes = ring_data(small).nodes.set_index("word")
    assert small.mask[0, 1]
    assert nodes.loc["a", "neighbours"].startswith("b (")
    assert nodes.loc["e", "degree"] == 0
    assert "isolated" in nodes.loc["e", "neighbours"]


def test_ring_data_edges_are_capped_strongest_and_keep_order():
    g = graph_of(60)
    d = ring_data(g, max_edges=50)
    assert g.n_edges > 50 and len(d.edges) == 50
    assert d.note == f"showing the 50 strongest of {g.n_edges:,} edges"
    strongest = np.sort(g.edges["cosine"].to_numpy())[-50:]
    np.testing.assert_allclose(d.edges["cosine"], np.round(strongest, 4))
    assert (np.diff(d.edges["cosine"]) >= 0).all()  # weakest first: strongest drawn on top
    first = d.edges.iloc[0]
    i = g.words.index(first["source"])
    assert (first["x"], first["y"]) == (round(g.x[i], 4), round(g.y[i], 4))
    assert ring_data(g, max_edges=10_000).note is None


def test_ring_data_thins_labels_and_colours_by_group():
    g = graph_of(30)
    d = ring_data(g, label_limit=10, categories={"w0": "x"}, groups={"w1": "c1"})
    labelled = d.nodes.loc[d.nodes["label"] != "", "word"].tolist()
    assert labelled == [f"w{i}" for i in range(0, 30, 3)]
    assert "labels on every third word" in d.note
    # groups win over categories; unmapped words get a visible placeholder
    assert d.nodes["group"].tolist()[:3] == ["(none)", "c1", "(none)"]
    with pytest.raises(InputError, match="max_edges"):
        ring_data(g, max_edges=-1)


def test_ring_spec_layers(small):
    d = ring_spec(small, categories={"a": "x", "b": "x", "c": "y"}, size=300, title="T")
    assert d["width"] == d["height"] == 300
    marks = layers_by_mark(d)
    assert set(marks) == {"rule", "point", "circle", "text"}
    rule, circle = marks["rule"], marks["circle"]
    enc = rule["encoding"]
    assert {"x", "y", "x2", "y2"} <= set(enc)
    assert enc["color"]["field"] == "cosine" and enc["color"]["scale"]["scheme"] == "plasma"
    assert enc["color"]["legend"]["title"] == "cosine"
    # Fixed, equal x/y domains keep the ring round.
    for layer in d["layer"]:
        doms = [layer["encoding"][c]["scale"]["domain"] for c in ("x", "y")]
        assert doms[0] == doms[1] and doms[0][0] == -doms[0][1]
    # Node area from the METHOD diameter, used as is.
    size = circle["encoding"]["size"]
    assert size["field"] == "area" and size["scale"] is None
    rows = dataset(d, circle)
    scale = node_pixel_scale(300, small.n)
    for row, deg in zip(rows, small.degree):
        assert row["area"] == pytest.approx(math.pi / 4 * (scale * 3 * math.sqrt(deg)) ** 2, abs=0.01)
    assert circle["encoding"]["fill"]["field"] == "group"
    assert [t["field"] for t in circle["encoding"]["tooltip"]][:3] == ["word", "degree", "neighbours"]
    assert [t["field"] for t in enc["tooltip"]] == ["source", "target", "cosine"]
    # Edges in the engine's order (weakest first).
    cos = [r["cosine"] for r in dataset(d, rule)]
    assert cos == sorted(cos) and len(cos) == small.n_edges
    assert d["title"]["text"] == "T"


def test_ring_spec_hover_selection_and_shared_colour_domain(small):
    d = ring_spec(small, color_domain=(0.1, 0.9))
    param, pick, unpick, picked = d["params"]
    assert param["select"]["type"] == "point" and param["select"]["fields"] == ["word"]
    assert pick["name"] == PICK and pick["select"]["on"] == "click" and "value" not in pick
    assert unpick["name"] == UNPICK and unpick["select"]["on"] == "dblclick"
    assert picked == {"name": PICKED, "value": None}
    assert ring_spec(small, selected="b")["params"][3] == {"name": PICKED, "value": "b"}
    rule = layers_by_mark(d)["rule"]
    assert rule["encoding"]["color"]["scale"]["domain"] == [0.1, 0.9]
    test = rule["encoding"]["opacity"]["condition"]["test"]
    assert param["name"] in test and "datum.source" in test and "datum.target" in test
    with pytest.raises(InputError, match="color_domain"):
        ring_spec(small, color_domain=(0.5, 0.5))


def _rule_opacities(spec: dict) -> list[float]:
    svg = vlc.vegalite_to_svg(spec)
    return [float(o) for o in re.findall(r'aria-roledescription="rule mark"[^>]*opacity="([\d.]+)"', svg)]


def test_hovering_a_node_keeps_only_its_edges_opaque(small):
    spec = ring_spec(small, labels=False)
    assert len(_rule_opacities(spec)) == small.n_edges
    assert set(_rule_opacities(spec)) == {0.85}  # nothing selected: all opaque
    spec["params"][0]["value"] = [{"word": "a"}]  # as if the pointer were on "a"
    touching = [(s == "a" or t == "a") for s, t in zip(small.edges["source"], small.edges["target"])]
    assert _rule_opacities(spec) == [0.85 if k else 0.06 for k in touching]
    assert any(touching) and not all(touching)


def test_a_picked_node_keeps_its_edges_opaque_on_every_ring(small):
    spec = ring_spec(small, labels=False, selected="b")
    touching = [(s == "b" or t == "b") for s, t in zip(small.edges["source"], small.edges["target"])]
    assert _rule_opacities(spec) == [0.85 if k else 0.06 for k in touching]
    spec["params"][0]["value"] = [{"word": "a"}]  # hovering wins over the picked node
    touching_a = [(s == "a" or t == "a") for s, t in zip(small.edges["source"], small.edges["target"])]
    assert _rule_opacities(spec) == [0.85 if k else 0.06 for k in touching_a]


def test_legend_lists_every_group_in_numeric_order_and_no_colour_bar_without_edges():
    g = graph_of(12, seed=3)
    groups = {w: f"community {i + 1}" for i, w in enumerate(g.words)}
    spec = ring_spec(g, groups=groups)
    fill = layers_by_mark(spec)["circle"]["encoding"]["fill"]
    assert fill["scale"]["domain"] == [f"community {i + 1}" for i in range(12)]  # 1, 2, …, 10 (not 1, 10, 11)
    assert 0 in g.degree  # isolated nodes' groups keep their colour on the scale
    empty = ring_spec(ring_graph(list("abcd"), np.eye(4), rule="fixed", value=0.9))
    assert layers_by_mark(empty)["rule"]["encoding"]["color"]["legend"] is None


def test_a_category_keeps_its_colour_on_rings_that_leave_it_without_edges():
    # Ring A links only the fruit, ring B only the furniture: both colour the categories alike.
    words = ["apple", "pear", "chair", "table"]
    cats = {"apple": "fruit", "pear": "fruit", "chair": "furniture", "table": "furniture"}
    a = ring_graph(words, np.array([[1, 0, 0], [1, 0.05, 0], [0, 1, 0], [0, 0, 1]]), rule="fixed", value=0.9)
    b = ring_graph(words, np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0.05, 1]]), rule="fixed", value=0.9)
    scales = [layers_by_mark(ring_spec(g, categories=cats))["circle"]["encoding"]["fill"]["scale"] for g in (a, b)]
    assert scales[0] == scales[1] == {"domain": ["fruit", "furniture"], "scheme": "tableau10"}


def test_words_stay_data_and_are_escaped_in_svg(small):
    spec = ring_spec(small)
    # The word occurs only as data, never inside an expression.
    exprs = json.dumps([layer.get("transform") for layer in spec["layer"]] + [spec.get("params")])
    assert EVIL not in exprs
    picked = ring_spec(small, selected=EVIL)  # a picked word is a variable's value, not expression text
    assert EVIL not in json.dumps([layer.get("encoding") for layer in picked["layer"]])
    assert {"name": "picked", "value": EVIL} in picked["params"]
    assert any(r.get("word") == EVIL for rows in spec["datasets"].values() for r in rows)
    svg = vlc.vegalite_to_svg(ring_spec(small, interactive=False))
    assert "&lt;img src=x onerror=alert(1)&gt;" in svg
    assert "<img" not in svg


def test_chart_data_for_300_words_is_under_a_megabyte():
    g = graph_of(300, dim=50)
    d = ring_spec(g)
    assert len(json.dumps(d["datasets"])) < 1_000_000
    assert len(dataset(d, layers_by_mark(d)["rule"])) == 2000 < g.n_edges
    assert d["title"]["subtitle"] == [
        f"showing the 2,000 strongest of {g.n_edges:,} edges",
        "labels on every third word (all words in tooltips)",
    ]


def test_ring_spec_rejects_bad_options(small):
    with pytest.raises(InputError, match="size"):
        ring_spec(small, size=20)
    with pytest.raises(InputError, match="max_edges"):
        ring_spec(small, max_edges=10**6)


def test_degree_table_and_distribution():
    a, b = graph_of(12, seed=1), graph_of(10, seed=2)
    table = degree_table({"A": a, "B": b})
    assert table["word"].tolist() == [f"w{i}" for i in range(12)]
    assert table["A"].tolist() == a.degree.tolist()
    assert table["B"].isna().tolist() == [False] * 10 + [True] * 2
    d = degree_distribution_chart({"A": a, "B": b}).to_dict()
    rows = next(iter(d["datasets"].values()))
    assert {r["source"] for r in rows} == {"A", "B"}
    assert sum(r["words"] for r in rows if r["source"] == "A") == 12
    assert d["encoding"]["xOffset"]["field"] == "source"
    with pytest.raises(InputError):
        degree_table({})


def test_similarity_histogram_counts_every_pair_with_threshold_rules():
    g = graph_of(25)
    d = similarity_histogram(g).to_dict()
    bars, rules = d["layer"]
    rows = d["datasets"][bars["data"]["name"]]
    assert sum(r["pairs"] for r in rows) == g.n_pairs
    kept = sum(r["pairs"] for r in rows if r["kept"] != "dropped")
    assert kept == g.n_edges
    lines = d["datasets"][rules["data"]["name"]]
    assert [r["value"] for r in lines] == [round(g.threshold, 4), round(g.median, 4)]


@pytest.mark.parametrize("which", ["dense", "mask", "thresholded"])
def test_matrix_heatmaps(which):
    g = graph_of(8)
    d = matrix_heatmap(g, which).to_dict()
    assert d["width"] == d["height"]
    assert d["encoding"]["x"]["sort"] == list(g.words) == d["encoding"]["y"]["sort"]
    rows = d["datasets"][d["data"]["name"]]
    m = np.array([r["values"] for r in rows])
    expected = {"dense": g.similarity, "mask": g.mask, "thresholded": np.where(g.mask, g.similarity, 0)}[which]
    np.testing.assert_allclose(m, expected, atol=1e-3)
    # Vega flattens the rows into cells: check it draws N*N of them.
    svg = vlc.vegalite_to_svg(d)
    assert svg.count('aria-roledescription="rect mark"') == 64


def test_heatmap_thins_labels_and_rejects_unknown_matrix():
    g = graph_of(130)
    d = matrix_heatmap(g, "dense").to_dict()
    assert d["encoding"]["x"]["axis"]["values"] == list(g.words[::3])  # ceil(130 / 60) = 3
    with pytest.raises(InputError, match="unknown matrix"):
        matrix_heatmap(g, "sparse")


def test_neighbours(small):
    table = neighbours(small, "a", n=3)
    assert table["word"].tolist()[0] == "b"
    assert (np.diff(table["cosine"]) <= 0).all()
    assert table["is_edge"].tolist() == [bool(small.mask[0, small.words.index(w)]) for w in table["word"]]
    assert len(neighbours(small, "a", n=50)) == small.n - 1
    with pytest.raises(InputError, match="not in this graph"):
        neighbours(small, "zzz")
