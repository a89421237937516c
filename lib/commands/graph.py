"""``python -m lib graph``: one source's ring graph as JSON or an edge CSV.

The JSON lists the words left out and resolved; with ``--format csv`` they go
to stderr (one ``note: word: reason`` line each), so stdout stays a clean CSV.
"""

from __future__ import annotations

import argparse
import sys

from ..budget import check_graph
from ..graph import build_graph, graph_to_dict
from ._common import (
    add_budget_arg,
    add_threshold_args,
    add_word_args,
    check_budget,
    load_checked,
    print_json,
    threshold_kwargs,
    usable_count,
    word_list_from_args,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("graph", help="build one source's ring graph", description=__doc__)
    p.add_argument("--source", required=True, metavar="SPEC", help="e.g. random:dim=50,seed=1 or word2vec:PATH")
    add_word_args(p)
    add_threshold_args(p)
    p.add_argument(
        "--format",
        choices=("json", "csv"),
        default="json",
        help="json: the graph with its words, edges and numbers; csv: the edge list (default json)",
    )
    add_budget_arg(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    words = word_list_from_args(args)
    kwargs = threshold_kwargs(args)
    source = load_checked(args, args.source)
    check_budget(args, check_graph, usable_count(words), source.dim)
    result = build_graph(source, words.words, **kwargs)
    if args.format == "json":
        print_json(graph_to_dict(result))
    else:
        from ..export import csv_safe  # formula-safe words, as in every CSV export

        csv_safe(result.graph.edges[["source", "target", "cosine"]]).to_csv(sys.stdout, index=False)
        for m in result.missing:
            print(f"note: {m.word}: left out ({m.reason})", file=sys.stderr)
        for n in result.notes:
            print(f"note: {n.word}: {n.note}", file=sys.stderr)
    return 0
