"""Cached loading and computing for the pages.

Sources are loaded once per server into a process-wide cache with a lock
per SPEC (two sessions asking for the same source at once load it once; no
Streamlit element is ever called inside a cached function); graph results are cached with ``st.cache_data``. Every input
of a cached function is one of its arguments.

:func:`get_source` is the one way the app loads a source, and every first
load passes its checks there (:func:`admit`): the SPEC's form and server
paths, a download or training run that waits for its button, and the work
budget of what loading computes; the load itself runs in the work slot.
No page can skip them by calling a loader of its own.
"""

from __future__ import annotations

import os
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import streamlit as st

from lib.budget import Cost, check_graph, check_load, edge_share, edges_within, graph_cost
from lib.engine import RingGraph
from lib.errors import SourceError, SpecError
from lib.graph import GraphResult, align_all, build_graph
from lib.ring_spec import PICK, UNPICK
from lib.sources import Source, load_source, paths_allowed
from lib.sources.together import passage_words as merge_passage_units

from .downloads import pending
from .sources import check_spec
from .text import plain
from .work import current_request, remaining, within, work_slot

__all__ = [
    "admit",
    "get_source",
    "graph_result",
    "aligned_results",
    "passage_words",
    "load_with_progress",
    "graph_key",
    "chart_name",
    "chart_spec",
    "show_chart",
]


#: Loaded sources kept by this process (least recently used dropped first).
MAX_SOURCES = 8
_SOURCES: OrderedDict[str, Source] = OrderedDict()
_SOURCE_LOCKS: dict[str, threading.Lock] = {}
_GUARD = threading.Lock()


#: What a first load is charged when loading trains nothing (reading a table, a download, a model's
#: matrix); first loads still run one at a time, in the work slot.
_LOAD_COST = Cost("loading a source", 0.0, 0.0)


def admit(spec: str) -> Cost:
    """The checks every first load of ``spec`` passes; what loading it costs.

    Raises
    ------
    SpecError
        A SPEC the web app refuses (unknown kind, a file on the server).
    SourceError
        While ``spec`` waits for its download or training button (:mod:`ui.downloads`).
    BudgetError
        When loading would train over what is left of the work budget.
    """
    problem = check_spec(spec)
    if problem:
        raise SpecError(problem)
    if current_request() is not None and pending(spec):  # a page run: this session's confirmations
        raise SourceError(f"{spec} waits for its download (or training) button")
    return check_load(spec, remaining()) or _LOAD_COST


def _loaded(spec: str) -> Source | None:
    with _GUARD:
        if spec in _SOURCES:
            _SOURCES.move_to_end(spec)
            return _SOURCES[spec]
    return None


def get_source(spec: str, _progress: Callable[[int, int | None], None] | None = None) -> Source:
    """The loaded source of ``spec``, shared by all sessions (loaded once, under a per-SPEC lock).

    A first load passes :func:`admit` and runs in the work slot (taken
    before the per-SPEC lock, never under it). ``_progress(done_bytes,
    total_bytes)`` receives download progress. This is a plain process-wide
    cache, not ``st.cache_resource``: Streamlit would record the progress bar
    drawn during a download as part of the cached call and fail to replay it
    in every later session.
    """
    if spec.startswith("upload:"):  # held by its session only (lib.sources._upload), never kept here
        admit(spec)
        return load_source(spec, allow_paths=paths_allowed())
    source = _loaded(spec)
    if source is not None:
        return source
    cost = admit(spec)
    with _GUARD:
        lock = _SOURCE_LOCKS.setdefault(spec, threading.Lock())
    # A second session asking for the same source waits for the first load.
    with work_slot(cost, note=False, alone=True), lock:
        source = _loaded(spec)
        if source is not None:
            return source
        source = load_source(spec, progress=_progress, allow_paths=paths_allowed())
        with _GUARD:
            _SOURCES[spec] = source
            while len(_SOURCES) > MAX_SOURCES:
                _SOURCES.popitem(last=False)
            _SOURCE_LOCKS.pop(spec, None)
        return source


def load_with_progress(spec: str, label: str) -> Source:
    """Load ``spec`` (cached), showing a progress bar while a download runs.

    Raises what :func:`admit` raises: :class:`SourceError` while ``spec``
    still waits for its button (:mod:`ui.downloads`), and
    :class:`BudgetError` when loading would train over the work budget.
    """
    source = _loaded(spec)
    if source is not None:
        return source
    admit(spec)  # refused before anything is drawn
    slot = st.empty()
    shown = plain(spec, 80)

    def progress(done: int, total: int | None) -> None:
        fraction = min(done / total, 1.0) if total else 0.0
        size = f"{done / 1e6:,.1f} of {total / 1e6:,.1f} MB" if total else f"{done / 1e6:,.1f} MB"
        slot.progress(fraction, text=f"{label}: downloading {shown} ({size})")

    try:
        # Only a first use is slow (reading a table, a download, word2vec training); then it is cached.
        with st.spinner(f"{label}: loading {shown} (the first use reads, downloads or trains it) …", show_time=True):
            return get_source(spec, _progress=progress)
    finally:
        slot.empty()


