"""The Neighbours page's linked maps in Chromium at 1280x800 and 1500x1000.

Both deck.gl maps must draw their points; finding a word centres both maps
on it, and clicking it on map A must ring it on map B too (red pixels appear
in B's picture) and list it; "Clear picks" takes the rings off again; no
chart may stick out of its column.
Screenshots go to ``test-results/neighbour-maps/``.
"""

from __future__ import annotations

import io
import re
import time
from urllib.parse import urlencode

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import sync_playwright

from lib.analysis.neighbours_store import neighbours_for
from lib.sources._cache import set_cache_root
from tests.browser.server import EXCEPTION, ROOT, app_server, launch_chromium

QUERY = {"a": "glove", "b": "minilm", "top": "3000", "nk": "10"}
MAPS = "[data-testid='stDeckGlJsonChart']"
RESULTS = ROOT / "test-results" / "neighbour-maps"
#: The ring drawn around picked words (lib.shifts.deck), never a colour of the viridis points.
RING = np.array([214, 39, 40])

# Every chart's and table's right edge against that of its column (or of the main block).
_SPILL = """
() => {
  const main = document.querySelector("[data-testid='stMainBlockContainer']").getBoundingClientRect();
  const sel = "[data-testid='stVegaLiteChart'], [data-testid='stDeckGlJsonChart'], [data-testid='stDataFrame']";
  return [...document.querySelectorAll(sel)].filter(el => el.offsetParent).map(el => {
    const box = el.getBoundingClientRect();
    const column = el.closest("[data-testid='stColumn']");
    const limit = column ? column.getBoundingClientRect().right : main.right;
    return {kind: el.dataset.testid, right: box.right, limit: limit + 1, width: box.width};
  });
}
"""


@pytest.fixture(scope="module")
def computed(tmp_path_factory):
    """The run the page shows, computed into the cache folder the server will use."""
    cache = tmp_path_factory.mktemp("cache")
    set_cache_root(cache)
    try:
        result = neighbours_for("glove", "minilm", top=3000, k=10, null=True)
    finally:
        set_cache_root(None)
    return cache, result


def _pixels(locator) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(locator.screenshot())).convert("RGB"), dtype=np.int16)


def _coloured(pixels: np.ndarray) -> int:
    """Pixels that are neither white-ish nor grey (the points are viridis colours)."""
    spread = pixels.max(axis=2) - pixels.min(axis=2)
    return int(np.count_nonzero(spread > 40))


def _red(pixels: np.ndarray) -> int:
    return int(np.count_nonzero(np.abs(pixels - RING).max(axis=2) < 40))


def _wait(predicate, timeout: float = 60.0, step: float = 0.25):
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > end:
            return value
        time.sleep(step)


def _idle(page) -> None:
    """Wait until the app's script run is over (its status widget shows while it runs)."""
    time.sleep(0.5)
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=120_000)


@pytest.mark.parametrize("width,height", [(1280, 800), (1500, 1000)])
def test_maps_draw_link_a_pick_and_stay_in_their_columns(computed, width, height):
    cache, result = computed
    RESULTS.mkdir(parents=True, exist_ok=True)
    word = "people"
    with app_server(env={"COSINE_RINGS_CACHE": str(cache)}) as base, sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(f"{base}/neighbours?{urlencode(QUERY)}", wait_until="domcontentloaded")
        page.wait_for_selector(MAPS, timeout=120_000)
        maps = page.locator(MAPS)
        assert _wait(lambda: maps.count() == 2)
        maps.first.scroll_into_view_if_needed()
        # Both maps draw thousands of coloured points.
        for i in range(2):
            assert _wait(lambda i=i: _coloured(_pixels(maps.nth(i))) > 2000), f"map {i} has no points"
        assert _red(_pixels(maps.nth(1))) < 20
        page.screenshot(path=str(RESULTS / f"maps-{width}x{height}.png"))

        # Find a word: both maps centre on it; a click at A's centre picks it; B rings it too.
        box = page.get_by_label("Show a word: its dominoes, both maps centred on it")
        box.fill(word)
        box.press("Enter")
        text = page.locator("[data-testid='stMarkdownContainer']", has_text=re.compile(rf"{word} \(frequency rank"))
        text.first.wait_for(timeout=90_000)
        _idle(page)
        time.sleep(2)  # the maps redraw at the new view
        maps.first.scroll_into_view_if_needed()
        before = _red(_pixels(maps.nth(1)))
        frame = maps.first.bounding_box()
        listed = page.locator("[data-testid='stMarkdownContainer']", has_text=re.compile(r"1 picked on the maps"))
        for _ in range(3):  # a click that lands while the map is still redrawing picks nothing: click again
            page.mouse.move(frame["x"] + frame["width"] / 2, frame["y"] + frame["height"] / 2)
            time.sleep(0.5)
            page.mouse.click(frame["x"] + frame["width"] / 2, frame["y"] + frame["height"] / 2)
            if _wait(lambda: listed.count() > 0, timeout=30):
                break
        listed.first.wait_for(timeout=60_000)
        assert word in listed.first.inner_text()
        assert _wait(lambda: _red(_pixels(maps.nth(1))) > before + 30), "map B does not ring the picked word"
        assert _red(_pixels(maps.nth(0))) > 10  # ringed on A too (the tooltip covers part of it)
        maps.first.scroll_into_view_if_needed()
        page.screenshot(path=str(RESULTS / f"picked-{width}x{height}.png"), full_page=False)
        spills = [e for e in page.evaluate(_SPILL) if e["right"] > e["limit"]]
        assert not spills, spills

        # Clear picks: nothing listed, no ring on either map (the maps are drawn anew).
        page.get_by_role("button", name="Clear picks").click()
        none = page.locator("[data-testid='stMarkdownContainer']", has_text=re.compile(r"0 picked on the maps"))
        none.first.wait_for(timeout=60_000)
        _idle(page)
        maps.first.scroll_into_view_if_needed()
        cleared = _wait(lambda: _coloured(_pixels(maps.nth(1))) > 1000 and _red(_pixels(maps.nth(1))) < 20)
        page.screenshot(path=str(RESULTS / f"cleared-{width}x{height}.png"))
        assert cleared, (_coloured(_pixels(maps.nth(1))), _red(_pixels(maps.nth(1))))
        assert _red(_pixels(maps.nth(0))) < 20
        assert page.locator(EXCEPTION).count() == 0
        # The whole main column (Streamlit scrolls it inside the window).
        tall = page.evaluate("() => document.querySelector(\"[data-testid='stMain']\").scrollHeight")
        page.set_viewport_size({"width": width, "height": min(int(tall) + 40, 12_000)})
        time.sleep(2)
        page.screenshot(path=str(RESULTS / f"page-{width}x{height}.png"))
        browser.close()
    assert word in result.words
