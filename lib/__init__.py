"""Cosine Rings: ring graphs of cosine similarities in embedding spaces.

Pure Python and numpy; the Streamlit pages only call into this package.
"""
from .engine import RingGraph, cosine_matrix, ring_graph, threshold_for
from .errors import CosineRingsError, InputError, SourceError, SpecError, VectorFileError
from .graph import GraphResult, build_graph, graph_to_dict
from .sources import load_source
from .words import WordList

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
