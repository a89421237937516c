"""Tokenizers of transformer sources, and how words and token strings map to ids.

A folder's ``tokenizer.json`` is loaded with the ``tokenizers`` library:
it is the file ``transformers.AutoTokenizer`` wraps for every fast
tokenizer, and loading it directly takes ~0.03 s where importing
``transformers`` takes over a second. Folders without ``tokenizer.json``
(only ``vocab.txt``, or ``vocab.json`` + ``merges.txt``) go through
``transformers.AutoTokenizer`` (never with ``trust_remote_code``) and use its
fast backend.

Token strings ("units"), as returned by ``passage_units`` and
``vocabulary``, map back to their token id in :meth:`TokenVocab.word_ids`:

* WordPiece and other tokenizers: the vocabulary string itself (``cat``,
  ``##fruit``); any string that is exactly a vocabulary entry is that token.
* Byte-level BPE (GPT-2), with the default leading space: a word-initial
  token (``Ġcat``) is written as the word (``cat``), which maps back to it;
  a word-internal token is written WordPiece-style with ``##`` (``##fruit``).
  A token that is not clean text on its own (part of a UTF-8 character, a
  bare space) is written as ``##`` plus its bytes as ``<0xHH>`` escapes
  (``##<0x20><0xC3>``). With ``space=0`` no ``##`` is used: plain text is
  the token without a leading space, escapes spell out any other token.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from ..errors import SourceError, VectorFileError

__all__ = ["TokenVocab", "bytes_to_unicode"]

CONT = "##"


@lru_cache(maxsize=1)
def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible map from bytes to printable characters."""
    keep = (
        list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    )
    chars, extra = {}, 0
    for b in range(256):
        if b in keep:
            chars[b] = chr(b)
        else:
            chars[b] = chr(256 + extra)
            extra += 1
    return chars


def _mentions(node, type_name: str) -> bool:
    if isinstance(node, dict):
        return node.get("type") == type_name or any(_mentions(v, type_name) for v in node.values())
    if isinstance(node, list):
        return any(_mentions(v, type_name) for v in node)
    return False


def _load(folder: Path):
    from tokenizers import Tokenizer

    path = folder / "tokenizer.json"
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
            return Tokenizer.from_str(text), json.loads(text)
        except Exception as exc:  # tokenizers raises a bare Exception on bad JSON
            raise VectorFileError(f"{path}: unreadable tokenizer ({exc})") from exc
    if not any((folder / f).is_file() for f in ("vocab.txt", "vocab.json", "tokenizer_config.json")):
        raise SourceError(f"{folder}: no tokenizer (tokenizer.json, vocab.txt or vocab.json)")
    from transformers import AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(str(folder), use_fast=True, trust_remote_code=False)
    except Exception as exc:  # transformers raises many types for a bad folder
        raise SourceError(f"{folder}: cannot load its tokenizer ({type(exc).__name__}: {exc})") from exc
    backend = getattr(tok, "backend_tokenizer", None)
    if backend is None:
        raise SourceError(f"{folder}: its tokenizer has no fast (tokenizers) version")
    return backend, json.loads(backend.to_str())


_ESCAPE = re.compile(r"<0x([0-9A-Fa-f]{2})>")


def _clean_text(data: bytes) -> str | None:
    """``data`` as text if it is valid UTF-8 with no spaces, controls or escapes at its ends."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text or text != text.strip() or "<0x" in text or any(ord(c) < 32 or ord(c) == 127 for c in text):
        return None
    return text


def _escape(data: bytes) -> str:
    """Printable ASCII kept, every other byte (and ``<``) as ``<0xHH>``."""
    return "".join(chr(b) if 0x21 <= b <= 0x7E and b != 0x3C else f"<0x{b:02X}>" for b in data)


def _unescape(word: str) -> bytes:
    """UTF-8 bytes of ``word`` with ``<0xHH>`` sequences read as raw bytes."""
    out, pos = bytearray(), 0
    for m in _ESCAPE.finditer(word):
        out += word[pos : m.start()].encode("utf-8") + bytes([int(m.group(1), 16)])
        pos = m.end()
    return bytes(out + word[pos:].encode("utf-8"))


class TokenVocab:
    """A loaded tokenizer: its size, special tokens, units and word-to-ids mapping."""

    def __init__(self, folder: Path):
        self.tokenizer, spec = _load(folder)
        # A tokenizer.json may carry padding/truncation settings meant for batches.
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.size = int(self.tokenizer.get_vocab_size(with_added_tokens=True))
        self.special = frozenset(int(t["id"]) for t in spec.get("added_tokens", []) if t.get("special"))
        model = spec.get("model") or {}
        unk = model.get("unk_token")
        unk_id = self.tokenizer.token_to_id(unk) if isinstance(unk, str) else None
        self.unk_id = None if unk_id is None else int(unk_id)
        self.byte_level = _mentions(spec.get("pre_tokenizer"), "ByteLevel") or _mentions(
            spec.get("decoder"), "ByteLevel"
        )
        self._byte_decoder = {c: b for b, c in bytes_to_unicode().items()}

    def unit(self, token_id: int, *, space: bool = True) -> str:
        """The string that stands for ``token_id`` (see the module docstring)."""
        raw = self.tokenizer.id_to_token(int(token_id))
        if raw is None:
            raise SourceError(f"token id {token_id} is outside the tokenizer's vocabulary")
        if not self.byte_level or token_id in self.special:
            return raw
        data = bytes(self._byte_decoder.get(c, 0) for c in raw)
        start = data.startswith(b" ")
        if space:
            text = _clean_text(data[1:] if start else data)
            if text is not None and (not start or not text.startswith(CONT)):
                return text if start else CONT + text
            return CONT + _escape(data)
        text = _clean_text(data)
        return text if text is not None else _escape(data)

    def _direct(self, word: str, space: bool) -> int | None:
        """The single token ``word`` names exactly, if any."""
        if not self.byte_level:
            return self.tokenizer.token_to_id(word)
        prefix = b" " if space else b""
        if space and word.startswith(CONT) and len(word) > len(CONT):
            prefix, word = b"", word[len(CONT) :]
        data = prefix + _unescape(word)
        enc = bytes_to_unicode()
        return self.tokenizer.token_to_id("".join(enc[b] for b in data))

    def word_ids(self, word: str, *, space: bool) -> list[int]:
        """Token ids of ``word`` (one when it names a token, else its tokenization)."""
        tid = self._direct(word, space)
        if tid is not None:
            return [int(tid)]
        text = (" " + word) if (space and self.byte_level) else word
        return [int(i) for i in self.tokenizer.encode(text, add_special_tokens=False).ids]

    def passage_ids(self, text: str) -> list[int]:
        """Unique non-special token ids of ``text``, in order of first appearance."""
        seen: dict[int, None] = {}
        for tid in self.tokenizer.encode(text, add_special_tokens=False).ids:
            if tid not in self.special:
                seen.setdefault(int(tid), None)
        return list(seen)
