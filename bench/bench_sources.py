"""Source readiness: time to a first 100-word lookup and resident-memory growth.

Each measurement runs in a fresh Python process that imports ``lib.sources``,
reads VmRSS from /proc/self/status, then times ``load_source(SPEC)`` plus one
lookup of 100 words and reads VmRSS again. Synthetic inputs (written to a
temporary folder): a GPT-2-sized checkpoint (byte-level BPE tokenizer of
50257 tokens trained here, 50257 x 768 float32 ``wte`` in model.safetensors)
and a 300,000 x 300 word2vec binary standing in for Google News.

Run: python bench/bench_sources.py [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
def status_mb(field):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
rss_mb = lambda: status_mb("VmRSS")
from lib.sources import load_source
import numpy as np
spec, words = sys.argv[2], sys.argv[3].split(",")
before = rss_mb()
t0 = time.perf_counter()
src = load_source(spec)
t1 = time.perf_counter()
res = src.lookup(words)
t2 = time.perf_counter()
print(json.dumps({"load": t1 - t0, "ready": t2 - t0, "rss": rss_mb() - before, "peak": status_mb("VmHWM") - before,
                  "found": len(res.words), "dim": src.dim}))
"""


def measure(spec: str, words: list[str], env: dict) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(ROOT), spec, ",".join(words)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{spec}: {out.stderr.strip().splitlines()[-1] if out.stderr.strip() else out.returncode}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def write_word2vec_binary(path: Path, n: int, dim: int, seed: int = 0) -> list[str]:
    """A word2vec binary of ``n`` random words x ``dim``, written in chunks."""
    rng = np.random.default_rng(seed)
    words = [f"w{i:06d}" for i in range(n)]
    with open(path, "wb") as fh:
        fh.write(f"{n} {dim}\n".encode())
        for start in range(0, n, 20_000):
            block = rng.standard_normal((min(20_000, n - start), dim)).astype(np.float32)
            fh.write(b"".join(w.encode() + b" " + row.tobytes() + b"\n" for w, row in zip(words[start:], block)))
    return words


def write_gpt2_sized(folder: Path, vocab: int = 50257, dim: int = 768) -> list[str]:
    """Byte-level BPE with ``vocab`` tokens (Lee corpus + random words) and a float32 wte."""
    from gensim.test.utils import datapath
    from safetensors.numpy import save_file
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    folder.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(0)
    letters = "abcdefghijklmnopqrstuvwxyz"
    filler = [
        " ".join("".join(rnd.choice(letters) for _ in range(rnd.randint(3, 9))) for _ in range(40))
        for _ in range(12_000)
    ]
    lines = Path(datapath("lee_background.cor")).read_text(encoding="utf-8").splitlines() + filler
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(lines, trainer=trainer)
    tok.save(str(folder / "tokenizer.json"))
    if tok.get_vocab_size() != vocab:
        raise SystemExit(f"the trained tokenizer has {tok.get_vocab_size()} tokens, not {vocab}")
    (folder / "config.json").write_text(json.dumps({"model_type": "gpt2", "vocab_size": vocab, "n_embd": dim}))
    wte = np.random.default_rng(1).standard_normal((vocab, dim)).astype(np.float32)
    save_file({"wte.weight": wte, "wpe.weight": wte[:1024]}, str(folder / "model.safetensors"))
    return [w for line in lines[:40] for w in line.split()][:100]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", help="folder for the synthetic files and the cache (default: a temporary one)")
    args = parser.parse_args()
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-sources-"))
    base.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, COSINE_RINGS_CACHE=str(base / "cache"))
    from lib.presets import PRESETS

    english = list(dict.fromkeys(w for p in PRESETS.values() for w in getattr(p, "words", p)))[:100]

    t = time.perf_counter()
    gpt2_words = write_gpt2_sized(base / "gpt2-sized")
    print(f"(built the GPT-2-sized checkpoint in {time.perf_counter() - t:.1f} s)")
    t = time.perf_counter()
    w2v_words = write_word2vec_binary(base / "w2v-300k.bin", 300_000, 300)[::3000]
    print(f"(wrote the 300,000 x 300 word2vec binary in {time.perf_counter() - t:.1f} s)\n")

    cases = [
        ("glove (first use: builds the index)", "glove", english, "< 0.5 s, < 150 MB"),
        ("glove (cached)", "glove", english, "< 0.5 s, < 150 MB"),
        ("minilm", "minilm", english, "< 0.5 s, < 150 MB"),
        ("GPT-2-sized wte 50257x768 (local)", f"gpt2:{base / 'gpt2-sized'}", gpt2_words, "< 1 s, < 250 MB"),
        ("word2vec 300k x 300 (first load)", f"word2vec:{base / 'w2v-300k.bin'}", w2v_words, "-"),
        ("word2vec 300k x 300 (cached re-load)", f"word2vec:{base / 'w2v-300k.bin'}", w2v_words, "< 1 s, < 150 MB"),
        ("word2vec-train:lee (first: trains)", "word2vec-train:lee", english, "-"),
        ("word2vec-train:lee (cached)", "word2vec-train:lee", english, "-"),
        ("shuffled:glove", "shuffled:glove", english, "-"),
    ]
    print(f"{'source':<40} {'words':>5} {'load (s)':>9} {'ready (s)':>10} {'RSS +MB':>8} {'peak +MB':>9}  target")
    for label, spec, words, target in cases:
        r = measure(spec, words, env)
        print(
            f"{label:<40} {r['found']:>5} {r['load']:>9.3f} {r['ready']:>10.3f} "
            f"{r['rss']:>8.1f} {r['peak']:>9.1f}  {target}"
        )
    print("\nready = load_source(SPEC) + one lookup of the words; RSS + = VmRSS growth over that and")
    print("peak + = VmHWM (high-water mark) growth, each in a fresh process after `import lib.sources`.")
    print("torch comparison: not run (torch is not installed in this project's environments).")


if __name__ == "__main__":
    main()
