"""Load test: the real Streamlit server, 8 concurrent headless Chromium sessions.

Loopback only, bounded in time. Each session loops for DURATION seconds over
the Compare and Ring graph pages with its own word list, sources and
threshold settings (changed through the URL, as a shared link would), waits
for the charts to render, and records the time to chart. The server's
resident memory is read from /proc before the sessions start and after.

Run: python bench/load_test.py [--sessions 8] [--duration 60]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CHART = "[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg.marks"
#: Seconds a simulated user looks at a page before the next action.
THINK_S = 2.0
#: Longest wait for a page's charts before the load counts as an error.
WAIT_MS = 60_000
EXCEPTION = "[data-testid='stException']"

# (page path, query) pairs; each session starts at a different offset.
PRESETS = [
    "course",
    "animals",
    "colours",
    "numbers",
    "countries",
    "physics",
    "networking",
    "emotions",
    "family",
    "verbs",
]
SOURCES = ["glove", "random", "random:dim=50,seed=1", "shuffled:glove", "minilm"]
RULES = [("seed", "1"), ("seed", "1.5"), ("course", "1"), ("seed", "0.5")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB."""
    total = 0
    pids = [pid]
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
        pids += [int(p) for p in out.split()]
    except FileNotFoundError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total / 1024


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by ``pids`` (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, IndexError):
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def chromium_pids() -> list[int]:
    """Every Chromium process (browser, GPU, renderers, utilities)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if (proc / "cmdline").read_bytes().startswith(b"/usr/lib/chromium/chromium"):
                    pids.append(int(proc.name))
            except OSError:
                continue
    return pids


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent not idle (all cores, from /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def start_server(port: int) -> subprocess.Popen:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "streamlit_app.py",
            "--server.headless=true",
            f"--server.port={port}",
            "--server.address=127.0.0.1",
            "--browser.gatherUsageStats=false",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("server did not start within 60 s")


def session_urls(base: str, index: int):
    """An endless cycle of URLs for session ``index``."""
    step = 0
    while True:
        n = index + step
        a = SOURCES[n % len(SOURCES)]
        b = SOURCES[(n + 1) % len(SOURCES)]
        rule, k = RULES[n % len(RULES)]
        preset = PRESETS[n % len(PRESETS)]
        q = urllib.parse.urlencode({"preset": preset, "a": a, "b": b, "rule": rule, "k": k})
        page = "" if step % 2 == 0 else "ring-graph"
        yield f"{base}/{page}?{q}", (2 if page == "" else 1)
        step += 1


async def run_session(browser, base: str, index: int, stop_at: float, stats: dict) -> None:
    ctx = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await ctx.new_page()
    urls = session_urls(base, index)
    while time.time() < stop_at:
        url, charts = next(urls)
        t0 = time.perf_counter()
        try:
            await page.goto(url, wait_until="domcontentloaded", timeout=WAIT_MS)
            stats.setdefault("dom", []).append(time.perf_counter() - t0)
            await page.wait_for_function(
                "([sel, n]) => document.querySelectorAll(sel).length >= n",
                arg=[CHART, charts],
                timeout=WAIT_MS,
                polling=200,
            )
            elapsed = time.perf_counter() - t0
            if await page.locator(EXCEPTION).count():
                stats["errors"].append(f"exception box at {url}")
            else:
                stats["times"].append(elapsed)
        except Exception as exc:  # a timeout or navigation failure is an error of the run
            stats["errors"].append(f"{type(exc).__name__} at {url}")
        stats["requests"] += 1
        await asyncio.sleep(THINK_S)
    await ctx.close()


async def main_async(sessions: int, duration: float) -> int:
    from playwright.async_api import async_playwright

    port = free_port()
    t_start = time.perf_counter()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}"
    stats = {"times": [], "errors": [], "requests": 0}
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            # Warm-up: one page load so that start-up cost is not counted as load.
            warm = await browser.new_page()
            await warm.goto(base, wait_until="domcontentloaded")
            await warm.wait_for_function(
                "([sel, n]) => document.querySelectorAll(sel).length >= n", arg=[CHART, 2], timeout=60_000
            )
            first_chart = time.perf_counter() - t_start
            await warm.close()
            rss_start = rss_mb(server.pid)
            cpu_server0, busy0 = cpu_seconds([server.pid]), machine_busy_seconds()
            browsers0 = {p: cpu_seconds([p]) for p in chromium_pids()}
            stop_at = time.time() + duration
            t_run = time.perf_counter()
            rss_samples: list[tuple[float, float]] = []

            async def sample_rss() -> None:
                while time.time() < stop_at:
                    rss_samples.append((time.perf_counter() - t_run, rss_mb(server.pid)))
                    await asyncio.sleep(duration / 6)

            await asyncio.gather(
                sample_rss(), *(run_session(browser, base, i, stop_at, stats) for i in range(sessions))
            )
            elapsed = time.perf_counter() - t_run
            rss_end = rss_mb(server.pid)
            cpu_server = cpu_seconds([server.pid]) - cpu_server0
            busy = machine_busy_seconds() - busy0
            cpu_browser = sum(cpu_seconds([p]) - browsers0.get(p, 0.0) for p in chromium_pids())
            await browser.close()
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
    times = sorted(stats["times"])
    p50 = statistics.median(times) if times else float("nan")
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))] if times else float("nan")
    print(f"sessions                 {sessions}")
    print(f"duration (s)             {duration:.0f} (think time {THINK_S:g} s between page loads)")
    print(f"server start to first chart (s) {first_chart:.1f}")
    print(f"page loads served        {stats['requests']}")
    print(f"charts rendered          {len(times)}")
    print(f"errors                   {len(stats['errors'])}")
    print(f"time to chart p50 (s)    {p50:.2f}")
    print(f"time to chart p95 (s)    {p95:.2f}")
    print(f"server RSS start (MB)    {rss_start:.0f}")
    print(f"server RSS end (MB)      {rss_end:.0f}")
    dom = sorted(stats.get("dom", []))
    if dom:
        print(f"page shell loaded p50 (s) {statistics.median(dom):.2f}")
    print(
        f"CPU seconds during the run: server {cpu_server:.0f}, Chromium {cpu_browser:.0f}, "
        f"whole machine busy {busy:.0f} of {elapsed * (os.cpu_count() or 1):.0f} "
        f"({elapsed:.0f} s on {os.cpu_count()} cores)"
    )
    print(
        "server RSS over the run (s: MB)  "
        + ", ".join(f"{t:.0f}: {m:.0f}" for t, m in rss_samples)
        + f", {elapsed:.0f}: {rss_end:.0f}"
    )
    for e in stats["errors"][:10]:
        print("  error:", e)
    return 1 if stats["errors"] else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=8)
    ap.add_argument("--duration", type=float, default=60.0)
    args = ap.parse_args()
    if not 1 <= args.sessions <= 16 or not 1 <= args.duration <= 600:
        raise SystemExit("sessions must be 1-16 and duration 1-600 s")
    return asyncio.run(main_async(args.sessions, args.duration))


if __name__ == "__main__":
    sys.exit(main())
