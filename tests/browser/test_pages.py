"""Every page in Chromium at two window sizes: screenshots and what can be measured.

The app runs with ``COSINE_RINGS_RENDERER=svg`` so Vega draws SVG whose
elements can be measured: each chart's plotting area (its axis lines, or the
ring's square) must be a sensible size, no chart may stick out of the page's
main column, no exception box or console error may appear. Screenshots go
to ``test-results/pages/`` (the first screen, and the whole page), and to
``docs/screenshots/`` when ``UPDATE_SCREENSHOT=1``; ``docs/screenshot.png``
is the Compare page at 1500x1000.

Also: a share link of an uploaded ``category,word`` list restores its
categories, and clicking a ring node selects it on both rings.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from playwright.sync_api import sync_playwright

from tests.browser.server import CHROMIUM, EXCEPTION, ROOT, app_server, launch_chromium

UPDATE = os.environ.get("UPDATE_SCREENSHOT") == "1"
RESULTS = ROOT / "test-results" / "pages"
DOCS = ROOT / "docs" / "screenshots"
VIEWPORTS = [(1280, 800), (1500, 1000)]
#: (file name, path and query, what the page must show, charts it must draw at least).
PAGES = [
    ("compare", "/", "Compare two sources", 6),
    ("ring-graph", "/ring-graph?word=chair", "Strongest neighbours", 3),
    ("random-baseline", "/random-baseline", "Is it more than chance?", 5),
    ("hubs", "/hubs?hubs_n=1000&hubs_alpha=on", "Top hubs", 1),
    ("neighbours", "/neighbours?top=2000&nk=10&nword=king", "Moved most", 1),
    ("many-sources", "/many-sources?sources=glove;minilm;random:dim=50;shuffled:glove", "How alike are", 8),
    ("method", "/method", "Method", 0),
]
CHARTS = "[data-testid='stVegaLiteChart']"
#: Smallest plotting area (px) a chart may get; the squashed degree chart had about 25.
MIN_PLOT = 90

# Sizes of each chart's plotting areas: the background rectangle of every
# view cell (a concatenated chart has one per cell, a single or layered chart
# one at the root), the chart's right edge and that of its column (or the
# main block), to find charts that are cut off at the right.
_MEASURE = """
() => {
  const main = document.querySelector("[data-testid='stMainBlockContainer']").getBoundingClientRect();
  return [...document.querySelectorAll("[data-testid='stVegaLiteChart']")].map((el, i) => {
    const svg = el.querySelector("svg.marks");
    if (!svg) return {i, drawn: false};
    const box = svg.getBoundingClientRect();
    if (!el.offsetParent || box.width === 0) return {i, drawn: true, hidden: true};  // an inactive tab
    let cells = [...svg.querySelectorAll("g.role-scope > g > path.background")]
      .filter(c => !c.closest(".role-legend"));
    if (!cells.length) cells = [...svg.querySelectorAll("g.role-frame.root > g > path.background")];
    const areas = cells.map(c => { const b = c.getBoundingClientRect(); return [b.width, b.height]; });
    const title = (svg.querySelector(".role-title-text text") || {}).textContent || "";
    const column = el.closest("[data-testid='stColumn']");
    const right = column ? column.getBoundingClientRect().right : main.right;
    return {i, drawn: true, title, areas, width: box.width, height: box.height,
            right: box.right, mainRight: right + 2};
  });
}
"""


# Text cut off: an element with text whose content is wider than its box while its overflow is
# hidden or ends in an ellipsis (buttons, metrics, captions); a table that scrolls sideways (a
# column hidden at the right); a chart title or subtitle reaching past its chart. Formulas
# (KaTeX hides its MathML copy) and code boxes are left out.
_CLIPPED = """
() => {
  const out = [];
  const skip = el => !el.offsetParent || el.querySelector('.katex-display')
    || el.closest('.katex, .katex-display, [data-testid="stCode"], [data-testid="stVegaLiteChart"]');
  for (const root of document.querySelectorAll("[data-testid='stMain'], [data-testid='stSidebar']"))
    for (const el of root.querySelectorAll('*')) {
      if (skip(el) || !el.textContent.trim() || el.scrollWidth <= el.clientWidth + 1) continue;
      const cs = getComputedStyle(el);
      if (cs.overflowX !== 'visible' || cs.textOverflow === 'ellipsis') out.push(el.textContent.trim().slice(0, 80));
    }
  for (const s of document.querySelectorAll("[data-testid='stDataFrame'] .dvn-scroller"))
    if (s.offsetParent && s.scrollWidth > s.clientWidth + 1) out.push('a table wider than its box');
  for (const chart of document.querySelectorAll("[data-testid='stVegaLiteChart']")) {
    const box = chart.getBoundingClientRect();
    if (!chart.offsetParent || !box.width) continue;
    for (const t of chart.querySelectorAll('.role-title text'))
      if (t.getBoundingClientRect().right > box.right + 1) out.push('chart title: ' + t.textContent.slice(0, 80));
  }
  return out;
}
"""


def _ensure_chromium() -> None:
    if not shutil.which(CHROMIUM):
        subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", "chromium"], check=True, capture_output=True
        )


@pytest.fixture(scope="module")
def app():
    _ensure_chromium()
    with app_server(env={"COSINE_RINGS_RENDERER": "svg"}) as base, sync_playwright() as pw:
        browser = launch_chromium(pw)
        yield base, browser
        browser.close()


def _settle(page, min_charts: int, timeout: float = 120_000) -> None:
    """Wait until the script has finished and ``min_charts`` charts are drawn as SVG."""
    page.wait_for_selector("[data-testid='stMainBlockContainer']", timeout=timeout)
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel + ' svg.marks').length >= n"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && !document.querySelector('[data-testid=\"stSpinner\"]')",
        arg=[CHARTS, min_charts],
        timeout=timeout,
    )
    page.wait_for_timeout(1500)  # the last charts finish their layout


def _open(browser, size: tuple[int, int]):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
    return page, errors


def _full_page(page, path) -> None:
    """Screenshot the whole main column (Streamlit scrolls it inside the window)."""
    height = page.evaluate("() => document.querySelector(\"[data-testid='stMain']\").scrollHeight")
    width = page.viewport_size["width"]
    page.set_viewport_size({"width": width, "height": min(int(height) + 40, 12_000)})
    page.wait_for_timeout(1200)
    page.screenshot(path=str(path))


def _check_charts(page, name: str) -> list[dict]:
    charts = page.evaluate(_MEASURE)
    for c in charts:
        assert c["drawn"], f"{name}: chart {c['i']} was not drawn"
        if c.get("hidden"):
            continue
        where = f"{name}: chart {c['i']} ({c['title'] or 'untitled'})"
        assert c["areas"], f"{where}: no plotting area found"
        for w, h in c["areas"]:
            assert w >= MIN_PLOT and h >= MIN_PLOT, f"{where}: plotting area only {w:.0f}x{h:.0f} px"
        assert c["right"] <= c["mainRight"], f"{where}: right edge {c['right']:.0f} past {c['mainRight']:.0f}"
    return charts


def _ignorable(message: str) -> bool:
    # Chromium's own notices, and Streamlit's frontend probing /<page>/_stcore/health and
    # /<page>/_stcore/host-config before the server's root (each 404 is logged twice: as the
    # response, kept here with its address, and as a console line without one).
    if message.startswith("Failed to load resource"):
        return True
    if message.startswith("HTTP 404") and message.endswith(("/_stcore/health", "/_stcore/host-config")):
        return True
    # Software WebGL's performance notes when deck.gl reads back its picking buffer (the Neighbours maps).
    if "GL Driver Message" in message and "GPU stall due to ReadPixels" in message:
        return True
    return any(s in message for s in ("favicon", "Permissions policy", "preloaded using link preload"))


@pytest.mark.parametrize("size", VIEWPORTS, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name,path,text,min_charts", PAGES, ids=[p[0] for p in PAGES])
def test_page_reads_at_a_glance(app, size, name, path, text, min_charts):
    base, browser = app
    page, errors = _open(browser, size)
    page.goto(base + path, wait_until="domcontentloaded")
    if name in ("hubs", "neighbours"):
        page.wait_for_selector("text=Compute", timeout=120_000)
        page.get_by_role("button", name="Compute").click()
    _settle(page, min_charts)
    page.get_by_text(text).first.wait_for(timeout=60_000)  # a page without charts can settle before it draws
    assert page.get_by_text(text).first.count(), f"{name}: {text!r} not shown"
    assert page.locator(EXCEPTION).count() == 0
    RESULTS.mkdir(parents=True, exist_ok=True)
    shot = f"{name}-{size[0]}x{size[1]}.png"
    page.screenshot(path=str(RESULTS / shot))
    if UPDATE:
        DOCS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS / shot))
        if name == "compare" and size == (1500, 1000):
            page.screenshot(path=str(ROOT / "docs" / "screenshot.png"))
    charts = _check_charts(page, name)
    assert len(charts) >= min_charts
    _full_page(page, RESULTS / f"{name}-{size[0]}x{size[1]}-full.png")
    _check_charts(page, name)
    assert page.evaluate(_CLIPPED) == [], f"{name}: text cut off"
    bad = [e for e in errors if not _ignorable(e)]
    assert not bad, f"{name}: console says {bad[:3]}"
    page.close()


def _ring_nodes(page, word: str):
    """The circle marks of ``word`` on every ring of the page (Vega labels each mark for screen readers)."""
    return page.locator(f"[class*='st-key-ring_'] svg.marks path[aria-label*='word: {word};']")


def test_clicking_a_node_picks_it_on_both_rings(app):
    base, browser = app
    page, errors = _open(browser, (1500, 1000))
    page.goto(base + "/", wait_until="domcontentloaded")
    _settle(page, 6)
    nodes = _ring_nodes(page, "planet")
    assert nodes.count() == 2
    box = nodes.first.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("() => location.search.includes('word=planet')", timeout=60_000)
    _settle(page, 6)
    assert page.get_by_text("Picked: planet").count()
    # Both rings draw the picked node with a dark ring around it.
    strokes = [_ring_nodes(page, "planet").nth(i).get_attribute("stroke") for i in range(2)]
    assert strokes == ["#111", "#111"]
    page.screenshot(path=str(RESULTS / "compare-picked.png"))
    # The Ring graph lists the picked word's neighbours.
    page.goto(page.url.replace(base + "/", base + "/ring-graph"), wait_until="domcontentloaded")
    _settle(page, 3)
    assert page.get_by_text("planet").count() and page.locator(EXCEPTION).count() == 0
    assert [e for e in errors if not _ignorable(e)] == []
    page.close()


def _click(page, word: str, ring: int, *, double: bool = False) -> None:
    box = _ring_nodes(page, word).nth(ring).bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    (page.mouse.dblclick if double else page.mouse.click)(x, y)


def _picked(page, word: str) -> list[str | None]:
    """The stroke of ``word``'s node on each ring: ``#111`` where it is drawn as picked."""
    nodes = _ring_nodes(page, word)
    return [nodes.nth(i).get_attribute("stroke") for i in range(nodes.count())]


