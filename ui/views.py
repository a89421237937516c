"""Page building blocks: compute the rings of several sources, draw each with its numbers.

A :class:`Panel` is one source's ring (or the error that stopped it). When
every source finds enough of the same words, all rings are drawn on those
common words so that a word sits at the same place on every ring.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import streamlit as st

from lib.errors import CosineRingsError
from lib.graph import GraphResult
from lib.words import Missing, WordList

from .cached import aligned_results, graph_result, load_with_progress, passage_words
from .downloads import pending
from .order import ordered
from .sidebar import Choices
from .sources import check_spec
from .text import plain

__all__ = [
    "Panel",
    "compute_panels",
    "awaiting_confirmation",
    "colour_domain",
    "show_problems",
    "source_dim",
]


@dataclass(frozen=True)
class Panel:
    """One source's ring: its label, SPEC, and either its result, its error, or a download to confirm."""

    label: str
    spec: str
    result: GraphResult | None = None
    error: str | None = None
    categories: dict | None = None
    #: Bytes the source would download first; the user confirms before it starts.
    download: int = 0
    #: The word list asked for (before the source dropped any).
    asked: tuple[str, ...] = ()
    #: The words of ``asked`` this source itself left out (before the rings kept only the common words).
    lacks: tuple[Missing, ...] = ()

    @property
    def ok(self) -> bool:
        return self.result is not None


def awaiting_confirmation(spec: str) -> int:
    """Non-zero while ``spec`` waits for a button: bytes to download, or a :mod:`ui.downloads` code."""
    return pending(spec)


def show_problems(ch: Choices) -> bool:
    """Show word-list problems; return True when there is nothing to draw."""
    for problem in ch.problems:
        st.warning(plain(problem, 400), icon=":material/edit_note:")
    if ch.state.order == "category" and ch.words is not None and ch.words.words and not ch.words.categories:
        st.info("This list has no categories, so the ring keeps the input order.")
    return bool(ch.problems)


def _passage_list(ch: Choices, sources: list[tuple[str, str]]) -> WordList | None:
    """The passage's units for every source of the page that can load, merged (None outside passage mode)."""
    if ch.words is not None:
        return None
    specs = []
    for label, spec in sources:
        if check_spec(spec) or awaiting_confirmation(spec):
            continue
        try:
            load_with_progress(spec, label)  # tokenising a passage needs the source
        except Exception:  # that source's own panel shows why it failed
            continue
        specs.append(spec)
    try:
        return WordList(passage_words(tuple(specs), ch.passage)) if specs else WordList(())
    except CosineRingsError:  # an empty passage: each panel says there are no words
        return WordList(())


def _words_for(ch: Choices, spec: str, label: str, passage: WordList | None) -> WordList:
    if passage is not None:
        return passage
    if ch.state.order == "community":  # A's Louvain communities order both rings
        from .analytics import (
            community_ordered,  # lazy: scipy/networkx load only when used
        )

        return community_ordered(ch.words, ch.state.a, ch.state.rule, ch.state.k, ch.value)
    return ordered(ch.words, ch.state.order)


def _first_pass(ch: Choices, label: str, spec: str, passage: WordList | None) -> Panel:
    """One source on its own: its ring, or why there is none."""
    problem = check_spec(spec)
    if problem:
        return Panel(label, spec, error=problem)
    size = awaiting_confirmation(spec)
    if size:
        return Panel(label, spec, download=size)
    try:
        wl = _words_for(ch, spec, label, passage)
        load_with_progress(spec, label)
        with st.spinner(f"{label}: cosines, threshold and ring of {len(wl.words):,} words …"):
            result = graph_result(spec, wl.words, ch.state.rule, ch.state.k, ch.value)
    except CosineRingsError as exc:
        return Panel(label, spec, error=str(exc))
    except Exception as exc:  # a third-party loader failing must not take the page down
        return Panel(label, spec, error=f"{type(exc).__name__}: {exc}")
    cats = dict(zip(wl.words, wl.categories)) if wl.categories else None
    return Panel(label, spec, result, categories=cats, asked=wl.words, lacks=result.missing)


def compute_panels(ch: Choices, sources: list[tuple[str, str]]) -> list[Panel]:
    """Compute one :class:`Panel` per ``(label, spec)``; a failing source only fails its panel.

    When several sources succeed on the same word list, their rings are
    redrawn on the words all of them draw, decided together
    (:func:`lib.graph.align_all`, in list order), so a word sits at the same
    place on every ring; the words left out are listed with the source that
    lacks them. A passage is first turned into one list for all sources
    (each source's units, merged in text order).
    """
    passage = _passage_list(ch, sources)
    panels = [_first_pass(ch, label, spec, passage) for label, spec in sources]
    good = [p for p in panels if p.ok]
    if len(good) < 2 or len({p.asked for p in good}) != 1:
        return panels
    try:
        results = aligned_results(tuple(p.spec for p in good), tuple(p.result for p in good), good[0].asked)
    except CosineRingsError:  # fewer than 3 common words: each ring keeps its own words
        return panels
    aligned = dict(zip((p.label for p in good), results))
    return [replace(p, result=aligned[p.label]) if p.label in aligned else p for p in panels]


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
