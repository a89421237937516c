"""Arguments shared by several subcommands, and how they become inputs."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from .. import budget
from ..engine import RULES
from ..errors import BudgetError, InputError
from ..presets import preset, preset_names
from ..sources import Source, load_source
from ..words import VECTORS_WARNING, WordList, clean_words, parse_word_text, read_words_file

__all__ = [
    "add_budget_arg",
    "add_scheduler_arg",
    "add_threshold_args",
    "add_word_args",
    "check_budget",
    "load_checked",
    "open_scheduler",
    "print_json",
    "threshold_kwargs",
    "usable_count",
    "word_list_from_args",
]


def add_word_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("words (one of)")
    g.add_argument("--words", help='comma/space separated words, e.g. "cat,dog,car"')
    g.add_argument("--words-file", metavar="PATH", help="a .txt word list or a .csv of category,word lines")
    g.add_argument("--preset", help=f"a preset word list: {', '.join(preset_names())}")


def add_threshold_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rule", choices=RULES, default="seed", help="threshold rule (default: seed)")
    p.add_argument("--k", type=float, default=1.0, help="T = median + k*std (default 1)")
    p.add_argument("--value", type=float, help="the threshold of the fixed rule")


def add_scheduler_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the block passes on this Dask scheduler, e.g. tcp://10.0.0.5:8786 "
        "(default: $COSINE_RINGS_SCHEDULER; empty: in this process)",
    )


def open_scheduler(args: argparse.Namespace):
    """The cluster of ``--scheduler`` (or the environment), connected now so a bad address fails fast; or None."""
    from ..cluster import connect, scheduler_address

    address = scheduler_address(args.scheduler)
    return None if address is None else connect(address)


def word_list_from_args(args: argparse.Namespace) -> WordList:
    given = [x for x in (args.words, args.words_file, args.preset) if x is not None]
    if len(given) > 1:
        raise InputError("give only one of --words, --words-file, --preset")
    if args.preset is not None:
        return preset(args.preset)
    if args.words_file is not None:
        warnings: list[str] = []
        words = read_words_file(args.words_file, warnings)
        if VECTORS_WARNING in warnings:
            raise InputError(f"{args.words_file}: {VECTORS_WARNING}; give it as a source: word2vec:PATH")
        for warning in warnings:
            print(f"warning: {args.words_file}: {warning}", file=sys.stderr)
        return words
    if args.words is not None:
        return parse_word_text(args.words)
    raise InputError("no words given: use --words, --words-file or --preset")


def threshold_kwargs(args: argparse.Namespace) -> dict:
    if args.rule == "fixed" and args.value is None:
        raise InputError("--rule fixed needs --value T")
    if args.value is not None and args.rule != "fixed":
        raise InputError("--value is only used with --rule fixed")
    return {"rule": args.rule, "k": args.k, "value": args.value}


def print_json(obj) -> None:
    # dumps, not dump: dump writes piece by piece through the pure-Python encoder (seconds for large outputs).
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, allow_nan=False))
    sys.stdout.write("\n")


def add_budget_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--allow-large",
        action="store_true",
        help="run even when the work budget (memory and time estimated from the sizes; "
        "COSINE_RINGS_BUDGET_MB, COSINE_RINGS_BUDGET_S) is exceeded",
    )


def check_budget(args: argparse.Namespace, check: Callable[..., object], *sizes: object) -> None:
    """Run a :mod:`lib.budget` check unless ``--allow-large``; its error names the flag."""
    if getattr(args, "allow_large", False):
        return
    try:
        check(*sizes)
    except BudgetError as exc:
        raise BudgetError(f"{exc}; or pass --allow-large", cost=exc.cost) from None


def usable_count(words: WordList) -> int:
    """How many of ``words`` a graph would use (raises on none or too many, before any budget check)."""
    return len(clean_words(words.words)[0])


def load_checked(args: argparse.Namespace, spec: str) -> Source:
    """``load_source(spec)`` after checking what loading computes (training) against the budget."""
    check_budget(args, budget.check_load, spec)
    return load_source(spec)
