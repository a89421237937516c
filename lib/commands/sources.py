"""``python -m lib sources``: every source kind, whether it works offline, where it caches."""

from __future__ import annotations

import argparse

from ..sources import kinds
from ._common import print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sources", help="list the embedding sources", description=__doc__)
    p.add_argument(
        "--format", choices=("text", "json"), default="text", help="text: a table to read; json: a list (default text)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    rows = []
    for k in kinds():
        offline = k.offline()
        rows.append(
            {
                "kind": k.prefix,
                "forms": list(k.forms),
                "description": k.description,
                "offline": offline,
                "cache": k.cache(),
                "available": k.available(),
                "download_bytes": k.download_size(None) if k.download_size else None,
            }
        )
    if args.format == "json":
        print_json(rows)
        return 0
    for r in rows:
        ready = {True: "ready offline", False: "needs download", None: "depends on argument"}[r["offline"]]
        if not r["available"]:
            ready = "not installed"
        elif r["offline"] is False and r["download_bytes"]:
            ready += f" of ~{r['download_bytes'] / 1e9:.2f} GB"
        print(
            f"{' | '.join(r['forms'])}\n    {r['description']}\n    {ready}"
            + (f"; cache: {r['cache']}" if r["cache"] else "")
        )
    return 0
