"""AppTests of the Streamlit app: every page, the sidebar, URL state and bad input.

Expected numbers come from ``lib`` directly, so the tests check that the
page shows what the engine computes for the chosen words, sources and rule.
"""

from __future__ import annotations

import io
import json

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from lib.graph import build_graph, build_graphs
from lib.presets import preset
from lib.ring_spec import PICK, PICKED, UNPICK
from lib.sources import load_source
from lib.sources.together import passage_words
from lib.words import WordList
from tests.apptest_support import app_test
from ui.hubs import TokenFilter
from ui.order import ordered
from ui.panels import download_files, empty_ring_note
from ui.sources import OTHER, check_spec, default_specs, download_need
from ui.state import hubs_params, parse_params, to_params
from ui.text import plain, shown
from ui.views import Panel

PAGES = {
    "ring_graph": "app_pages/ring_graph.py",
    "random_baseline": "app_pages/random_baseline.py",
    "method": "app_pages/method.py",
    "neighbours": "app_pages/neighbours.py",
}


def run_app(query: dict | None = None, page: str | None = None) -> AppTest:
    at = app_test(query)
    at.run()
    if page:
        at.switch_page(PAGES[page]).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def rings(at: AppTest) -> list[dict]:
    """The ring charts: layered charts with an edge (rule) layer and a node layer."""

    def marks(spec):
        return {(layer.get("mark") or {}).get("type") for layer in spec.get("layer", [])}

    return [spec for spec in charts(at) if {"rule", "circle"} <= marks(spec)]


def ring_words(at: AppTest) -> list[list[str]]:
    """The node words of each ring, in ring order, from the Arrow data sent to the browser."""
    out = []
    for chart in at.get("vega_lite_chart"):
        for dataset in chart.proto.datasets:
            table = pa.ipc.open_stream(io.BytesIO(dataset.data.data)).read_all()
            if {"word", "degree", "x", "y"} <= set(table.column_names):
                out.append(table.column("word").to_pylist())
    return out


def metrics(at: AppTest) -> list[dict[str, str]]:
    """One dict per drawn ring: threshold, edges, density, isolated."""
    rings: list[dict[str, str]] = []
    for m in at.metric:
        if m.label == "threshold":
            rings.append({})
        if m.label in ("threshold", "edges", "density", "isolated"):
            rings[-1][m.label] = m.value
    return rings


def expected(spec: str, words, rule: str = "seed", k: float = 1.0, value=None) -> dict[str, str]:
    g = build_graph(load_source(spec), list(words), rule=rule, k=k, value=value).graph
    return {
        "threshold": f"{g.threshold:.3f}",
        "edges": f"{g.n_edges:,}",
        "density": f"{g.density:.3f}",
        "isolated": str(len(g.isolated)),
    }


def texts(elements) -> str:
    return " | ".join(shown(str(e.value)) for e in elements)


# -- default views ---------------------------------------------------------------


def test_compare_default_view_draws_both_rings_with_engine_numbers():
    at = run_app()
    a, b = default_specs()
    words = preset("course").words
    assert metrics(at) == [expected(a, words), expected(b, words)]
    first_two = rings(at)[:2]  # the analysis section below may draw more rings
    assert len(first_two) == 2 and len(charts(at)) >= 3  # and the degree distribution
    assert at.dataframe and len(at.dataframe[0].value) == len(words)
    assert at.query_params["preset"] == "course"
    assert at.query_params["a"] == a and at.query_params["b"] == b
    assert not at.error and not at.warning


@pytest.mark.parametrize("page, n_charts", [("ring_graph", 5), ("random_baseline", 3), ("method", 0)])
def test_every_page_renders(page, n_charts):
    at = run_app(page=page)
    assert len(charts(at)) >= n_charts
    assert not at.error
    if page == "method":
        formulas = " ".join(e.value for e in at.latex)
        assert len(at.latex) == 11
        assert r"\operatorname{median}(U) + k \cdot \operatorname{std}(U)" in formulas
        assert r"3\sqrt{\deg(i)}" in formulas
        assert r"p = \frac{1 + \#\{\pi : r_\pi \ge r\}}{1 + P}" in formulas  # Mantel
        assert r"J = \frac{|E_A \cap E_B|}{|E_A \cup E_B|}" in formulas  # edge Jaccard
        text = " ".join(e.value for e in at.markdown)
        for word in ("RSA", "Mantel p", "Degree Spearman", "Modularity", "ARI", "Selectivity", "density"):
            assert word in text
        assert "METHOD" not in text and "docs/method.md" in text  # no file outside the repository
        assert at.expander[0].label == "docs/method.md"


