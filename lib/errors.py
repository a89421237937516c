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
    "ServerPathError",
    "SourceError",
    "VectorFileError",
    "BudgetError",
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


class ServerPathError(SpecError):
    """A SPEC that would open a file or folder on a server that does not allow it."""


class SourceError(CosineRingsError):
    """A source that cannot be loaded (missing file, no network, bad model)."""


class VectorFileError(SourceError):
    """A vectors file that is malformed, truncated or of an unknown format."""


class BudgetError(InputError):
    """Work over the budget (memory or time estimated from the sizes), refused before it starts.

    ``cost`` is the :class:`lib.budget.Cost` that did not fit.
    """

    def __init__(self, message: str, cost=None):
        super().__init__(message)
        self.cost = cost


class ClusterError(CosineRingsError):
    """A Dask scheduler that cannot be reached, has no workers, or whose tasks failed."""
