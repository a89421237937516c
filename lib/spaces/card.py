"""The space card of one source: hubness, anisotropy and word benchmarks together.

:func:`space_card` reads the first ``max(top, 300,000)`` vocabulary entries
once: the first ``top`` rows (default 10,000) give the hubness and the
anisotropy, the first 300,000 (gensim's ``restrict_vocab``) the benchmarks.

Which words count for the benchmarks is the source's vocabulary: a word is
found when it is one vocabulary entry (compared upper-cased, as gensim
does). For a token source (minilm, gpt2, ``hf:``) that means a single token
of the checkpoint's vocabulary, with the source's leading-space convention;
a word the tokenizer splits is not used (the source's ``multi=`` rule is
for word lists, not for the benchmarks), and the card's coverage
(``pairs_used / pairs_total``, ``questions_used / questions_total``) shows
how many words that leaves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from ..sources import Source
from .anisotropy import Anisotropy, anisotropy
from .benchmarks import (
    BENCHMARKS,
    PAIR_FILES,
    RESTRICT_VOCAB,
    BenchVocabulary,
    benchmark_path,
    benchmark_words,
    check_benchmarks,
    evaluate_analogies,
    evaluate_pairs,
)
from .hubness import DEFAULT_KS, Hubness, hubness

__all__ = ["DEFAULT_TOP", "SpaceCard", "space_card", "check_card_args", "vocabulary_rule"]

#: Vocabulary rows of the hubness and anisotropy by default.
DEFAULT_TOP = 10_000

#: Vocabulary rows read at once.
_READ_CHUNK = 32_768

#: ``progress(stage, done, total)``: stage "hubness" or "analogies".
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class SpaceCard:
    """Everything a card shows about one source (``counts[k]``: N_k of the first ``rows`` words)."""

    source: str
    name: str
    dim: int
    rows: int
    words: tuple[str, ...]
    hubness: dict[int, Hubness]
    anisotropy: Anisotropy
    benchmarks: dict[str, dict]
    rule: str
    timings: dict = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict:
        """The card as JSON-ready numbers (no per-word counts)."""
        return {
            "source": self.source,
            "name": self.name,
            "dim": self.dim,
            "rows": self.rows,
            "hubness": {str(k): h.to_dict() for k, h in self.hubness.items()},
            "anisotropy": self.anisotropy.to_dict(),
            "benchmarks": self.benchmarks,
            "benchmark_words": self.rule,
        }


def vocabulary_rule(source: Source) -> str:
    """Which words count for the benchmarks of ``source`` (see the module notes)."""
    from ..sources import TransformerSource

    inner = source
    while not isinstance(inner, TransformerSource) and getattr(inner, "base", None) is not None:
        inner = inner.base
    if isinstance(inner, TransformerSource):
        return (
            "a word counts when it is one token of the checkpoint's vocabulary "
            "(with the source's leading space); split words are not used"
        )
    return f"a word counts when it is among the first {RESTRICT_VOCAB:,} vocabulary entries (case-insensitive)"


def _vocabulary(source: Source, limit: int) -> tuple[list[str], np.ndarray]:
    """The first ``limit`` entries and their float32 rows, read in chunks into one array (no full-size temporaries)."""
    from ..sources import VocabSource

    if not isinstance(source, VocabSource):
        return source.vocabulary(limit)  # raises SourceError for a source without a vocabulary
    words, ids = source.vocab_units(limit)
    out = np.empty((len(ids), source.dim), dtype=np.float32)
    for start in range(0, len(ids), _READ_CHUNK):
        out[start : start + _READ_CHUNK] = source.rows(ids[start : start + _READ_CHUNK])
    return words, out


def check_card_args(top: int, ks: Sequence[int], benchmarks: Sequence[str]) -> tuple[int, tuple[int, ...], tuple]:
    """Validate N, the k values and the benchmark names before anything is loaded."""
    names = check_benchmarks(list(benchmarks))
    ks = tuple(sorted({int(k) for k in ks}))
    if not ks or ks[0] < 1:
        raise InputError(f"--k values must be at least 1, got {', '.join(map(str, ks)) or 'none'}")
    if int(top) <= ks[-1]:
        raise InputError(f"--top must be larger than the largest k ({ks[-1]}), got {top}")
    return int(top), ks, names


def space_card(
    source: Source,
    *,
    top: int = DEFAULT_TOP,
    ks: Sequence[int] = DEFAULT_KS,
    benchmarks: Sequence[str] = BENCHMARKS,
    progress: Progress | None = None,
) -> SpaceCard:
    """The card of ``source`` (a source with a vocabulary; others raise SourceError)."""
    import time

    top, ks, names = check_card_args(top, ks, benchmarks)
    t0 = time.perf_counter()
    # Two phases, one after the other: the hubness rows first, then the benchmark vocabulary (the first
    # 300,000 rows). The first N rows are read twice (a few MB) so the two never share memory.
    words, head = _vocabulary(source, top)
    if len(words) < top:
        raise InputError(f"{source.spec} has {len(words):,} vocabulary entries, fewer than --top {top:,}")
    t1 = time.perf_counter()
    hub = hubness(head, words[:top], ks, progress=None if progress is None else lambda d, t: progress("hubness", d, t))
    shape = anisotropy(head)
    del head
    t2 = time.perf_counter()
    scores: dict[str, dict] = {}
    if names:
        bench_words, vectors = _vocabulary(source, RESTRICT_VOCAB)
        vocab = BenchVocabulary(bench_words, vectors, only=benchmark_words(names))
        for name in names:
            path = benchmark_path(name)
            if name in PAIR_FILES:
                scores[name] = evaluate_pairs(vocab, path)
            else:
                step = None if progress is None else (lambda d, t: progress("analogies", d, t))
                scores[name] = evaluate_analogies(vocab, path, progress=step)
    t3 = time.perf_counter()
    return SpaceCard(
        source=source.spec,
        name=source.name,
        dim=int(source.dim),
        rows=top,
        words=tuple(words[:top]),
        hubness=hub,
        anisotropy=shape,
        benchmarks=scores,
        rule=vocabulary_rule(source),
        timings={"load_s": t1 - t0, "hubness_s": t2 - t1, "benchmarks_s": t3 - t2},
    )
