"""From a source and a word list to a ring graph with its report.

:func:`build_graph` cleans the words, looks them up, drops what is unusable
with a reason and runs the engine; :func:`align_all` redraws several sources'
graphs on the words all of them found (the app's rings, the CLI's
comparisons); :func:`graph_to_dict` gives the JSON object the command line
prints.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .engine import RingGraph, ring_graph
from .errors import InputError
from .sources.base import Missing, Note, Source
from .words import clean_words

__all__ = ["GraphResult", "build_graph", "align_all", "graph_to_dict", "json_float"]


@dataclass(frozen=True)
class GraphResult:
    """A ring graph plus what its source dropped or resolved on the way."""

    source: str
    source_name: str
    dim: int
    graph: RingGraph
    missing: tuple[Missing, ...]
    notes: tuple[Note, ...]


def build_graph(
    source: Source,
    words: Sequence[str],
    *,
    rule: str = "seed",
    k: float = 1.0,
    value: float | None = None,
    max_edges: int | None = None,
) -> GraphResult:
    """Look ``words`` up in ``source`` and build their ring graph.

    ``max_edges``: refuse a rule that keeps more edges (:func:`lib.engine.ring_graph`).

    Raises
    ------
    InputError
        If no words are given, or fewer than 3 remain usable.
    """
    usable, missing = clean_words(words)
    lookup = source.lookup(usable) if usable else None
    if lookup is not None:
        missing = missing + list(lookup.missing)
    found = lookup.words if lookup is not None else ()
    if len(found) < 3:
        dropped = "; ".join(f"{m.word}: {m.reason}" for m in missing[:5])
        more = f" (+{len(missing) - 5} more)" if len(missing) > 5 else ""
        raise InputError(
            f"need at least 3 usable words for {source.spec}, got {len(found)}"
            + (f" (dropped {dropped}{more})" if missing else "")
        )
    graph = ring_graph(found, lookup.vectors, rule=rule, k=k, value=value, max_edges=max_edges)
    return GraphResult(
        source=source.spec,
        source_name=source.name,
        dim=source.dim,
        graph=graph,
        missing=tuple(missing),
        notes=tuple(lookup.notes),
    )


def align_all(results: Sequence[GraphResult], sources: Sequence[Source]) -> list[GraphResult]:
    """Rebuild every graph on the words all sources found, in the first graph's order.

    ``sources[i]`` is the source of ``results[i]``; all results use the same
    rule. Each result's ``missing`` gains the words left out because another
    source lacks them (``"not in SPEC"``, naming the first such source).
    Results already on the common words come back unchanged.

    Raises
    ------
    InputError
        If fewer than 3 words are in all of them.
    """
    if len(results) != len(sources):
        raise InputError(f"{len(results)} results but {len(sources)} sources")
    found = [set(r.graph.words) for r in results]
    common = [w for w in results[0].graph.words if all(w in f for f in found)]
    if len(common) < 3:
        names = " and ".join(r.source for r in results)
        where = f"both {names}" if len(results) == 2 else f"all of {', '.join(r.source for r in results)}"
        raise InputError(f"only {len(common)} word(s) are in {where}; need at least 3")
    lacking = {
        w: next(r.source for r, f in zip(results, found) if w not in f)
        for r in results
        for w in r.graph.words
        if w not in set(common)
    }
    return [_restrict(r, s, common, lacking) for r, s in zip(results, sources)]


def _restrict(result: GraphResult, source: Source, common: list[str], lacking: dict[str, str]) -> GraphResult:
    if list(result.graph.words) == common:
        return result
    g = result.graph
    kept = set(common)
    rebuilt = build_graph(source, common, rule=g.rule, k=g.k, value=g.value)
    dropped = tuple(Missing(w, f"not in {lacking[w]}") for w in g.words if w not in kept)
    notes = tuple(n for n in result.notes if n.word in kept)
    return dataclasses.replace(rebuilt, missing=result.missing + dropped, notes=notes)


def json_float(x: float | None) -> float | None:
    """``x`` as a JSON number at full float64 precision; None, NaN and infinities become None.

    JSON output is for scripts, so nothing is rounded: ``json.dumps`` writes
    Python's shortest repr, which reads back as the same float64. Rounding
    for people happens in the app's display only.

    >>> json_float(np.float32(0.1)), json_float(0.22056653484264824), json_float(float("nan"))
    (0.10000000149011612, 0.22056653484264824, None)
    """
    return None if x is None or not np.isfinite(x) else float(x)


def graph_to_dict(result: GraphResult) -> dict:
    """The JSON object of ``python -m lib graph``."""
    g = result.graph
    return {
        "source": result.source,
        "source_name": result.source_name,
        "dim": result.dim,
        "words": list(g.words),
        "missing": [{"word": m.word, "reason": m.reason} for m in result.missing],
        "notes": [{"word": n.word, "note": n.note} for n in result.notes],
        "rule": g.rule,
        "k": g.k,
        "threshold": json_float(g.threshold),
        "median": json_float(g.median),
        "std": json_float(g.std),
        "stats": {
            "nodes": g.n,
            "edges": g.n_edges,
            "pairs": g.n_pairs,
            "density": json_float(g.density),
            "isolated": list(g.isolated),
            "all_equal": g.flat,
        },
        "nodes": [
            {"word": w, "x": json_float(x), "y": json_float(y), "degree": int(d), "size": json_float(s)}
            for w, x, y, d, s in zip(g.words, g.x, g.y, g.degree, g.size)
        ],
        "edges": [
            {"source": s, "target": t, "cosine": json_float(c)}
            for s, t, c in zip(g.edges["source"], g.edges["target"], g.edges["cosine"])
        ],
    }
