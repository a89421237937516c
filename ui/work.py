"""One large computation at a time per server, and one budget for the whole of a request.

:mod:`lib.budget` estimates what a computation allocates. This module adds
up what one request (one run of a page's script, :func:`request_scope`)
starts: every :func:`work_slot` block is checked against what is left of
the budget after the request's earlier work (:func:`remaining`), and its
estimate's ``held`` bytes (results the page keeps while it runs) are
subtracted from what is left. The first block whose request has reached
:data:`HEAVY_BYTES` takes the server's work slot, and the request keeps it
until it ends, so eight sessions at once hold at most one budgeted page
plus small work, and a page's panels never interleave with another's.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import streamlit as st

from lib.budget import Budget, Cost, check, default_budget
from lib.errors import BudgetError

__all__ = [
    "HEAVY_BYTES",
    "Request",
    "request_scope",
    "current_request",
    "remaining",
    "within",
    "work_slot",
    "slot_held",
]

#: A request whose work is estimated above this many bytes runs alone among such requests.
HEAVY_BYTES = 30_000_000
_SLOT = threading.RLock()
_LOCAL = threading.local()


@dataclass
class Request:
    """What one run of a page has started so far."""

    #: Bytes its finished work keeps while the page runs (results, their cached copies).
    held: float = 0.0
    #: Estimated seconds of work started.
    seconds: float = 0.0
    #: Whether it holds the work slot (until it ends).
    slot: bool = False


def current_request() -> Request | None:
    """The request this thread runs (None outside :func:`request_scope`)."""
    return getattr(_LOCAL, "request", None)


@contextlib.contextmanager
def request_scope() -> Iterator[Request]:
    """One run of a page: its work shares one budget, and the work slot once taken is kept to the end."""
    request, previous = Request(), current_request()
    _LOCAL.request = request
    try:
        yield request
    finally:
        _LOCAL.request = previous
        if request.slot:
            _SLOT.release()


def remaining(budget: Budget | None = None) -> Budget:
    """What is left of ``budget`` (default: the server's) after this request's earlier work."""
    budget = budget or default_budget()
    request = current_request()
    if request is None:
        return budget
    return Budget(max(budget.bytes - request.held, 0.0), max(budget.seconds - request.seconds, 0.0))


def within(check_fn: Callable[..., Cost], *args: Any, **kwargs: Any) -> Cost:
    """``check_fn(*args, budget=remaining(), **kwargs)``: a :mod:`lib.budget` check against what the request has left.

    A refusal says how much of the limit the page's earlier work already uses.
    """
    try:
        return check_fn(*args, budget=remaining(), **kwargs)
    except BudgetError as exc:
        request = current_request()
        if request is None or not (request.held or request.seconds):
            raise
        raise BudgetError(
            f"{exc}; this page's other work already uses {_used(request)} of {default_budget().text()}", cost=exc.cost
        ) from None


def slot_held() -> bool:
    """Whether this thread's request holds the work slot."""
    request = current_request()
    return bool(request and request.slot)


def _acquire(note: bool) -> None:
    if _SLOT.acquire(blocking=False):
        return
    if not note:  # inside a cached function no element may be drawn
        _SLOT.acquire()
        return
    with st.spinner("Waiting for another large computation on this server to finish …"):
        _SLOT.acquire()


@contextlib.contextmanager
def work_slot(cost: Cost, *, note: bool = True, alone: bool = False) -> Iterator[None]:
    """Run the block within this request's budget, alone among large requests.

    Raises :class:`~lib.errors.BudgetError` before the block when ``cost``
    does not fit in what the request has left (:func:`remaining`). ``alone``
    takes the slot whatever the cost (a first load of a source). ``note``
    shows a spinner while waiting for the slot (never inside a cached
    function).
    """
    request = current_request()
    heavy = alone or cost.bytes >= HEAVY_BYTES
    if request is None:  # outside a page run (tests, scripts): one block at a time
        if not heavy:
            yield
            return
        _acquire(note)
        try:
            yield
        finally:
            _SLOT.release()
        return
    if request.held or request.seconds:
        check(cost, remaining(), instead=f"this page's other work already uses {_used(request)} of the limit")
    if not request.slot and (heavy or request.held + cost.bytes >= HEAVY_BYTES):
        _acquire(note)
        request.slot = True
    yield
    request.held += cost.held
    request.seconds += cost.seconds


def _used(request: Request) -> str:
    return f"about {request.held / 1e6:,.0f} MB and {request.seconds:,.0f} s"
