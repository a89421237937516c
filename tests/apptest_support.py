"""AppTest support shared by the app tests and ``bench/bench_app.py``.

A Streamlit server flips ``PagesManager.uses_pages_directory`` to False on
the first ``st.navigation`` call and keeps it for the life of the process.
AppTest resets it before every run, so with a ``pages/`` folder next to the
entrypoint its reruns would execute a page file without the entrypoint (no
sidebar, no navigation). :func:`server_like_navigation` keeps it False, as
on the server.
"""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

__all__ = ["APP", "server_like_navigation", "app_test"]

APP = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")


@contextlib.contextmanager
def server_like_navigation() -> Iterator[None]:
    """Within the block, every AppTest run executes the entrypoint, as the server does."""
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init
    try:
        yield
    finally:
        PagesManager.__init__ = original


def app_test(query: dict | None = None, timeout: float = 120) -> AppTest:
    """An AppTest of the app with ``query`` as its query string (not yet run)."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at
