"""Round two of the public-copy attacks: one choke point for loads, one budget per request, bounded caches.

Each test fails without its fix: loads that skip their checks (Neighbours'
Compute), the training button decided on a split the loader does not use,
SPEC numbers in other digits and repeated options, the fixed rule's edges
outside the budget, panels budgeted one by one, a request that lets
another heavy one in between its parts, Louvain graphs left to the cyclic
garbage collector, uncapped pair tables, derived caches without a cap and
upload parsing outside the work slot.
"""

from __future__ import annotations

import gc
import os
import threading
import time

import numpy as np
import pytest

from lib.errors import BudgetError, SpecError
from tests.apptest_support import app_test

HEAVY_TRAINING = "word2vec-train:lee,dim=1000,window=50,epochs=100,min_count=1"
SHUFFLED_TRICK = "shuffled:word2vec-train:lee,seed=1,dim=900,window=50,epochs=27,min_count=1,seed=3"


def _texts(at) -> list[str]:
    out = []
    for kind in ("error", "warning", "info", "success", "caption", "markdown"):
        out += [str(e.value) for e in at.get(kind)]
    out += [str(b.label) for b in at.get("button")]
    return out


def _run(query: dict, page: str | None = None):
    at = app_test(query, timeout=240)
    at.run()
    if page:
        at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _loaded(spec: str) -> bool:
    from ui.cached import _SOURCES

    return spec in _SOURCES


def test_neighbours_compute_cannot_skip_the_load_checks():
    at = _run({"a": HEAVY_TRAINING, "b": "glove", "top": "50"}, "neighbours")
    start = time.perf_counter()
    if any(b.key == "nb_compute" for b in at.button):  # the page may refuse before it offers Compute
        at.button(key="nb_compute").click().run()
    assert time.perf_counter() - start < 60  # the click trained for 84 s
    assert not at.exception, [e.value for e in at.exception]
    assert any("button" in t or "needs about" in t for t in _texts(at)), _texts(at)
    assert not _loaded(HEAVY_TRAINING)


def test_the_training_button_is_decided_on_the_parsed_spec():
    at = _run({"a": SHUFFLED_TRICK, "b": "random:dim=20", "preset": "course"})
    assert any(t.startswith("Train") for t in _texts(at)), _texts(at)
    assert not _loaded(SHUFFLED_TRICK)
    from ui.downloads import TRAINING, _needs

    assert _needs(SHUFFLED_TRICK) == TRAINING
    assert _needs("shuffled:word2vec-train:lee,seed=4") == 0  # the default training, shuffled


@pytest.mark.parametrize(
    "spec",
    ["random:dim=١٠٠", "random:dim=１００", "random:dim=1_000", "random:dim=+50", "random:dim= 50", "random:dim=050"]
    + ["random:dim=50,dim=60", "word2vec-train:lee,epochs=2,epochs=3", "shuffled:glove,seed=١"],
)
def test_spec_numbers_are_ascii_digits_and_options_come_once(spec):
    from lib.sources import load_source

    with pytest.raises(SpecError):
        load_source(spec)


def test_the_fixed_rule_counts_its_edges_before_building_them():
    from lib.graph import build_graph
    from lib.sources import load_source

    words = [f"w{i}" for i in range(200)]
    with pytest.raises(BudgetError, match="keeps 19,900 of 19,900 pairs"):
        build_graph(load_source("random:dim=8"), words, rule="fixed", value=-1.0, max_edges=19_899)
    assert build_graph(load_source("random:dim=8"), words, rule="fixed", value=-1.0, max_edges=19_900).graph.n_edges


def _words(n: int) -> str:
    return ",".join(f"w{i}" for i in range(n))


def test_a_fixed_rule_at_minus_one_is_refused_where_the_seed_rule_fits(monkeypatch):
    monkeypatch.setenv("COSINE_RINGS_BUDGET_MB", "24")
    query = {"a": "random:dim=20", "b": "random:dim=20,seed=1", "words": _words(600)}
    fixed = _run({**query, "rule": "fixed", "value": "-1"})
    errors = [str(e.value) for e in fixed.error]
    assert len(errors) == 2 and all("pairs as edges" in e for e in errors), errors
    seed = _run(query)
    assert not seed.error, [str(e.value) for e in seed.error]


def test_the_panels_of_one_page_share_one_budget(monkeypatch):
    monkeypatch.setenv("COSINE_RINGS_BUDGET_MB", "30")
    sources = ";".join(f"random:dim=20,seed={i}" for i in range(8))
    at = _run({"sources": sources, "words": _words(600)}, "many_sources")
    errors = [str(e.value) for e in at.error]
    drawn = len(at.get("vega_lite_chart"))
    assert errors and all("already uses" in e for e in errors), errors
    assert 3 <= drawn < 8, drawn  # each graph alone fits; all eight do not


