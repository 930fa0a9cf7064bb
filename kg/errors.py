"""Error types whose ``str()`` is the one-line message a user sees.

The CLI prints ``str(exc)`` for any CaseKGError and exits non-zero, so the message
must stand alone: which file, what is wrong, on one line.
"""

from __future__ import annotations

import os


class CaseKGError(Exception):
    """Base class for errors that are the user's to fix (bad input, bad query, locked corpus)."""


class InputError(CaseKGError):
    """A corpus file that cannot be used: ``"<path>: <reason>"``."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        self.path = os.fspath(path)
        # Newlines would break the one-line contract (log grepping, build summaries).
        self.reason = " ".join(str(reason).split())
        super().__init__(f"{self.path}: {self.reason}")


# architecture.md names the corpus error type CorpusError; same class, both names work.
CorpusError = InputError


class QueryError(CaseKGError):
    """A SPARQL query that is missing, malformed or given bad parameters."""

    def __init__(self, message: str) -> None:
        self.message = " ".join(str(message).split())
        super().__init__(self.message)