def test_one_pick_for_both_rings_and_the_sidebar(app):
    base, browser = app
    page, errors = _open(browser, (1280, 800))
    page.goto(base + "/", wait_until="domcontentloaded")
    _settle(page, 6)
    _click(page, "chair", 0)  # on ring A …
    page.wait_for_function("() => location.search.includes('word=chair')", timeout=60_000)
    _settle(page, 6)
    _click(page, "moon", 1)  # … then on ring B: both rings and the text follow the last click
    page.wait_for_function("() => location.search.includes('word=moon')", timeout=60_000)
    _settle(page, 6)
    assert _picked(page, "moon") == ["#111", "#111"] and _picked(page, "chair") == ["white", "white"]
    assert page.get_by_text("Picked: moon").count()
    find = page.locator("[data-testid='stSidebar'] input[aria-label='Find a word']")
    assert find.input_value() == "moon"
    _click(page, "moon", 0, double=True)  # a double click clears the pick everywhere
    page.wait_for_function("() => !location.search.includes('word=')", timeout=60_000)
    _settle(page, 6)
    assert _picked(page, "moon") == ["white", "white"] and find.input_value() == ""
    # The sidebar's box, in any case, picks on every page.
    find.fill("PLANET")
    find.press("Enter")
    page.wait_for_function("() => location.search.includes('word=planet')", timeout=60_000)
    _settle(page, 6)
    assert _picked(page, "planet") == ["#111", "#111"]
    for path, min_charts in (("/ring-graph", 3), ("/random-baseline", 5), ("/many-sources", 8)):
        page.goto(f"{base}{path}?{page.url.split('?', 1)[1]}", wait_until="domcontentloaded")
        _settle(page, min_charts)
        assert page.url.startswith(base + path)
        assert page.locator("[data-testid='stSidebar'] input[aria-label='Find a word']").input_value() == "planet"
        assert "#111" in _picked(page, "planet"), path
    # The Neighbours page shows the picked word's dominoes once computed.
    page.goto(f"{base}/neighbours?top=2000&nk=10&word=planet", wait_until="domcontentloaded")
    page.wait_for_selector("text=Compute", timeout=120_000)
    page.get_by_role("button", name="Compute").click()
    _settle(page, 1)
    assert page.locator("[data-testid='stSidebar'] input[aria-label='Find a word']").input_value() == "planet"
    page.locator("[data-testid='stMain']").get_by_text("planet", exact=False).first.wait_for(timeout=60_000)
    assert [e for e in errors if not _ignorable(e)] == []
    page.close()


