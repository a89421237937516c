"""Word benchmarks with gensim's conventions: WordSim-353, SimLex-999 and the Google analogies.

The test files ship with gensim (``gensim.test.utils.datapath``) and are read
the way ``KeyedVectors.evaluate_word_pairs`` and ``evaluate_word_analogies``
read them, so the numbers equal gensim's on the same vectors:

- Only the first ``restrict_vocab`` (300,000) vocabulary entries count.
  Words are compared upper-cased; a word's vector is that of the first
  entry (the most frequent, in vocabulary order) of that upper-case form.
- Word pairs: lines starting with ``#`` and lines that are not
  ``word<TAB>word<TAB>number`` are skipped; a pair with a word outside the
  vocabulary is skipped and counted in ``pairs_total`` only. Pearson and
  Spearman (scipy) of the human scores against the cosines.
- Analogies ``a b c d`` (3CosAdd): the answer is the entry j of the first
  ``restrict_vocab`` with the largest cos(j, b^ + c^ - a^), leaving out a, b,
  c and every other entry of the same upper-case forms; it is right when it
  is any case form of d. gensim looks only at its 5 best candidates after
  a, b and c, so a question whose answer is beaten by 5 or more case
  variants of the inputs counts as wrong, as there.
  Questions with a word outside the vocabulary are skipped.

The analogy questions run as batched matrix products in float32, blockwise
(never holding a questions x vocabulary matrix): a question is right when no
allowed entry beats the expected word. Entries within the float32 error bound
of the expected word's score are settled in float64 (ties to the earlier
entry), so a decision never rests on float32 rounding. gensim ranks in
float32; the two differ only where gensim's rounding decides a near tie.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError

__all__ = [
    "benchmark_words",
    "BENCHMARKS",
    "PAIR_FILES",
    "ANALOGY_FILE",
    "RESTRICT_VOCAB",
    "BenchVocabulary",
    "benchmark_path",
    "check_benchmarks",
    "read_pairs",
    "read_analogies",
    "evaluate_pairs",
    "evaluate_analogies",
]

#: The word-pair sets and their files in gensim's test data.
PAIR_FILES = {"wordsim353": "wordsim353.tsv", "simlex999": "simlex999.txt"}
ANALOGY_FILE = "questions-words.txt"
BENCHMARKS = (*PAIR_FILES, "analogies")
#: gensim's default: only the first 300,000 vocabulary entries count.
RESTRICT_VOCAB = 300_000
#: Bootstrap draws for the Spearman interval.
DRAWS = 1000
#: Questions and vocabulary rows per block of the analogy products (a 16 MB float32 block).
_Q_BLOCK, _V_BLOCK = 1024, 4096


def check_benchmarks(names: Sequence[str]) -> tuple[str, ...]:
    """The benchmark names, validated (raises InputError naming the valid ones)."""
    bad = [n for n in names if n not in BENCHMARKS]
    if bad:
        raise InputError(f"unknown benchmark {bad[0]!r}; valid: {', '.join(BENCHMARKS)}")
    return tuple(dict.fromkeys(names))


def benchmark_path(name: str) -> Path:
    """The file of benchmark ``name`` in gensim's test data."""
    from gensim.test.utils import datapath

    check_benchmarks([name])
    return Path(datapath(PAIR_FILES.get(name, ANALOGY_FILE)))


