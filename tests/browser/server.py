"""Start the app with ``streamlit run`` on loopback and drive Debian's Chromium.

Shared by the browser test and ``bench/bench_app.py``. Playwright never
downloads a browser here: it launches ``/usr/bin/chromium`` (installed by the
test set-up with apt-get when missing).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "ROOT",
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "CHART",
    "RING",
    "EXCEPTION",
    "free_port",
    "app_server",
    "launch_chromium",
]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
#: A drawn vega-embed chart (Streamlit renders Vega-Lite to canvas or SVG).
CHART = "[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg.marks"
#: A chart of the ring panels (their wrapper carries the element key).
RING = "[class*='st-key-ring_'] canvas, [class*='st-key-ring_'] svg.marks"
EXCEPTION = "[data-testid='stException']"


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def app_server(timeout: float = 60.0, env: dict | None = None) -> Iterator[str]:
    """Run ``streamlit run streamlit_app.py`` headless on a free loopback port.

    Yields the base URL once the health check answers; the server (started
    by this process, stopped by its pid) and its log go away afterwards.
    """
    port = free_port()
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "streamlit_app.py",
            "--server.headless=true",
            "--server.address=127.0.0.1",
            f"--server.port={port}",
            "--browser.gatherUsageStats=false",
            "--server.fileWatcherType=none",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"streamlit exited: {log.read().decode(errors='replace')[-2000:]}")
            try:
                urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not answer within {timeout:.0f} s") from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def launch_chromium(playwright):
    """Launch Debian's Chromium headless through Playwright (no browser download)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
