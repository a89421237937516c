"""AppTest helpers shared by the app tests and the benchmarks.

A Streamlit server flips ``PagesManager.uses_pages_directory`` to False on
the first ``st.navigation`` call and keeps it for the life of the process;
AppTest resets it before every run from whether a ``pages/`` folder sits next
to the entrypoint. The app keeps its pages in ``app_pages/`` so both agree,
and :func:`server_like_navigation` pins the server's value for tests that
want to be independent of the folder layout.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

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
