"""A short attack-link load test: the real server, two Chromium sessions, the server's memory sampled.

The full run (8 sessions, every attack link) is ``bench/attack_test.py``;
this one opens the issue's heaviest links (one-link OOM, Hubs at dim 30,000,
the heavy training link, the 2,000-word ring graph) and the Markdown links,
and asserts that the server stays under 1 GB, still answers, and that no
page grew a link or image pointing at the attacker's host.
"""

from __future__ import annotations

import asyncio
import sys

from tests.browser.server import ROOT

sys.path.insert(0, str(ROOT / "bench"))

from attack_test import ATTACKS, LIMIT_MB, run  # noqa: E402

SHORT = [a for a in ATTACKS if a[0].startswith(("OOM link", "hubs at dim 30", "training", "ring graph", "markdown"))]


def test_attack_links_leave_the_server_up_and_under_a_gigabyte():
    res = asyncio.run(run(2, 6.0, SHORT))
    assert res["health"] == "ok"
    assert res["peak_mb"] < LIMIT_MB, res
    for name, _ in SHORT:
        assert res["found"].get(name) == [0, 0], (name, res["found"].get(name))