class BenchVocabulary:
    """The first ``restrict_vocab`` entries of a vocabulary, looked up as gensim does (upper-cased).

    ``words`` in vocabulary order and their (n, d) ``vectors`` (kept, not
    copied); an entry whose vector is zero gets cosine 0 with every other entry.
    """

    def __init__(
        self,
        words: Sequence[str],
        vectors: np.ndarray,
        restrict_vocab: int = RESTRICT_VOCAB,
        *,
        only: Collection[str] | None = None,
    ):
        n = min(len(words), int(restrict_vocab))
        if len(vectors) < n:
            raise InputError(f"benchmarks: {len(words)} words for {len(vectors)} vectors")
        self.words = words[:n] if len(words) > n else words
        self.vectors = vectors[:n]
        #: The first entry of each upper-case form (with ``only``: of those forms alone, which is all the
        #: benchmarks look up; an index of all 300,000 forms holds ~45 MB of strings for nothing).
        self.index: dict[str, int] = {}
        #: The entries of each upper-case form that has several (most forms have one).
        self.variants: dict[str, list[int]] = {}
        wanted = None if only is None else frozenset(only)
        for i, w in enumerate(self.words):
            upper = w.upper()
            if wanted is not None and upper not in wanted:
                continue
            first = self.index.setdefault(upper, i)
            if first != i:
                self.variants.setdefault(upper, [first]).append(i)
        norms = np.concatenate(
            [np.linalg.norm(self.vectors[s : s + 65536], axis=1) for s in range(0, n, 65536)] or [np.zeros(0)]
        )
        self.inverse_norms = np.where(norms > 0, 1.0 / np.where(norms > 0, norms, 1.0), 0.0).astype(np.float32)

    def __len__(self) -> int:
        return len(self.words)

    def forms(self, i: int) -> list[int]:
        """Every entry with the upper-case form of entry ``i``."""
        upper = self.words[i].upper()
        return self.variants.get(upper, [self.index[upper]])

    def unit64(self, ids: np.ndarray) -> np.ndarray:
        """Float64 unit rows of entries ``ids``."""
        v = np.asarray(self.vectors[np.asarray(ids, dtype=np.int64)], dtype=np.float64)
        norms = np.linalg.norm(v, axis=1, keepdims=True)
        return v / np.where(norms > 0, norms, 1.0)

    def unit32(self, start: int, stop: int) -> np.ndarray:
        """Float32 unit rows ``start:stop`` (the analogy products; a block at a time)."""
        return np.asarray(self.vectors[start:stop], dtype=np.float32) * self.inverse_norms[start:stop, None]


def benchmark_words(names: Sequence[str]) -> frozenset[str]:
    """Every (upper-cased) word the named benchmarks look up: the ``only`` of :class:`BenchVocabulary`."""
    out: set[str] = set()
    for name in check_benchmarks(list(names)):
        path = benchmark_path(name)
        if name in PAIR_FILES:
            out.update(w for pair in read_pairs(path)[0] for w in pair)
        else:
            out.update(w for question in read_analogies(path).words for w in question)
    return frozenset(out)


def read_pairs(path: str | Path) -> tuple[list[tuple[str, str]], np.ndarray]:
    """The (upper-cased) word pairs and human scores of a gensim pairs file, its bad lines skipped."""
    pairs, scores = [], []
    with open(path, encoding="utf8") as fin:
        for line in fin:
            if line.startswith("#"):
                continue
            parts = [p.upper() for p in line.split("\t")]
            if len(parts) != 3:
                continue
            try:
                score = float(parts[2])
            except ValueError:
                continue
            pairs.append((parts[0], parts[1]))
            scores.append(score)
    return pairs, np.asarray(scores, dtype=np.float64)


