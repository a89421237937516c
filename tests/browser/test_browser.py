"""The app in a real browser: ``streamlit run`` on loopback, driven by Chromium.

Opens Compare and a shared link, waits until both rings are drawn (the first
load after a start can be blank for a moment), points at and clicks a node,
checks that no exception box appears, and saves a screenshot (to
``docs/screenshot.png`` when ``UPDATE_SCREENSHOT=1``, else under ``test-results/``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from urllib.parse import urlencode

import pytest
from playwright.sync_api import sync_playwright

from tests.browser.server import (
    CHROMIUM,
    EXCEPTION,
    RING,
    ROOT,
    app_server,
    launch_chromium,
)

SCREENSHOT = (
    ROOT / "docs" / "screenshot.png"
    if os.environ.get("UPDATE_SCREENSHOT") == "1"
    else ROOT / "test-results" / "screenshot.png"
)
VIEWPORT = {"width": 1500, "height": 1150}
RING_SIZE = 340  # ui.panels.ring_panel default


def _ensure_chromium() -> None:
    if not shutil.which(CHROMIUM):
        subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", "chromium"], check=True, capture_output=True
        )


@pytest.fixture(scope="module")
def browser_page():
    _ensure_chromium()
    with app_server() as base, sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_page(viewport=VIEWPORT)
        yield base, page
        browser.close()


def _wait_for_rings(page, n: int = 2, timeout: float = 60_000) -> None:
    page.wait_for_function("([sel, n]) => document.querySelectorAll(sel).length >= n", arg=[RING, n], timeout=timeout)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)


def _hover_node(page) -> str:
    """Point at node 0 of the first ring (rightmost on the circle), click it; return its tooltip.

    The plot square sits near the canvas's top-left corner (legend to the
    right), but label overhang shifts it by some pixels, so the pointer
    searches outwards from the expected spot until a node tooltip shows.
    """
    box = page.locator(RING).first.bounding_box()
    assert box and box["width"] > RING_SIZE
    # Node 0 is at x = 1 on an axis domain of [-1.12, 1.12], y = 0.
    x0 = box["x"] + 9 + RING_SIZE * 2.0 / 2.24
    y0 = box["y"] + RING_SIZE / 2
    tip = page.locator("#vg-tooltip-element")
    offsets = sorted(
        ((dx, dy) for dx in range(-40, 41, 4) for dy in range(-40, 41, 4)), key=lambda d: d[0] ** 2 + d[1] ** 2
    )
    for dx, dy in offsets:
        page.mouse.move(x0 + dx, y0 + dy)
        if tip.count() and tip.is_visible() and "degree" in tip.inner_text():
            text = tip.inner_text()
            page.mouse.click(x0 + dx, y0 + dy)
            return text
    return ""


def test_compare_page_draws_both_rings_and_survives_a_click(browser_page):
    base, page = browser_page
    page.goto(base + "/", wait_until="domcontentloaded")
    _wait_for_rings(page)
    assert page.get_by_text("Compare two sources").count()
    tooltip = _hover_node(page)
    assert "space" in tooltip  # node 0 of the course list
    page.wait_for_timeout(500)
    assert page.locator(EXCEPTION).count() == 0
    page.mouse.move(5, 5)
    SCREENSHOT.parent.mkdir(exist_ok=True)
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=False)
    assert SCREENSHOT.stat().st_size > 10_000
    assert SCREENSHOT.stat().st_size > 50_000


def test_shared_link_opens_the_same_view(browser_page):
    base, page = browser_page
    query = {
        "words": "cat,dog,horse,cow,car,bus,train,truck",
        "a": "glove",
        "b": "random:dim=50",
        "rule": "course",
        "k": "1.2",
        "labels": "off",
    }
    page.goto(f"{base}/?{urlencode(query)}", wait_until="domcontentloaded")
    _wait_for_rings(page)
    assert page.locator(EXCEPTION).count() == 0
    assert page.get_by_text("car, dog").count() == 0  # no stray error text
    page.wait_for_function("() => location.search.includes('rule=course')", timeout=10_000)
    url = page.url
    assert "k=1.2" in url and "labels=off" in url and "words=cat%2Cdog" in url
    # The ring graph page from a shared link, with its selected word.
    page.goto(f"{base}/ring-graph?{urlencode({**query, 'word': 'dog'})}", wait_until="domcontentloaded")
    _wait_for_rings(page, 1)
    assert page.get_by_text("Strongest neighbours").count()
    assert page.locator(EXCEPTION).count() == 0
    assert "word=dog" in page.url
