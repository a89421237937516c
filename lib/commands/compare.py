"""``python -m lib compare``: two sources on the same words, RSA with a Mantel test, edges, degrees, communities.

``measures`` adds each calibrated measure of :mod:`lib.measures` (``--measures``,
default all five): its value, permutation p, z, null mean and std, and a
bootstrap interval (``--bootstrap``).
"""

from __future__ import annotations

import argparse

from ..analysis.compare import DEFAULT_PERMUTATIONS, Comparison, compare_graphs
from ..budget import check_compare_measures, check_graph
from ..errors import InputError
from ..graph import GraphResult, build_graphs, graph_to_dict, json_float
from ..measures import DEFAULT_BOOTSTRAP, DEFAULT_NK, NAMES, Calibrated, calibrate, parse_measures
from ..measures.matrix import source_vectors
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
    p.add_argument(
        "--measures",
        default=",".join(NAMES),
        metavar="A,B,...",
        help=f"calibrated measures to report (default all: {','.join(NAMES)})",
    )
    p.add_argument(
        "--bootstrap",
        type=int,
        default=DEFAULT_BOOTSTRAP,
        help=f"bootstrap resamples of the words for each measure's interval (default {DEFAULT_BOOTSTRAP})",
    )
    p.add_argument(
        "--nk", type=int, default=DEFAULT_NK, help=f"neighbours per word of mutual_knn (default {DEFAULT_NK})"
    )
    p.add_argument(
        "--format",
        choices=("json", "text"),
        default="json",
        help="json: every number exact, with the edges; text: a rounded summary to read (default json)",
    )
    add_budget_arg(p)
    p.set_defaults(func=run)


def _edge_rows(df) -> list[dict]:
    return [
        {"source": s, "target": t, "cosine_a": json_float(ca), "cosine_b": json_float(cb)}
        for s, t, ca, cb in zip(df["source"], df["target"], df["cosine_a"], df["cosine_b"])
    ]


def comparison_to_dict(
    a: GraphResult,
    b: GraphResult,
    c: Comparison,
    *,
    with_categories: bool,
    measures: dict[str, Calibrated] | None = None,
) -> dict:
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
    if measures is not None:
        out["measures"] = {name: r.to_dict() for name, r in measures.items()}
    return out


def _r(x: float | None, digits: int = 3) -> str:
    """A number for people: rounded (the JSON keeps it exact); None as "–"."""
    return "–" if x is None else f"{x:.{digits}f}"


def _text(d: dict) -> str:
    """The ``--format text`` summary: the JSON's numbers rounded to 3 decimals (p-values to 4)."""
    rsa, lines = d["rsa"], []
    lines.append(f"A: {d['a']['source']}   B: {d['b']['source']}   common words: {len(d['words'])}")
    lines.append(
        f"RSA  spearman {_r(rsa['spearman'])}  pearson {_r(rsa['pearson'])}  "
        f"Mantel p {_r(rsa['p_value'], 4)} ({rsa['permutations']} permutations)"
    )
    e = d["edges"]
    lines.append(
        f"edges  jaccard {_r(e['jaccard'])}  shared {len(e['shared'])}  "
        f"only A {len(e['only_a'])}  only B {len(e['only_b'])}"
    )
    hubs = {side: ", ".join(d["hubs"][side]) or "–" for side in ("a", "b")}
    lines.append(f"degrees  spearman {_r(d['degree_spearman'])}  hubs A {hubs['a']}  hubs B {hubs['b']}")
    cm = d["communities"]
    lines.append(
        f"communities  A {len(cm['a'])} (Q {_r(cm['modularity']['a'])})  "
        f"B {len(cm['b'])} (Q {_r(cm['modularity']['b'])})  ARI {_r(cm['ari'])}"
    )
    if "selectivity" in d:
        lines.append(
            f"categories  ARI A {_r(cm['category_ari']['a'])}  B {_r(cm['category_ari']['b'])}  "
            f"selectivity A {_r(d['selectivity']['a'])}  B {_r(d['selectivity']['b'])}"
        )
    for name, m in d.get("measures", {}).items():
        lines.append(
            f"{name}  {_r(m['value'])}  p {_r(m['p'], 4)}  z {_r(m['z'])}  "
            f"null {_r(m['null_mean'])} ± {_r(m['null_std'])}  interval {_r(m['ci_low'])} to {_r(m['ci_high'])}"
            + (f"  ({m['reason']})" if m["reason"] else "")
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    names = parse_measures(args.measures)
    if not 1 <= args.permutations <= 1_000_000:
        raise InputError(f"permutations must be between 1 and 1000000, got {args.permutations}")
    words = word_list_from_args(args)
    kwargs = threshold_kwargs(args)
    source_a, source_b = load_checked(args, args.a), load_checked(args, args.b)
    n = usable_count(words)
    for source in (source_a, source_b):
        check_budget(args, check_graph, n, source.dim)
    check_budget(
        args, check_compare_measures, n, source_a.dim, source_b.dim, names, args.permutations, args.bootstrap, args.nk
    )
    a, b = build_graphs([source_a, source_b], words.words, **kwargs)
    common = a.graph.words
    measures = calibrate(
        source_vectors(source_a, common),
        source_vectors(source_b, common),
        names,
        permutations=args.permutations,
        bootstrap=args.bootstrap,
        seed=args.seed,
        nk=args.nk,
    )
    cats = words.category_of()
    rsa = measures.get("rsa_spearman")
    c = compare_graphs(
        a.graph,
        b.graph,
        cats,
        permutations=args.permutations,
        seed=args.seed,
        mantel_p=None if rsa is None else (rsa.p,),
    )
    d = comparison_to_dict(a, b, c, with_categories=bool(cats), measures=measures)
    if args.format == "json":
        print_json(d)
    else:
        print(_text(d))
    return 0
