"""Rows of the curated and learned tab-separated tables under kg/data.

Every table there is written the same way: one row a line, columns split by tabs, "#" lines and
blank lines are comments. There is no quoting, so a '"' in a name is an ordinary character.
"""
from __future__ import annotations

from pathlib import Path
from typing import Protocol


class _Readable(Protocol):  # a Path or an importlib.resources Traversable
    def read_text(self, encoding: str = ...) -> str: ...


def table_rows(path: Path | str | _Readable, *, missing_ok: bool = False) -> list[list[str]]:
    """The rows of the table at `path` as lists of column strings (not stripped).

    `missing_ok`: an absent file reads as no rows (user-supplied optional tables); otherwise it
    raises FileNotFoundError, since a shipped table that is missing is a broken install.
    """
    p = Path(path) if isinstance(path, str) else path
    if missing_ok and isinstance(p, Path) and not p.is_file():
        return []
    return [line.split("\t") for line in p.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