def test_ring_graph_page_shows_neighbours_of_the_selected_word():
    at = run_app(page="ring_graph")
    at.selectbox(key="rg_word").set_value("banana").run()
    assert not at.exception
    assert at.text_input(key="find_word").value == "banana"  # one pick, shown in the sidebar too
    table = at.dataframe[0].value
    assert "banana" not in set(table.iloc[:, 0])
    assert at.query_params["word"] == "banana"
    g = build_graph(load_source(default_specs()[0]), preset("course").words).graph
    i = g.words.index("banana")
    best = max((j for j in range(g.n) if j != i), key=lambda j: g.similarity[i, j])
    assert g.words[best] in set(table.astype(str).values.ravel())


def test_the_sidebar_finds_a_word_in_any_case_and_suggests_the_nearest_spelling():
    at = run_app(page="ring_graph")
    at.text_input(key="find_word").set_value("BANANA").run()
    assert not at.exception
    assert at.query_params["word"] == "banana"
    assert at.selectbox(key="rg_word").value == "banana"  # the page shows the sidebar's pick
    at.text_input(key="find_word").set_value("banan").run()
    assert at.query_params["word"] == "banana"  # a miss keeps the pick and suggests
    near = [b for b in at.sidebar.button if b.key and b.key.startswith("find_near_")]
    assert [b.label for b in near][:1] == ["banana"]
    at.text_input(key="find_word").set_value("").run()
    assert "word" not in at.query_params  # an empty box clears the pick
    at.text_input(key="find_word").set_value("chiar").run()
    near = [b for b in at.sidebar.button if b.key and b.key.startswith("find_near_")]
    near[0].click().run()
    assert at.query_params["word"] == near[0].label and at.text_input(key="find_word").value == near[0].label


def test_ring_graph_page_switches_to_source_b_and_keeps_it_in_the_url():
    at = run_app({"preset": "colours", "b": "random:dim=20"}, page="ring_graph")
    at.get("button_group")[0].set_value("B").run()
    assert not at.exception
    assert metrics(at) == [expected("random:dim=20", preset("colours").words)]
    assert at.query_params["side"] == "B"
    shared = run_app(dict(at.query_params), page="ring_graph")
    assert metrics(shared) == metrics(at)


def test_sidebar_choices_survive_a_page_switch():
    at = run_app()
    at.selectbox(key="preset").set_value("family").run()
    at.radio(key="rule").set_value("course").run()
    at.switch_page(PAGES["ring_graph"]).run()
    assert not at.exception
    assert at.selectbox(key="preset").value == "family"
    assert metrics(at) == [expected(default_specs()[0], preset("family").words, "course")]
    assert at.query_params["preset"] == "family" and at.query_params["rule"] == "course"


def test_random_baseline_uses_random_of_the_same_dimension():
    at = run_app(page="random_baseline")
    dim = load_source(default_specs()[0]).dim
    assert [h.value for h in at.subheader][:3] == ["source A", "random", "shuffled"]
    assert plain(f"random:dim={dim}", 80) in [c.value for c in at.caption]  # each SPEC under its ring title (escaped)
    assert metrics(at)[1] == expected(f"random:dim={dim}", preset("course").words)


# -- changing the choices updates the numbers -----------------------------------------


def test_changing_words_updates_numbers_and_url():
    at = run_app()
    at.radio(key="mode").set_value("text").run()
    words = "cat dog horse cow car bus train truck apple pear plum"
    at.text_area(key="words_text").input(words).run()
    assert not at.exception
    assert metrics(at)[1] == expected(default_specs()[1], words.split())
    assert at.query_params["words"] == ",".join(words.split())
    assert "preset" not in at.query_params


def test_changing_source_rule_and_k_updates_numbers():
    at = run_app()
    at.selectbox(key="b_choice").set_value(OTHER).run()
    at.text_input(key="b_custom").input("random:dim=20,seed=7").run()
    words = preset("course").words
    assert metrics(at)[1] == expected("random:dim=20,seed=7", words)
    at.radio(key="rule").set_value("course").run()
    at.number_input(key="k").set_value(0.5).run()
    assert metrics(at)[1] == expected("random:dim=20,seed=7", words, "course", 0.5)
    at.radio(key="rule").set_value("fixed").run()
    at.slider(key="value").set_value(0.3).run()
    assert metrics(at)[1] == expected("random:dim=20,seed=7", words, "fixed", value=0.3)
    assert at.query_params["rule"] == "fixed" and at.query_params["value"] == "0.3"
    assert not at.exception