def test_category_colours_are_the_same_on_every_ring(app):
    base, browser = app
    page, _ = _open(browser, (1500, 1000))
    page.goto(base + "/many-sources?sources=glove;minilm;random:dim=50;shuffled:glove&rule=fixed&value=0.3")
    _settle(page, 8)
    colours = page.evaluate(
        """() => [...document.querySelectorAll("[class*='st-key-ring_'] svg.marks")].map(svg => {
             const seen = {};
             for (const p of svg.querySelectorAll("path[aria-label*='group: ']")) {
               const group = p.getAttribute('aria-label').match(/group: ([^;]*)/)[1];
               const fill = p.getAttribute('fill');
               if (fill && fill !== 'transparent') seen[group] = fill;
             }
             return seen;
           })"""
    )
    assert len(colours) == 4
    fills: dict[str, set[str]] = {}
    for ring in colours:
        for group, fill in ring.items():
            fills.setdefault(group, set()).add(fill)
    assert set(fills) == {"fruit", "furniture", "space"}
    assert all(len(f) == 1 for f in fills.values()), fills  # one colour per category on every ring
    assert len({next(iter(f)) for f in fills.values()}) == 3  # and a different one for each


def test_a_300_word_list_and_narrow_rings_keep_their_text(app):
    from lib.sources import load_source

    words = [w for w in load_source("glove").vocabulary(2000)[0][1000:] if w.isalpha()][:300]
    base, browser = app
    page, _ = _open(browser, (1280, 800))
    page.goto(base + "/?words=" + ",".join(words), wait_until="domcontentloaded")
    _settle(page, 6)
    assert page.evaluate(_CLIPPED) == []
    page.screenshot(path=str(RESULTS / "compare-300-words-1280x800.png"))
    page.close()


