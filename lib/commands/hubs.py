"""``python -m lib hubs``: exact degrees and hubs over a source's vocabulary, blockwise.

Prints a short summary with the top hubs; with --out also writes a Parquet
table (token, degree, rank; the run's threshold, median, std and pair
count in its metadata). A progress bar with an ETA runs on stderr. With ``--scheduler`` (or
``COSINE_RINGS_SCHEDULER``) the block passes run as tasks on that Dask
cluster; the table is the same to the last bit.
"""

from __future__ import annotations

import argparse
import sys

from ..budget import check_hubs
from ..hubs.store import BASELINES, hubs_for, write_result
from ..sources import Source
from ._common import (
    add_budget_arg,
    add_scheduler_arg,
    add_threshold_args,
    check_budget,
    load_checked,
    open_scheduler,
    threshold_kwargs,
)

__all__ = ["register", "run"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("hubs", help="exact degrees and hubs over a vocabulary", description=__doc__)
    p.add_argument("--source", required=True, metavar="SPEC", help="the source, e.g. glove")
    p.add_argument("--top", type=int, metavar="N", help="use the N first vocabulary entries (default: all)")
    add_threshold_args(p)
    p.add_argument(
        "--baseline",
        choices=BASELINES,
        help="run on a baseline of the same shape instead: random N(0,1) or rows shuffled",
    )
    p.add_argument(
        "--out", metavar="FILE.parquet", help="also write the table there (without it: the summary and top hubs only)"
    )
    p.add_argument("--show", type=int, default=10, metavar="K", help="top hubs to print (default 10)")
    p.add_argument("--no-cache", action="store_true", help="recompute even when a cached result exists")
    add_budget_arg(p)
    add_scheduler_arg(p)
    p.set_defaults(func=run)


def _progress_bar():
    """A tqdm bar with an ETA on stderr, opened on the first block (a cache hit shows none)."""
    from tqdm import tqdm

    bars: list = []

    def update(done: int, total: int) -> bool:
        if not bars:
            bars.append(tqdm(desc="hubs", total=total, unit="block", file=sys.stderr, leave=False))
        bar = bars[0]
        if bar.total != total:  # a rerun in float64 starts over
            bar.reset(total=total)
        bar.update(done - bar.n)
        return True

    def close() -> None:
        for bar in bars:
            bar.close()

    return update, close


def vocabulary_rows(source: Source, top: int | None) -> int | None:
    """Rows a hubs run over ``source`` takes: ``top``, capped by the vocabulary when its size is known."""
    size = getattr(source, "n_rows", None)
    if size is None and hasattr(source, "kv"):
        size = len(source.kv.index_to_key)
    if not isinstance(size, int):
        return top
    return size if top is None else min(int(top), size)


def run(args: argparse.Namespace) -> int:
    kwargs = threshold_kwargs(args)
    if args.out is not None and not args.out.endswith(".parquet"):
        from ..errors import InputError

        raise InputError(f"--out must name a .parquet file, got {args.out!r}")
    source = load_checked(args, args.source)
    rows = vocabulary_rows(source, args.top)
    if rows is not None:
        check_budget(args, check_hubs, rows, source.dim)
    cluster = open_scheduler(args)
    progress, close = _progress_bar()
    try:
        result = hubs_for(
            args.source,
            args.top,
            baseline=args.baseline,
            progress=progress,
            use_cache=not args.no_cache,
            scheduler=cluster,
            loader=lambda _spec: source,  # loaded above for the budget check
            **kwargs,
        )
    finally:
        close()
        if cluster is not None:
            cluster.close()
    if args.out is not None:
        write_result(result, args.out)
    t = result.timings
    print(
        f"{result.source}: {result.n:,} tokens, {result.n_pairs:,} pairs, rule {result.rule}"
        + (f" (k={result.k:g})" if result.rule != "fixed" else f" (T={result.value:g})")
    )
    print(
        f"threshold {result.threshold:.6f}  median {result.median:.6f}  std {result.std:.6f}  "
        f"edges {result.n_edges:,} ({result.n_edges / max(result.n_pairs, 1):.2%})"
    )
    if "total_s" in t:
        print(f"time {t['total_s']:.2f} s (products {t['products_s']:.2f} s, {t['blocks']} blocks)")
    top = result.top(max(args.show, 0))
    if len(top):
        print(f"{'rank':>6}  {'degree':>8}  token")
        for row in top.itertuples(index=False):
            print(f"{row.rank:>6}  {row.degree:>8}  {row.token}")
    if args.out is not None:
        print(f"wrote {args.out}")
    return 0