def _spearman_interval(gold: np.ndarray, model: np.ndarray, draws: int, seed: int) -> list[float]:
    """The 95 % percentile bootstrap interval of Spearman over pairs (pairs resampled with replacement)."""
    from scipy.stats import rankdata

    n = len(gold)
    if n < 3:
        return [float("nan"), float("nan")]
    idx = np.random.default_rng(seed).integers(0, n, size=(draws, n))
    rho = np.empty(draws)
    for start in range(0, draws, 100):  # 100 draws at a time: the rank arrays stay small
        part = idx[start : start + 100]
        rg, rm = rankdata(gold[part], axis=1), rankdata(model[part], axis=1)
        rg -= rg.mean(axis=1, keepdims=True)
        rm -= rm.mean(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            rho[start : start + 100] = (rg * rm).sum(axis=1) / np.sqrt((rg**2).sum(axis=1) * (rm**2).sum(axis=1))
    rho = rho[np.isfinite(rho)]  # a draw of one repeated pair has no ranks to correlate
    lo, hi = np.percentile(rho, [2.5, 97.5]) if len(rho) else (float("nan"), float("nan"))
    return [float(lo), float(hi)]


def evaluate_pairs(vocab: BenchVocabulary, path: str | Path, *, draws: int = DRAWS, seed: int = 0) -> dict:
    """Pearson and Spearman of the cosines against the human scores (``evaluate_word_pairs``' numbers)."""
    from scipy.stats import pearsonr, spearmanr

    pairs, gold = read_pairs(path)
    keep = [i for i, (a, b) in enumerate(pairs) if a in vocab.index and b in vocab.index]
    out = {"pairs_used": len(keep), "pairs_total": len(pairs)}
    if len(keep) < 3:
        return out | {"pearson": None, "spearman": None, "spearman_ci": None}
    ia = np.array([vocab.index[pairs[i][0]] for i in keep])
    ib = np.array([vocab.index[pairs[i][1]] for i in keep])
    model = np.einsum("ij,ij->i", vocab.unit64(ia), vocab.unit64(ib))
    gold = gold[keep]
    return out | {
        "pearson": float(pearsonr(gold, model)[0]),
        "spearman": float(spearmanr(gold, model)[0]),
        "spearman_ci": _spearman_interval(gold, model, draws, seed),
    }


@dataclass(frozen=True)
class Questions:
    """Analogy questions of one file: section names, and per valid line its section and 4 upper-cased words."""

    sections: tuple[str, ...]
    section_of: np.ndarray
    words: tuple[tuple[str, str, str, str], ...]


def read_analogies(path: str | Path) -> Questions:
    """The questions of a gensim analogies file (``: SECTION`` lines, then ``a b c d`` lines)."""
    sections: list[str] = []
    section_of: list[int] = []
    words: list[tuple[str, str, str, str]] = []
    with open(path, "rb") as fin:
        for line_no, raw in enumerate(fin):
            line = raw.decode("utf8")
            if line.startswith(": "):
                sections.append(line.lstrip(": ").strip())
                continue
            if not sections:
                raise InputError(f"{path}: no section header before line {line_no + 1}")
            parts = [w.upper() for w in line.split()]
            if len(parts) != 4:
                continue
            words.append((parts[0], parts[1], parts[2], parts[3]))
            section_of.append(len(sections) - 1)
    return Questions(tuple(sections), np.asarray(section_of, dtype=np.int64), tuple(words))


def _err(d: int) -> float:
    """A bound on |float32 - float64| of u . q for a unit row u and |q| <= 3 (inputs rounded, d products)."""
    return 3.0 * (d + 8) * 2.0**-24


def _solve(vocab: BenchVocabulary, ids: np.ndarray, progress: Callable[[int, int], None] | None) -> np.ndarray:
    """Whether each question (rows a, b, c, expected) is answered right by 3CosAdd (see the module notes)."""
    n, d = vocab.vectors.shape
    err = np.float32(2 * _err(d))
    right = np.zeros(len(ids), dtype=bool)
    for start in range(0, len(ids), _Q_BLOCK):
        q_ids = ids[start : start + _Q_BLOCK]
        m = len(q_ids)
        inputs = [set().union(*(vocab.forms(j) for j in row[:3])) for row in q_ids]
        answers = [vocab.forms(row[3]) for row in q_ids]
        # Every case form of the expected word is an answer; the inputs' forms are never candidates.
        excluded = [i | set(a) for i, a in zip(inputs, answers, strict=True)]
        query64 = vocab.unit64(q_ids[:, 1]) + vocab.unit64(q_ids[:, 2]) - vocab.unit64(q_ids[:, 0])
        query = query64.astype(np.float32)
        expected = np.array(
            [(vocab.unit64(a).astype(np.float32) @ q).max() for a, q in zip(answers, query, strict=True)]
        )
        lo, hi = expected - err, expected + err
        beaten = np.array([row[3] in i for row, i in zip(q_ids, inputs, strict=True)])
        near: list[tuple[int, int]] = []
        ex_rows = np.repeat(np.arange(m), [len(e) for e in excluded])
        ex_cols = np.fromiter((j for e in excluded for j in e), dtype=np.int64, count=len(ex_rows))
        s_buf = np.empty((m, _V_BLOCK), np.float32)
        for b in range(0, n, _V_BLOCK):
            ub = vocab.unit32(b, b + _V_BLOCK)
            s = np.matmul(query, ub.T, out=s_buf[:, : len(ub)])
            inside = (ex_cols >= b) & (ex_cols < b + len(ub))
            s[ex_rows[inside], ex_cols[inside] - b] = -np.inf
            top = s.max(axis=1)
            beaten |= top > hi
            open_rows = np.flatnonzero(~beaten & (top >= lo))
            for r in open_rows.tolist():  # few rows per block; row by row, no copy of the block
                near.extend((r, int(c) + b) for c in np.flatnonzero(s[r] >= lo[r]))
        right[start : start + m] = _settle(vocab, q_ids, query64, inputs, answers, beaten, near)
        if progress is not None:
            progress(min(start + m, len(ids)), len(ids))
    return right


def _settle(vocab, q_ids, query64, inputs, answers, beaten, near) -> np.ndarray:
    """Settle the questions not beaten in float32: rivals near the answer's score, and gensim's 5-slot rule."""
    right = ~beaten
    by_row: dict[int, list[int]] = {}
    for r, j in near:
        if not beaten[r]:
            by_row.setdefault(r, []).append(j)
    for r in np.flatnonzero(right):
        forms = np.array(answers[r], dtype=np.int64)
        form_scores = vocab.unit64(forms) @ query64[r]
        best = int(np.argmax(form_scores))
        e, score_e = int(forms[best]), float(form_scores[best])
        rivals = np.array(by_row.get(r, []), dtype=np.int64)
        if len(rivals):
            scores = vocab.unit64(rivals) @ query64[r]
            if np.any((scores > score_e) | ((scores == score_e) & (rivals < e))):
                right[r] = False
                continue
        variants = np.array(sorted(inputs[r] - {int(x) for x in q_ids[r, :3]}), dtype=np.int64)
        if len(variants) >= 5 and np.count_nonzero(vocab.unit64(variants) @ query64[r] > score_e) >= 5:
            right[r] = False
    return right


def evaluate_analogies(
    vocab: BenchVocabulary, path: str | Path, *, progress: Callable[[int, int], None] | None = None
) -> dict:
    """3CosAdd accuracy overall and per section (``evaluate_word_analogies``' numbers)."""
    questions = read_analogies(path)
    index = vocab.index
    usable = np.array([all(w in index for w in q) for q in questions.words], dtype=bool)
    ids = np.array([[index[w] for w in q] for q, ok in zip(questions.words, usable, strict=True) if ok], np.int64)
    right = _solve(vocab, ids.reshape(-1, 4), progress) if len(ids) else np.zeros(0, bool)
    section_used = questions.section_of[usable]
    sections = []
    for s, name in enumerate(questions.sections):
        used = int(np.count_nonzero(section_used == s))
        correct = int(np.count_nonzero(right[section_used == s]))
        sections.append(
            {
                "section": name,
                "correct": correct,
                "questions_used": used,
                "questions_total": int(np.count_nonzero(questions.section_of == s)),
                "accuracy": correct / used if used else None,
            }
        )
    used = int(usable.sum())
    return {
        "accuracy": int(right.sum()) / used if used else None,
        "correct": int(right.sum()),
        "questions_used": used,
        "questions_total": len(questions.words),
        "sections": sections,
    }
