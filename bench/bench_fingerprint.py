"""Cache keys of a large vectors file: hashing its content against its identity (stat).

Word tables and hubs results are keyed by the content of the files they come
from (:func:`lib.sources._cache.file_fingerprint`). This measures why files
above ``HASH_LIMIT`` are keyed by device, inode, size, mtime and ctime rather
than by a hash: a SHA-256 of a file the size of a large word2vec download
(default 1.2 GB, warm page cache) against the stat key the loader uses,
as a ratio in the same run.

Run: python bench/bench_fingerprint.py [--mb 1200]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lib.sources._cache import HASH_LIMIT, file_fingerprint  # noqa: E402


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=1200, help="file size in MB (default 1200)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "vectors.bin"
        with open(path, "wb") as fh:
            for _ in range(args.mb):
                fh.write(os.urandom(1_000_000))
        _sha256(path)  # warm the page cache, as after a first load
        start = time.perf_counter()
        _sha256(path)
        hashed = time.perf_counter() - start
        start = time.perf_counter()
        for _ in range(1000):
            key = file_fingerprint(path)
        keyed = (time.perf_counter() - start) / 1000
    assert args.mb * 1_000_000 <= HASH_LIMIT or key.startswith("stat:")
    print(f"file: {args.mb:,} MB; HASH_LIMIT {HASH_LIMIT / 2**20:.0f} MiB")
    print(f"sha256 of the content: {hashed:.2f} s ({args.mb / hashed:,.0f} MB/s)")
    print(f"file_fingerprint (stat key): {keyed * 1e6:.1f} us")
    print(f"ratio hash / stat key: {hashed / keyed:,.0f}x")


if __name__ == "__main__":
    main()
