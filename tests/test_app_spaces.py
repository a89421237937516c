"""AppTests of the Spaces page and of the Many sources benchmark table."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lib.presets import preset
from lib.spaces.store import card_for
from tests.apptest_support import app_test
from tests.source_fixtures import write_word2vec

WORDS = ["king", "queen", "man", "woman", "paris", "france", "london", "england", "cat", "dog", "car", "train"]
WORDS += [w for w in preset("course").words if w not in WORDS]  # the rings of the Many sources page


@pytest.fixture()
def specs(tmp_path, monkeypatch):
    """Two small word2vec files (400 words, 16 dimensions), opened through the URL."""
    monkeypatch.setenv("COSINE_RINGS_ALLOW_PATHS", "1")
    monkeypatch.setenv("COSINE_RINGS_CACHE", str(tmp_path / "cache"))
    rng = np.random.default_rng(21)
    words = WORDS + [f"w{i}" for i in range(400 - len(WORDS))]
    out = []
    for name, shift in (("a", 0.0), ("b", 2.0)):
        path = write_word2vec(tmp_path / f"{name}.bin", words, rng.standard_normal((400, 16)) + shift)
        out.append(f"word2vec:{path}")
    return out


def _run(specs, **widgets):
    at = app_test({"a": specs[0], "b": specs[1]}, timeout=300)
    at.run()
    at.switch_page("app_pages/spaces.py").run()
    at.number_input(key="sp_top").set_value(300).run()
    for key, value in widgets.items():
        at.toggle(key=key).set_value(value).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_spaces_page_shows_both_cards_with_the_engine_numbers(specs):
    at = _run(specs)
    cards = [card_for(s, top=300) for s in specs]  # cached by the page: the same numbers
    metrics = {m.label: [] for m in at.metric}
    for m in at.metric:
        metrics[m.label].append(m.value)
    assert metrics["mean cosine"] == [f"{c.anisotropy.mean_cosine:.3f}" for c in cards]
    assert metrics["eff. dimension"] == [f"{c.anisotropy.effective_dim:.1f}" for c in cards]
    assert cards[1].anisotropy.mean_cosine > 0.5 > cards[0].anisotropy.mean_cosine  # the shifted space is a cone
    charts = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    titles = [c.get("title") for c in charts if c.get("title")]
    assert titles == [f"k = 10: skewness {c.hubness[10].skewness:.2f}" for c in cards]
    log_axes = [
        layer["encoding"]["y"].get("scale", {}).get("type")
        for c in charts
        for layer in c.get("layer", [])
        if "y" in layer.get("encoding", {})
    ]
    assert "log" in log_axes
    hubs = at.dataframe[0].value
    assert list(hubs["top hub"]) == [w for w, _ in cards[0].hubness[10].top_hubs[:10]]


def test_spaces_page_abtt_switch_shows_the_change(specs):
    _run(specs)  # the plain cards first, so the processed ones show their change
    at = _run(specs, sp_abtt=True)
    processed = card_for(f"abtt:{specs[1]}", top=300)
    plain = card_for(specs[1], top=300)
    values = [m for m in at.metric if m.label == "mean cosine"]
    assert values[1].value == f"{processed.anisotropy.mean_cosine:.3f}"
    assert values[1].delta == f"{processed.anisotropy.mean_cosine - plain.anisotropy.mean_cosine:+.3f}"
    assert abs(processed.anisotropy.mean_cosine) < 0.05  # the mean is gone


def test_spaces_page_refuses_too_large_n_and_random(specs):
    at = app_test({"a": specs[0], "b": "random:dim=16"}, timeout=300)
    at.run()
    at.switch_page("app_pages/spaces.py").run()
    assert not at.exception
    errors = " | ".join(e.value for e in at.error)
    assert "only 400 vocabulary entries" in errors and "no fixed vocabulary" in errors


def test_a_card_whose_benchmarks_do_not_fit_shows_its_hubness(specs, monkeypatch):
    """When the budget fits the hubness part but not the benchmark vocabulary, the card still shows."""
    import ui.spaces
    from lib.budget import check_card
    from lib.errors import BudgetError

    def over_with_benchmarks(rows, d, k, vocabulary, analogies=True, budget=None):
        if vocabulary:
            raise BudgetError("a space card with 400 benchmark words needs more than the limit here")
        return check_card(rows, d, k, vocabulary, analogies, budget)

    monkeypatch.setattr(ui.spaces, "check_card", over_with_benchmarks)
    at = _run(specs)
    assert not at.error, [e.value for e in at.error]
    assert [m.value for m in at.metric if m.label == "mean cosine"] == [
        f"{card_for(s, top=300, benchmarks=()).anisotropy.mean_cosine:.3f}" for s in specs
    ]
    assert sum("Word benchmarks left out" in i.value for i in at.info) == 2


def test_many_sources_gains_a_benchmark_table(specs):
    sources = [*specs, "random:dim=16"]
    at = app_test({"sources": ";".join(sources), "preset": "course"}, timeout=300)
    at.run()
    at.switch_page("app_pages/many_sources.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("No card computed yet" in i.value for i in at.info)
    at.button(key="many_cards").click().run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[-1].value
    assert list(table["source"]) == specs  # random vectors have no vocabulary and no card
    cards = [card_for(s, top=399) for s in specs]  # all but one of the 400 words
    accuracy = [round(c.benchmarks["analogies"]["accuracy"], 3) for c in cards]
    assert list(table["analogies accuracy"]) == accuracy
    assert list(table["mean cosine"]) == [round(c.anisotropy.mean_cosine, 3) for c in cards]
