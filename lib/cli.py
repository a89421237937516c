"""The command line: ``python -m lib SUBCOMMAND ...``.

Errors the user can fix print one line on stderr and exit with code 2; so
does running out of memory (a request too large for this machine).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence

from .commands import NAMES, load
from .errors import CosineRingsError

__all__ = ["main", "build_parser", "help_text"]


def help_text(doc: str | None) -> str | None:
    """A docstring as ``--help`` shows it: without reST's double backticks and roles.

    >>> help_text("``python -m lib graph``: see :mod:`lib.engine`.")
    'python -m lib graph: see lib.engine.'
    """
    return None if doc is None else re.sub(r":\w+:`([^`]*)`", r"\1", doc).replace("``", "")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``only``, just that subcommand is registered (faster start)."""
    parser = argparse.ArgumentParser(
        prog="python -m lib",
        description="Cosine Rings: ring graphs of cosine similarities between words in embedding spaces.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in (only,) if only in NAMES else NAMES:
        load(name).register(sub)
    for command in sub.choices.values():  # descriptions are the modules' docstrings
        command.description = help_text(command.description)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(only=command)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CosineRingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except MemoryError:
        # Allocation sizes come from the request (words, dimension, --top): say so in one line.
        print(
            "error: not enough memory for this request; use fewer words, a smaller dimension or a smaller --top",
            file=sys.stderr,
        )
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
