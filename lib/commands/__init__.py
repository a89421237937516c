"""Subcommands of ``python -m lib``; each module has ``register(subparsers)``."""
from . import compare, export, graph, hubs, null, sources

#: Registered in this order in ``--help``.
MODULES = [graph, sources, compare, null, export, hubs]
