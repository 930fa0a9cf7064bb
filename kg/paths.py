"""Where the shipped data (ontology, query catalogue) lives.

In a source checkout they are the top-level `ontology/` and `queries/` folders;
in an installed wheel the same folders are mapped into the package as
`kg.ontology` and `kg.queries` (see pyproject.toml), so both cases resolve here.
"""

from __future__ import annotations

from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent


def _resolve(name: str) -> Path:
    source = _ROOT / name
    if source.is_dir():
        return source
    from importlib.resources import files

    return Path(str(files(f"kg.{name}")))


def ontology_dir() -> Path:
    return _resolve("ontology")


def queries_dir() -> Path:
    return _resolve("queries")
