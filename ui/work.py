"""One large computation at a time per server: the rest of the budget's memory guarantee.

:mod:`lib.budget` caps what one request may allocate; this module makes
requests whose estimate is above :data:`HEAVY_BYTES` take turns, so eight
sessions at once hold at most one budgeted peak plus small work.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import streamlit as st

from lib.budget import Cost

__all__ = ["HEAVY_BYTES", "work_slot"]

#: Work estimated above this many bytes runs one at a time in this process.
HEAVY_BYTES = 30_000_000
_SLOT = threading.Lock()


@contextlib.contextmanager
def work_slot(cost: Cost) -> Iterator[None]:
    """Run the block alone among large computations when ``cost`` is large (never inside a cached function)."""
    if cost.bytes < HEAVY_BYTES:
        yield
        return
    if not _SLOT.acquire(blocking=False):
        with st.spinner("Waiting for another large computation on this server to finish …"):
            _SLOT.acquire()
    try:
        yield
    finally:
        _SLOT.release()