def test_order_by_category_groups_the_ring():
    wl = WordList(("a", "x", "b", "y"), ("one", "two", "one", "two"))
    assert ordered(wl, "category").words == ("a", "b", "x", "y")
    assert ordered(wl, "input") == wl
    at = run_app({"words": "w1,w2,w3,w4", "b": "random"})
    at.radio(key="order").set_value("category").run()
    assert "no categories" in texts(at.info)
    assert at.query_params["order"] == "category"
    assert metrics(at)[1] == expected("random", ["w1", "w2", "w3", "w4"])


def test_preset_change_and_colour_and_labels():
    at = run_app()
    at.selectbox(key="preset").set_value("animals").run()
    at.toggle(key="labels").set_value(False).run()
    at.radio(key="colour").set_value("separate").run()
    assert not at.exception
    assert metrics(at)[1] == expected(default_specs()[1], preset("animals").words)
    ring = rings(at)[0]
    assert not any(layer.get("mark", {}).get("type") == "text" for layer in ring["layer"])
    assert at.query_params["labels"] == "off" and at.query_params["colour"] == "separate"


# -- URL state --------------------------------------------------------------------------


def test_query_string_round_trips():
    query = {
        "words": "cat,dog,horse,car,bus,train",
        "a": "random:dim=30,seed=2",
        "b": "random",
        "rule": "course",
        "k": "1.5",
        "order": "category",
        "labels": "off",
        "colour": "separate",
    }
    at = run_app(query)
    assert at.text_area(key="words_text").value == "cat, dog, horse, car, bus, train"
    assert at.radio(key="rule").value == "course" and at.number_input(key="k").value == 1.5
    assert dict(at.query_params) == query
    assert metrics(at) == [
        expected("random:dim=30,seed=2", query["words"].split(","), "course", 1.5),
        expected("random", query["words"].split(","), "course", 1.5),
    ]
    again = run_app(dict(at.query_params))
    assert metrics(again) == metrics(at)
    assert "rule=course" in at.code[0].value


def test_parse_params_and_to_params_are_inverse():
    state, notes = parse_params(
        {"preset": "physics", "a": "random", "b": "random:dim=9", "rule": "fixed", "value": "-0.25", "k": "2"}
    )
    assert notes == []
    again, _ = parse_params(to_params(state))
    assert again == state


# -- bad input ------------------------------------------------------------------------


def test_bad_url_parameters_fall_back_with_visible_notes():
    at = run_app({"a": "nosuchsource", "rule": "loose", "k": "abc", "preset": "nope", "colour": "rainbow", "zzz": "1"})
    shown = texts(at.warning)
    for part in ("nosuchsource", "loose", "abc", "nope", "rainbow", "zzz"):
        assert part in shown
    a, b = default_specs()
    words = preset("course").words
    assert metrics(at) == [expected(a, words), expected(b, words)]
    at.radio(key="rule").set_value("course").run()  # still works, notes go once changed
    assert not at.exception and not at.warning


def test_file_paths_are_refused_unless_allowed(monkeypatch):
    at = run_app({"a": "word2vec:/etc/passwd"})
    assert "does not open files" in texts(at.warning)
    at.selectbox(key="a_choice").set_value(OTHER).run()
    at.text_input(key="a_custom").input("word2vec:/etc/hosts").run()
    assert "does not open files" in texts(at.error)
    assert len(metrics(at)) == 1  # ring B is still drawn
    assert "does not open files" in check_spec("shuffled:word2vec:./vectors.txt")
    monkeypatch.setenv("COSINE_RINGS_ALLOW_PATHS", "1")
    assert check_spec("word2vec:/tmp/vectors.txt") is None


@pytest.mark.parametrize(
    "words, message",
    [
        ("", "Type some words"),
        ("apple", "need at least 3"),
    ],
)
def test_empty_and_one_word_lists_are_explained(words, message):
    at = run_app()
    at.radio(key="mode").set_value("text").run()
    at.text_area(key="words_text").input(words).run()
    assert not at.exception
    assert message in texts(at.warning) + texts(at.error)
    at.text_area(key="words_text").input("sun moon star sky").run()
    assert not at.exception and len(metrics(at)) == 2


