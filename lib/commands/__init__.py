"""Subcommands of ``python -m lib``; each module has ``register(subparsers)``."""
from . import graph, sources

#: Registered in this order in ``--help``.
MODULES = [graph, sources]
