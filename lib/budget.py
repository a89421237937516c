"""The work budget: what a computation will cost, from its sizes alone, checked before it starts.

Every computation a link or one click can start is estimated here from the
numbers that drive it (words n, dimension d, vocabulary rows N, Mantel
permutations, null draws, heatmap cells, training options), before anything
is allocated. Over the budget, :func:`check` raises :class:`BudgetError`
naming what it would need and the largest setting that fits, so the page
can offer that and the command line can point at ``--allow-large``.

The constants are fitted by ``bench/bench_budget.py`` (peak resident memory
and wall time of the real functions at several sizes, on the 2-core
reference machine; docs/benchmarks.md, "Work budget") and rounded up, so an
estimate is an upper bound of the measurement.

The default budget (:data:`DEFAULT_MB`, :data:`DEFAULT_SECONDS`) keeps the
server under 1 GB with 8 sessions: one budgeted request at its limit plus
the server's steady state. ``COSINE_RINGS_BUDGET_MB`` and
``COSINE_RINGS_BUDGET_S`` change it for a deployment.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from .errors import BudgetError

__all__ = [
    "Cost",
    "Budget",
    "DEFAULT_MB",
    "DEFAULT_SECONDS",
    "AUTO_SECONDS",
    "MAX_HEATMAP_CELLS",
    "LEE_WORDS",
    "UNLIMITED",
    "default_budget",
    "graph_cost",
    "edge_share",
    "edges_within",
    "louvain_cost",
    "check_louvain",
    "compare_cost",
    "null_cost",
    "neighbours_cost",
    "matrix_cost",
    "check_matrix",
    "check_neighbours",
    "card_cost",
    "check_card",
    "hubs_cost",
    "heatmap_cost",
    "train_cost",
    "check",
    "largest",
    "check_graph",
    "check_compare",
    "check_null",
    "check_hubs",
    "check_train",
    "load_cost",
    "check_load",
    "measures_cost",
    "check_measures",
    "check_compare_measures",
]

#: Extra memory (MB) one request may allocate on top of what the server holds.
DEFAULT_MB = 200
#: Seconds of work one request may start (estimated on the reference machine).
DEFAULT_SECONDS = 60.0
#: Work estimated above this many seconds waits for a button press in the app.
AUTO_SECONDS = 5.0
#: Heatmap cells (n x n) sent to the browser per chart; larger lists are not drawn as heatmaps.
MAX_HEATMAP_CELLS = 90_000
#: Bytes of corpus text per token, to estimate a corpus file's tokens from its size.
CORPUS_BYTES_PER_WORD = 6
#: Tokens of the Lee corpus that ships with gensim (``word2vec-train:lee``).
LEE_WORDS = 58_152
_MB = 1_000_000

# Fitted constants (bench/bench_budget.py), each rounded up.
_VECTOR_BYTES = 24.0  # per word x dimension: float64 rows, the unit copy, a float32 copy
_PAIR_BYTES = 30.0  # per word pair of the n x n graph: similarity, mask, triangle, sort
_EDGE_BYTES = 90.0  # per edge: its indices, the sort, the edge table (2,000 words, every pair an edge: 108/pair)
_HELD_PAIR_BYTES = 18.0  # per pair of a finished graph: similarity and mask (kept while its page runs)
_HELD_EDGE_BYTES = 30.0  # per edge of a finished graph: its edge table
_BASE_BYTES = 8 * _MB  # per computation: tables, temporaries
_RANDOM_S = 1.2e-8  # per number drawn from N(0, 1)
_FLOP_S = 5.0e-10  # per multiply-add of a float64 product
_PAIR_S = 1.2e-6  # per word pair: sorting for the median, edges, layout
_MANTEL_S = 7.0e-8  # per permuted pair value of the Mantel test
_COMPARE_PAIR_S = 2.0e-5  # per pair: ranks, the pair table and edge lists
_COMPARE_PAIR_BYTES = 60.0  # per pair: the pair table (categorical quadrant), its edge-list copies, ranks
_DRAW_S = 0.01  # per null draw: statistics of one random and one shuffled space
_NULL_PAIR_S = 1.0e-5  # per pair and null draw: threshold, communities
_MATRIX_MANTEL_S = 5.0e-9  # per permuted pair value and pair of sources, index sets shared (bench_matrix)
_MANTEL_BYTES = 8 * 4_000_000 * 3  # one chunk of permuted values (the test's own cap) and its indices
_LOUVAIN_S = 2.0e-4  # per edge of one Louvain run and its modularity (networkx; 400 words, every pair an edge)
_LOUVAIN_BYTES = 700.0  # per edge of one networkx graph (measured 530 to 650)
_EDGE_SHARE = 0.17  # share of pairs the seed rule keeps
_HUB_BYTES = 20.0  # per row x dimension: float32 rows, unit rows, a baseline copy, gathers
_HUB_BLOCK_BYTES = 24.0  # per cell of a block x block product and its work arrays
_HUB_START_S = 1.0  # per run: preparing the unit rows and the Gram matrix
_HUB_FLOP_S = 2.0e-11  # per float32 multiply-add of the blockwise products (BLAS)
_HUB_PAIR_S = 1.0e-8  # per pair: threshold passes over the blocks
_KNN_ROW_BYTES = 12.0  # per row x dimension and space: float32 rows, unit rows, a gather
_KNN_BLOCK_BYTES = 12.0  # per cell of a block x block product and its top-k work
_KNN_START_S = 0.2  # per space: unit rows
_KNN_PAIR_S = 4.0e-9  # per pair and space: the top-k selection and the float64 settling
_SHIFT_DD_BYTES = 40.0  # per d x d cell: the Procrustes matrix, its SVD factors, the PCA product
_SVD_S = 1.0e-9  # per d^3 of the d x d SVD (LAPACK)
_ANALOGY_QUESTIONS = 19_544  # questions-words.txt
_ANALOGY_MAC_S = 1.5e-10  # per question x vocabulary row x dimension: the float32 block products (bench_card)
_CARD_ROW_BYTES = 600.0  # per benchmark vocabulary word: string, upper-case form, index entry, reading (bench_card)
_CARD_BLOCK_BYTES = 24 * _MB  # one 1024 x 4096 float32 product block, its comparisons, the bootstrap ranks
_TRAIN_START_S = 3.0  # importing gensim, building the vocabulary
_TRAIN_TOKEN_S = 8.0e-6  # per corpus word x epoch
_TRAIN_S = 6.0e-10  # per corpus word x epoch x window x dimension (one gensim worker)
_TRAIN_BYTES = 16.0  # per vocabulary word x dimension (gensim's arrays, the table)
_TRAIN_BASE_BYTES = 90 * _MB  # gensim itself


@dataclass(frozen=True)
class Cost:
    """What one computation would take: ``what`` it is, peak extra ``bytes`` and ``seconds``."""

    what: str
    bytes: float
    seconds: float
    #: Bytes its result keeps afterwards, while the page that asked for it runs (counted
    #: against the rest of that page's budget by ``ui.work``).
    held: float = 0.0

    def __add__(self, other: Cost) -> Cost:
        return Cost(
            f"{self.what} and {other.what}",
            max(self.bytes, other.bytes),
            self.seconds + other.seconds,
            self.held + other.held,
        )

    def text(self) -> str:
        """``about 1,234 MB and 56 s``."""
        return f"about {_mb(self.bytes)} and {_secs(self.seconds)}"


@dataclass(frozen=True)
class Budget:
    """The most one request may allocate (``bytes``) and spend (``seconds``)."""

    bytes: float
    seconds: float

    def allows(self, cost: Cost) -> bool:
        return cost.bytes <= self.bytes and cost.seconds <= self.seconds

    def text(self) -> str:
        return f"{_mb(self.bytes)} and {_secs(self.seconds)}"


#: No limit (the command line's ``--allow-large``).
UNLIMITED = Budget(float("inf"), float("inf"))


def _mb(x: float) -> str:
    return f"{x / 1e9:,.1f} GB" if x >= 1e9 else f"{max(x, 0) / _MB:,.0f} MB"


def _secs(x: float) -> str:
    return f"{x / 3600:,.1f} h" if x >= 3600 else f"{x / 60:,.1f} min" if x >= 120 else f"{x:,.0f} s"


def _env_number(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, "") or default)
    except ValueError:
        return default
    return value if value > 0 else default


def default_budget() -> Budget:
    """The budget of this process: ``COSINE_RINGS_BUDGET_MB`` / ``_S`` or the defaults (read now)."""
    return Budget(
        _env_number("COSINE_RINGS_BUDGET_MB", DEFAULT_MB) * _MB, _env_number("COSINE_RINGS_BUDGET_S", DEFAULT_SECONDS)
    )


def _pairs(n: int) -> float:
    return max(int(n), 0) * (max(int(n), 0) - 1) / 2


def edge_share(rule: str = "seed", k: float = 1.0) -> float:
    """The share of pairs a rule is expected to keep before the cosines are known.

    For the seed and course rules, the upper tail of a normal distribution
    above median + k·std (at least 2 %, at most all pairs); the fixed rule's
    share depends on the space alone, so it is 0 here and the edges are
    counted after thresholding (``max_edges`` of :func:`lib.graph.build_graph`).

    >>> round(edge_share("seed", 1.0), 3)
    0.159
    >>> edge_share("fixed")
    0.0
    """
    if rule == "fixed":
        return 0.0
    from math import erf, sqrt

    return min(1.0, max(0.02, 0.5 * (1 - erf(float(k) / sqrt(2)))))


def graph_cost(n: int, d: int, edges: float | None = None) -> Cost:
    """One ring graph: n words looked up at dimension d, their n x n cosines, threshold and ``edges`` edges.

    ``edges`` defaults to the seed rule's share of the pairs (:data:`_EDGE_SHARE`).
    """
    n, d = max(int(n), 0), max(int(d), 1)
    edges = _pairs(n) * _EDGE_SHARE if edges is None else max(float(edges), 0.0)
    bytes_ = _BASE_BYTES + n * d * _VECTOR_BYTES + _pairs(n) * _PAIR_BYTES + edges * _EDGE_BYTES
    seconds = n * d * _RANDOM_S + n * n * d * _FLOP_S + _pairs(n) * _PAIR_S
    held = _pairs(n) * _HELD_PAIR_BYTES + edges * _HELD_EDGE_BYTES
    return Cost(f"a ring graph of {n:,} words at {d:,} dimensions", bytes_, seconds, held)


def edges_within(n: int, d: int, budget: Budget | None = None) -> int:
    """The most edges a ring graph of n words at dimension d may have within ``budget`` (-1: none fits).

    >>> edges_within(100, 50) == 100 * 99 // 2  # every pair fits
    True
    """
    budget = budget or default_budget()
    bare = graph_cost(n, d, edges=0)
    if not budget.allows(bare):
        return -1
    room = budget.bytes - max(bare.bytes, bare.held)
    return int(min(room / _EDGE_BYTES, _pairs(n)) if room != float("inf") else _pairs(n))


def louvain_cost(edges: float, runs: int = 1) -> Cost:
    """``runs`` Louvain runs (networkx, with their modularity) on graphs of ``edges`` edges each."""
    edges, runs = max(float(edges), 0.0), max(int(runs), 1)
    return Cost(
        f"{runs} Louvain run(s) on {edges:,.0f} edges", _BASE_BYTES + edges * _LOUVAIN_BYTES, runs * edges * _LOUVAIN_S
    )


def check_louvain(edges: float, runs: int = 1, budget: Budget | None = None) -> Cost:
    """:func:`check` Louvain runs (the community order, the comparison's communities)."""
    return check(louvain_cost(edges, runs), budget, instead="raise the threshold or use fewer words")


def _louvain(n: int, edges: float | None = None) -> tuple[float, float]:
    edges = _pairs(n) * _EDGE_SHARE if edges is None else edges
    return edges * _LOUVAIN_BYTES, edges * _LOUVAIN_S


def compare_cost(n: int, permutations: int, edges: tuple[float, float] | None = None) -> Cost:
    """The comparison analytics of two n-word rings: Mantel test, communities of both, edge lists.

    ``edges`` are the two rings' edge counts (default: the seed rule's share
    of the pairs each); Louvain runs on each ring in turn.
    """
    pairs = _pairs(n)
    edges = (pairs * _EDGE_SHARE,) * 2 if edges is None else edges
    louvain_bytes, _ = _louvain(n, max(edges))
    mantel_bytes = min(_MANTEL_BYTES, max(int(permutations), 1) * pairs * 24)
    bytes_ = _BASE_BYTES + pairs * _COMPARE_PAIR_BYTES + sum(edges) * 40 + max(mantel_bytes, louvain_bytes)
    seconds = max(int(permutations), 0) * pairs * _MANTEL_S + pairs * _COMPARE_PAIR_S + sum(edges) * _LOUVAIN_S
    return Cost(f"comparing two rings of {n:,} words ({int(permutations):,} permutations)", bytes_, seconds)


def matrix_cost(n: int, sources: int, permutations: int, edges: float | None = None) -> Cost:
    """Every pair of ``sources`` n-word rings compared (the Many sources page, ``python -m lib matrix``).

    The pairs share the permuted index sets of one Mantel run, so a pair
    costs far less than a :func:`compare_cost` (see docs/benchmarks.md).
    ``edges`` is the largest ring's edge count (default: the seed rule's
    share); each ring gets one Louvain run.
    """
    pairs, k = _pairs(n), max(int(sources), 2)
    edges = pairs * _EDGE_SHARE if edges is None else edges
    louvain_bytes, louvain_s = _louvain(n, edges)
    bytes_ = _BASE_BYTES + k * pairs * 3 * 8 + max(_MANTEL_BYTES, louvain_bytes)
    seconds = (
        max(int(permutations), 0) * pairs * (k * (k - 1) / 2) * _MATRIX_MANTEL_S
        + k * pairs * _COMPARE_PAIR_S / 2
        + k * louvain_s
    )
    return Cost(f"comparing {k} rings of {n:,} words pairwise ({int(permutations):,} permutations)", bytes_, seconds)


def null_cost(n: int, d: int, draws: int, edges: float | None = None) -> Cost:
    """K random and K shuffled null spaces of n words at dimension d, each with its communities.

    ``edges``: the edges of one null ring (default: the seed rule's share);
    the fixed rule keeps as many pairs in a null space as its value allows.
    """
    n, d, draws = max(int(n), 0), max(int(d), 1), max(int(draws), 0)
    louvain_bytes, louvain_s = _louvain(n, edges)
    extra_s = max(0.0, louvain_s - _louvain(n)[1])  # Louvain beyond the seed rule's share (in _NULL_PAIR_S)
    together = min(draws, max(1, 4_000_000 // max(1, n * d)))  # draws made at once (4M numbers)
    bytes_ = _BASE_BYTES + together * (n * d * 16 + n * n * 56) + louvain_bytes
    per_draw = _DRAW_S + n * d * _RANDOM_S + n * n * d * _FLOP_S + _pairs(n) * _NULL_PAIR_S + 2 * extra_s
    return Cost(f"{draws:,} null draws of {n:,} words at {d:,} dimensions", bytes_, draws * per_draw)


def hubs_cost(rows: int, d: int, block: int = 2048, runs: int = 1) -> Cost:
    """``runs`` exact hub runs over ``rows`` vocabulary rows at dimension d, blockwise."""
    rows, d = max(int(rows), 0), max(int(d), 1)
    b = min(int(block), rows)
    bytes_ = _BASE_BYTES + 8.0 * d * d + rows * d * _HUB_BYTES + b * d * 8 + b * b * _HUB_BLOCK_BYTES + rows * 64
    seconds = runs * (_HUB_START_S + _pairs(rows) * (2 * d * _HUB_FLOP_S + _HUB_PAIR_S) + d * d * rows * _HUB_FLOP_S)
    return Cost(f"hubs over {rows:,} rows at {d:,} dimensions", bytes_, seconds)


def neighbours_cost(rows: int, d: int, k: int, runs: int = 3, block: int = 2048) -> Cost:
    """Exact k nearest neighbours of ``rows`` shared words in ``runs`` spaces (A, B and the shuffled null).

    ``d`` is the larger of the two dimensions. Calibrated on the 2-core
    reference machine (``compare_neighbourhoods`` with its null: glove and
    minilm at 10,000 words took 1.3 s and 80 MB over the loaded sources;
    glove at 20,000 words, 3.1 s), and rounded up.
    """
    rows, d, k = max(int(rows), 0), max(int(d), 1), max(int(k), 1)
    b = min(int(block), rows)
    bytes_ = _BASE_BYTES + 2 * rows * d * _KNN_ROW_BYTES + b * b * _KNN_BLOCK_BYTES + runs * rows * k * 24
    # The shifts and maps (lib.shifts): a Procrustes SVD (float64, three matrices) and a PCA product, each
    # d x d, or N x N in the rows' span when d > N (lib.rowspace).
    span = min(d, max(rows, 1))
    bytes_ = max(bytes_, _BASE_BYTES + _SHIFT_DD_BYTES * span * span + (8.0 * rows * d if span < d else 0.0))
    seconds = runs * (_KNN_START_S + _pairs(rows) * (d * _HUB_FLOP_S + _KNN_PAIR_S)) + _SVD_S * span**2 * d
    return Cost(f"k nearest neighbours of {rows:,} words at {d:,} dimensions", bytes_, seconds)


def card_cost(rows: int, d: int, k: int, vocabulary: int, analogies: bool = True) -> Cost:
    """A space card: exact k-NN of ``rows`` rows (the largest k) and the benchmarks over ``vocabulary`` rows.

    The analogy products take ``19,544 x vocabulary x d`` multiply-adds (bench/bench_card.py).
    """
    knn = neighbours_cost(rows, d, k, runs=1)
    vocabulary, d = max(int(vocabulary), 0), max(int(d), 1)
    b = min(2048, int(rows))
    knn_bytes = _BASE_BYTES + rows * d * _KNN_ROW_BYTES + b * b * _KNN_BLOCK_BYTES + rows * k * 24  # one space
    held = max(vocabulary, int(rows)) * d * 4.0  # the float32 rows, read in chunks and kept throughout
    bytes_ = held + max(knn_bytes, vocabulary * _CARD_ROW_BYTES + _CARD_BLOCK_BYTES)
    seconds = knn.seconds + (_ANALOGY_QUESTIONS * vocabulary * d * _ANALOGY_MAC_S if analogies else 0.0)
    return Cost(f"a space card ({rows:,} rows, {vocabulary:,} benchmark words, {d:,} dimensions)", bytes_, seconds)


def heatmap_cost(n: int) -> Cost:
    """One heatmap of n words: the JSON sent to the browser (about 8 bytes a cell)."""
    return Cost(f"a heatmap of {int(n):,} x {int(n):,} cells", 8.0 * int(n) ** 2 + 50.0 * int(n), 0.0)


def train_cost(corpus_words: int, dim: int, epochs: int, window: int, vocabulary: int | None = None) -> Cost:
    """Training Word2Vec (one worker) on ``corpus_words`` tokens with these options."""
    vocab = vocabulary if vocabulary is not None else max(1, int(corpus_words) // 8)
    seconds = _TRAIN_START_S + corpus_words * epochs * (_TRAIN_TOKEN_S + window * dim * _TRAIN_S)
    bytes_ = _TRAIN_BASE_BYTES + vocab * dim * _TRAIN_BYTES + corpus_words * 60
    return Cost(f"training Word2Vec ({dim:,} dimensions, {epochs:,} epochs, window {window:,})", bytes_, seconds)


def check(cost: Cost, budget: Budget | None = None, *, instead: str = "") -> Cost:
    """Raise :class:`BudgetError` when ``cost`` is over ``budget`` (default: :func:`default_budget`).

    ``instead`` names a smaller setting that fits. Returns ``cost``.

    Examples
    --------
    >>> check(graph_cost(20, 50)).what
    'a ring graph of 20 words at 50 dimensions'
    """
    budget = budget or default_budget()
    if budget.allows(cost):
        return cost
    raise BudgetError(
        f"{cost.what} needs {cost.text()}; the limit here is {budget.text()}" + (f"; {instead}" if instead else ""),
        cost=cost,
    )


def largest(fits: Callable[[int], bool], lo: int, hi: int) -> int:
    """The largest x in [lo, hi] with ``fits(x)`` (fits must be monotone); lo - 1 when none."""
    if not fits(lo):
        return lo - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid - 1)
    return lo


def check_graph(n: int, d: int, budget: Budget | None = None, share: float = _EDGE_SHARE) -> Cost:
    """:func:`check` one ring graph keeping ``share`` of its pairs, suggesting fewer words or a smaller dimension."""
    budget = budget or default_budget()
    words = largest(lambda m: budget.allows(graph_cost(m, d, _pairs(m) * share)), 3, max(int(n), 3))
    dims = largest(lambda m: budget.allows(graph_cost(n, m, _pairs(n) * share)), 1, max(int(d), 1))
    hints = ([f"use at most {words:,} words at this dimension"] if words >= 3 else []) + (
        [f"a dimension of at most {dims:,} for these words"] if dims >= 1 else []
    )
    return check(graph_cost(n, d, _pairs(n) * share), budget, instead=" or ".join(hints))


def check_compare(
    n: int, permutations: int, budget: Budget | None = None, edges: tuple[float, float] | None = None
) -> Cost:
    """:func:`check` the comparison analytics, suggesting fewer words (``edges``: see :func:`compare_cost`)."""
    budget = budget or default_budget()
    share = _share(n, max(edges) if edges else None)
    words = largest(lambda m: budget.allows(compare_cost(m, permutations, (_pairs(m) * share,) * 2)), 3, max(int(n), 3))
    perms = largest(lambda p: budget.allows(compare_cost(n, p, edges)), 1, max(int(permutations), 1))
    hints = ([f"use at most {words:,} words"] if words >= 3 else []) + (
        [f"at most {perms:,} permutations"] if perms >= 1 else []
    )
    if share > 0.5:
        hints.append("raise the threshold (the rule keeps most pairs as edges)")
    return check(compare_cost(n, permutations, edges), budget, instead=" or ".join(hints))


def _share(n: int, edges: float | None) -> float:
    return _EDGE_SHARE if edges is None else min(1.0, edges / max(_pairs(n), 1))


def check_matrix(
    n: int, sources: int, permutations: int, budget: Budget | None = None, edges: float | None = None
) -> Cost:
    """:func:`check` a many-source comparison, suggesting fewer words or permutations."""
    budget = budget or default_budget()
    share = _share(n, edges)
    words = largest(
        lambda m: budget.allows(matrix_cost(m, sources, permutations, _pairs(m) * share)), 3, max(int(n), 3)
    )
    perms = largest(lambda p: budget.allows(matrix_cost(n, sources, p, edges)), 1, max(int(permutations), 1))
    hints = ([f"use at most {words:,} words"] if words >= 3 else []) + (
        [f"at most {perms:,} permutations"] if perms >= 1 else []
    )
    return check(matrix_cost(n, sources, permutations, edges), budget, instead=" or ".join(hints))


def check_null(n: int, d: int, draws: int, budget: Budget | None = None, edges: float | None = None) -> Cost:
    """:func:`check` the null models, suggesting fewer draws, words or dimensions."""
    budget = budget or default_budget()
    share = _share(n, edges)
    k = largest(lambda m: budget.allows(null_cost(n, d, m, edges)), 1, max(int(draws), 1))
    words = largest(lambda m: budget.allows(null_cost(m, d, draws, _pairs(m) * share)), 3, max(int(n), 3))
    hints = ([f"at most {k:,} draws"] if k >= 1 else []) + ([f"at most {words:,} words"] if words >= 3 else [])
    return check(null_cost(n, d, draws, edges), budget, instead=" or ".join(hints))


def check_hubs(rows: int, d: int, runs: int = 1, budget: Budget | None = None) -> Cost:
    """:func:`check` a hubs computation, suggesting fewer rows (N)."""
    budget = budget or default_budget()
    fit = largest(lambda m: budget.allows(hubs_cost(m, d, runs=runs)), 3, max(int(rows), 3))
    hint = f"use at most N = {fit:,} rows at this dimension" if fit >= 3 else "use a source of smaller dimension"
    return check(hubs_cost(rows, d, runs=runs), budget, instead=hint)


def check_neighbours(rows: int, d: int, k: int, runs: int = 3, budget: Budget | None = None) -> Cost:
    """:func:`check` a neighbourhoods run, suggesting fewer shared words (N)."""
    budget = budget or default_budget()
    fit = largest(lambda m: budget.allows(neighbours_cost(m, d, k, runs=runs)), 3, max(int(rows), 3))
    hint = (
        f"use at most N = {fit:,} shared words at this dimension" if fit >= 3 else "use a source of smaller dimension"
    )
    return check(neighbours_cost(rows, d, k, runs=runs), budget, instead=hint)


def check_card(
    rows: int, d: int, k: int, vocabulary: int, analogies: bool = True, budget: Budget | None = None
) -> Cost:
    """:func:`check` a space card, suggesting fewer hubness rows (N) or leaving out the analogies."""
    budget = budget or default_budget()
    fit = largest(lambda m: budget.allows(card_cost(m, d, k, vocabulary, analogies)), k + 1, max(int(rows), k + 1))
    if fit > k:
        hint = f"use at most N = {fit:,} rows"
    elif analogies and budget.allows(card_cost(rows, d, k, vocabulary, False)):
        hint = "leave out the analogies"
    else:
        hint = "use a source with a smaller vocabulary or dimension"
    return check(card_cost(rows, d, k, vocabulary, analogies), budget, instead=hint)


def check_train(corpus_words: int, dim: int, epochs: int, window: int, budget: Budget | None = None) -> Cost:
    """:func:`check` a training run, suggesting fewer epochs or a smaller dimension."""
    budget = budget or default_budget()
    e = largest(lambda m: budget.allows(train_cost(corpus_words, dim, m, window)), 1, max(int(epochs), 1))
    dims = largest(lambda m: budget.allows(train_cost(corpus_words, m, epochs, window)), 1, max(int(dim), 1))
    hints = ([f"at most {e:,} epochs"] if e >= 1 else []) + ([f"dim at most {dims:,}"] if dims >= 1 else [])
    return check(train_cost(corpus_words, dim, epochs, window), budget, instead=" or ".join(hints))


def load_cost(spec: str) -> Cost | None:
    """What loading ``spec`` itself computes (training, for ``word2vec-train``), or None when cheap.

    Only the SPEC's options and the corpus's size are read, nothing is loaded.
    Nested SPECs (``shuffled:word2vec-train:...``) are followed.
    """
    from .errors import CosineRingsError
    from .sources import parse_spec

    try:
        parsed = parse_spec(spec)  # the loader's own parse: nested SPECs split as they load
    except CosineRingsError:
        return None  # loading reports the bad SPEC itself
    while parsed.base is not None:
        parsed = parsed.base
    if parsed.kind is None or parsed.kind.prefix != "word2vec-train":
        return None
    from .sources._train import LEE

    corpus, opts = parsed.head or LEE, parsed.options
    if corpus == LEE:
        words = LEE_WORDS
    else:
        try:
            words = os.stat(os.path.expanduser(corpus)).st_size // CORPUS_BYTES_PER_WORD
        except OSError:
            return None
    return train_cost(words, opts["dim"], opts["epochs"], opts["window"])


def check_load(spec: str, budget: Budget | None = None) -> Cost | None:
    """:func:`check` what loading ``spec`` computes (see :func:`load_cost`); None when cheap."""
    cost = load_cost(spec)
    if cost is None:
        return None
    return check(cost, budget, instead="train with fewer epochs, a smaller dim or a smaller window")


# The calibrated measures (lib/measures; bench/bench_measures.py, docs/benchmarks.md "Calibrated measures").
_RANK_BOOT_S = 1.2e-7  # per word pair and bootstrap resample of RSA (weighted midranks, no sort)
_SVD_S = 8.0e-9  # per r_a x r_b x min(r_a, r_b) of one singular-value decomposition (LAPACK gesdd)
_KNN_PERM_S = 3.0e-9  # per word x k x k of one permutation's neighbour overlap


def measures_cost(
    n: int, d_a: int, d_b: int, names: tuple[str, ...], permutations: int, bootstrap: int, nk: int = 5, pairs: int = 1
) -> Cost:
    """The calibrated measures ``names`` of ``pairs`` pairs of n-word spaces (lib.measures.calibrate).

    RSA costs what the Mantel test costs per permutation plus a pass over the
    pairs per resample; CKA and Procrustes a d_a x d_b product per permutation
    and resample (dimensions above n count as n) and, for Procrustes, its
    singular values; CKA's resamples use n x n Grams when those are smaller.
    """
    n, perms, boot = max(int(n), 0), max(int(permutations), 0), max(int(bootstrap), 0)
    r_a, r_b = min(max(int(d_a), 1), n), min(max(int(d_b), 1), n)
    word_pairs = _pairs(n)
    seconds, persistent, temporary = 0.0, n * (d_a + d_b) * 8.0 * 4, 0.0
    if "rsa_spearman" in names:
        seconds += perms * word_pairs * _MANTEL_S + boot * word_pairs * _RANK_BOOT_S
        persistent += n * n * 8.0 + word_pairs * 64
        temporary = max(temporary, _MANTEL_BYTES)
    product = n * r_a * r_b * _FLOP_S
    svd = r_a * r_b * min(r_a, r_b) * _SVD_S
    if "procrustes_angular" in names:
        seconds += (perms + boot) * (product + svd)
    cka = {"cka_linear", "cka_debiased"} & set(names)
    if cka or "procrustes_angular" in names:
        # permuted rows gathered at once (at most 8M numbers, at least one permutation's), and their products
        gathered = max(min(8e6, max(perms, 1) * n * r_b), n * r_b)
        temporary = max(temporary, 8.0 * gathered * 1.5 + n * (d_a + d_b) * 8.0)
    if cka:
        seconds += 0 if "procrustes_angular" in names else perms * product
        gram = n <= 2_500 and 5 * n < r_a * r_b + r_a * r_a + r_b * r_b  # lib.measures.products.GRAM_WORDS
        if gram and boot:
            seconds += boot * 5 * n * n * _FLOP_S
            persistent += 5 * n * n * 8.0
        else:
            seconds += boot * 3 * n * (r_a * r_b + r_a * r_a + r_b * r_b) * _FLOP_S
    if "mutual_knn" in names:
        k = max(1, min(int(nk), n - 1))
        seconds += word_pairs * (d_a + d_b) * _HUB_FLOP_S * 2 + perms * n * k * k * _KNN_PERM_S
    seconds, bytes_ = seconds * max(int(pairs), 1), _BASE_BYTES + persistent + temporary
    what = f"{len(names)} calibrated measure(s) of {n:,} words ({perms:,} permutations, {boot:,} resamples)"
    return Cost(what + (f" for {int(pairs)} pairs of sources" if pairs > 1 else ""), bytes_, seconds)


def check_measures(
    n: int,
    d_a: int,
    d_b: int,
    names: tuple[str, ...],
    permutations: int,
    bootstrap: int,
    nk: int = 5,
    pairs: int = 1,
    budget: Budget | None = None,
) -> Cost:
    """:func:`check` the calibrated measures, suggesting fewer words, permutations or resamples."""
    budget = budget or default_budget()

    def cost(m: int = n, p: int = permutations, b: int = bootstrap) -> Cost:
        return measures_cost(m, d_a, d_b, names, p, b, nk, pairs)

    return check(cost(), budget, instead=" or ".join(_measures_hints(cost, budget, n, permutations, bootstrap)))


def _measures_hints(cost: Callable[..., Cost], budget: Budget, n: int, permutations: int, bootstrap: int) -> list[str]:
    """The largest words, permutations and resamples that fit, each alone."""
    words = largest(lambda m: budget.allows(cost(m=m)), 3, max(int(n), 3))
    perms = largest(lambda p: budget.allows(cost(p=p)), 1, max(int(permutations), 1))
    boots = largest(lambda b: budget.allows(cost(b=b)), 0, max(int(bootstrap), 0))
    return (
        ([f"use at most {words:,} words"] if words >= 3 else [])
        + ([f"at most {perms:,} permutations"] if perms >= 1 else [])
        + ([f"at most {boots:,} bootstrap resamples"] if boots >= 0 and bootstrap else [])
    )


def check_compare_measures(
    n: int,
    d_a: int,
    d_b: int,
    names: tuple[str, ...],
    permutations: int,
    bootstrap: int,
    nk: int = 5,
    budget: Budget | None = None,
) -> Cost:
    """:func:`check` ``compare`` with its calibrated measures (RSA's permutations are the Mantel test's, once)."""
    budget = budget or default_budget()

    def cost(m: int = n, p: int = permutations, b: int = bootstrap) -> Cost:
        mantel = 0 if "rsa_spearman" in names else p
        return compare_cost(m, mantel) + measures_cost(m, d_a, d_b, names, p, b, nk)

    hints = [*_measures_hints(cost, budget, n, permutations, bootstrap), "fewer measures"]
    return check(cost(), budget, instead=" or ".join(hints))
