"""``python -m lib null``: one source's statistics against random and shuffled spaces (z-scores, p-values)."""

from __future__ import annotations

import argparse

from ..analysis.null import DEFAULT_DRAWS, NULL_KINDS, null_distributions, null_to_dict
from ..budget import check_graph, check_null
from ..graph import build_graph, build_graphs
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

__all__ = ["register", "run"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("null", help="null distributions from random and shuffled spaces", description=__doc__)
    p.add_argument("--source", required=True, metavar="SPEC", help="the source to test")
    p.add_argument("--other", metavar="SPEC", help="a second source: adds RSA with it to the statistics")
    add_word_args(p)
    add_threshold_args(p)
    p.add_argument("--draws", type=int, default=DEFAULT_DRAWS, help="draws K per null model (default 200)")
    p.add_argument("--seed", type=int, default=0, help="seed of the null draws (default 0)")
    p.add_argument(
        "--format", choices=("json", "text"), default="json", help="json: every draw; text: a table (default json)"
    )
    add_budget_arg(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    words = word_list_from_args(args)
    kwargs = threshold_kwargs(args)
    source = load_checked(args, args.source)
    n = usable_count(words)
    check_budget(args, check_graph, n, source.dim)
    check_budget(args, check_null, n, source.dim, args.draws)
    other = None
    if args.other is None:
        result = build_graph(source, words.words, **kwargs)
    else:
        other_source = load_checked(args, args.other)
        check_budget(args, check_graph, n, other_source.dim)
        result, other = build_graphs([source, other_source], words.words, **kwargs)
    res = null_distributions(
        result.graph, source.dim, words.category_of(), other.graph if other else None, draws=args.draws, seed=args.seed
    )
    stats = null_to_dict(res)
    if args.format == "json":
        print_json(
            {
                "source": result.source,
                "other": other.source if other else None,
                "dim": res.dim,
                "words": list(res.words),
                "missing": [{"word": m.word, "reason": m.reason} for m in result.missing],
                "rule": result.graph.rule,
                "k": result.graph.k,
                "draws": res.draws,
                "seed": res.seed,
                "statistics": stats,
            }
        )
        return 0
    print(f"{result.source}: {len(res.words)} words, {res.draws} draws per null model, seed {res.seed}")
    print(f"{'statistic':<14}{'real':>10}" + "".join(f"{k + ' mean':>16}{'z':>8}{'p':>8}" for k in NULL_KINDS))
    for name, e in stats.items():
        cells = "".join(f"{_fmt(e[k]['mean']):>16}{_fmt(e[k]['z'], 2):>8}{_fmt(e[k]['p'], 3):>8}" for k in NULL_KINDS)
        print(f"{name:<14}{_fmt(e['real']):>10}{cells}")
    return 0


def _fmt(x: float | None, nd: int = 4) -> str:
    return "-" if x is None else f"{x:.{nd}f}"
