"""App speed: warm reruns of Compare, chart data size, first chart in Chromium.

Measures, on the real app and on GloVe words:

1. a warm rerun of Compare (AppTest wall time, median of several reruns with
   every source and graph cached) with 20 words (the course list) and with
   300 GloVe words; targets < 0.3 s and < 1 s;
2. the size of the data the two rings send to the browser for 300 words
   (Streamlit's chart messages: spec plus Arrow data); target < 1 MB;
3. the time from starting ``streamlit run`` to the first ring drawn in
   Chromium (browser already open, as a user's would be); target < 5 s.

Run: python bench/bench_app.py [--reruns 5] [--no-browser]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lib.sources import load_source  # noqa: E402
from tests.apptest_support import app_test  # noqa: E402
from tests.browser.server import RING, app_server, launch_chromium  # noqa: E402

TARGETS = {"rerun 20": 0.3, "rerun 300": 1.0, "data 300": 1.0, "first chart": 5.0}


def glove_words(n: int, skip: int = 500) -> list[str]:
    """``n`` alphabetic GloVe words after the ``skip`` most frequent ones."""
    words, _ = load_source("glove").vocabulary(skip + 4 * n)
    return [w for w in words[skip:] if w.isalpha()][:n]


def warm_rerun(query: dict, reruns: int) -> tuple[float, float, int]:
    """Return (median warm rerun s, first run s, bytes of the ring chart messages)."""
    at = app_test(query, timeout=300)
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    if at.exception:
        raise SystemExit(f"the app raised: {at.exception[0].value}")
    times = []
    for _ in range(reruns):
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
    rings = [c.proto for c in at.get("vega_lite_chart")][:2]
    return statistics.median(times), first, sum(p.ByteSize() for p in rings)


def first_chart_seconds() -> float:
    """Seconds from starting the server to the first ring drawn in Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        t0 = time.perf_counter()
        with app_server() as base:
            page.goto(base + "/", wait_until="commit")
            page.wait_for_selector(RING, state="visible", timeout=60_000)
            elapsed = time.perf_counter() - t0
        browser.close()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reruns", type=int, default=5)
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium timing")
    args = parser.parse_args()
    words300 = glove_words(300)
    common = {"a": "glove", "b": "random:dim=50"}
    rerun20, first20, bytes20 = warm_rerun({"preset": "course", **common}, args.reruns)
    rerun300, first300, bytes300 = warm_rerun({"words": ",".join(words300), **common}, args.reruns)
    rows = [
        ("Compare warm rerun, 20 words (s)", rerun20, TARGETS["rerun 20"], f"cold {first20:.2f} s"),
        ("Compare warm rerun, 300 words (s)", rerun300, TARGETS["rerun 300"], f"cold {first300:.2f} s"),
        (
            "Ring chart data, 300 words, 2 rings (MB)",
            bytes300 / 1e6,
            TARGETS["data 300"],
            f"20 words: {bytes20 / 1e3:.0f} kB",
        ),
    ]
    if not args.no_browser:
        rows.append(
            (
                "Server start to first ring in Chromium (s)",
                first_chart_seconds(),
                TARGETS["first chart"],
                "browser already open",
            )
        )
    print(f"{'measure':<44} {'value':>8} {'target':>8}  ok   note")
    for name, value, target, note in rows:
        print(f"{name:<44} {value:8.3f} {target:8.2f}  {'yes' if value < target else 'NO ':<4} {note}")
    print(
        f"(words: course preset, and {len(words300)} alphabetic GloVe words from rank 500; "
        f"sources glove vs random:dim=50; median of {args.reruns} warm reruns)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
