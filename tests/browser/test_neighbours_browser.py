"""The Neighbours page in Chromium: dragging across the Jaccard histogram fills the table with those words."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import numpy as np
import pytest
from playwright.sync_api import sync_playwright

from lib.analysis.neighbours_store import neighbours_for
from lib.sources._cache import set_cache_root
from tests.browser.server import CHART, EXCEPTION, app_server, launch_chromium

QUERY = {"a": "glove", "b": "minilm", "top": "600", "nk": "5"}


@pytest.fixture(scope="module")
def computed(tmp_path_factory):
    """The run the page shows, computed into the cache folder the server will use."""
    cache = tmp_path_factory.mktemp("cache")
    set_cache_root(cache)
    try:
        result = neighbours_for("glove", "minilm", top=600, k=5, null=True)
    finally:
        set_cache_root(None)
    return cache, result


def test_histogram_brush_selects_words(computed):
    cache, result = computed
    with app_server(env={"COSINE_RINGS_CACHE": str(cache)}) as base, sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(f"{base}/neighbours?{urlencode(QUERY)}", wait_until="domcontentloaded")
        page.wait_for_selector(CHART, timeout=90_000)
        page.get_by_text("drag on the histogram to pick").wait_for(timeout=30_000)
        box = page.locator(CHART).first.bounding_box()
        assert box and box["width"] > 200
        # Drag inside the plot (its y axis takes about 60 px) from Jaccard about 0 to about 0.35.
        y, x0 = box["y"] + box["height"] * 0.4, box["x"] + 80
        page.mouse.move(x0, y)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.45, y, steps=10)
        page.mouse.up()
        caption = page.get_by_text(re.compile(r"words in the brushed range"))
        caption.wait_for(timeout=30_000)
        count = int(re.search(r"([\d,]+) words in the brushed range", caption.inner_text()).group(1).replace(",", ""))
        assert page.locator(EXCEPTION).count() == 0
        browser.close()
    # The brush covers some, not all, of the possible values: the count is that of a run of consecutive values.
    _, per_value = np.unique(result.jaccard, return_counts=True)
    runs = {int(per_value[i:j].sum()) for i in range(len(per_value)) for j in range(i + 1, len(per_value) + 1)}
    assert 0 < count < result.n and count in runs
