"""Files of a ring graph: SVG and PNG figures, CSV tables, GEXF, GraphML, JSON.

:func:`export_bytes` makes the bytes of one format; :func:`export_file`
picks the format from a path's extension and writes atomically (a temporary
file in the same folder, then ``os.replace``), so a failed export never
leaves a half-written file behind; :func:`export_filename` names a file after
the source and the word list.

Formats:

- ``svg``, ``png``: the ring figure (:func:`lib.ring_spec.ring_spec`, the
  spec behind :func:`lib.ring_spec.ring_spec`; static: no tooltips), rendered
  by vl-convert. The figure's subtitle says
  when the edge cap left edges out.
- ``csv``: the edge table (``source,target,cosine``, every edge, weakest
  first), or with ``table="nodes"`` the node table (:func:`nodes_csv`).
- ``gexf``, ``graphml``: for Gephi (networkx writers). Node attributes
  ``word``, ``degree``, ``x``, ``y`` and ``category`` when known; edge
  attribute ``weight`` = cosine.
- ``json``: the object of ``python -m lib graph`` (:func:`lib.graph.graph_to_dict`).

Heavy modules (Altair, vl-convert, networkx) are imported only by the
formats that need them, so a CSV or JSON export starts fast.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .atomic import write_atomic
from .errors import InputError
from .graph import GraphResult, graph_to_dict

__all__ = [
    "FORMATS",
    "export_bytes",
    "export_file",
    "export_filename",
    "format_for_path",
    "nodes_csv",
    "edges_csv",
    "csv_safe",
]

#: Extension -> what the file holds.
FORMATS = {
    "svg": "ring figure (SVG)",
    "png": "ring figure (PNG)",
    "csv": "edge table (source, target, cosine)",
    "gexf": "graph for Gephi (GEXF)",
    "graphml": "graph (GraphML)",
    "json": "graph, stats and report (JSON)",
}
#: Pixel density of PNG exports (2 = sharp on high-DPI screens and in papers).
PNG_SCALE = 2.0


def _figure_spec(result: GraphResult, chart_opts: Mapping[str, Any]) -> dict:
    # The Vega-Lite dict straight from lib.ring_spec: no Altair import and no
    # schema validation of thousands of rows (our code built them from
    # checked data); this is most of what makes an export fast.
    from .ring_spec import ring_spec

    opts = dict(chart_opts)
    opts.setdefault("title", f"{result.source_name}: {result.graph.n} words, {result.graph.n_edges:,} edges")
    return ring_spec(result.graph, interactive=False, **opts)


#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_safe(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` whose text cells cannot run as spreadsheet formulas.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
    gets a leading single quote (OWASP's advice); numbers stay numbers.

    >>> csv_safe(pd.DataFrame({"word": ["=1+1", "cat", "-2"], "cosine": [-0.5, 0.1, 0.2]})).to_dict("list")
    {'word': ["'=1+1", 'cat', "'-2"], 'cosine': [-0.5, 0.1, 0.2]}
    """
    out = table.copy()
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]):
            out[column] = out[column].map(_safe_cell)
    return out


def edges_csv(result: GraphResult) -> bytes:
    """Every edge as CSV: ``source,target,cosine`` (weakest first); words made formula-safe."""
    buf = io.StringIO()
    csv_safe(result.graph.edges[["source", "target", "cosine"]]).to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def nodes_csv(result: GraphResult, categories: Mapping[str, str] | None = None) -> bytes:
    """Every node as CSV: ``word,degree,x,y,size`` and ``category`` when given; text made formula-safe."""
    table = result.graph.nodes()
    if categories:
        table["category"] = [categories.get(w, "") for w in table["word"]]
    buf = io.StringIO()
    csv_safe(table).to_csv(buf, index=False, lineterminator="\n", float_format="%.6g")
    return buf.getvalue().encode("utf-8")


#: Gephi units per unit of the ring's radius in the GEXF's node positions.
GEXF_SCALE = 500.0


def _networkx_graph(result: GraphResult, categories: Mapping[str, str] | None):
    import networkx as nx

    g = result.graph
    graph = nx.Graph(source=result.source, threshold=float(g.threshold), rule=g.rule)
    for w, d, x, y in zip(g.words, g.degree.tolist(), g.x.tolist(), g.y.tolist(), strict=True):
        attrs = {"word": w, "degree": int(d), "x": round(x, 6), "y": round(y, 6)}
        if categories and w in categories:
            attrs["category"] = str(categories[w])
        graph.add_node(w, **attrs)
    for s, t, c in zip(g.edges["source"], g.edges["target"], g.edges["cosine"].tolist(), strict=True):
        graph.add_edge(s, t, weight=round(c, 6))
    return graph


