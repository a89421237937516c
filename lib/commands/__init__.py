"""Subcommands of ``python -m lib``; each module has ``register(subparsers)``.

Modules are imported only when needed: a command imports its own module
alone, so ``export`` or ``graph`` never pay for scipy or networkx start-up.
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: Subcommand names, in the order ``--help`` lists them.
NAMES = ("graph", "sources", "export", "compare", "null", "hubs", "neighbours", "matrix", "prepare", "card")


def load(name: str) -> ModuleType:
    """Import the module of subcommand ``name``."""
    return importlib.import_module(f"{__name__}.{name}")
