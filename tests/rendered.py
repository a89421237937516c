"""What a page's Markdown strings become once rendered: the links and images a visitor's input could make.

Streamlit renders every element body, label and help text as CommonMark
with GitHub's literal autolinks (``https://…``, ``www.…``, ``a@b.c``) and
its own ``:color[…]`` directives. :func:`live_parts` renders a string the
same way (markdown-it, CommonMark) and returns each ``<a>`` and ``<img>``
it makes, each autolink literal left in its text, and each directive, so
a test can scan every element of an AppTest run (:func:`page_strings`) and
say which input reached the page live.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from markdown_it import MarkdownIt

__all__ = ["live_parts", "page_strings", "hostile"]

_MD = MarkdownIt("commonmark")
_TAG = re.compile(r"<(a|img)\b[^>]*>", re.I)
# remark-gfm's autolink literals, found in text after Markdown (escapes resolved, zero-width spaces kept).
_AUTOLINK = re.compile(r"(?i:https?://|www\.)[^\s<]+|[\w.+-]+@[\w-]+\.\w+")
# Directives are parsed from the source: a backslash before the colon or the bracket stops them.
_DIRECTIVE = re.compile(r"(?<!\\):(?:red|blue|green|orange|violet|gray|grey|rainbow|primary)(?:-background)?(?<!\\)\[")
_FIELDS = {"body", "label", "help", "text", "caption"}


def live_parts(markdown: str) -> list[str]:
    """The links, images, autolinks and directives ``markdown`` renders to (empty: plain text)."""
    rendered = _MD.render(markdown)
    found = [m.group(0) for m in _TAG.finditer(rendered)]
    text = html.unescape(re.sub(r"<[^>]+>", " ", rendered))
    found += [m.group(0) for m in _AUTOLINK.finditer(text)]
    found += [m.group(0) for m in _DIRECTIVE.finditer(markdown)]
    return found


def _repeated(field) -> bool:
    is_repeated = getattr(field, "is_repeated", None)  # protobuf 6 (``label`` is gone)
    return bool(is_repeated) if is_repeated is not None else field.label == field.LABEL_REPEATED


def _strings(message, depth: int = 0) -> Iterator[str]:
    if depth > 8:
        return
    for field, value in message.ListFields():
        if field.type == field.TYPE_MESSAGE:
            items = value if _repeated(field) else [value]
            for item in items:
                yield from _strings(item, depth + 1)
        elif field.type == field.TYPE_STRING and field.name in _FIELDS:
            yield from (value if _repeated(field) else [value])


def _nodes(node) -> Iterator:
    proto = getattr(node, "proto", None)
    if proto is not None:
        yield proto
    children = getattr(node, "children", None) or {}
    for child in children.values():
        yield from _nodes(child)


def page_strings(at) -> list[str]:
    """Every Markdown-rendered string of an AppTest run: bodies, labels, help texts, captions, tab names."""
    return [s for proto in _nodes(at._tree) for s in _strings(proto) if s]


def hostile(at, markers: tuple[str, ...] = ("evil", "tinyurl")) -> list[tuple[str, list[str]]]:
    """``(string, live parts)`` of each rendered string of ``at`` whose links, images or directives hold a marker.

    The markers are parts of the input (a host name, a word), so the app's own links never count.
    """
    out = []
    for s in page_strings(at):
        parts = [p for p in live_parts(s) if any(m in p.lower() for m in markers) or p.startswith(":")]
        if parts:
            out.append((s[:200], parts))
    return out