def _upload_word_file(app, size: tuple[int, int], path):
    """Open the app at ``size``, choose "Upload .txt/.csv" and give it ``path``: (page, console errors)."""
    base, browser = app
    page, errors = _open(browser, size)
    page.goto(base + "/", wait_until="domcontentloaded")
    _settle(page, 6)
    page.get_by_text("Upload .txt/.csv").click()
    page.locator("[data-testid='stSidebar'] input[type='file']").set_input_files(str(path))
    return page, errors


def test_a_shared_link_of_an_uploaded_csv_keeps_its_categories(app, tmp_path):
    base, browser = app
    words = tmp_path / "mine.csv"
    words.write_text("animal,cat\nanimal,dog\nanimal,horse\nvehicle,car\nvehicle,bus\nvehicle,train\n")
    page, errors = _upload_word_file(app, (1500, 1000), words)
    page.wait_for_function("() => location.search.includes('categories=')", timeout=60_000)
    _settle(page, 2)
    link = page.locator("[data-testid='stSidebar'] [data-testid='stCode']").inner_text().strip()
    assert "categories=animal%2Canimal%2Canimal%2Cvehicle" in link
    fresh = browser.new_page(viewport={"width": 1500, "height": 1000})
    fresh.goto(link, wait_until="domcontentloaded")
    _settle(fresh, 6)
    legend = fresh.locator("[class*='st-key-ring_A'] svg.marks .role-legend text").all_text_contents()
    assert "animal" in legend and "vehicle" in legend
    assert fresh.locator(EXCEPTION).count() == 0
    assert [e for e in errors if not _ignorable(e)] == []
    fresh.close()
    page.close()


def test_a_vectors_file_uploaded_as_a_word_list_is_refused_with_a_pointer(app, tmp_path):
    vectors = tmp_path / "vectors.txt"
    vectors.write_text("3 4\ncat 0.1 0.2 0.3 0.4\ndog 12 8 1.2328 0.5\nbus 1 2 3 4\n")
    page, _ = _upload_word_file(app, (1280, 800), vectors)
    page.get_by_text("looks like a vectors file").first.wait_for(timeout=60_000)
    assert page.get_by_text("upload vectors").count()
    assert _ring_nodes(page, "1.2328").count() == 0  # its numbers never become nodes
    page.close()
