"""Arguments shared by several subcommands, and how they become inputs."""
from __future__ import annotations

import argparse
import json
import sys

from ..engine import RULES
from ..errors import InputError
from ..presets import preset, preset_names
from ..words import WordList, parse_word_text, read_words_file

__all__ = ["add_word_args", "add_threshold_args", "word_list_from_args", "threshold_kwargs", "print_json"]


def add_word_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("words (one of)")
    g.add_argument("--words", help='comma/space separated words, e.g. "cat,dog,car"')
    g.add_argument("--words-file", metavar="PATH", help="a .txt word list or a .csv of category,word lines")
    g.add_argument("--preset", help=f"a preset word list: {', '.join(preset_names())}")


def add_threshold_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rule", choices=RULES, default="seed", help="threshold rule (default: seed)")
    p.add_argument("--k", type=float, default=1.0, help="T = median + k*std (default 1)")
    p.add_argument("--value", type=float, help="the threshold of the fixed rule")


def word_list_from_args(args: argparse.Namespace) -> WordList:
    given = [x for x in (args.words, args.words_file, args.preset) if x is not None]
    if len(given) > 1:
        raise InputError("give only one of --words, --words-file, --preset")
    if args.preset is not None:
        return preset(args.preset)
    if args.words_file is not None:
        return read_words_file(args.words_file)
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