def test_source_missing_all_words_fails_alone():
    at = run_app({"words": "qzxv,xqzv,vzqx,zzqqx"})
    assert "need at least 3" in texts(at.error)
    assert len(metrics(at)) == 1  # the random ring has every word
    assert metrics(at)[0] == expected(default_specs()[1], ["qzxv", "xqzv", "vzqx", "zzqqx"])


def test_a_source_that_downloads_asks_first_and_the_other_ring_still_draws():
    at = run_app()
    at.selectbox(key="b_choice").set_value("gpt2").run()
    assert not at.exception
    size = download_need("gpt2")
    assert size > 0
    assert f"about {size / 1e6:,.0f} MB" in texts(at.info)
    assert any(b.label == "Download gpt2" for b in at.button)
    assert len(metrics(at)) == 1  # ring A is drawn; nothing was downloaded


def test_neighbours_page_shows_the_download_button_not_an_error():
    at = run_app({"b": "gpt2"}, page="neighbours")
    assert not at.exception and not at.error
    assert any(b.label == "Download gpt2" for b in at.button)
    assert not any(b.label == "Compute" for b in at.button)  # nothing to compute before the download


def test_unknown_source_typed_in_the_sidebar():
    at = run_app()
    at.selectbox(key="b_choice").set_value(OTHER).run()
    at.text_input(key="b_custom").input("nonsense:abc").run()
    assert "unknown source" in texts(at.error)
    assert len(metrics(at)) == 1 and not at.exception


# -- word-list modes and downloads ---------------------------------------------------


def test_uploaded_csv_with_categories_orders_the_ring_by_category():
    at = run_app({"b": "random"})
    at.radio(key="mode").set_value("upload").run()
    csv = b"category,word\nfruit,apple\nanimal,dog\nfruit,pear\nanimal,cat\nfruit,plum\n"
    at.file_uploader(key="upload").set_value(("my list.csv", csv, "text/csv")).run()
    assert not at.exception
    assert ring_words(at)[:2] == [["apple", "dog", "pear", "cat", "plum"]] * 2
    at.radio(key="order").set_value("category").run()
    assert ring_words(at)[:2] == [["apple", "pear", "plum", "dog", "cat"]] * 2
    assert metrics(at)[1] == expected("random", ["apple", "pear", "plum", "dog", "cat"])
    assert at.query_params["words"] == "apple,dog,pear,cat,plum"


def test_text_passage_uses_its_unique_words_or_tokens():
    at = run_app({"a": "minilm", "b": "random"})
    at.radio(key="mode").set_value("passage").run()
    text = "The cat sat on the mat. The dog sat on the log, and the cat ran unbelievably."
    at.text_area(key="passage").input(text).run()
    assert not at.exception
    words = load_source("random").passage_units(text)
    tokens = load_source("minilm").passage_units(text)
    assert "##bly" in tokens and "The" in words and "the" in tokens  # a transformer splits and lower-cases
    # Both rings get the same words: the units of both, merged in text order and decided together.
    merged = passage_words(text, [tokens, words])
    assert merged[:3] == ["the", "The", "cat"] and merged[-1] == "unbelievably"
    a, b = build_graphs([load_source("minilm"), load_source("random")], merged)
    assert "the" in a.graph.words and "The" not in a.graph.words and "##bly" in a.graph.words
    assert ring_words(at)[:2] == [list(a.graph.words)] * 2
    assert metrics(at)[:2] == [expected("minilm", a.graph.words), expected("random", a.graph.words)]
    assert at.query_params["passage"] == text


def test_passage_rings_of_glove_and_minilm_can_be_compared():
    at = run_app({"a": "glove", "b": "minilm"})
    at.switch_page("app_pages/compare.py").run()
    at.radio(key="mode").set_value("passage").run()
    text = "The Cat sat on the mat; the cat ran."
    at.text_area(key="passage").input(text).run()
    assert not at.exception, [e.value for e in at.exception]
    glove, minilm = load_source("glove"), load_source("minilm")
    a, b = build_graphs([glove, minilm], passage_words(text, [glove.passage_units(text), minilm.passage_units(text)]))
    assert a.graph.words == ("the", "cat", "sat", "on", "mat", ";", "ran", ".")
    assert ring_words(at)[:2] == [list(a.graph.words)] * 2
    assert metrics(at)[:2] == [expected("glove", a.graph.words), expected("minilm", a.graph.words)]
    shown_text = texts(at.warning) + texts(at.info) + texts(at.error)
    assert "cannot be compared" not in shown_text


