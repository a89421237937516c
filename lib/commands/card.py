"""``python -m lib card``: know a space before comparing it.

Hubness (the k-occurrence N_k of the first N vocabulary words for each k:
skewness, hub and antihub rates, Robin Hood index, top hubs), anisotropy
(mean pairwise cosine, first-component share, participation ratio) and the
word benchmarks scored as gensim scores them (WordSim-353, SimLex-999,
Google analogies with 3CosAdd over the first 300,000 entries). Prints JSON
or text; cards are cached by the content of the source's files.
"""

from __future__ import annotations

import argparse
import sys

from ..budget import check_card
from ..errors import InputError
from ..sources import VocabSource
from ..spaces.benchmarks import BENCHMARKS, RESTRICT_VOCAB
from ..spaces.card import DEFAULT_TOP, SpaceCard, check_card_args
from ..spaces.hubness import DEFAULT_KS
from ..spaces.store import card_for
from ._common import add_budget_arg, check_budget, load_checked, print_json

__all__ = ["register", "run", "card_text"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("card", help="hubness, anisotropy and word benchmarks of one source", description=__doc__)
    p.add_argument("--source", required=True, metavar="SPEC", help="the source, e.g. glove or abtt:glove")
    p.add_argument("--top", type=int, default=DEFAULT_TOP, metavar="N", help=f"hubness rows (default {DEFAULT_TOP:,})")
    p.add_argument("--k", default=",".join(map(str, DEFAULT_KS)), metavar="K,K", help="neighbourhood sizes")
    p.add_argument(
        "--benchmarks",
        default=",".join(BENCHMARKS),
        metavar="NAME,NAME",
        help=f"any of {', '.join(BENCHMARKS)} (empty: none; default all)",
    )
    p.add_argument("--format", choices=("json", "text"), default="json")
    p.add_argument("--no-cache", action="store_true", help="recompute even when a cached card exists")
    add_budget_arg(p)
    p.set_defaults(func=run)


def _ints(text: str) -> list[int]:
    try:
        return [int(x) for x in text.replace(" ", "").split(",") if x]
    except ValueError:
        raise InputError(f"--k must be comma-separated whole numbers, got {text[:40]!r}") from None


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _num(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def card_text(card: SpaceCard) -> str:
    """The card as a few lines of text."""
    a = card.anisotropy
    lines = [
        f"{card.name} ({card.source}), {card.dim} dimensions; "
        f"hubness and anisotropy over the first {card.rows:,} words",
        f"anisotropy: mean cosine {a.mean_cosine:.4f}, first component {_pct(a.top_pc_share)} of the variance, "
        f"participation ratio {a.effective_dim:.1f}",
    ]
    for k, h in card.hubness.items():
        hubs = ", ".join(f"{w} {c}" for w, c in h.top_hubs[:8])
        lines.append(
            f"k={k}: skewness {h.skewness:.2f}, hubs {_pct(h.hub_rate)}, antihubs {_pct(h.antihub_rate)}, "
            f"Robin Hood {h.robinhood:.3f}; top: {hubs}"
        )
    for name, b in card.benchmarks.items():
        if "pairs_used" in b:
            ci = b["spearman_ci"] or [None, None]
            lines.append(
                f"{name}: Spearman {_num(b['spearman'])} [{_num(ci[0])}, {_num(ci[1])}], Pearson {_num(b['pearson'])} "
                f"({b['pairs_used']}/{b['pairs_total']} pairs)"
            )
        else:
            lines.append(
                f"{name}: accuracy {_pct(b['accuracy'])} ({b['correct']}/{b['questions_used']} answered of "
                f"{b['questions_total']} questions)"
            )
    lines.append(f"benchmark words: {card.rule}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    names = [x.strip() for x in args.benchmarks.split(",") if x.strip()]
    top, ks, names = check_card_args(args.top, _ints(args.k), names)
    source = load_checked(args, args.source)
    n_rows = source.n_rows if isinstance(source, VocabSource) else top
    vocabulary = min(n_rows, RESTRICT_VOCAB) if names else 0
    check_budget(args, check_card, top, source.dim, ks[-1], vocabulary, "analogies" in names)
    card = card_for(
        args.source, top=top, ks=ks, benchmarks=names, use_cache=not args.no_cache, loader=lambda spec: source
    )
    if card.timings:  # absent for a card read from the cache
        t = card.timings
        print(
            f"card: read {t['load_s']:.1f} s, hubness and anisotropy {t['hubness_s']:.1f} s, "
            f"benchmarks {t['benchmarks_s']:.1f} s",
            file=sys.stderr,
        )
    if args.format == "text":
        sys.stdout.write(card_text(card) + "\n")
    else:
        print_json(card.to_dict())
    return 0
