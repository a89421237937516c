"""From a source and a word list to a ring graph with its report.

:func:`build_graph` cleans the words, looks them up, drops what is unusable
with a reason and runs the engine; :func:`build_graphs` does so for several
sources on the words all of them draw, decided together (the CLI's
comparisons), and :func:`align_all` redraws graphs built one by one that way
(the app's rings); :func:`graph_to_dict` gives the JSON object the command
line prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .engine import RingGraph, ring_graph
from .errors import InputError
from .sources.base import Missing, Note, Source
from .sources.together import lookup_together
from .words import clean_words

__all__ = ["GraphResult", "build_graph", "build_graphs", "align_all", "graph_to_dict", "json_float"]


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


def build_graphs(
    sources: Sequence[Source],
    words: Sequence[str],
    *,
    rule: str = "seed",
    k: float = 1.0,
    value: float | None = None,
) -> list[GraphResult]:
    """Ring graphs of several sources on the words all of them draw, in list order.

    The words are decided for all sources together
    (:func:`lib.sources.together.lookup_together`): each result's
    ``missing`` says why its source does not draw a word (its own reason,
    ``not in SPEC`` when another source lacks it, or ``same vector as 'cat'
    in SPEC`` when the word's entry there went to another word).

    Raises
    ------
    InputError
        If no words are given, or fewer than 3 are drawn by all sources.
    """
    together = lookup_together(sources, words)
    if len(together.words) < 3:
        specs = [s.spec for s in sources]
        where = f"both {' and '.join(specs)}" if len(specs) == 2 else f"all of {', '.join(specs)}"
        raise InputError(f"only {len(together.words)} word(s) are in {where}; need at least 3")
    unusable = tuple(Missing(w, reason) for w, s, reason in together.dropped if s is None)
    return [
        GraphResult(
            source=source.spec,
            source_name=source.name,
            dim=source.dim,
            graph=ring_graph(together.words, lookup.vectors, rule=rule, k=k, value=value),
            missing=unusable + missing,
            notes=lookup.notes,
        )
        for source, lookup, missing in zip(sources, together.lookups, together.missing, strict=True)
    ]


def align_all(results: Sequence[GraphResult], sources: Sequence[Source], words: Sequence[str]) -> list[GraphResult]:
    """Redraw the graphs of ``words`` under each source on the words all sources draw.

    ``sources[i]`` is the source of ``results[i]``, each built from
    ``words`` with the same rule (by :func:`build_graph`). Results already
    on the same words come back unchanged (each source then drew every word
    the others did, so deciding together would keep them all); otherwise
    :func:`build_graphs` decides the words for all sources together.

    Raises
    ------
    InputError
        If fewer than 3 words are in all of them.
    """
    if len(results) != len(sources):
        raise InputError(f"{len(results)} results but {len(sources)} sources")
    if all(r.graph.words == results[0].graph.words for r in results):
        return list(results)
    g = results[0].graph
    return build_graphs(sources, words, rule=g.rule, k=g.k, value=g.value)


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
