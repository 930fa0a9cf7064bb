"""Options and error exits shared by every `kg` subcommand module.

Kept apart from kg/cli.py so command modules can use them without importing the group.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

EXIT_USAGE = 2  # bad query, unknown name, missing parameter: same status as click's usage errors

CORPUS_OPT = click.option(
    "--corpus",
    "corpus",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("corpus"),
    envvar="KG_CORPUS",
    show_default=True,
    help="Corpus directory (env KG_CORPUS).",
)
STORE_OPT = click.option(
    "--store",
    "store",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path(".kg/store"),
    envvar="KG_STORE",
    show_default=True,
    help="On-disk Oxigraph store directory (env KG_STORE).",
)
QUERIES_OPT = click.option(
    "--queries",
    "queries_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    envvar="KG_QUERIES",
    help="Query catalogue directory (default: the shipped queries/).",
)


def fail(message: str, code: int = 1) -> NoReturn:
    """One line on stderr, then exit with `code`."""
    click.echo(f"kg: error: {message}", err=True)
    sys.exit(code)