def _xml(result: GraphResult, fmt: str, categories: Mapping[str, str] | None) -> bytes:
    import networkx as nx

    graph = _networkx_graph(result, categories)
    buf = io.BytesIO()
    if fmt == "gexf":
        # viz:position and viz:size, so Gephi opens the file in the ring layout.
        g = result.graph
        for w, x, y, size in zip(g.words, g.x.tolist(), g.y.tolist(), g.size.tolist()):
            graph.nodes[w]["viz"] = {
                "position": {"x": round(GEXF_SCALE * x, 3), "y": round(GEXF_SCALE * y, 3), "z": 0.0},
                "size": round(max(size, 1.0), 3),
            }
        nx.write_gexf(graph, buf)
    else:
        nx.write_graphml(graph, buf)
    return buf.getvalue()


def export_bytes(result: GraphResult, fmt: str, *, table: str = "edges", **chart_opts: Any) -> bytes:
    """Return the bytes of ``result`` in format ``fmt`` (a key of :data:`FORMATS`).

    ``table`` chooses what ``csv`` holds: ``"edges"`` (default) or ``"nodes"``.

    ``chart_opts`` are keyword options of :func:`lib.ring_spec.ring_spec`
    (``categories``, ``groups``, ``labels``, ``size``, ``max_edges``,
    ``title``, ...); ``categories`` also fills the ``category`` node
    attribute of GEXF and GraphML.

    Raises
    ------
    InputError
        For an unknown format or bad chart options.
    """
    fmt = str(fmt).lower().lstrip(".")
    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    categories = chart_opts.get("categories")
    if fmt == "csv":
        if table not in ("edges", "nodes"):
            raise InputError(f"unknown CSV table {table!r}; use edges or nodes")
        return edges_csv(result) if table == "edges" else nodes_csv(result, categories)
    if fmt == "json":
        import json

        return (json.dumps(graph_to_dict(result), ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")
    if fmt in ("gexf", "graphml"):
        return _xml(result, fmt, categories)
    import vl_convert as vlc

    spec = _figure_spec(result, chart_opts)
    if fmt == "svg":
        return vlc.vegalite_to_svg(spec).encode("utf-8")
    return vlc.vegalite_to_png(spec, scale=PNG_SCALE)


def format_for_path(path: str | os.PathLike) -> str:
    """The export format named by ``path``'s extension."""
    ext = Path(path).suffix.lower().lstrip(".")
    if ext not in FORMATS:
        shown = f".{ext}" if ext else "no extension"
        raise InputError(
            f"cannot tell the export format from {shown}; use one of {', '.join('.' + f for f in FORMATS)}"
        )
    return ext


def export_file(result: GraphResult, path: str | os.PathLike, **chart_opts: Any) -> Path:
    """Write ``result`` to ``path`` in the format of its extension; return the path.

    The file appears complete or not at all: bytes go to a temporary file
    in the same folder, which then replaces ``path``.

    Raises
    ------
    InputError
        For an unknown extension, a folder that does not exist, a path that
        is a folder, or a write that fails (no permission, disk full).
    """
    target = Path(path)
    fmt = format_for_path(target)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"cannot write {target}: folder {folder} does not exist")
    if target.is_dir():
        raise InputError(f"cannot write {target}: it is a folder; give a file name")
    data = export_bytes(result, fmt, **chart_opts)
    try:
        write_atomic(target, data)
    except OSError as exc:
        raise InputError(f"cannot write {target} ({exc.strerror or exc})") from None
    return target


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _slug(text: str, limit: int = 40) -> str:
    slug = _UNSAFE.sub("-", str(text)).strip("-._")
    return slug[:limit].strip("-._")


def export_filename(source_spec: str, list_name: str | None, ext: str) -> str:
    """A safe file name from a source SPEC and a word-list name.

    Only ASCII letters, digits, ``.``, ``_`` and ``-`` remain; a file path
    in the SPEC contributes only its last part.

    >>> export_filename("word2vec:/data/GoogleNews.bin", "course", "svg")
    'word2vec-GoogleNews.bin_course.svg'
    >>> export_filename("random:dim=50,seed=1", "my words!", ".png")
    'random-dim-50-seed-1_my-words.png'
    >>> export_filename("upload:mine.txt#9f86d081884c7d65", "course", "svg")
    'upload-mine.txt_course.svg'
    """
    ext = str(ext).lower().lstrip(".")
    if ext not in FORMATS:
        raise InputError(f"unknown export format {ext!r}; use one of {', '.join(FORMATS)}")
    kind, sep, arg = str(source_spec).partition(":")
    if kind == "upload":  # an uploaded file by its name, without the content hash
        arg = arg.split("#", 1)[0]
    if sep and ("/" in arg or "\\" in arg):
        arg = re.split(r"[\\/]", arg.rstrip("/\\"))[-1]
    parts = [_slug(f"{kind}-{arg}" if sep else kind), _slug(list_name or "")]
    stem = "_".join(p for p in parts if p) or "ring"
    return f"{stem}.{ext}"
