"""Attack-link load test: the issue's hostile links against the real server, its memory sampled.

Starts ``streamlit run`` on loopback, opens every attack link of
:data:`ATTACKS` in ``--sessions`` concurrent headless Chromium sessions
(session i starts at link i), waits until each page has settled, and
samples the server's resident memory (with its children) every 0.25 s. At
the end it checks that the server still answers its health check and draws
the landing page, and that no page grew a link or image pointing at the
attacker's hosts. Prints one row per link and the peak.

The server runs under a memory limit of ``--kill-mb`` (default 3,000 MB,
the issue's cgroup): the sampler kills it when its RSS passes the limit,
as a cgroup would (no cgroup can be made without root here). After the
sessions close it waits ``--idle`` seconds and reads the memory the server
still holds.

Run: python bench/attack_test.py [--sessions 8] [--settle 20] [--round-two]
Exit status 1 when the peak is 1 GB or more, the server died, or a hostile
link or image appeared.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
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


def glove_words(n: int) -> str:
    """The first ``n`` alphabetic GloVe tokens, comma-separated (the issue's 1,147- and 2,510-word lists)."""
    from lib.sources import load_source

    tokens, _ = load_source("glove").vocab_units(3 * n)
    return ",".join([t for t in tokens if t.isalpha()][:n])


_G1147, _G2510 = glove_words(1147), glove_words(2510)
_EIGHT = ";".join(["glove", *(f"random:dim=50,seed={s}" for s in range(1, 7)), "shuffled:glove"])
#: Round two (issue 25): whole-page memory, loads that skipped their checks, SPEC numbers.
ROUND_TWO = [
    (
        "many sources: 8 x 2,510 words, fixed rule -1",
        "/many-sources" + _q(sources=_EIGHT, words=_G2510, rule="fixed", value="-1"),
    ),
    (
        "compare: 1,147 words, fixed rule -1",
        "/" + _q(a="glove", b="random:dim=50", words=_G1147, rule="fixed", value="-1"),
    ),
    ("compare: 1,147 words, seed rule", "/" + _q(a="glove", b="random:dim=50", words=_G1147)),
    ("compare: 2,510 words by community", "/" + _q(a="glove", b="random:dim=50", words=_G2510, order="community")),
    ("many sources: 8 x 2,510 words, seed rule", "/many-sources" + _q(sources=_EIGHT, words=_G2510)),
    (
        "training hidden behind shuffled",
        "/" + _q(a="shuffled:word2vec-train:lee,seed=1,dim=900,window=50,epochs=27,min_count=1,seed=3"),
    ),
    (
        "neighbours: heavy training A",
        "/neighbours" + _q(a="word2vec-train:lee,dim=1000,window=50,epochs=100,min_count=1"),
    ),
    ("arabic-indic digits", "/" + _q(a="random:dim=١٠٠", b="random:dim=50,dim=60")),
]
ATTACKS += ROUND_TWO
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
            if link.startswith("/neighbours"):  # the issue's click: Compute with a heavy training A
                await page.get_by_role("button", name="Compute").click(timeout=30_000)
            await page.wait_for_timeout(settle * 1000)
            hostile = await page.locator(HOSTILE).count()
        except Exception as exc:  # a navigation failure is a result of the run
            found.setdefault(name, []).append(f"{type(exc).__name__}")
            continue
        found.setdefault(name, []).append(hostile)
        found.setdefault(f"{name} s", []).append(time.perf_counter() - t0)


async def run(
    sessions: int, settle: float, attacks: list[tuple[str, str]], kill_mb: float = 3000.0, idle: float = 0.0
) -> dict:
    """Open ``attacks`` in ``sessions`` sessions; the server is killed if it passes ``kill_mb`` (a memory limit).

    ``idle``: seconds to wait after the sessions close before the held memory is read.
    """
    from playwright.async_api import async_playwright

    with app_server() as base:
        pid = _server_pid(int(base.rsplit(":", 1)[1]))
        samples: list[float] = [rss_mb(pid)]
        stop = threading.Event()
        killed: list[float] = []

        def sample() -> None:
            while not stop.is_set():
                samples.append(rss_mb(pid))
                if samples[-1] > kill_mb and not killed:  # the limit: the server is killed, as a cgroup would
                    killed.append(samples[-1])
                    os.kill(pid, signal.SIGKILL)
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
        end_mb = rss_mb(pid)
        await asyncio.sleep(idle)
        stop.set()
        sampler.join()
        try:
            health = urllib.request.urlopen(f"{base}/_stcore/health", timeout=10).read().decode()
        except OSError as exc:
            health = f"no answer ({type(exc).__name__})"
        return {
            "start_mb": samples[0],
            "peak_mb": max(samples),
            "end_mb": end_mb,
            "held_mb": rss_mb(pid),
            "killed_mb": killed[0] if killed else None,
            "health": health,
            "found": found,
        }


def _each(attacks: list[tuple[str, str]], args: argparse.Namespace) -> int:
    """One fresh server and one session per link: the whole page's peak and what it holds afterwards."""
    print(f"each link alone on a fresh server, {args.settle:g} s to settle, held read after {args.idle:g} s idle")
    print("| link | start MB | peak MB | held MB | hostile |")
    print("|---|---|---|---|---|")
    bad = False
    for attack in attacks:
        res = asyncio.run(run(1, args.settle, [attack], args.kill_mb, args.idle))
        hits = res["found"].get(attack[0], [])
        bad |= any(h != 0 for h in hits) or res["peak_mb"] >= LIMIT_MB or res["health"] != "ok"
        print(
            f"| {attack[0]} | {res['start_mb']:.0f} | {res['peak_mb']:.0f} | {res['held_mb']:.0f} | "
            f"{', '.join(map(str, hits))} |",
            flush=True,
        )
    return 1 if bad else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--settle", type=float, default=20.0, help="seconds each page is left to work")
    parser.add_argument("--links", type=int, default=len(ATTACKS), help="use the first N attack links")
    parser.add_argument("--round-two", action="store_true", help="only the links of issue 25 and the Markdown ones")
    parser.add_argument("--kill-mb", type=float, default=3000.0, help="kill the server above this RSS (a memory limit)")
    parser.add_argument("--idle", type=float, default=15.0, help="seconds after the sessions close, then held RSS")
    parser.add_argument("--each", action="store_true", help="each link alone on a fresh server: its peak and held RSS")
    parser.add_argument("--match", default="", help="only links whose name starts with one of these (|-separated)")
    args = parser.parse_args()
    attacks = ATTACKS[: args.links]
    if args.round_two:
        attacks = [a for a in ATTACKS if a in ROUND_TWO or a[0].startswith("markdown")]
    if args.match:
        attacks = [a for a in attacks if a[0].startswith(tuple(args.match.split("|")))]
    if args.each:
        return _each(attacks, args)
    res = asyncio.run(run(args.sessions, args.settle, attacks, args.kill_mb, args.idle))
    print(f"{args.sessions} sessions x {len(attacks)} attack links, {args.settle:g} s each; limit {args.kill_mb:g} MB")
    print("| attack link | hostile links/images found | seconds (mean) |")
    print("|---|---|---|")
    bad = False
    for name, _ in attacks:
        hits = res["found"].get(name, [])
        secs = res["found"].get(f"{name} s", [0.0])
        bad |= any(h != 0 for h in hits)
        print(f"| {name} | {', '.join(map(str, hits))} | {sum(secs) / len(secs):.1f} |")
    killed = "no" if res["killed_mb"] is None else f"yes ({res['killed_mb']:.0f} MB)"
    print(
        f"server RSS: start {res['start_mb']:.0f} MB, peak {res['peak_mb']:.0f} MB, end {res['end_mb']:.0f} MB, "
        f"held {res['held_mb']:.0f} MB after {args.idle:g} s idle; "
        f"killed at the limit: {killed}; "
        f"health check: {res['health']}"
    )
    return 1 if bad or res["peak_mb"] >= LIMIT_MB or res["health"] != "ok" else 0


if __name__ == "__main__":
    sys.exit(main())
