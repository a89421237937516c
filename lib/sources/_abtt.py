"""``abtt:SPEC[,top=D,rows=R]``: all-but-the-top (Mu & Viswanath 2018), a post-processed source.

The mean of the first R vocabulary rows of SPEC is subtracted from every
row, and then the row's components along the top D principal directions of
those R centred rows are removed: x -> (x - mu) - V V^T (x - mu), with V the
d x D matrix of the leading eigenvectors of the centred rows' covariance
(computed in float64). Defaults: R = min(vocabulary, 50,000), D = max(1,
round(d / 100)) with halves rounded up (1 for d < 150). The estimate is made
once, on first use, from the base's vocabulary order (the most frequent
words for word-vector sources, token ids for transformer sources). The map
is linear, so a word that is the mean of its tokens' rows is the mean of
the processed rows.

A base without a fixed vocabulary (``random``) is refused: the mean and the
directions would depend on which words were looked up, so the same word
would get a different vector in a different word list. Random N(0, 1)
vectors are isotropic to begin with, and all-but-the-top has nothing to
remove from them.

The last ``,top=`` and ``,rows=`` belong to ``abtt``: in
``abtt:shuffled:glove,seed=1,top=2`` the seed is the shuffle's.
"""

from __future__ import annotations

import threading

import numpy as np

from ..errors import SourceError, SpecError
from ._cache import Progress
from ._vocab import DerivedVocabSource, VocabSource
from .base import Source
from .spec import ParsedSpec, SourceKind, build_parsed, parse_spec, split_trailing_options

__all__ = ["AbttSource", "abtt_source", "default_top", "DEFAULT_ROWS", "KIND"]

#: Vocabulary rows the mean and directions are estimated from, at most.
DEFAULT_ROWS = 50_000
_OPTIONS = {"top": int, "rows": int}


def default_top(dim: int) -> int:
    """D = max(1, round(d / 100)), halves up.

    >>> default_top(50), default_top(300), default_top(384), default_top(768)
    (1, 3, 4, 8)
    """
    return max(1, int(dim / 100 + 0.5))


class AbttSource(DerivedVocabSource):
    """The rows of a :class:`VocabSource` with the mean and the top D principal directions removed."""

    def __init__(self, base: VocabSource, *, top: int | None = None, rows: int | None = None):
        d, n = int(base.dim), int(base.n_rows)
        top = default_top(d) if top is None else int(top)
        rows = min(n, DEFAULT_ROWS) if rows is None else int(rows)
        if top >= d:
            raise SpecError(f"abtt: top={top} must be smaller than the dimension of {base.spec} ({d})")
        if rows > n:
            raise SourceError(f"abtt: rows={rows:,} but {base.spec} has only {n:,} vocabulary rows")
        if rows <= top:
            raise SourceError(f"abtt: needs more than top={top} rows to estimate {top} direction(s), got {rows:,}")
        super().__init__(base)
        self.top, self.fit_rows = top, rows
        self.spec = f"abtt:{base.spec},top={top},rows={rows}"
        self.name = f"{base.name}, all-but-the-top (D={top})"
        self._lock = threading.Lock()
        self._fit: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def fit(self) -> tuple[np.ndarray, np.ndarray]:
        """The float64 mean (d,) and the top directions (d, D), estimated on first use."""
        if self._fit is None:
            with self._lock:
                if self._fit is None:
                    _, ids = self.base.vocab_units(self.fit_rows)
                    x = np.asarray(self.base.rows(ids), dtype=np.float64)
                    mean = x.mean(axis=0)
                    x -= mean
                    _, vectors = np.linalg.eigh(x.T @ x)
                    self._fit = (mean, np.ascontiguousarray(vectors[:, ::-1][:, : self.top]))
        return self._fit

    def rows(self, ids: np.ndarray) -> np.ndarray:
        mean, directions = self.fit
        x = np.asarray(self.base.rows(ids), dtype=np.float64) - mean
        x -= (x @ directions) @ directions.T
        return x.astype(np.float32)


def _parse(arg: str | None, allow_paths: bool) -> ParsedSpec:
    if not arg:
        raise SpecError("abtt needs a source: abtt:SPEC[,top=D,rows=R]")
    base_spec, options = split_trailing_options(arg, _OPTIONS, kind="abtt")
    if options.get("top", 1) < 1:
        raise SpecError(f"abtt: top must be at least 1, got {options['top']}")
    if options.get("rows", 2) < 2:
        raise SpecError(f"abtt: rows must be at least 2, got {options['rows']}")
    base = parse_spec(base_spec, allow_paths=allow_paths)
    if base.kind is not None and base.kind.prefix == "random":
        raise SpecError("abtt: random vectors have no vocabulary to estimate the mean and directions from")
    return ParsedSpec(head=base_spec, options=options, base=base)


def abtt_source(parsed: ParsedSpec, *, progress: Progress | None = None) -> Source:
    """Build a parsed ``abtt:SPEC[,top=D,rows=R]``: the base source, post-processed."""
    assert parsed.base is not None, "a parsed abtt SPEC has its base"
    base = build_parsed(parsed.base, progress=progress)
    if not isinstance(base, VocabSource):
        raise SourceError(f"abtt: {base.spec} has no fixed vocabulary to estimate the mean and directions from")
    return AbttSource(base, top=parsed.options.get("top"), rows=parsed.options.get("rows"))


KIND = SourceKind(
    prefix="abtt",
    forms=("abtt:SPEC[,top=D,rows=R]",),
    description="All-but-the-top: SPEC with its mean and top D principal directions removed",
    parse=_parse,
    build=lambda parsed, progress: abtt_source(parsed, progress=progress),
    offline=lambda: None,
)
