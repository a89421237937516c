"""The whole GloVe space card against gensim's ``evaluate_word_analogies`` alone, same vectors, one run.

1. **Ours**: ``python -m lib card --source glove --top 2000 --no-cache --allow-large``
   timed as a whole process (start to exit: imports, reading 300,000 rows,
   2,000-row hubness at k = 5, 10, 50, anisotropy, WordSim-353, SimLex-999
   and the 19,544 analogy questions), with its peak RSS (``/usr/bin/time``).
2. **gensim**: a process loads the same 400,000 GloVe vectors into a
   ``KeyedVectors`` (not timed), then times ``evaluate_word_analogies`` on
   ``questions-words.txt`` with its defaults (``restrict_vocab=300000``,
   ``case_insensitive=True``), and ``evaluate_word_pairs`` on both pair sets.
3. The numbers are compared: analogies correct / used and per section,
   Pearson and Spearman of both pair sets.

Reported: both times, the ratio gensim / ours, and whether the numbers are equal.
Run: ``python bench/bench_card.py`` (several minutes: gensim alone takes about two on an idle machine).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_GENSIM = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from gensim.models import KeyedVectors
from gensim.test.utils import datapath
from lib.sources import load_source
words, vectors = load_source("glove").vocabulary()
kv = KeyedVectors(vectors.shape[1])
kv.add_vectors(words, vectors)
out = {}
for name, file in (("wordsim353", "wordsim353.tsv"), ("simlex999", "simlex999.txt")):
    p, s, _ = kv.evaluate_word_pairs(datapath(file))
    out[name] = [float(p[0]), float(s[0])]
t, c = time.perf_counter(), time.process_time()
score, sections = kv.evaluate_word_analogies(datapath("questions-words.txt"))
out["analogies_s"], out["analogies_cpu_s"] = time.perf_counter() - t, time.process_time() - c
out["sections"] = [[s["section"], len(s["correct"]), len(s["correct"]) + len(s["incorrect"])] for s in sections]
print(json.dumps(out))
"""


def ours(cache: str) -> tuple[float, float, int, dict]:
    cmd = ["/usr/bin/time", "-f", "%M %U %S", sys.executable, "-m", "lib", "card", "--source", "glove"]
    cmd += ["--top", "2000", "--no-cache", "--allow-large"]
    t = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env={"COSINE_RINGS_CACHE": cache, **_env()})
    seconds = time.perf_counter() - t
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    lines = done.stderr.strip().splitlines()
    print(*lines[:-1], sep="\n")  # the command's own stage timings
    rss, user, system = lines[-1].split()
    return seconds, float(user) + float(system), int(rss), json.loads(done.stdout)


def _env() -> dict:
    import os

    return dict(os.environ)


def _load() -> str:
    import os

    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    print(f"before: {_load()}")
    with tempfile.TemporaryDirectory() as cache:
        seconds, cpu, rss_kb, card = ours(cache)
    print(f"ours: whole card command {seconds:.1f} s wall, {cpu:.1f} s CPU, peak RSS {rss_kb / 1024:.0f} MB")
    done = subprocess.run(
        [sys.executable, "-c", _GENSIM, str(ROOT)], capture_output=True, text=True, check=True, cwd=ROOT
    )
    g = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"gensim: evaluate_word_analogies alone {g['analogies_s']:.1f} s wall, {g['analogies_cpu_s']:.1f} s CPU")
    print(f"ratio gensim / ours: {g['analogies_s'] / seconds:.2f}x wall, {g['analogies_cpu_s'] / cpu:.2f}x CPU")
    print(f"after: {_load()}")
    a = card["benchmarks"]["analogies"]
    mine = [[s["section"], s["correct"], s["questions_used"]] for s in a["sections"]]
    mine.append(["Total accuracy", a["correct"], a["questions_used"]])
    print(f"analogies: ours {a['correct']}/{a['questions_used']}, gensim {g['sections'][-1][1]}/{g['sections'][-1][2]}")
    print(f"analogies equal to gensim in every section: {mine == g['sections']}")
    for name in ("wordsim353", "simlex999"):
        b = card["benchmarks"][name]
        dp, ds = abs(b["pearson"] - g[name][0]), abs(b["spearman"] - g[name][1])
        print(f"{name}: Pearson {b['pearson']:.6f} (|diff| {dp:.1e}), Spearman {b['spearman']:.6f} (|diff| {ds:.1e})")


if __name__ == "__main__":
    main()
