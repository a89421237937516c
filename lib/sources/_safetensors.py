"""Read only the input-embedding matrix of a transformer from safetensors files.

The tensor is found with ``safetensors.safe_open(framework="np")`` (which
also validates the file header), then read on demand at the byte offsets
the header gives (:class:`~._rows.DiskArray`), so a 50257 x 768 GPT-2
``wte`` costs no copy and no torch.
Sharded checkpoints (``model.safetensors.index.json``) open only the shard
that holds the embedding. Pickled checkpoints (``pytorch_model.bin``) are
refused: unpickling runs arbitrary code.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

from ..errors import SourceError, VectorFileError
from ._rows import DiskArray

__all__ = ["EMBEDDING_NAMES", "find_safetensors", "embedding_tensor_name", "open_embedding", "rows_as_float32"]

#: Tensor names of input token embeddings, most common first.
EMBEDDING_NAMES = (
    "wte.weight",
    "transformer.wte.weight",
    "embeddings.word_embeddings.weight",
    "bert.embeddings.word_embeddings.weight",
    "roberta.embeddings.word_embeddings.weight",
    "distilbert.embeddings.word_embeddings.weight",
    "model.embed_tokens.weight",
    "embed_tokens.weight",
    "model.decoder.embed_tokens.weight",
    "gpt_neox.embed_in.weight",
    "shared.weight",
    "word_embeddings.weight",
    "tok_embeddings.weight",
)
_SUFFIXES = ("word_embeddings.weight", "embed_tokens.weight", "wte.weight", "embed_in.weight", "tok_embeddings.weight")
_DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "BF16": np.uint16}
_PICKLES = ("pytorch_model.bin", "pytorch_model.bin.index.json", "tf_model.h5", "flax_model.msgpack")


def find_safetensors(folder: Path) -> tuple[Path | None, dict[str, str] | None]:
    """``(model.safetensors, None)`` or ``(None, weight_map)`` of a sharded checkpoint.

    Raises
    ------
    SourceError
        If the folder has no safetensors weights (a pickled checkpoint is named).
    """
    single = folder / "model.safetensors"
    if single.is_file():
        return single, None
    index = folder / "model.safetensors.index.json"
    if index.is_file():
        try:
            weight_map = json.loads(index.read_text())["weight_map"]
            if not isinstance(weight_map, dict):
                raise TypeError("weight_map is not an object")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise VectorFileError(f"{index}: unreadable shard index ({exc})") from exc
        return None, weight_map
    others = sorted(folder.glob("*.safetensors"))
    if len(others) == 1:
        return others[0], None
    pickled = [p for p in _PICKLES if (folder / p).exists()]
    if pickled:
        raise SourceError(
            f"{folder}: only {pickled[0]} (a pickle, which can run code when loaded) and no model.safetensors; "
            "refusing it — use a checkpoint with safetensors weights"
        )
    raise SourceError(f"{folder}: no model.safetensors file")


def embedding_tensor_name(names: list[str], where: str) -> str:
    """Pick the input-embedding tensor among ``names``."""
    for name in EMBEDDING_NAMES:
        if name in names:
            return name
    for name in sorted(names, key=len):
        if name.endswith(_SUFFIXES):
            return name
    shown = ", ".join(sorted(names)[:6]) + (" ..." if len(names) > 6 else "")
    raise SourceError(
        f"{where}: no input-embedding tensor (like wte.weight or embeddings.word_embeddings.weight) among {shown}"
    )


def _header(path: Path) -> tuple[int, dict]:
    try:
        with open(path, "rb") as fh:
            (length,) = struct.unpack("<Q", fh.read(8))
            if length > 100_000_000:
                raise ValueError("header too large")
            return 8 + length, json.loads(fh.read(length))
    except (OSError, struct.error, ValueError) as exc:
        raise VectorFileError(f"{path}: not a readable safetensors file ({exc})") from exc


def open_embedding(folder: Path) -> tuple[DiskArray, str, Path]:
    """Open the input-embedding matrix of the checkpoint in ``folder`` for on-demand reads.

    Returns
    -------
    (matrix, tensor_name, file)
        ``matrix`` is a (vocab, dim) :class:`DiskArray` in the stored dtype
        (``uint16`` for bfloat16; convert rows with :func:`rows_as_float32`).
    """
    from safetensors import SafetensorError, safe_open

    single, weight_map = find_safetensors(folder)
    if single is None:
        name = embedding_tensor_name(list(weight_map), str(folder / "model.safetensors.index.json"))
        single = folder / weight_map[name]
        if not single.is_file():
            raise SourceError(f"{folder}: the shard {weight_map[name]} holding {name} is missing")
    try:
        with safe_open(str(single), framework="np") as fh:
            names = list(fh.keys())
            name = embedding_tensor_name(names, str(single))
            shape = tuple(fh.get_slice(name).get_shape())
    except (SafetensorError, OSError, ValueError) as exc:
        raise VectorFileError(f"{single}: corrupt or unreadable safetensors file ({exc})") from exc
    start, header = _header(single)
    entry = header.get(name, {})
    dtype = _DTYPES.get(entry.get("dtype"))
    if dtype is None:
        raise SourceError(f"{single}: {name} has dtype {entry.get('dtype')}; supported: {', '.join(_DTYPES)}")
    if len(shape) != 2 or min(shape) < 1:
        raise SourceError(f"{single}: {name} has shape {shape}, not (vocab, dim)")
    begin, end = (int(x) for x in entry["data_offsets"])
    if end - begin != shape[0] * shape[1] * np.dtype(dtype).itemsize or start + end > single.stat().st_size:
        raise VectorFileError(f"{single}: {name} is truncated or its offsets are wrong")
    return DiskArray(single, start + begin, dtype, shape), name, single


def rows_as_float32(matrix: DiskArray, ids: np.ndarray) -> np.ndarray:
    """Rows ``ids`` as float32 (bfloat16 matrices are stored as uint16)."""
    rows = matrix.take(ids)
    if matrix.dtype == np.uint16:
        return (rows.astype(np.uint32) << 16).view(np.float32)
    return rows.astype(np.float32)
