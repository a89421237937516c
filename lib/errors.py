"""Exception types of Cosine Rings.

Every error the library raises on bad input is a :class:`CosineRingsError`
with a one-line message meant for the user. The command line turns it into
exit code 2, the pages into ``st.error``.
"""
from __future__ import annotations

__all__ = [
    "ClusterError",
    "CosineRingsError",
    "InputError",
    "SpecError",
    "SourceError",
    "VectorFileError",
]


class CosineRingsError(Exception):
    """Base class: a problem the user can fix, described in one line."""

    def __init__(self, message: str):
        # Keep messages to one line whatever the underlying library said.
        super().__init__(" ".join(str(message).split()))


class InputError(CosineRingsError, ValueError):
    """Bad words, word lists, thresholds or options."""


class SpecError(CosineRingsError, ValueError):
    """A source SPEC string that cannot be parsed or names no known source."""


class SourceError(CosineRingsError):
    """A source that cannot be loaded (missing file, no network, bad model)."""


class VectorFileError(SourceError):
    """A vectors file that is malformed, truncated or of an unknown format."""


class ClusterError(CosineRingsError):
    """A Dask scheduler that cannot be reached, has no workers, or whose tasks failed."""
