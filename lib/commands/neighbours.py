"""``python -m lib neighbours``: which words does each space see differently?

Over a shared vocabulary (the first N words of A that B also has, or a word
list), each word's k nearest other words by cosine in A and in B, exact to
float64, the Jaccard index of the two sets, and how far each word moved
after one orthogonal alignment of A onto B (``procrustes_shift``) and
within its own neighbourhood (``local_shift``). Prints JSON (``a``, ``b``,
``k``, ``n`` and the ``summary`` first, then ``words``, ``missing``,
``dropped``, ``per_word``; ``--summary-only`` stops after the summary) or the
per-word table as CSV; ``--out`` writes the per-word table, with each
word's place on the two vocabulary maps (``x_a, y_a, x_b, y_b``). With
``--top N`` the JSON summary also holds linear CKA, debiased CKA and the
angular Procrustes distance over the whole shared vocabulary, each with its
p from ``--permutations`` permutations of B's words (default 100; 0 leaves
them out). A progress bar
runs on stderr. With ``--scheduler`` (or ``COSINE_RINGS_SCHEDULER``) the
block tasks run on that Dask cluster; the output is the same.
"""

from __future__ import annotations

import argparse
import json
import sys

from ..analysis.neighbours import DEFAULT_K
from ..analysis.neighbours_store import neighbours_for, out_table, write_table
from ..budget import check_measures, check_neighbours
from ..errors import InputError
from ..measures.calibrate import VOCABULARY_MEASURES
from ..measures.vocabulary import DEFAULT_VOCABULARY_PERMUTATIONS, vocabulary_measures, vocabulary_summary
from ..sources import load_source
from ._common import (
    add_budget_arg,
    add_scheduler_arg,
    add_word_args,
    check_budget,
    load_checked,
    open_scheduler,
    print_json,
    word_list_from_args,
)

__all__ = ["register", "run"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "neighbours", help="per-word k-NN agreement of two sources over a shared vocabulary", description=__doc__
    )
    p.add_argument("--a", required=True, metavar="SPEC", help="source A, whose vocabulary order is used")
    p.add_argument("--b", required=True, metavar="SPEC", help="source B")
    p.add_argument("--top", type=int, metavar="N", help="the first N words of A that B also has")
    add_word_args(p)
    p.add_argument("--k", type=int, default=DEFAULT_K, help=f"neighbours per word (default {DEFAULT_K})")
    p.add_argument(
        "--null", action="store_true", help="also measure the shuffled null (B's vectors handed to the words at random)"
    )
    p.add_argument(
        "--permutations",
        type=int,
        default=DEFAULT_VOCABULARY_PERMUTATIONS,
        help="with --top: permutations for the p of the vocabulary-level CKA and Procrustes "
        f"(default {DEFAULT_VOCABULARY_PERMUTATIONS}; 0: leave them out)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of those permutations (default 0)")
    p.add_argument(
        "--format",
        choices=("json", "csv"),
        default="json",
        help="json: the summary, then each word's neighbours; csv: one row per word (default json)",
    )
    p.add_argument(
        "--no-shifts",
        action="store_true",
        help="leave out the per-word shifts and map positions (the k-NN comparison alone)",
    )
    p.add_argument("--summary-only", action="store_true", help="print only the summary (JSON), not the words")
    p.add_argument("--out", metavar="FILE.parquet|FILE.csv", help="also write the per-word table there")
    p.add_argument("--no-cache", action="store_true", help="recompute even when a cached result exists")
    add_scheduler_arg(p)
    add_budget_arg(p)
    p.set_defaults(func=run)


def _progress_bar():
    """One tqdm bar per search on stderr, opened on its first task (a cache hit shows none)."""
    from tqdm import tqdm

    bars: dict = {}

    def update(side: str, done: int, total: int) -> bool:
        if side not in bars:
            for bar in bars.values():
                bar.close()
            bars[side] = tqdm(desc=f"k-NN in {side.upper()}", total=total, unit="task", file=sys.stderr, leave=False)
        bars[side].update(done - bars[side].n)
        return True

    def close() -> None:
        for bar in bars.values():
            bar.close()

    return update, close


def run(args: argparse.Namespace) -> int:
    has_list = any(x is not None for x in (args.words, args.words_file, args.preset))
    if (args.top is None) == (not has_list):
        raise InputError("give one of --top N, --words, --words-file or --preset")
    if args.k < 1:
        raise InputError(f"--k must be at least 1, got {args.k}")
    if not 0 <= args.permutations <= 1_000_000:
        raise InputError(f"--permutations must be between 0 and 1000000, got {args.permutations}")
    if args.top is not None and args.top < 2:
        raise InputError(f"--top must be at least 2, got {args.top}")
    if args.out is not None and not args.out.endswith((".parquet", ".csv")):
        raise InputError(f"--out must name a .parquet or .csv file, got {args.out!r}")
    words = list(word_list_from_args(args).words) if has_list else None
    loaded = {}
    if args.top is not None:
        loaded = {spec: load_checked(args, spec) for spec in (args.a, args.b)}
        dim = max(s.dim for s in loaded.values())
        check_budget(args, check_neighbours, args.top, dim, args.k, 3 if args.null else 2)
        if args.permutations:
            dims = [s.dim for s in loaded.values()]
            check_budget(args, check_measures, args.top, *dims, VOCABULARY_MEASURES, args.permutations, 0)
    cluster = open_scheduler(args)
    progress, close = _progress_bar()
    try:
        result = neighbours_for(
            args.a,
            args.b,
            top=args.top,
            words=words,
            k=args.k,
            null=args.null,
            shifts=not args.no_shifts,
            progress=progress,
            use_cache=not args.no_cache,
            mapper=None if cluster is None else cluster.mapper(),
            loader=lambda spec: loaded[spec] if spec in loaded else load_source(spec),
        )
    finally:
        close()
        if cluster is not None:
            cluster.close()
    for side, st in sorted(result.stats.items()):
        print(
            f"k-NN in {side.upper()}: {st['checked']:,} pairs summed in float64, {st['boundary']:,} of them "
            f"near the k-th neighbour, {st['settled']:,} words settled differently from float32",
            file=sys.stderr,
        )
    if args.out is not None:
        write_table(result, args.out)
    if args.format == "json" or args.summary_only:
        out = result.to_dict(summary_only=args.summary_only)
        if args.top is not None and args.permutations:
            vocab = vocabulary_measures(
                loaded[args.a], loaded[args.b], result.words, permutations=args.permutations, seed=args.seed
            )
            out["summary"].update(vocabulary_summary(vocab))
        print_json(out)
    else:
        table = out_table(result)
        for side in ("neighbours_a", "neighbours_b"):
            table[side] = [json.dumps(x, ensure_ascii=False) for x in table[side]]
        from ..export import csv_safe  # imported here: pandas costs ~0.5 s at start-up

        csv_safe(table).to_csv(sys.stdout, index=False)
    return 0