#: Lists longer than this are cached in a small cache of their own (two graphs, ten minutes):
#: their n x n matrices would otherwise fill the server's memory.
LARGE_GRAPH_WORDS = 400


@st.cache_data(show_spinner=False, max_entries=32)
def _graph_small(
    spec: str, words: tuple[str, ...], rule: str, k: float, value: float | None, _max_edges: int | None = None
) -> GraphResult:
    return build_graph(get_source(spec), words, rule=rule, k=k, value=value, max_edges=_max_edges)


@st.cache_data(show_spinner=False, max_entries=2, ttl=600)
def _graph_large(
    spec: str, words: tuple[str, ...], rule: str, k: float, value: float | None, _max_edges: int | None = None
) -> GraphResult:
    return build_graph(get_source(spec), words, rule=rule, k=k, value=value, max_edges=_max_edges)


def graph_result(spec: str, words: tuple[str, ...], rule: str, k: float, value: float | None) -> GraphResult:
    """The ring graph of ``words`` under source ``spec`` (raises CosineRingsError), cached.

    Checked against what is left of the request's work budget first
    (:func:`lib.budget.check_graph` with the rule's expected edge share);
    the edges the rule keeps are counted after thresholding and refused
    before their table is built when they do not fit
    (:func:`lib.budget.edges_within`).
    """
    dim = get_source(spec).dim
    budget = remaining()
    cost = within(check_graph, len(words), dim, share=edge_share(rule, k))
    fn = _graph_large if len(words) > LARGE_GRAPH_WORDS else _graph_small
    with work_slot(cost):
        result = fn(spec, words, rule, k, value, _max_edges=edges_within(len(words), dim, budget))
    request = current_request()
    if request is not None:  # what the graph keeps, from its real edge count
        request.held += graph_cost(result.graph.n, dim, result.graph.n_edges).held - cost.held
    return result


@st.cache_data(show_spinner=False, max_entries=32)
def _aligned(
    keys: tuple, specs: tuple[str, ...], words: tuple[str, ...], _results: tuple[GraphResult, ...]
) -> list[GraphResult]:
    return align_all(_results, [get_source(spec) for spec in specs], words)


@st.cache_data(show_spinner=False, max_entries=2, ttl=600)
def _aligned_large(
    keys: tuple, specs: tuple[str, ...], words: tuple[str, ...], _results: tuple[GraphResult, ...]
) -> list[GraphResult]:
    return align_all(_results, [get_source(spec) for spec in specs], words)


def aligned_results(
    specs: tuple[str, ...], results: tuple[GraphResult, ...], words: tuple[str, ...]
) -> list[GraphResult]:
    """:func:`lib.graph.align_all` of ``results`` of sources ``specs``, all built from ``words``, cached.

    Raises CosineRingsError. Results already on the same words come back as
    they are, without a cached copy (a 2,000-word result pickles to about
    50 MB). The cache key is each result's :func:`graph_key` and the words,
    not the results themselves; long lists get the small cache of
    :data:`LARGE_GRAPH_WORDS`.
    """
    if all(r.graph.words == results[0].graph.words for r in results):
        return list(results)
    fn = _aligned_large if len(words) > LARGE_GRAPH_WORDS else _aligned
    return fn(tuple(graph_key(r.graph, r.source) for r in results), specs, tuple(words), results)


@st.cache_data(show_spinner=False, max_entries=32)
def passage_words(specs: tuple[str, ...], text: str) -> tuple[str, ...]:
    """The units of a passage for all of ``specs`` together, in text order (see :func:`lib.sources.passage_words`).

    Each source takes its own units (words, or tokens for transformers);
    the rings then decide on the merged list together, so every ring gets
    the same words.
    """
    return tuple(merge_passage_units(text, [get_source(spec).passage_units(text) for spec in specs]))


def graph_key(graph: RingGraph, source: str = "") -> tuple:
    """What determines a ring graph: source, words, rule, k and threshold (cheap to hash)."""
    return (source, graph.words, graph.rule, graph.k, graph.threshold)


def chart_name(chart: Callable[..., Any]) -> str:
    """The qualified name of a chart function: the cache key's first part."""
    return f"{chart.__module__}.{chart.__qualname__}"


#: Bytes of finished chart specs kept for all sessions (pickled; least recently used dropped first).
MAX_CHART_BYTES = 64_000_000
_CHARTS: OrderedDict[tuple, bytes] = OrderedDict()
_CHART_LOCK = threading.Lock()


