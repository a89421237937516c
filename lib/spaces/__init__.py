"""Know a space before comparing it: hubness, anisotropy and word benchmarks (the space card).

- :mod:`lib.spaces.hubness`: k-occurrence N_k and its skewness, hubs, antihubs, Robin Hood index.
- :mod:`lib.spaces.anisotropy`: mean pairwise cosine, first-component share, participation ratio.
- :mod:`lib.spaces.benchmarks`: WordSim-353, SimLex-999 and the Google analogies, as gensim scores them.
- :mod:`lib.spaces.card`: :func:`space_card`, all of them for one source.
- :mod:`lib.spaces.store`: :func:`card_for`, cards kept in a disk cache by content key.
"""

from __future__ import annotations

from .anisotropy import Anisotropy, anisotropy
from .benchmarks import BENCHMARKS, RESTRICT_VOCAB, BenchVocabulary, evaluate_analogies, evaluate_pairs
from .card import DEFAULT_TOP, SpaceCard, space_card, vocabulary_rule
from .hubness import DEFAULT_KS, Hubness, hubness
from .store import cached_card, card_for, card_key

__all__ = [
    "Anisotropy",
    "BENCHMARKS",
    "BenchVocabulary",
    "DEFAULT_KS",
    "DEFAULT_TOP",
    "SpaceCard",
    "cached_card",
    "card_for",
    "card_key",
    "space_card",
    "vocabulary_rule",
    "Hubness",
    "RESTRICT_VOCAB",
    "anisotropy",
    "evaluate_analogies",
    "evaluate_pairs",
    "hubness",
]
