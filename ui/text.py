"""User-given text shown as text: escaped for Streamlit's Markdown, shortened for messages.

Streamlit renders the strings of ``st.markdown``, ``st.caption``, alerts,
headings, metric and widget labels as Markdown with its own extensions
(``:red[...]`` directives, ``:emoji:`` short codes, ``$...$`` LaTeX, and
GitHub's literal autolinks of ``https://...`` and ``www.``). A word, SPEC,
URL parameter or file name is passed through :func:`plain` before it goes
into any of them: every ASCII punctuation character is backslash-escaped
(CommonMark shows an escaped character as itself), so no link, image,
directive, formula or emphasis can form; a zero-width space inside ``://``,
``www.`` and ``@`` stops the autolinks, which Streamlit finds after escapes.
Line breaks become spaces; long values end in an ellipsis.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable

__all__ = ["plain", "shorten", "plain_list", "shown", "MESSAGE_LIMIT"]

#: Longest user value shown in a message (characters, before escaping).
MESSAGE_LIMIT = 120
_ESCAPE = {ord(c): "\\" + c for c in string.punctuation}
_ESCAPE.update({ord(c): " " for c in "\r\n\t\v\f\u2028\u2029"})
_ZWSP = "\u200b"
_AUTOLINK = re.compile(r"://|(?i:www)\.|@\w")
_UNESCAPE = re.compile(rf"\\([{re.escape(string.punctuation)}])")


def shorten(value: object, limit: int | None = MESSAGE_LIMIT) -> str:
    """``str(value)`` cut to ``limit`` characters with an ellipsis and the full length.

    Examples
    --------
    >>> shorten("x" * 10, 4)
    'xxxx… (10 characters)'
    """
    s = str(value)
    if limit is None or len(s) <= limit:
        return s
    return f"{s[:limit]}… ({len(s):,} characters)"


def plain(value: object, limit: int | None = MESSAGE_LIMIT) -> str:
    """``value`` as literal text for any Streamlit Markdown string (shortened to ``limit``).

    Examples
    --------
    >>> plain("**b** [x](y)")
    '\\\\*\\\\*b\\\\*\\\\* \\\\[x\\\\]\\\\(y\\\\)'
    >>> plain("cat")
    'cat'
    """
    text = shorten(value, limit)
    # Streamlit's GitHub-style autolinks are found in the text after escapes are resolved, so
    # a zero-width space breaks "://", "www." and "@" (it shows as nothing).
    text = _AUTOLINK.sub(lambda m: m.group(0)[:-1] + _ZWSP + m.group(0)[-1], text)
    return text.translate(_ESCAPE)


def plain_list(items: Iterable[object], limit: int = 12, each: int = 60) -> str:
    """Up to ``limit`` items, each :func:`plain` and shortened to ``each``, joined by commas."""
    items = list(items)
    shown = ", ".join(plain(x, each) for x in items[:limit])
    return shown + (f" … (+{len(items) - limit:,} more)" if len(items) > limit else "")


def shown(markdown: str) -> str:
    """What Streamlit shows for a string made with :func:`plain`: its backslash escapes removed.

    Examples
    --------
    >>> shown(plain("a=[b]"))
    'a=[b]'
    """
    return _UNESCAPE.sub(r"\1", markdown).replace(_ZWSP, "")
