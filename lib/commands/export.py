"""``python -m lib export``: one source's ring graph to a file; the format comes from --out's extension.

.svg/.png: the ring figure; .csv: the edge table (--table nodes: the node
table); .gexf/.graphml: the graph for Gephi; .json: what ``graph`` prints.
"""

from __future__ import annotations

import argparse
import sys

from ..budget import check_graph
from ..graph import build_graph
from ._common import (
    add_budget_arg,
    add_threshold_args,
    add_word_args,
    check_budget,
    load_checked,
    threshold_kwargs,
    usable_count,
    word_list_from_args,
)

__all__ = ["register", "run"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="write one source's ring graph to .svg/.png/.csv/.gexf/.graphml/.json",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--source", required=True, metavar="SPEC", help="e.g. glove or random:dim=50,seed=1")
    add_word_args(p)
    add_threshold_args(p)
    p.add_argument("--out", required=True, metavar="FILE", help="output file; its extension picks the format")
    p.add_argument(
        "--table",
        choices=("edges", "nodes"),
        default="edges",
        help=".csv only: the edge table (source,target,cosine) or the node table (default edges)",
    )
    fig = p.add_argument_group("figure (.svg, .png)")
    fig.add_argument("--size", type=int, default=440, help="ring width and height in pixels (default 440)")
    fig.add_argument(
        "--max-edges", type=int, default=2000, help="draw at most this many (strongest) edges (default 2000)"
    )
    fig.add_argument("--no-labels", action="store_true", help="draw no word labels")
    fig.add_argument("--title", help="figure title (default: source, words, edges)")
    add_budget_arg(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: `python -m lib graph` and friends need none of it.
    from ..export import export_file, format_for_path

    fmt = format_for_path(args.out)  # fail on a bad extension before loading anything
    words = word_list_from_args(args)
    kwargs = threshold_kwargs(args)
    source = load_checked(args, args.source)
    check_budget(args, check_graph, usable_count(words), source.dim)
    result = build_graph(source, words.words, **kwargs)
    opts = {"categories": words.category_of() or None}
    if fmt == "csv":
        opts["table"] = args.table
    if fmt in ("svg", "png"):
        opts.update(size=args.size, max_edges=args.max_edges, labels=not args.no_labels)
        if args.title is not None:
            opts["title"] = args.title
    path = export_file(result, args.out, **opts)
    g = result.graph
    capped = fmt in ("svg", "png") and g.n_edges > args.max_edges
    note = f"; showing the {args.max_edges:,} strongest of {g.n_edges:,} edges" if capped else ""
    print(f"wrote {path} ({fmt}: {g.n} words, {g.n_edges:,} edges{note})", file=sys.stderr)
    for m in result.missing:  # as `graph --format csv` reports them
        print(f"note: {m.word}: left out ({m.reason})", file=sys.stderr)
    return 0
