"""Rows of the curated and learned tab-separated tables under kg/data.

Every table there is written the same way: one row a line, columns split by tabs, "#" lines and
blank lines are comments. There is no quoting, so a '"' in a name is an ordinary character.
"""
from __future__ import annotations

from pathlib import Path
from typing import Protocol

from kg.atomic import write_text_atomic


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


def write_table(path: Path, comment: str, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """A table built by a script (the MeSH ID tables): '# ' comment lines, the header row, the
    rows; written atomically, so a failed build leaves the shipped table as it was."""
    head = "".join(f"# {line}\n" for line in comment.splitlines())
    write_text_atomic(path, head + "".join("\t".join(r) + "\n" for r in [header, *rows]))


def table_records(path: Path, header: str, width: int) -> list[list[str]]:
    """The rows of a table `write_table` wrote whose first column is `header`: those with at
    least `width` columns, the header row left out; an absent file reads as no rows."""
    return [r for r in table_rows(path, missing_ok=True) if len(r) >= width and r[0] != header]
