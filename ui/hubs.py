"""Helpers of the Hubs page: cached vocabulary matrices, runs with progress, hub tables.

A run shows an ``st.progress`` bar with an ETA. It is cancelled by the
page's Cancel button: the click makes Streamlit rerun the script, which
stops the running script at its next progress update (the engine writes
nothing to the cache until a run has finished).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from lib.hubs import HubResult, strongest_neighbours
from lib.hubs.store import cached_hubs, hubs_for, vocabulary_matrix
from lib.sources import paths_allowed

from .cached import get_source
from .text import plain

__all__ = ["SERIES", "RunKey", "TokenFilter", "vocabulary", "cached_runs", "compute_runs", "hub_table", "find_token"]

#: Series of the page: label -> baseline of :func:`lib.hubs.store.hubs_for`.
SERIES = {"source": None, "random": "random", "shuffled": "shuffled"}

#: (spec, N, rule, k, value): what a run of the page depends on.
RunKey = tuple


@st.cache_resource(show_spinner=False, max_entries=2)
def vocabulary(spec: str, n: int) -> tuple[list[str], np.ndarray]:
    """The first ``n`` tokens of ``spec`` and their rows (shared by all sessions)."""
    return vocabulary_matrix(spec, n, allow_paths=paths_allowed(), loader=get_source)


def cached_runs(key: RunKey) -> dict[str, HubResult | None]:
    """The cached result of every series for ``key`` (None where not computed yet)."""
    spec, n, rule, k, value = key
    return {
        label: cached_hubs(spec, n, rule=rule, k=k, value=value, baseline=base, allow_paths=paths_allowed())
        for label, base in SERIES.items()
    }


def _progress(slot, label: str):
    start = time.perf_counter()

    def update(done: int, total: int) -> bool:
        elapsed = time.perf_counter() - start
        eta = f", about {elapsed / done * (total - done):.0f} s left" if done else ""
        slot.progress(done / max(total, 1), text=f"{label}: block {done} of {total}{eta}")
        return True

    return update


def compute_runs(key: RunKey, have: dict[str, HubResult | None]) -> dict[str, HubResult]:
    """Compute the missing series of ``key`` one after the other, each with a progress bar."""
    spec, n, rule, k, value = key
    tokens, vectors = vocabulary(spec, n)
    out = dict(have)
    missing = [label for label, r in have.items() if r is None]
    for step, label in enumerate(missing, 1):
        slot = st.empty()
        out[label] = hubs_for(
            spec,
            n,
            rule=rule,
            k=k,
            value=value,
            baseline=SERIES[label],
            matrix=(tokens, vectors),
            allow_paths=paths_allowed(),
            progress=_progress(slot, f"{label} ({step} of {len(missing)})"),
        )
        slot.empty()
    return out


@dataclass(frozen=True)
class TokenFilter:
    """Which tokens the hub table shows: letters only, no stop-words, a minimum length."""

    alphabetic: bool = False
    stop_words: bool = False
    min_length: int = 1

    def keeps(self, token: str) -> bool:
        if len(token) < self.min_length or (self.alphabetic and not token.isalpha()):
            return False
        return not (self.stop_words and token.lower() in _stop_words())


def _stop_words() -> frozenset[str]:
    # Imported here: sklearn loads only when the filter is asked for.
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


def hub_table(
    result: HubResult, spec: str, n: int, top: int = 15, neighbours: int = 5, keep: TokenFilter | None = None
) -> pd.DataFrame:
    """The ``top`` hubs of ``result`` (the first ``n`` entries of ``spec``) with their strongest neighbours.

    With ``keep``, only tokens it keeps are listed (their ranks stay those among all tokens).
    """
    tokens, vectors = vocabulary(spec, n)
    table = result.top(result.n if keep else top)
    if keep is not None:
        table = table[[keep.keeps(t) for t in table["token"]]].head(top).reset_index(drop=True)
    rows = [result.tokens.index(t) for t in table["token"]] if len(table) else []
    near = strongest_neighbours(tokens, vectors, rows, n=neighbours)
    table["strongest neighbours"] = [", ".join(f"{w} ({c:.2f})" for w, c in row) for row in near]
    return table


def find_token(result: HubResult, token: str) -> str:
    """One line about ``token``'s degree and rank, or why there is none."""
    token = token.strip()
    if not token:
        return ""
    try:
        i = result.tokens.index(token)
    except ValueError:
        return f"{plain(token, 60)} is not among the first {result.n:,} tokens."
    deg, rank = int(result.degree[i]), int(result.rank[i])
    share = deg / max(result.n - 1, 1)
    return (
        f"**{plain(token, 60)}** (entry {i + 1:,}): degree **{deg:,}** ({share:.1%} of the other tokens), "
        f"rank **{rank:,}** of {result.n:,}."
    )
