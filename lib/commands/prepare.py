"""``python -m lib prepare SPEC [SPEC ...]``: download and build sources' caches ahead of time.

For a host's build step or a Docker image: each SPEC is loaded once, so its
download lands in the cache and its word table is built; the command prints
where each went and its size on disk. Progress (download, then the table
build) is drawn on stderr. Run it with the same ``COSINE_RINGS_CACHE`` (and
``GENSIM_DATA_DIR``/``HF_HOME``, if set) as the app.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..errors import CosineRingsError
from ..sources import Source, cache_root, load_source

__all__ = ["register", "run", "locations", "disk_size"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("prepare", help="download and build sources' caches ahead of time", description=__doc__)
    p.add_argument(
        "specs", nargs="+", metavar="SPEC", help="e.g. word2vec  glove  word2vec:/data/vectors.bin,limit=500000"
    )
    p.set_defaults(func=run)


def disk_size(path: Path) -> int:
    """Bytes on disk under ``path`` (a file or a folder; links not followed)."""
    if path.is_file():
        return path.stat().st_size
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            f = Path(root) / name
            if not f.is_symlink():
                total += f.stat().st_size
    return total


def locations(source: Source) -> list[tuple[str, Path]]:
    """What a loaded source keeps on disk: ``(role, path)`` pairs (empty for computed sources)."""
    base = getattr(source, "base", None)
    if base is not None:  # shuffled: the base's files
        return locations(base)
    found: list[tuple[str, Path]] = []
    origin = getattr(source, "origin", None)
    if origin is not None and Path(origin).resolve().is_relative_to(cache_root().resolve()):
        found.append(("download", Path(origin)))
    elif origin is not None:
        found.append(("file", Path(origin)))
    table = getattr(source, "table", None)
    if table is not None:
        found.append(("table", table.folder))
    folder = getattr(source, "folder", None)
    if folder is not None:
        found.append(("model", Path(folder)))
    return found


def _bar(spec: str):
    """A progress callback drawing a tqdm bar on stderr from its first call, and its closer."""
    from tqdm import tqdm

    bars: list = []

    def update(done: int, total: int | None) -> None:
        if not bars:
            bars.append(tqdm(desc=spec, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr, leave=False))
        bar = bars[0]
        if total and bar.total != total:
            bar.reset(total=total)  # the download, then the table build, each from 0
        bar.update(done - bar.n)

    def close() -> None:
        for bar in bars:
            bar.close()

    return update, close


def _human(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    return f"{n} B"


def run(args: argparse.Namespace) -> int:
    failed = 0
    for spec in args.specs:
        update, close = _bar(spec)
        try:
            source = load_source(spec, progress=update)
        except CosineRingsError as exc:
            close()
            print(f"{spec}: error: {exc}", file=sys.stderr)
            failed += 1
            continue
        close()
        places = locations(source)
        print(f"{source.spec}: ready ({source.name}, dim {source.dim})")
        for role, path in places:
            print(f"    {role:8} {path}  {_human(disk_size(path))}")
        table = getattr(source, "table", None)
        if table is not None and table.build.get("dropped"):
            dropped = ", ".join(f"{count:,} {reason}" for reason, count in table.build["dropped"].items())
            print(f"    dropped  {dropped} (of {table.build.get('read', 0):,} rows read)")
        for note in table.build.get("notes", []) if table is not None else []:
            print(f"    note     {note}")
        if getattr(table, "vectors_in", None) is not None:
            print(f"    note     the table reads the vectors from {table.vectors_in} in place: keep that file")
        if not places:
            print("    nothing to cache (computed on the fly)")
    if failed:
        print(f"error: {failed} of {len(args.specs)} sources could not be prepared", file=sys.stderr)
        return 2
    return 0
