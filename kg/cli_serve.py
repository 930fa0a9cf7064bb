"""The `kg serve`, `kg dump` and `kg load` commands (click), added to the `kg` group in kg/cli.py.

Heavy imports (uvicorn, starlette) happen inside the commands so `kg --help` stays fast."""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path

import click

from kg.cli_options import QUERIES_OPT, STORE_OPT
from kg.cli_options import fail as _fail


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command("serve")
@STORE_OPT
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; loopback unless you mean to share it.")
@click.option("--port", default=7878, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(min=0.1), help="Per-query time limit in seconds.")
@click.option("--max-rows", default=10_000, show_default=True, type=click.IntRange(min=0), help="Result rows (or triples) per answer; 0 = no cap.")
@click.option("--workers", default=None, type=click.IntRange(min=1), help="Query worker processes [default: min(4, CPUs)].")
@QUERIES_OPT
def serve(store: Path, host: str, port: int, timeout: float, max_rows: int, workers: int | None, queries_dir: Path | None) -> None:
    """Serve the graph read-only over HTTP: a SPARQL 1.1 endpoint, the query catalogue
    and a web UI.

    \b
    /sparql            SPARQL 1.1 Protocol (GET/POST); service description on a plain GET
    /queries           the catalogue as JSON; /queries/NAME?param=value runs one
    /                  web UI: editor, examples, result table, entity pages
    SPARQL Update, LOAD and SERVICE are refused. Each query runs in a worker process
    that is killed when it passes --timeout.

    \b
    Example:
      kg serve --store .kg/store --port 7878
      curl -H 'Accept: text/csv' 'http://127.0.0.1:7878/queries/patients-with-antibody?antibody=anti-MDA5'
    """
    from kg.paths import queries_dir as default_queries_dir
    from kg.query import Catalogue
    from kg.server import run_server

    if not store.is_dir():
        _fail(f"{store}: no store here; run `kg build` first")
    if not _is_loopback(host):
        click.echo(f"kg serve: listening on {host}: anyone who can reach this address can query the graph", err=True)
    catalogue = Catalogue(queries_dir or default_queries_dir())
    click.echo(f"kg serve: http://{'[' + host + ']' if ':' in host else host}:{port}/  (SPARQL endpoint: /sparql)", err=True)
    run_server(store, host=host, port=port, timeout=timeout, max_rows=max_rows, catalogue=catalogue, workers=workers)


@click.command("dump")
@click.argument("output", type=click.Path(dir_okay=False, allow_dash=True))
@STORE_OPT
@click.option("--format", "-f", "fmt", type=click.Choice(["nquads", "trig"]), default=None, help="Default: from the file name (.nq, .trig, optionally .gz).")
def dump(output: str, store: Path, fmt: str | None) -> None:
    """Write the whole graph (every article's named graph) as N-Quads or TriG.

    The file is written to a temporary name and renamed when complete; `.gz`
    compresses (reproducibly: the same graph gives the same bytes). OUTPUT `-`
    writes N-Quads (or --format) to stdout.

    \b
    Examples:
      kg dump release/casekg.nq.gz
      kg dump graph.trig --store .kg/store
    """
    from kg.dump import dump as run_dump
    from kg.errors import CaseKGError

    try:
        if output == "-":
            n = run_dump(store, sys.stdout.buffer, fmt)
        else:
            n = run_dump(store, Path(output), fmt)
    except CaseKGError as exc:
        _fail(str(exc))
    click.echo(f"{n} quads written to {'stdout' if output == '-' else output}", err=True)


@click.command("load")
@click.argument("input_", metavar="INPUT", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--store",
    default=".kg/store",
    envvar="KG_STORE",
    show_default=True,
    help="Store directory (created if missing), or a SPARQL Graph Store Protocol URL (env KG_STORE).",
)
@click.option("--format", "-f", "fmt", type=click.Choice(["nquads", "trig"]), default=None, help="Default: from the file name (.nq, .trig, optionally .gz).")
def load(input_: str, store: str, fmt: str | None) -> None:
    """Load an N-Quads or TriG file (e.g. from `kg dump`) into a store.

    The file is checked to the end before anything is written. A new store is
    built aside and moved into place when complete; into an existing store (or a
    remote one) each named graph in the file replaces that graph whole, and
    graphs not in the file are kept. Loading the same file again is harmless.

    \b
    Examples:
      kg load release/casekg.nq.gz --store .kg/store
      kg load graph.trig --store http://127.0.0.1:7878/store
    """
    from kg.dump import load as run_load
    from kg.errors import CaseKGError

    try:
        summary = run_load(store, input_ if input_ == "-" else Path(input_), fmt)
    except CaseKGError as exc:
        _fail(str(exc))
    how = "into a new store" if summary.new_store else "graphs replaced"
    click.echo(f"{summary.quads} quads in {summary.graphs} graphs loaded ({how}) -> {store}", err=True)


__all__ = ["serve", "dump", "load"]