def test_a_request_keeps_the_work_slot_until_it_ends():
    from lib.budget import Cost
    from ui.work import request_scope, work_slot

    big = Cost("big", 100e6, 1.0, held=1e6)
    entered = threading.Event()
    order: list[str] = []

    def other() -> None:
        with work_slot(big, note=False):
            order.append("other")

    with request_scope() as request:
        with work_slot(big, note=False):
            order.append("first part")
        assert request.slot and request.held == 1e6
        thread = threading.Thread(target=other)
        thread.start()
        entered.wait(0.5)
        order.append("second part")  # the other heavy request still waits
        with work_slot(Cost("small", 1e6, 0.0), note=False):
            pass
    thread.join(10)
    assert order == ["first part", "second part", "other"]


def test_a_request_is_refused_what_its_earlier_work_left_no_room_for():
    from lib.budget import Budget, Cost
    from ui.work import remaining, request_scope, work_slot

    os.environ.pop("COSINE_RINGS_BUDGET_MB", None)
    with request_scope():
        with work_slot(Cost("first", 150e6, 1.0, held=150e6), note=False):
            pass
        assert remaining(Budget(200e6, 60)).bytes == 50e6
        with pytest.raises(BudgetError, match="already uses"), work_slot(Cost("second", 100e6, 1.0), note=False):
            pass


def test_louvain_leaves_no_graph_for_the_garbage_collector():
    import networkx as nx

    from lib.analysis.communities import louvain
    from lib.engine import ring_graph

    x = np.random.default_rng(0).standard_normal((150, 8))
    g = ring_graph([f"w{i}" for i in range(150)], x, rule="fixed", value=-1)  # 11,175 edges
    gc.collect()
    gc.disable()
    try:
        louvain(g.words, g.similarity, g.mask)
        alive = [o for o in gc.get_objects() if isinstance(o, nx.Graph) and o.number_of_edges()]
    finally:
        gc.enable()
    assert not alive


def test_a_kept_comparison_is_capped_with_its_counts():
    from lib.analysis.charts import pair_scatter_data
    from lib.analysis.compare import capped, compare_graphs
    from lib.engine import ring_graph

    x = np.random.default_rng(0).standard_normal((120, 8))
    words = [f"w{i}" for i in range(120)]
    a = ring_graph(words, x, rule="fixed", value=-1)
    b = ring_graph(words, x[::-1].copy(), rule="fixed", value=-1)
    full = compare_graphs(a, b, permutations=9)
    small = capped(full, max_pairs=1000, max_edges=50)
    assert len(small.pairs) == 1000 and len(small.edges.shared) == 50
    assert small.counts() == full.counts() == (7140, 7140, 0, 0)
    assert small.edges.shared["cosine_a"].iloc[0] + small.edges.shared["cosine_b"].iloc[0] == pytest.approx(
        (full.edges.shared["cosine_a"] + full.edges.shared["cosine_b"]).max()
    )
    data = pair_scatter_data(full, max_points=1000)  # every pair an edge: sampled among the edges too
    assert len(data.frame) == 1000 and data.omitted == 6140


def test_derived_caches_keep_to_their_cap(tmp_path, monkeypatch):
    from lib.sources import set_cache_root
    from lib.sources._cache_cap import derived_entries, touch, trim

    monkeypatch.setenv("COSINE_RINGS_CACHE_MB", "0.003")  # 3,000 bytes
    set_cache_root(tmp_path)
    try:
        for i, folder in enumerate(("hubs", "neighbours", "cards", "hubs")):
            (tmp_path / folder).mkdir(exist_ok=True)
            path = tmp_path / folder / f"{i}.parquet"
            path.write_bytes(b"x" * 1000)
            os.utime(path, (1000 + i, 1000 + i))
        (tmp_path / "word2vec").mkdir()
        (tmp_path / "word2vec" / "download.bin").write_bytes(b"x" * 5000)  # not derived: never evicted
        touch(tmp_path / "hubs" / "0.parquet")  # the oldest, used just now
        (tmp_path / "cards" / "4.parquet").write_bytes(b"x" * 1000)
        gone = trim(keep=tmp_path / "cards" / "4.parquet")
        assert [p.name for p in gone] == ["1.parquet", "2.parquet"]
        assert sum(size for _, size, _ in derived_entries()) <= 3000
        assert (tmp_path / "word2vec" / "download.bin").exists()
    finally:
        set_cache_root(None)


def test_upload_parsing_runs_in_the_work_slot(monkeypatch):
    import ui.sidebar
    from ui.work import _SLOT

    seen: list[bool] = []

    def hold(data: bytes, name: str):
        free: list[bool] = []

        def probe() -> None:  # another thread: may it take the slot now?
            if _SLOT.acquire(blocking=False):
                _SLOT.release()
                free.append(True)

        thread = threading.Thread(target=probe)
        thread.start()
        thread.join()
        seen.append(not free)
        raise SpecError("not a vectors file")

    monkeypatch.setattr(ui.sidebar, "hold_upload", hold)
    at = _run({})
    at.selectbox(key="a_choice").set_value("upload vectors (word2vec .txt/.bin)").run()
    at.file_uploader(key="a_vectors").set_value(("big.txt", b"1 2\n" + b"x" * 5_000_000, "text/plain")).run()
    assert seen == [True]
