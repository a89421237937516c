"""The command line: ``python -m lib SUBCOMMAND ...``.

Errors the user can fix print one line on stderr and exit with code 2.
"""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from .commands import MODULES
from .errors import CosineRingsError

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lib",
        description="Cosine Rings: ring graphs of cosine similarities between words in embedding spaces.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CosineRingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
