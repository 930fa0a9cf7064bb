"""`kg export` and `kg report`: module-level click commands, registered by kg/cli.py with
`main.add_command(export)` and `main.add_command(report)`.

Heavy imports (networkx, plotly) happen inside the commands so `kg --help` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kg.cli_options import EXIT_USAGE, STORE_OPT
from kg.cli_options import fail as _fail

FORMATS = ("graphml", "gexf", "cyjs", "jsonld", "turtle", "nquads", "csv", "dot", "html")
VIEWS = ("patients", "summary", "evidence")
_BY_SUFFIX = {".graphml": "graphml", ".gexf": "gexf", ".cyjs": "cyjs", ".jsonld": "jsonld", ".json": "cyjs",
              ".ttl": "turtle", ".nq": "nquads", ".csv": "csv", ".dot": "dot", ".gv": "dot", ".html": "html", ".htm": "html"}

@click.command("export")
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default=None,
              help="Output format (default: from the -o file extension).")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="Output file (default stdout; CSV writes FILE.nodes.csv and FILE.edges.csv, or nodes.csv/edges.csv in a directory).")
@click.option("--view", type=click.Choice(VIEWS), default="patients", show_default=True,
              help="patients: patient -> drug/manifestation/antibody/disease/adverse event; summary: drug -> "
                   "manifestation weighted by patients per outcome; evidence: statements with their sentences.")
@click.option("--query", "query", default=None, metavar="FILE.rq",
              help="Export the graph a CONSTRUCT query returns instead of a view (a .rq file, a catalogue name or SPARQL text).")
@STORE_OPT
def export(fmt: str | None, output: Path | None, view: str, query: str | None, store: Path) -> None:
    """Export the graph for Gephi, Cytoscape, yEd, Graphviz, spreadsheets or a browser.

    Graph formats (graphml, gexf, cyjs, csv, dot, html) write a networkx projection of the
    view; RDF formats (jsonld, turtle, nquads) write the RDF the view is projected from.
    html is one self-contained page (no network needed): a laid-out graph coloured by type,
    with search, type and outcome filters and a panel of each node's evidence sentences.

    \b
    Examples:
      kg export -f html -o graph.html
      kg export --view summary -o summary.graphml
      kg export --view evidence -f gexf -o evidence.gexf
      kg export -f csv -o tables/
      kg export --query my-subgraph.rq -f cyjs -o subgraph.cyjs
    """
    from kg.errors import CaseKGError
    from kg.export import render, csv_paths
    from kg.atomic import write_bytes_atomic

    if fmt is None:
        if output is None or (output.suffix.lower() not in _BY_SUFFIX and not output.is_dir()):
            _fail("give --format (or an -o FILE whose extension names one: .graphml .gexf .cyjs .jsonld .ttl .nq .csv .dot .html)", EXIT_USAGE)
        assert output is not None
        fmt = "csv" if output.is_dir() else _BY_SUFFIX[output.suffix.lower()]
    if fmt == "csv" and output is None:
        _fail("--format csv writes two tables (nodes and edges): give -o FILE.csv or -o DIR", EXIT_USAGE)
    if not store.is_dir():
        _fail(f"{store}: no store here; run `kg build` first")
    try:
        parts = render(store, fmt, view, query)
    except CaseKGError as exc:
        _fail(str(exc), EXIT_USAGE)
    except OSError as exc:
        _fail(f"{store}: cannot open the store ({exc}); is `kg build` running?")
    if output is None:
        sys.stdout.buffer.write(parts[""])
        sys.stdout.flush()
        return
    written: list[Path] = []
    if fmt == "csv":
        npath, epath = csv_paths(output)
        npath.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(npath, parts["nodes"])
        write_bytes_atomic(epath, parts["edges"])
        written = [npath, epath]
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(output, parts[""])
        written = [output]
    what = f"query {query}" if query else f"{view} view"
    click.echo(f"wrote {', '.join(str(p) for p in written)} ({fmt}, {what})", err=True)


@click.command("report")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), default=Path("report.html"),
              show_default=True, help="HTML file to write.")
@click.option("--title", default="casekg corpus report", show_default=True, help="Page title.")
@STORE_OPT
def report(output: Path, title: str, store: Path) -> None:
    """Write an HTML report of the corpus with interactive plots (Plotly, inlined).

    Drug x manifestation outcome heat map, entities per article, autoantibodies by
    patient count, statements by kind and assertion status, adverse events by drug,
    and tables of the top drug/manifestation pairs and the articles. The file opens
    without a network.

    \b
    Example:
      kg report -o report.html && xdg-open report.html
    """
    from kg.htmlreport import write_report

    if not store.is_dir():
        _fail(f"{store}: no store here; run `kg build` first")
    try:
        path = write_report(store, output, title)
    except OSError as exc:
        _fail(f"{store}: cannot open the store ({exc}); is `kg build` running?")
    click.echo(f"wrote {path}", err=True)


__all__ = ["export", "report"]
