"""Cosine Rings: ring graphs of cosine similarities in embedding spaces.

Pure Python and numpy; the Streamlit pages only call into this package.
The public names below are imported on first use, so ``import lib.words``
(or any one module) does not load the engine, pandas or the source backends.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> the module (relative to this package) that defines it.
_HOMES = {
    "RingGraph": ".engine",
    "cosine_matrix": ".engine",
    "ring_graph": ".engine",
    "threshold_for": ".engine",
    "CosineRingsError": ".errors",
    "InputError": ".errors",
    "SourceError": ".errors",
    "SpecError": ".errors",
    "VectorFileError": ".errors",
    "GraphResult": ".graph",
    "build_graph": ".graph",
    "graph_to_dict": ".graph",
    "load_source": ".sources",
    "WordList": ".words",
}

__all__ = [
    "RingGraph",
    "GraphResult",
    "WordList",
    "CosineRingsError",
    "InputError",
    "SourceError",
    "SpecError",
    "VectorFileError",
    "build_graph",
    "cosine_matrix",
    "graph_to_dict",
    "load_source",
    "ring_graph",
    "threshold_for",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'lib' has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
