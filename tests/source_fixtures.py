"""Builders of tiny embedding checkpoints in the real formats, for the source tests.

* a word2vec binary written by gensim (optionally gzipped, as gensim-data ships it);
* a GPT-2 folder: byte-level BPE trained with ``tokenizers`` on gensim's
  Lee corpus (tokenizer.json, vocab.json, merges.txt), config.json of
  model_type gpt2 and a model.safetensors written with ``safetensors.numpy``;
* a BERT-like WordPiece folder (tokenizer.json, vocab.txt, float16 weights);
* a pre-filled Hugging Face cache and a pre-filled ``GENSIM_DATA_DIR``.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import numpy as np

__all__ = [
    "lee_lines",
    "write_word2vec",
    "build_gpt2_folder",
    "build_bert_folder",
    "fill_hf_cache",
    "fill_gensim_data",
    "COMMIT",
]

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def lee_lines() -> list[str]:
    from gensim.test.utils import datapath

    return Path(datapath("lee_background.cor")).read_text(encoding="utf-8").splitlines()


def write_word2vec(path: Path, words: list[str], vectors: np.ndarray, *, binary: bool = True, gz: bool = False) -> Path:
    """Write ``words``/``vectors`` with gensim's ``save_word2vec_format`` (gzipped when ``gz``)."""
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vector_size=vectors.shape[1])
    kv.add_vectors(words, vectors.astype(np.float32))
    plain = path.with_suffix(".plain") if gz else path
    kv.save_word2vec_format(str(plain), binary=binary)
    if gz:
        with open(plain, "rb") as src, gzip.open(path, "wb") as dst:
            shutil.copyfileobj(src, dst)
        plain.unlink()
    return path


def _save_weights(folder: Path, tensors: dict[str, np.ndarray]) -> None:
    from safetensors.numpy import save_file

    save_file(tensors, str(folder / "model.safetensors"))


def build_gpt2_folder(folder: Path, *, vocab_size: int = 600, dim: int = 16, seed: int = 0) -> Path:
    """A GPT-2-format checkpoint with a byte-level BPE tokenizer trained on the Lee corpus."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    folder.mkdir(parents=True, exist_ok=True)
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(lee_lines(), trainer=trainer)
    tok.save(str(folder / "tokenizer.json"))
    tok.model.save(str(folder))  # vocab.json, merges.txt
    n = tok.get_vocab_size()
    (folder / "config.json").write_text(json.dumps({"model_type": "gpt2", "vocab_size": n, "n_embd": dim}))
    rng = np.random.default_rng(seed)
    _save_weights(
        folder,
        {
            "wte.weight": rng.standard_normal((n, dim)).astype(np.float32),
            "wpe.weight": rng.standard_normal((32, dim)).astype(np.float32),
            "h.0.ln_1.weight": np.ones(dim, dtype=np.float32),
        },
    )
    return folder


def build_bert_folder(folder: Path, *, vocab_size: int = 800, dim: int = 24, seed: int = 1) -> Path:
    """A BERT-like checkpoint: lower-casing WordPiece tokenizer, float16 word embeddings."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    folder.mkdir(parents=True, exist_ok=True)
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"], show_progress=False
    )
    tok.train_from_iterator(lee_lines(), trainer=trainer)
    tok.save(str(folder / "tokenizer.json"))
    tok.model.save(str(folder))  # vocab.txt
    n = tok.get_vocab_size()
    (folder / "config.json").write_text(json.dumps({"model_type": "bert", "vocab_size": n, "hidden_size": dim}))
    rng = np.random.default_rng(seed)
    _save_weights(
        folder,
        {
            "bert.embeddings.word_embeddings.weight": rng.standard_normal((n, dim)).astype(np.float16),
            "bert.embeddings.position_embeddings.weight": rng.standard_normal((16, dim)).astype(np.float16),
        },
    )
    return folder


def fill_hf_cache(cache_dir: Path, repo_id: str, folder: Path) -> Path:
    """Lay ``folder``'s files out as the hub cache does for ``repo_id`` at one commit."""
    repo = cache_dir / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / COMMIT
    snapshot.mkdir(parents=True, exist_ok=True)
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / "main").write_text(COMMIT)
    for f in folder.iterdir():
        if f.is_file():
            shutil.copy2(f, snapshot / f.name)
    return snapshot


def fill_gensim_data(data_dir: Path, name: str, words: list[str], vectors: np.ndarray) -> Path:
    """A ``GENSIM_DATA_DIR`` holding model ``name`` as gensim-data ships it (``NAME/NAME.gz``)."""
    folder = data_dir / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "__init__.py").write_text("# written by the tests\n")
    return write_word2vec(folder / f"{name}.gz", words, vectors, binary=True, gz=True)