def _chart_dict(name: str, key: Hashable, chart: Callable[..., Any], args: tuple, kwargs: dict) -> dict:
    """The Vega-Lite dict of ``chart(*args, **kwargs)``, kept under ``(name, key)`` within :data:`MAX_CHART_BYTES`."""
    # Building and validating an Altair chart costs far more than drawing it;
    # the finished Vega-Lite dict is cached under the chart function's
    # qualified name and a key of what made it. The ring comes from
    # lib.ring_spec as a dict already (no Altair import), so the landing
    # page's rings are drawn before Altair has even loaded. The cache is
    # bounded in bytes, not entries: a heatmap's dict is a thousand times a small ring's.
    cache_key = (name, key)
    try:
        hash(cache_key)
    except TypeError:  # a key with a list or dict in it
        cache_key = (name, repr(key))
    with _CHART_LOCK:
        blob = _CHARTS.get(cache_key)
        if blob is not None:
            _CHARTS.move_to_end(cache_key)
    if blob is None:
        blob = pickle.dumps(_build_chart(chart, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
        with _CHART_LOCK:
            _CHARTS[cache_key] = blob
            total = sum(len(b) for b in _CHARTS.values())
            while total > MAX_CHART_BYTES and len(_CHARTS) > 1:
                total -= len(_CHARTS.popitem(last=False)[1])
    return pickle.loads(blob)


def _build_chart(chart: Callable[..., Any], args: tuple, kwargs: dict) -> dict:
    spec = chart(*args, **kwargs)
    if isinstance(spec, dict):
        return spec
    import altair as alt

    # The charts cap their own data (edges, scatter points); Altair's generic
    # 5,000-row guard would only turn a large list into an error.
    with alt.data_transformers.disable_max_rows():
        return spec.to_dict(validate=False)


def _inline_list_rows(spec: dict) -> dict:
    """Keep datasets with list-valued fields out of Streamlit's Arrow conversion.

    Streamlit ships a chart's top-level data and named datasets to the
    browser as Arrow tables, where list values (e.g. a heatmap's matrix rows
    that Vega flattens) no longer come out as arrays, and the chart draws
    empty. Data inside a layer stays JSON, so such a single-view chart is
    wrapped as a one-layer chart carrying its rows inline.
    """
    data = spec.get("data")
    rows = spec.get("datasets", {}).get(data.get("name")) if isinstance(data, dict) else None
    if "layer" in spec or not rows or not any(isinstance(v, list) for v in rows[0].values()):
        return spec
    unit = {key: spec.pop(key) for key in ("mark", "encoding", "transform", "params") if key in spec}
    unit["data"] = {"values": spec["datasets"].pop(data["name"])}
    del spec["data"]
    spec["layer"] = [unit]
    return spec


def chart_spec(chart: Callable[..., Any], key: Hashable, *args: Any, square: bool = False, **kwargs: Any) -> dict:
    """The Vega-Lite dict of ``chart(*args, **kwargs)``, cached.

    ``chart`` is a chart function of ``lib`` that returns an Altair chart or a
    Vega-Lite dict (:func:`lib.ring_spec.ring_spec`). ``key`` must identify
    ``args`` (e.g. :func:`graph_key` of each graph); ``kwargs`` are part of the
    cache key. ``square`` keeps the chart's own width and height: Streamlit
    would otherwise fit the chart, legend included, into its width and
    squeeze a ring into an ellipse.
    """
    cache_key = (key, repr(sorted(kwargs.items())))
    spec = _inline_list_rows(_chart_dict(chart_name(chart), cache_key, chart, args, kwargs))
    if square or any(k in spec for k in ("concat", "hconcat", "vconcat", "facet", "repeat")):
        # Vega-Lite can only fit single and layered views to a width; the others keep their size.
        spec["autosize"] = {"type": "pad", "contains": "padding"}
    renderer = os.environ.get("COSINE_RINGS_RENDERER")
    if renderer in ("svg", "canvas"):  # the browser test measures SVG elements
        spec["usermeta"] = {"embedOptions": {"renderer": renderer}}
    return spec


def show_chart(
    chart: Callable[..., Any],
    key: Hashable,
    *args: Any,
    square: bool = False,
    theme: str | None = "streamlit",
    element_key: str | None = None,
    on_select: Callable[[], None] | None = None,
    **kwargs: Any,
) -> None:
    """Draw the cached chart :func:`chart_spec` describes.

    With ``on_select``, clicking or double-clicking the ring's nodes (its
    :data:`lib.ring_spec.PICK` and :data:`lib.ring_spec.UNPICK` selections) calls ``on_select()``; the selection is in
    ``st.session_state[element_key]``.
    """
    spec = chart_spec(chart, key, *args, square=square, **kwargs)
    width = "content" if square else "stretch"
    if on_select is None:
        st.vega_lite_chart(spec, theme=theme, width=width, key=element_key)
        return
    picks = [PICK, UNPICK]
    st.vega_lite_chart(spec, theme=theme, width=width, key=element_key, on_select=on_select, selection_mode=picks)
