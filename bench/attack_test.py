"""Attack-link load test: the issue's hostile links against the real server, its memory sampled.

Starts ``streamlit run`` on loopback, opens every attack link of
:data:`ATTACKS` in ``--sessions`` concurrent headless Chromium sessions
(session i starts at link i), waits until each page has settled, and
samples the server's resident memory (with its children) every 0.25 s. At
the end it checks that the server still answers its health check and draws
the landing page, and that no page grew a link or image pointing at the
attacker's hosts. Prints one row per link and the peak.

Run: python bench/attack_test.py [--sessions 8] [--settle 20]
Exit status 1 when the peak is 1 GB or more, the server died, or a hostile
link or image appeared.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.browser.server import CHART, CHROMIUM, CHROMIUM_ARGS, app_server  # noqa: E402

LIMIT_MB = 1000.0
_WORDS = ",".join(f"w{i}" for i in range(5000))


def _q(**params: str) -> str:
    return "?" + urllib.parse.urlencode(params)


#: (name, path and query) of each attack link (issue items 1, 2, 4, 5, 7, 8).
ATTACKS = [
    (
        "OOM link: 5,000 words at dim 100,000",
        "/" + _q(a="random:dim=100000", b="random:dim=100000,seed=1", words=_WORDS),
    ),
    ("5,000 words at dim 50, both sides", "/" + _q(a="random:dim=50", b="random:dim=50,seed=1", words=_WORDS)),
    (
        "2,000 words at dim 50",
        "/" + _q(a="random:dim=50", b="random:dim=50,seed=1", words=_WORDS[: _WORDS.index(",w2000")]),
    ),
    ("hubs at dim 30,000", "/hubs" + _q(a="random:dim=30000")),
    ("hubs at dim 100,000", "/hubs" + _q(a="random:dim=100000")),
    ("training link", "/" + _q(a="word2vec-train:lee,dim=1000,window=50,min_count=1,epochs=50,seed=3")),
    ("null at dim 100,000", "/random-baseline" + _q(a="random:dim=100000", words=_WORDS[: _WORDS.index(",w150")])),
    ("ring graph, 2,000 words", "/ring-graph" + _q(a="random:dim=50", words=_WORDS[: _WORDS.index(",w2000")])),
    ("unlisted hub model", "/" + _q(a="hf:evil/huge")),
    ("markdown parameter name", "/?" + urllib.parse.quote("[Click here](https://evil.example/login)") + "=1"),
    ("markdown SPEC", "/" + _q(a="hf:![x](https://evil.example/track.png)")),
    (
        "markdown words",
        "/"
        + _q(
            a="glove",
            words="[CLICK_ME](https://evil.example),![img](https://evil.example/i.png),:red[x],$x$,**b**,cat,dog,car",
        ),
    ),
]
ATTACKS += [
    (
        "many sources: 8 at dim 100,000, 5,000 words",
        "/many-sources" + _q(sources=";".join(f"random:dim=100000,seed={i}" for i in range(8)), words=_WORDS),
    ),
    ("many sources: markdown SPEC", "/many-sources" + _q(sources="glove;hf:![x](https://evil.example/t.png);random")),
    (
        "neighbours: markdown word, N = 200,000",
        "/neighbours" + _q(a="glove", top="200000", nword="[x](https://evil.example)"),
    ),
]
_ISSUE_WORDS = (
    "cat,dog,car,[ZZEVIL](https://evil.example/z),[zzevil](https://evil.example/z),"
    "![ZZEVIL](https://evil.example/z.png),![zzevil](https://evil.example/z.png)"
)
ATTACKS += [
    ("markdown in a same-vector note", "/" + _q(a="minilm", b="random:dim=50", words=_ISSUE_WORDS)),
    ("markdown in a note, ring graph", "/ring-graph" + _q(a="minilm", words=_ISSUE_WORDS)),
    ("markdown autolink token", "/" + _q(a="glove", words="cat,dog,car,HTTP://TINYURL.COM,http://tinyurl.com")),
]
HOSTILE = "a[href*='evil.example'], img[src*='evil.example'], a[href*='tinyurl' i]"


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its children, in MB (from /proc)."""
    total = 0
    for p in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _server_pid(port: int) -> int:
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            if b"streamlit" in cmd and f"--server.port={port}".encode() in cmd:
                return int(proc.name)
    raise RuntimeError("server process not found")


async def _visit(browser, base: str, order: list[tuple[str, str]], settle: float, found: dict) -> None:
    page = await (await browser.new_context(viewport={"width": 1400, "height": 1000})).new_page()
    for name, link in order:
        t0 = time.perf_counter()
        try:
            await page.goto(base + link, wait_until="domcontentloaded", timeout=60_000)
            await page.wait_for_timeout(settle * 1000)
            hostile = await page.locator(HOSTILE).count()
        except Exception as exc:  # a navigation failure is a result of the run
            found.setdefault(name, []).append(f"{type(exc).__name__}")
            continue
        found.setdefault(name, []).append(hostile)
        found.setdefault(f"{name} s", []).append(time.perf_counter() - t0)


async def run(sessions: int, settle: float, attacks: list[tuple[str, str]]) -> dict:
    from playwright.async_api import async_playwright

    with app_server() as base:
        pid = _server_pid(int(base.rsplit(":", 1)[1]))
        samples: list[float] = [rss_mb(pid)]
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                samples.append(rss_mb(pid))
                time.sleep(0.25)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        found: dict = {}
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            orders = [attacks[i % len(attacks) :] + attacks[: i % len(attacks)] for i in range(sessions)]
            await asyncio.gather(*(_visit(browser, base, order, settle, found) for order in orders))
            page = await browser.new_page()
            await page.goto(base, wait_until="domcontentloaded")
            await page.wait_for_function(
                "(sel) => document.querySelectorAll(sel).length >= 2", arg=CHART, timeout=120_000
            )
            await browser.close()
        stop.set()
        sampler.join()
        health = urllib.request.urlopen(f"{base}/_stcore/health", timeout=10).read().decode()
        return {
            "start_mb": samples[0],
            "peak_mb": max(samples),
            "end_mb": rss_mb(pid),
            "health": health,
            "found": found,
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--settle", type=float, default=20.0, help="seconds each page is left to work")
    parser.add_argument("--links", type=int, default=len(ATTACKS), help="use the first N attack links")
    args = parser.parse_args()
    res = asyncio.run(run(args.sessions, args.settle, ATTACKS[: args.links]))
    print(f"{args.sessions} sessions x {args.links} attack links, {args.settle:g} s each")
    print("| attack link | hostile links/images found | seconds (mean) |")
    print("|---|---|---|")
    bad = False
    for name, _ in ATTACKS[: args.links]:
        hits = res["found"].get(name, [])
        secs = res["found"].get(f"{name} s", [0.0])
        bad |= any(h != 0 for h in hits)
        print(f"| {name} | {', '.join(map(str, hits))} | {sum(secs) / len(secs):.1f} |")
    print(
        f"server RSS: start {res['start_mb']:.0f} MB, peak {res['peak_mb']:.0f} MB, end {res['end_mb']:.0f} MB; "
        f"health check: {res['health']}"
    )
    return 1 if bad or res["peak_mb"] >= LIMIT_MB or res["health"] != "ok" else 0


if __name__ == "__main__":
    sys.exit(main())
