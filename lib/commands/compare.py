"""``python -m lib compare``: two sources on the same words, RSA with a Mantel test, edges, degrees, communities."""

from __future__ import annotations

import argparse

from ..analysis.compare import DEFAULT_PERMUTATIONS, Comparison, compare_graphs
from ..budget import check_compare, check_graph
from ..graph import GraphResult, build_graphs, graph_to_dict, json_float
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

__all__ = ["register", "run", "comparison_to_dict"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="compare two sources on the same words", description=__doc__)
    p.add_argument("--a", required=True, metavar="SPEC", help="source A, e.g. word2vec:PATH")
    p.add_argument("--b", required=True, metavar="SPEC", help="source B, e.g. random:dim=300,seed=0")
    add_word_args(p)
    add_threshold_args(p)
    p.add_argument(
        "--permutations", type=int, default=DEFAULT_PERMUTATIONS, help="Mantel test permutations (default 10000)"
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the Mantel permutations (default 0)")
    p.add_argument("--format", choices=("json", "text"), default="json")
    add_budget_arg(p)
    p.set_defaults(func=run)


def _edge_rows(df) -> list[dict]:
    return [
        {"source": s, "target": t, "cosine_a": json_float(ca), "cosine_b": json_float(cb)}
        for s, t, ca, cb in zip(df["source"], df["target"], df["cosine_a"], df["cosine_b"])
    ]


def comparison_to_dict(a: GraphResult, b: GraphResult, c: Comparison, *, with_categories: bool) -> dict:
    """The JSON object ``compare`` prints."""
    out = {
        "words": list(c.words),
        "a": graph_to_dict(a),
        "b": graph_to_dict(b),
        "rsa": {
            "spearman": json_float(c.rsa.spearman),
            "pearson": json_float(c.rsa.pearson),
            "p_value": json_float(c.rsa.p_value),
            "permutations": c.rsa.permutations,
        },
        "edges": {
            "jaccard": json_float(c.edges.jaccard),
            "shared": _edge_rows(c.edges.shared),
            "only_a": _edge_rows(c.edges.only_a),
            "only_b": _edge_rows(c.edges.only_b),
        },
        "degree_spearman": json_float(c.degree_spearman),
        "hubs": {"a": list(c.hubs_a), "b": list(c.hubs_b), "shared": list(c.hubs_shared)},
        "communities": {
            "a": [list(m) for m in c.communities_a.communities],
            "b": [list(m) for m in c.communities_b.communities],
            "ari": json_float(c.ari),
            "modularity": {"a": json_float(c.communities_a.modularity), "b": json_float(c.communities_b.modularity)},
        },
    }
    if with_categories:
        out["communities"]["category_ari"] = {"a": json_float(c.category_ari_a), "b": json_float(c.category_ari_b)}
        out["selectivity"] = {"a": json_float(c.selectivity_a), "b": json_float(c.selectivity_b)}
    return out


def _text(d: dict) -> str:
    rsa, lines = d["rsa"], []
    lines.append(f"A: {d['a']['source']}   B: {d['b']['source']}   common words: {len(d['words'])}")
    lines.append(
        f"RSA  spearman {rsa['spearman']}  pearson {rsa['pearson']}  "
        f"Mantel p {rsa['p_value']} ({rsa['permutations']} permutations)"
    )
    e = d["edges"]
    lines.append(
        f"edges  jaccard {e['jaccard']}  shared {len(e['shared'])}  "
        f"only A {len(e['only_a'])}  only B {len(e['only_b'])}"
    )
    lines.append(f"degrees  spearman {d['degree_spearman']}  hubs A {d['hubs']['a']}  hubs B {d['hubs']['b']}")
    cm = d["communities"]
    lines.append(
        f"communities  A {len(cm['a'])} (Q {cm['modularity']['a']})  "
        f"B {len(cm['b'])} (Q {cm['modularity']['b']})  ARI {cm['ari']}"
    )
    if "selectivity" in d:
        lines.append(
            f"categories  ARI A {cm['category_ari']['a']}  B {cm['category_ari']['b']}  "
            f"selectivity A {d['selectivity']['a']}  B {d['selectivity']['b']}"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    words = word_list_from_args(args)
    kwargs = threshold_kwargs(args)
    source_a, source_b = load_checked(args, args.a), load_checked(args, args.b)
    n = usable_count(words)
    for source in (source_a, source_b):
        check_budget(args, check_graph, n, source.dim)
    check_budget(args, check_compare, n, args.permutations)
    a, b = build_graphs([source_a, source_b], words.words, **kwargs)
    cats = words.category_of()
    c = compare_graphs(a.graph, b.graph, cats, permutations=args.permutations, seed=args.seed)
    d = comparison_to_dict(a, b, c, with_categories=bool(cats))
    if args.format == "json":
        print_json(d)
    else:
        print(_text(d))
    return 0