def test_downloads_are_named_after_source_and_list_and_hold_the_graph():
    words = preset("course").words
    result = build_graph(load_source("random:dim=50"), words)
    panel = Panel("B", "random:dim=50", result, categories=dict(zip(words, preset("course").categories)))
    files = {label: (name, make) for label, name, _, make in download_files(panel, "preset-course")}
    # The list is named as a preset and the rule with its k follows, so the name cannot read as the course rule.
    assert files["SVG"][0].startswith("random-dim-50") and files["SVG"][0].endswith("_preset-course_seed-k1.svg")
    assert files["Nodes CSV"][0].endswith("_preset-course_seed-k1_nodes.csv")
    assert files["Edges CSV"][0].endswith("_preset-course_seed-k1_edges.csv")
    assert files["SVG"][1]().lstrip().startswith(b"<svg")
    assert files["PNG"][1]()[:8] == b"\x89PNG\r\n\x1a\n"
    nodes = files["Nodes CSV"][1]().decode()
    assert nodes.splitlines()[0].startswith("word") and len(nodes.splitlines()) == 21
    edges = files["Edges CSV"][1]().decode().splitlines()
    assert len(edges) == result.graph.n_edges + 1
    assert b"<gexf" in files["GEXF"][1]() and b"<graphml" in files["GraphML"][1]()
    at = run_app()
    assert len(at.get("download_button")) == 2 * len(files)


def test_ui_doctests():
    import doctest

    import ui.params
    import ui.sources

    for module in (ui.params, ui.sources):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


def test_url_carries_categories_side_in_any_case_and_hubs_settings():
    state, notes = parse_params(
        {
            "words": "cat,dog,car",
            "categories": "animal,animal,vehicle",
            "side": "b",
            "hubs_n": "1000",
            "hubs_alpha": "on",
            "hubs_min": "3",
        }
    )
    assert notes == [] and state.side == "B" and state.categories == "animal,animal,vehicle"
    assert (state.hubs_n, state.hubs_alpha, state.hubs_stop, state.hubs_min) == (1000, True, False, 3)
    # An uploaded list is shared as its words and categories, and comes back as both.
    upload = parse_params({})[0].__class__(**{**state.__dict__, "mode": "upload", "words": "", "categories": ""})
    q = to_params(upload, ("cat", "dog", "car"), ("animal", "animal", "vehicle"))
    assert q["words"] == "cat,dog,car" and q["categories"] == "animal,animal,vehicle"
    assert parse_params(q)[0].categories == "animal,animal,vehicle"
    _, notes = parse_params({"words": "cat,dog", "categories": "x", "hubs_n": "7", "side": "c"})
    assert len(notes) == 3 and "categories has 1 entries for 2 words" in notes[0]
    assert hubs_params(5000, False, False, 1) == {}
    assert hubs_params(1000, True, True, 3) == {
        "hubs_n": "1000",
        "hubs_alpha": "on",
        "hubs_stop": "on",
        "hubs_min": "3",
    }


def test_an_empty_ring_says_why():
    words = [f"w{i}" for i in range(40)]
    course = build_graph(load_source("random:dim=300,seed=3"), words, rule="course", k=1.5).graph
    assert course.n_edges == 0
    note = empty_ring_note(course)
    assert "no edges" in note and "diagonal" in note and "seed rule" in note
    seed = build_graph(load_source("random:dim=300,seed=3"), words, rule="seed", k=1.0).graph
    assert seed.n_edges > 0 and empty_ring_note(seed) is None


def test_hub_filter_keeps_words_and_drops_punctuation_stop_words_and_short_tokens():
    keep = TokenFilter(alphabetic=True, stop_words=True, min_length=3)
    assert [t for t in [",", "the", "of", "cat", "dogs", "ab", "x1y"] if keep.keeps(t)] == ["cat", "dogs"]
    assert TokenFilter().keeps(",")


def test_a_picked_word_is_lit_on_both_rings_and_its_neighbours_listed():
    at = run_app({"word": "planet"})
    drawn = rings(at)[:2]  # A and B (the community rings below do not take a pick)
    assert len(drawn) == 2
    for spec in drawn:
        params = {p["name"]: p for p in spec["params"]}
        assert params[PICKED]["value"] == "planet" and params[PICK]["select"]["on"] == "click"
        assert params[UNPICK]["select"]["on"] == "dblclick"
    assert "Picked: planet" in texts(at.text)
    table = at.dataframe[0].value
    g = build_graph(load_source(default_specs()[0]), preset("course").words).graph
    assert table["degree"].tolist()[0] == int(g.degree[g.words.index("planet")])
    assert at.query_params["word"] == "planet"
