"""Page building blocks: compute the rings of several sources, draw each with its numbers.

A :class:`Panel` is one source's ring (or the error that stopped it). When
every source finds enough of the same words, all rings are drawn on those
common words so that a word sits at the same place on every ring.
"""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from lib.errors import CosineRingsError
from lib.graph import GraphResult
from lib.words import WordList

from .cached import graph_result, load_with_progress, passage_words
from .sidebar import Choices
from .downloads import confirm, pending
from .sources import check_spec
from .text import plain

__all__ = ["Panel", "compute_panels", "confirm_download", "awaiting_confirmation", "colour_domain", "ordered", "show_problems", "source_dim"]


@dataclass(frozen=True)
class Panel:
    """One source's ring: its label, SPEC, result or error, and notes for the user."""

    label: str
    spec: str
    result: GraphResult | None = None
    error: str | None = None
    dropped: tuple[str, ...] = ()
    categories: dict | None = None
    #: Bytes the source would download first; the user confirms before it starts.
    download: int = 0

    @property
    def ok(self) -> bool:
        return self.result is not None


def confirm_download(spec: str) -> None:
    """The download (or training) button's callback (see :mod:`ui.downloads`)."""
    confirm(spec)


def awaiting_confirmation(spec: str) -> int:
    """Non-zero while ``spec`` waits for a button: bytes to download, or a :mod:`ui.downloads` code."""
    return pending(spec)


def ordered(words: WordList, order: str) -> WordList:
    """``words`` in ring order: as given, or grouped by category (stable)."""
    if order != "category" or not words.categories:
        return words
    first: dict[str, int] = {}
    for c in words.categories:
        first.setdefault(c, len(first))
    idx = sorted(range(len(words.words)), key=lambda i: first[words.categories[i]])
    return WordList(tuple(words.words[i] for i in idx), tuple(words.categories[i] for i in idx))


def show_problems(ch: Choices) -> bool:
    """Show word-list problems; return True when there is nothing to draw."""
    for problem in ch.problems:
        st.warning(plain(problem, 400), icon="✍️")
    if ch.state.order == "category" and ch.words is not None and ch.words.words \
            and not ch.words.categories:
        st.info("This list has no categories, so the ring keeps the input order.")
    return bool(ch.problems)


def _words_for(ch: Choices, spec: str, label: str) -> WordList:
    if ch.words is None:
        load_with_progress(spec, label)  # tokenising a passage needs the source
        return WordList(passage_words(spec, ch.passage))
    if ch.state.order == "community":  # A's Louvain communities order both rings
        from .analytics import community_ordered  # lazy: scipy/networkx load only when used

        return community_ordered(ch.words, ch.state.a, ch.state.rule, ch.state.k, ch.value)
    return ordered(ch.words, ch.state.order)


def _run(label: str, spec: str, words: tuple[str, ...], ch: Choices) -> GraphResult:
    load_with_progress(spec, label)
    return graph_result(spec, words, ch.state.rule, ch.state.k, ch.value)


def compute_panels(ch: Choices, sources: list[tuple[str, str]]) -> list[Panel]:
    """Compute one :class:`Panel` per ``(label, spec)``; a failing source only fails its panel.

    When all sources succeed on the same word list, their rings are redrawn
    on the words every source found (in list order), so positions match.
    """
    # (label, spec, words, result, error message or bytes awaiting confirmation)
    first: list[tuple[str, str, WordList | None, GraphResult | None, str | int | None]] = []
    for label, spec in sources:
        problem = check_spec(spec)
        if problem:
            first.append((label, spec, None, None, problem))
            continue
        size = awaiting_confirmation(spec)
        if size:
            first.append((label, spec, None, None, size))
            continue
        try:
            wl = _words_for(ch, spec, label)
            first.append((label, spec, wl, _run(label, spec, wl.words, ch), None))
        except CosineRingsError as exc:
            first.append((label, spec, None, None, str(exc)))
        except Exception as exc:  # a third-party loader failing must not take the page down
            first.append((label, spec, None, None, f"{type(exc).__name__}: {exc}"))
    good = [f for f in first if f[3] is not None]
    common: tuple[str, ...] | None = None
    if len(good) > 1 and len({f[2].words for f in good}) == 1:
        found = set.intersection(*(set(f[3].graph.words) for f in good))
        common = tuple(w for w in good[0][2].words if w in found)
        if len(common) < 3:
            common = None
    panels = []
    for label, spec, wl, result, error in first:
        if isinstance(error, int):
            panels.append(Panel(label, spec, download=error))
            continue
        if result is None:
            panels.append(Panel(label, spec, error=error))
            continue
        dropped: tuple[str, ...] = ()
        if common is not None and len(common) < result.graph.n:
            dropped = tuple(w for w in result.graph.words if w not in set(common))
            result = graph_result(spec, common, ch.state.rule, ch.state.k, ch.value)
        cats = dict(zip(wl.words, wl.categories)) if wl.categories else None
        panels.append(Panel(label, spec, result, None, dropped, cats))
    return panels


def colour_domain(panels: list[Panel], shared: bool) -> tuple[float, float] | None:
    """One cosine colour range for all rings (``shared``), or None for one per ring."""
    graphs = [p.result.graph for p in panels if p.ok]
    if not shared or len(graphs) < 2:
        return None
    lo = min(g.threshold for g in graphs)
    hi = max([float(g.edges["cosine"].max()) for g in graphs if g.n_edges] + [lo])
    if hi <= lo:
        hi = lo + 1e-3
    return (float(lo), float(hi))


def source_dim(spec: str) -> tuple[int, str | None]:
    """Return ``(dimension, None)`` of source ``spec``, or ``(0, why it failed)``."""
    problem = check_spec(spec)
    if problem:
        return 0, problem
    try:
        return load_with_progress(spec, "source A").dim, None
    except CosineRingsError as exc:
        return 0, str(exc)
    except Exception as exc:  # a third-party loader failing must not take the page down
        return 0, f"{type(exc).__name__}: {exc}"
