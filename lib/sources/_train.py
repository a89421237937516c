"""``word2vec-train:PATH`` and ``word2vec-train:lee``: train a small Word2Vec model.

The corpus is plain text, one document per line, tokenized with gensim's
``simple_preprocess`` (lower-case words of 2-15 letters). Training uses a
fixed seed and a single worker thread, which makes gensim's result
reproducible. ``lee`` is the Lee news corpus that ships inside gensim
(``gensim/test/test_data/lee_background.cor``), so it works offline.
The trained vectors are cached as a memory-mapped word table keyed by the
corpus content and the training options, under the derived caches' size
cap (:mod:`._cache_cap`).
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

from ..errors import SourceError, SpecError
from ._cache import fingerprint, kind_cache_dir
from ._cache_cap import touch, trim
from ._table import TableSource, WordTable, open_or_build, write_table
from .spec import ParsedSpec, SourceKind, split_trailing_options

__all__ = ["LEE", "TRAIN_DEFAULTS", "lee_corpus_path", "read_corpus", "train_vectors", "trained_source", "KIND"]

LEE = "lee"
#: Training options and their defaults (all settable in the SPEC).
TRAIN_DEFAULTS = {"dim": 100, "window": 5, "min_count": 2, "epochs": 20, "seed": 0}
_LIMITS = {"dim": (1, 1000), "window": (1, 50), "min_count": (1, 1000), "epochs": (1, 200), "seed": (0, 2**31 - 1)}


def lee_corpus_path() -> Path:
    """The Lee background corpus inside the installed gensim (found without importing gensim)."""
    spec = importlib.util.find_spec("gensim")
    if spec is None or not spec.submodule_search_locations:
        raise SourceError("word2vec-train needs gensim: pip install gensim")
    return Path(list(spec.submodule_search_locations)[0]) / "test" / "test_data" / "lee_background.cor"


def parse_train_arg(arg: str | None) -> tuple[str, dict[str, int]]:
    """Split ``PATH[,key=value...]`` into the corpus and its options (defaults filled in)."""
    if not arg:
        raise SpecError("word2vec-train needs a corpus: word2vec-train:PATH or word2vec-train:lee")
    corpus, given = split_trailing_options(arg, {k: int for k in TRAIN_DEFAULTS}, kind="word2vec-train")
    opts = {**TRAIN_DEFAULTS, **given}
    for key, (lo, hi) in _LIMITS.items():
        if not lo <= opts[key] <= hi:
            raise SpecError(f"word2vec-train: {key} must be between {lo} and {hi}, got {opts[key]}")
    return corpus, opts


def read_corpus(path: Path) -> list[list[str]]:
    """Documents (one per line) as token lists; raises on an empty corpus."""
    from gensim.utils import simple_preprocess

    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        raise SourceError(f"{path}: cannot read the corpus ({exc})") from exc
    docs = [toks for toks in (simple_preprocess(line) for line in text.splitlines()) if toks]
    if not docs:
        raise SourceError(f"{path}: the corpus is empty (no words to train on)")
    return docs


def train_vectors(docs: list[list[str]], opts: dict[str, int]):
    """Train gensim Word2Vec on ``docs`` reproducibly; return its KeyedVectors."""
    from gensim.models import Word2Vec

    counts: dict[str, int] = {}
    for doc in docs:
        for tok in doc:
            counts[tok] = counts.get(tok, 0) + 1
    if not any(c >= opts["min_count"] for c in counts.values()):
        raise SourceError(f"the corpus has no word that occurs at least min_count={opts['min_count']} times")
    model = Word2Vec(
        docs,
        vector_size=opts["dim"],
        window=opts["window"],
        min_count=opts["min_count"],
        epochs=opts["epochs"],
        seed=opts["seed"],
        workers=1,
    )
    return model.wv


def _parse(arg: str | None, allow_paths: bool) -> ParsedSpec:
    corpus, opts = parse_train_arg(arg)
    # Every corpus but the packaged one is a file on this machine.
    return ParsedSpec(head=corpus, options=opts, path=None if corpus == LEE else corpus)


def trained_source(parsed: ParsedSpec) -> TableSource:
    """Build (or reopen from the cache) the source of a parsed ``word2vec-train:ARG``."""
    corpus, opts = parsed.head or LEE, parsed.options
    path = lee_corpus_path() if corpus == LEE else Path(corpus).expanduser()
    if not path.is_file():
        raise SourceError(f"{path}: no such corpus file")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    folder = kind_cache_dir("word2vec-train") / f"{path.stem[:40]}-{fingerprint(digest, sorted(opts.items()))}"

    def build(target: Path) -> None:
        kv = train_vectors(read_corpus(path), opts)
        write_table(target, list(kv.index_to_key), kv.vectors)

    def open_table() -> WordTable:
        built = not (folder / "meta.json").is_file()
        table = open_or_build(folder, build)
        touch(folder)
        if built:  # a new entry: the derived caches keep to their size cap
            trim(keep=folder)
        return table

    shown = ",".join(f"{k}={v}" for k, v in opts.items() if v != TRAIN_DEFAULTS[k])
    spec = f"word2vec-train:{corpus}" + (f",{shown}" if shown else "")
    label = "Lee news corpus" if corpus == LEE else path.name
    name = f"Word2Vec trained on {label} ({opts['dim']}d, seed {opts['seed']})"
    return TableSource(spec=spec, name=name, dim=opts["dim"], open_table=open_table).prepare()


KIND = SourceKind(
    prefix="word2vec-train",
    forms=("word2vec-train:lee", "word2vec-train:PATH[,dim=D,window=W,min_count=M,epochs=E,seed=S]"),
    description="Word2Vec trained here (seeded, one worker) on the Lee corpus shipped with gensim or a text file",
    parse=_parse,
    build=lambda parsed, progress: trained_source(parsed),
    cache=lambda: str(kind_cache_dir("word2vec-train")),
    size=lambda parsed: 0,
)
