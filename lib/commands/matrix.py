"""``python -m lib matrix``: K sources on the same words, every two-source measure as a K x K matrix.

Besides RSA (with its Mantel p), edge, degree, community and neighbour
agreement, the calibrated measures ``cka_linear``, ``cka_debiased``,
``procrustes_angular`` and ``mutual_knn`` each get a matrix and a matrix of
permutation p's (``<name>_p``); every cell equals ``compare`` on that pair.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from ..analysis.compare import DEFAULT_PERMUTATIONS
from ..analysis.matrix import ALL_MATRICES, DEFAULT_NK, SourceMatrix, compare_sources, matrices_csv
from ..budget import check_graph, check_matrix, check_measures
from ..errors import InputError
from ..graph import json_float
from ..measures.matrix import MATRIX_MEASURES
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

__all__ = ["register", "run", "matrix_to_dict"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("matrix", help="compare many sources on the same words (K x K matrices)", description=__doc__)
    p.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="SPEC",
        help="a source; repeat for each (at least 2), e.g. --source glove --source random:dim=50",
    )
    add_word_args(p)
    add_threshold_args(p)
    p.add_argument(
        "--permutations", type=int, default=DEFAULT_PERMUTATIONS, help="Mantel test permutations (default 10000)"
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the Mantel permutations (default 0)")
    p.add_argument(
        "--nk", type=int, default=DEFAULT_NK, help=f"neighbours per word of neighbour_jaccard (default {DEFAULT_NK})"
    )
    p.add_argument(
        "--format",
        choices=("json", "csv"),
        default="json",
        help="json: sources, words and each measure's matrix; csv: one row per measure and pair (default json)",
    )
    add_budget_arg(p)
    p.set_defaults(func=run)


def _json_matrix(matrix: np.ndarray) -> list[list[float | None]]:
    return [[json_float(x) for x in row] for row in matrix.tolist()]


def matrix_to_dict(m: SourceMatrix) -> dict:
    """The JSON object ``matrix`` prints."""
    out: dict = {
        "sources": list(m.sources),
        "words": list(m.words),
        "missing": [{"word": d.word, "source": d.source, "reason": d.reason} for d in m.missing],
        "permutations": m.permutations,
        "seed": m.seed,
        "nk": m.nk,
    }
    for name in ALL_MATRICES:
        if name in m.matrices:
            out[name] = _json_matrix(m.matrices[name])
    return out


def run(args: argparse.Namespace) -> int:
    if len(args.source) < 2:
        raise InputError(f"matrix needs at least 2 sources (--source SPEC, repeated), got {len(args.source)}")
    if args.nk < 1:
        raise InputError(f"--nk must be at least 1, got {args.nk}")
    words = word_list_from_args(args)
    kwargs = threshold_kwargs(args)
    sources = [load_checked(args, spec) for spec in args.source]
    n = usable_count(words)
    for source in sources:
        check_budget(args, check_graph, n, source.dim)
    check_budget(args, check_matrix, n, len(sources), args.permutations)
    pairs = len(sources) * (len(sources) - 1) // 2
    dims = sorted(s.dim for s in sources)[-2:]  # the costliest pair
    check_budget(args, check_measures, n, dims[0], dims[1], MATRIX_MEASURES, args.permutations, 0, args.nk, pairs)
    m = compare_sources(
        sources, words.words, labels=args.source, permutations=args.permutations, seed=args.seed, nk=args.nk, **kwargs
    )
    if args.format == "json":
        print_json(matrix_to_dict(m))
    else:
        sys.stdout.write(matrices_csv(m.sources, m.matrices).decode("utf-8"))
    return 0
