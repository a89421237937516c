"""The work budget (lib/budget.py) and the text helper (ui/text.py), without Streamlit.

The budget must refuse the issue's attack sizes before anything is
allocated, accept the everyday views, and suggest a smaller setting that
really fits. ``plain`` must turn every user string into text that a
CommonMark renderer shows literally (no link, image or emphasis).
"""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from lib import budget
from lib.errors import BudgetError, InputError
from ui.text import plain, plain_list, shorten, shown

ATTACK_SIZES = {
    "graph, 5,000 words at dim 100,000": lambda: budget.check_graph(5000, 100_000),
    "graph, 5,000 words at dim 50": lambda: budget.check_graph(5000, 50),
    "compare, 2,000 words": lambda: budget.check_compare(2000, 50),
    "hubs, N 5,000 at dim 30,000 (three runs)": lambda: budget.check_hubs(5000, 30_000, runs=3),
    "hubs, N 100 at dim 100,000 (the d x d Gram matrix)": lambda: budget.check_hubs(100, 100_000),
    "null, 150 words at dim 100,000": lambda: budget.check_null(150, 100_000, 200),
    "training, dim 1000, window 50, 50 epochs": lambda: budget.check_train(budget.LEE_WORDS, 1000, 50, 50),
}


@pytest.mark.parametrize("attack", ATTACK_SIZES.values(), ids=ATTACK_SIZES.keys())
def test_attack_sizes_are_refused(attack):
    with pytest.raises(BudgetError) as err:
        attack()
    assert isinstance(err.value, InputError)  # the command line's exit 2
    assert "needs about" in str(err.value) and "the limit here is" in str(err.value)
    assert err.value.cost is not None and not budget.default_budget().allows(err.value.cost)


EVERYDAY = {
    "Compare, 20 words at dim 300": lambda: budget.check_graph(20, 300),
    "Compare, 300 words at dim 768": lambda: budget.check_graph(300, 768),
    "comparison analytics, 300 words": lambda: budget.check_compare(300, 4459),
    "null models, 20 words at dim 300, K = 200": lambda: budget.check_null(20, 300, 200),
    "Hubs page, GloVe N = 5,000 (three runs)": lambda: budget.check_hubs(5000, 50, runs=3),
    "default training of word2vec-train:lee": lambda: budget.check_train(budget.LEE_WORDS, 100, 20, 5),
}


@pytest.mark.parametrize("view", EVERYDAY.values(), ids=EVERYDAY.keys())
def test_everyday_views_fit(view):
    assert view().bytes <= budget.default_budget().bytes


def test_the_suggested_word_count_fits_and_one_more_does_not():
    with pytest.raises(BudgetError) as err:
        budget.check_graph(5000, 50)
    words = int(str(err.value).split("use at most ")[1].split(" words")[0].replace(",", ""))
    assert budget.check_graph(words, 50)
    with pytest.raises(BudgetError):
        budget.check_graph(words + 1, 50)


def test_largest_is_a_bisection():
    assert budget.largest(lambda x: x * x <= 1000, 1, 10_000) == 31
    assert budget.largest(lambda x: False, 3, 10) == 2


def test_budget_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("COSINE_RINGS_BUDGET_MB", "1")
    with pytest.raises(BudgetError):
        budget.check_graph(20, 50)
    assert budget.check_graph(20, 50, budget=budget.UNLIMITED)
    monkeypatch.setenv("COSINE_RINGS_BUDGET_MB", "not a number")
    assert budget.default_budget().bytes == budget.DEFAULT_MB * 1e6


def test_load_cost_reads_training_options_only():
    heavy = budget.load_cost("word2vec-train:lee,dim=1000,window=50,min_count=1,epochs=50,seed=3")
    assert heavy is not None and heavy.seconds > budget.DEFAULT_SECONDS
    assert budget.load_cost("shuffled:word2vec-train:lee,dim=1000,window=50,epochs=50") is not None
    assert budget.load_cost("random:dim=100000") is None
    assert budget.check_load("word2vec-train:lee") is not None
    with pytest.raises(BudgetError):
        budget.check_load("word2vec-train:lee,dim=1000,window=50,min_count=1,epochs=50,seed=3")


def test_heatmap_cap_keeps_each_heatmap_under_a_megabyte():
    n = int(budget.MAX_HEATMAP_CELLS**0.5)
    assert budget.heatmap_cost(n).bytes < 1e6
    assert budget.heatmap_cost(2000).bytes > 30e6


USER_STRINGS = [
    "[Click here](https://evil.example/login)",
    "![x](https://evil.example/track.png)",
    "<img src=https://evil.example/i.png>",
    "<https://evil.example>",
    "**b** _i_ `code` ~~s~~",
    ":red[x] $x$ :smile:",
    "# heading\n- item",
    "[ref]: https://evil.example\n[ref]",
]


@pytest.mark.parametrize("text", USER_STRINGS)
def test_plain_renders_literally(text):
    html = MarkdownIt("commonmark").render(plain(text, None))
    assert "<a" not in html and "<img" not in html and "<strong" not in html and "<em" not in html
    assert "<h1" not in html and "<li" not in html and "<code" not in html
    assert shown(plain(text, None)) == text.replace("\n", " ")
    assert "://" not in plain(text, None) and "www." not in plain("www.evil.example")


def test_long_values_are_shortened():
    assert shorten("x" * 2_000_000, 50).endswith("… (2,000,000 characters)")
    assert len(plain("y" * 2_000_000)) < 400
    assert shown(plain_list([f"w{i}" for i in range(20)], 3)) == "w0, w1, w2 … (+17 more)"
