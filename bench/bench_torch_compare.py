"""Our safetensors wte reader against transformers + torch on the same GPT-2-sized checkpoint.

torch is not a dependency of this project: run this with a throwaway
environment that has it, e.g.

    python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch transformers
    python bench/bench_torch_compare.py --torch-python /tmp/torchenv/bin/python

It writes a full GPT-2-small-shaped checkpoint (12 layers, 124M float32
parameters, random values, a 50,257-token byte-level BPE tokenizer) and, in
fresh processes, measures: ours = ``load_source("gpt2:DIR")`` + a 100-word
lookup (reads only ``wte.weight``); theirs = ``AutoModel.from_pretrained(DIR)``
+ ``AutoTokenizer`` + the same lookup through ``get_input_embeddings()``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_sources import CHILD, write_gpt2_sized  # noqa: E402

THEIRS = r"""
import json, sys, time
def status_mb(field):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
t_imp = time.perf_counter()
import torch, transformers
from transformers import AutoModel, AutoTokenizer
imports = time.perf_counter() - t_imp
folder, words = sys.argv[1], sys.argv[2].split(",")
before = status_mb("VmRSS")
t0 = time.perf_counter()
model = AutoModel.from_pretrained(folder)
tok = AutoTokenizer.from_pretrained(folder)
wte = model.get_input_embeddings().weight.detach().numpy()
rows = [wte[tok(" " + w, add_special_tokens=False)["input_ids"]].mean(axis=0) for w in words]
t1 = time.perf_counter()
print(json.dumps({"imports": imports, "ready": t1 - t0, "rss": status_mb("VmRSS") - before,
                  "peak": status_mb("VmHWM") - before, "found": len(rows)}))
"""


def full_gpt2(folder: Path) -> list[str]:
    """The tokenizer and wte of bench_sources, plus every other GPT-2-small tensor."""
    from safetensors.numpy import load_file, save_file

    words = write_gpt2_sized(folder)
    tensors = load_file(str(folder / "model.safetensors"))
    rng = np.random.default_rng(2)
    d, shapes = 768, {}
    for i in range(12):
        p = f"h.{i}."
        shapes.update(
            {
                p + "ln_1.weight": (d,),
                p + "ln_1.bias": (d,),
                p + "attn.c_attn.weight": (d, 3 * d),
                p + "attn.c_attn.bias": (3 * d,),
                p + "attn.c_proj.weight": (d, d),
                p + "attn.c_proj.bias": (d,),
                p + "ln_2.weight": (d,),
                p + "ln_2.bias": (d,),
                p + "mlp.c_fc.weight": (d, 4 * d),
                p + "mlp.c_fc.bias": (4 * d,),
                p + "mlp.c_proj.weight": (4 * d, d),
                p + "mlp.c_proj.bias": (d,),
            }
        )
    shapes.update({"ln_f.weight": (d,), "ln_f.bias": (d,)})
    for name, shape in shapes.items():
        tensors[name] = (0.02 * rng.standard_normal(shape)).astype(np.float32)
    tensors["wpe.weight"] = (0.02 * rng.standard_normal((1024, d))).astype(np.float32)
    save_file(tensors, str(folder / "model.safetensors"))
    (folder / "config.json").write_text(
        json.dumps(
            {
                "model_type": "gpt2",
                "architectures": ["GPT2Model"],
                "vocab_size": 50257,
                "n_embd": d,
                "n_layer": 12,
                "n_head": 12,
                "n_positions": 1024,
                "n_ctx": 1024,
            }
        )
    )
    return words


def run_json(cmd: list[str]) -> dict:
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(out.stderr.strip()[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--torch-python", required=True, help="a python that has torch and transformers")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "gpt2-small-shaped"
        t = time.perf_counter()
        words = full_gpt2(folder)
        size = (folder / "model.safetensors").stat().st_size / 1e6
        print(f"(wrote a {size:,.0f} MB GPT-2-small-shaped checkpoint in {time.perf_counter() - t:.1f} s)")
        ours, theirs = [], []
        for _ in range(args.repeat):  # interleaved, fresh processes
            ours.append(run_json([sys.executable, "-c", CHILD, str(ROOT), f"gpt2:{folder}", ",".join(words)]))
            theirs.append(run_json([args.torch_python, "-c", THEIRS, str(folder), ",".join(words)]))
    best = lambda runs, key: min(r[key] for r in runs)  # noqa: E731
    o, th = best(ours, "ready"), best(theirs, "ready")
    imp = best(theirs, "imports")
    print(f"{'loader':<44}{'ready (s)':>10}{'RSS +MB':>9}{'peak +MB':>10}")
    print(
        f"{'ours: safetensors wte only + tokenizers':<44}{o:>10.3f}{best(ours, 'rss'):>9.0f}{best(ours, 'peak'):>10.0f}"
    )
    print(
        f"{'transformers AutoModel + AutoTokenizer':<44}{th:>10.3f}"
        f"{best(theirs, 'rss'):>9.0f}{best(theirs, 'peak'):>10.0f}"
    )
    print(
        f"ratio (theirs / ours): {th / o:.1f}x; with their `import torch, transformers` ({imp:.2f} s): "
        f"{(th + imp) / o:.1f}x   (best of {args.repeat} interleaved runs, fresh processes)"
    )


if __name__ == "__main__":
    main()
