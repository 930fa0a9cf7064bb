"""The `kg` command. Thin: parse arguments, call a stage, print.

Heavy libraries (spaCy, pyshacl) are imported inside the commands that need
them so that `kg query` and `kg --help` start fast.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kg import __version__
from kg.cli_scale import build_options

from kg.cli_options import CORPUS_OPT, EXIT_USAGE, QUERIES_OPT, STORE_OPT
from kg.cli_options import fail as _fail


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="casekg")
def main() -> None:
    """casekg: case reports -> knowledge graph -> SPARQL.

    \b
    Example:
      kg build && kg query patients-with-antibody --param antibody=anti-MDA5
    """


@main.command()
@CORPUS_OPT
@click.option(
    "--store",
    "store",
    default=".kg/store",
    envvar="KG_STORE",
    show_default=True,
    help="Store directory, or the URL of a SPARQL 1.1 Graph Store Protocol endpoint (env KG_STORE).",
)
@click.option("--force", is_flag=True, help="Re-extract every article, even unchanged ones.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar, summary only.")
@build_options
def build(corpus: Path, store: str, force: bool, quiet: bool, jobs: int, dask: str | None) -> None:
    """Extract every corpus article and write its named graph into the store.

    Unchanged articles are skipped; a changed article's graph is replaced whole;
    an unreadable file is reported, the others still build, and the exit status
    is 1. Ctrl-C stops cleanly (exit 130); a re-run continues where it stopped.

    \b
    Examples:
      kg build --corpus corpus --store .kg/store
      kg build --jobs 2
      kg build --dask tcp://scheduler:8786
      kg build --store http://localhost:7878/store   # oxigraph serve, Fuseki, GraphDB ...
    """
    from rich.console import Console

    from kg.build import build as run_build
    from kg.console import build_progress, print_build_summary
    from kg.errors import CaseKGError
    from kg.remote import is_url

    console = Console(stderr=True)
    if not corpus.is_dir():
        _fail(f"{corpus}: corpus directory not found")
    try:
        with build_progress(console, enabled=not quiet) as hook:
            target = store if is_url(store) else Path(store)
            summary = run_build(corpus, target, force=force, on_progress=hook, jobs=jobs, dask=dask)
    except CaseKGError as exc:
        _fail(str(exc))
    print_build_summary(summary, Console())
    for line in summary.failed:
        click.echo(f"kg: error: {line}", err=True)
    if summary.interrupted:
        click.echo("kg: interrupted; re-run `kg build` to continue", err=True)
        sys.exit(130)
    sys.exit(0 if summary.ok else 1)


@main.command()
@click.argument("name", required=False)
@click.option("--sparql", help="Run this SPARQL text instead of a catalogue query.")
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE", help="Query parameter (repeatable).")
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["table", "csv", "tsv", "json"]),
    default="table",
    show_default=True,
)
@click.option("--list", "list_", is_flag=True, help="List the query catalogue and exit.")
@QUERIES_OPT
@click.option("--endpoint", default=None, envvar="KG_ENDPOINT",
              help="Query this SPARQL endpoint instead of the store (env KG_ENDPOINT).")
@STORE_OPT
def query(
    name: str | None,
    sparql: str | None,
    params: tuple[str, ...],
    fmt: str,
    list_: bool,
    queries_dir: Path | None,
    endpoint: str | None,
    store: Path,
) -> None:
    """Run a catalogue query (NAME), a .rq file, or --sparql text.

    Parameters are bound as RDF terms, never pasted into the query text.

    \b
    Examples:
      kg query --list
      kg query drugs-for-manifestation --param manifestation=panniculitis
      kg query my-query.rq -f csv
      kg query --sparql 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }'
      kg query adverse-events --endpoint http://localhost:7878/query
    """
    from kg.errors import CaseKGError
    from kg.paths import queries_dir as default_queries_dir
    from kg.query import Catalogue, format_result, next_page_hint, run

    catalogue = Catalogue(queries_dir or default_queries_dir())
    if list_:
        for q in catalogue:
            ps = ", ".join(f"{p.name}{'' if p.required else '?'}" for p in q.params)
            click.echo(f"{q.name:28} {q.title}" + (f"  [{ps}]" if ps else ""))
        return
    if bool(name) == bool(sparql):
        _fail("give a query NAME, a .rq FILE, or --sparql TEXT (exactly one)", EXIT_USAGE)
    bound: dict[str, str] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key:
            _fail(f"--param {item!r}: expected KEY=VALUE", EXIT_USAGE)
        bound[key] = value
    if endpoint:
        from kg.remote import run as run_remote

        try:
            click.echo(format_result(run_remote(endpoint, sparql if sparql else name, bound, catalogue=catalogue), fmt), nl=False)
        except CaseKGError as exc:
            _fail(str(exc), EXIT_USAGE)
        return
    if not (store / "CURRENT").exists() and not store.is_dir():
        _fail(f"{store}: no store here; run `kg build` first", 1)
    try:
        result = run(store, sparql if sparql else name, bound, catalogue=catalogue)
        click.echo(format_result(result, fmt), nl=False)
        if fmt != "table" and next_page_hint(result):
            click.echo(next_page_hint(result), err=True)  # csv/tsv/json stay plain results
    except CaseKGError as exc:
        _fail(str(exc), EXIT_USAGE)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@click.option(
    "--format", "-f", "fmt", type=click.Choice(["pubtator", "bioc", "jsonl", "brat"]), default="pubtator", show_default=True
)
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Output file (a directory for brat); default stdout.")
def extract(paths: tuple[Path, ...], fmt: str, output: Path | None) -> None:
    """Write every mention found in text files as annotations.

    PATHS are .txt files, article folders or directories of .txt files (one document
    per file; document id = file stem). Offsets point into the original text. PubTator
    output lists asserted (present) mentions only; jsonl, bioc and brat also carry the
    negated, hypothetical and historical ones with their status.

    \b
    Examples:
      kg extract notes/ --format pubtator > mentions.pubtator
      kg extract case.txt -f jsonl
      kg extract corpus/ -f brat -o annotated/
    """
    from kg.annotations import to_bioc, to_brat, to_jsonl, to_pubtator
    from kg.atomic import write_text_atomic
    from kg.corpus import read_article
    from kg.errors import InputError
    from kg.extract import extract_many

    if fmt == "brat" and output is None:
        _fail("--format brat writes one .ann per document: give --output DIR", EXIT_USAGE)
    articles, failed = [], []
    for path in _document_paths(paths):
        try:
            articles.append(read_article(path))
        except InputError as exc:
            failed.append(str(exc))
    docs = [(a.id, a.text, ex) for a, ex in zip(articles, extract_many(articles))]
    if fmt == "brat":
        assert output is not None
        output.mkdir(parents=True, exist_ok=True)
        for (doc_id, text, ex) in docs:
            write_text_atomic(output / f"{doc_id}.txt", text)
            write_text_atomic(output / f"{doc_id}.ann", to_brat(ex))
    else:
        text = {"pubtator": to_pubtator, "bioc": to_bioc, "jsonl": to_jsonl}[fmt](docs)
        if output is None:
            click.echo(text, nl=False)
        else:
            write_text_atomic(output, text)
    click.echo(f"{len(docs)} documents, {sum(len(d[2].mentions) for d in docs)} mentions", err=True)
    for line in failed:
        click.echo(f"kg: error: {line}", err=True)
    sys.exit(1 if failed else 0)


def _document_paths(paths: tuple[Path, ...]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir() and not (p / "article.txt").is_file():
            out.extend(sorted(c for c in p.iterdir() if (c.is_file() and c.suffix.lower() == ".txt")
                              or (c.is_dir() and (c / "article.txt").is_file())))
        else:
            out.append(p)
    return out


@main.command()
@click.option("--gold", "gold", required=True, type=click.Path(path_type=Path, exists=True), help="Gold file or brat directory.")
@click.option(
    "--format", "-f", "fmt", required=True, type=click.Choice(["pubtator", "phenotagger-tsv", "brat"]), help="Gold format."
)
@click.option("--errors", "errors", type=int, default=0, show_default=True, help="List this many false positives and negatives.")
@click.option("--lexicon-only", is_flag=True, help="Score the dictionary recogniser alone, not the full pipeline.")
@click.option("--assertion-convention", type=click.Choice(["plain", "graph"]), default="plain", show_default=True,
              help="graph: a finding with a resolution, or a drug with a stop, recorded about it reads negated, "
                   "as brat NEG marks them (the plain figures are printed beside).")
def evaluate(gold: Path, fmt: str, errors: int, lexicon_only: bool, assertion_convention: str) -> None:
    """Score the extractor against a gold corpus: P/R/F1 per entity type.

    Prints strict-span, overlapping-span and (for linked types) identifier-level
    precision, recall and F1, at mention and document level. For brat gold with POLARITY
    attributes (MACCROBAT) also our assertion statuses against them: negation and
    uncertain/hypothetical P/R/F1, gold entities not extracted, and a confusion table.

    \b
    Examples:
      kg evaluate --gold ../shared/gold/gsc-plus-dev/GSCplus_dev_gold.tsv -f phenotagger-tsv
      kg evaluate --gold ../shared/gold/bc5cdr/CDR_DevelopmentSet.PubTator.txt -f pubtator --errors 20
      kg evaluate --gold ../shared/gold/maccrobat-train -f brat
    """
    from kg.errors import CaseKGError
    from kg.evaluate import evaluate_path, format_report, lexicon_predictor, predictor_from_pipeline

    predict = lexicon_predictor() if lexicon_only else predictor_from_pipeline()
    try:
        reports = evaluate_path(gold, fmt, predict)
    except CaseKGError as exc:
        _fail(str(exc), EXIT_USAGE)
    for report in reports:
        click.echo(format_report(report, errors, assertion_convention))


@main.command()
@click.option("--gold", "gold", required=True, type=click.Path(path_type=Path, exists=True), help="brat folder (.txt + .ann).")
@click.option("--output", "-o", required=True, type=click.Path(path_type=Path), help="Where to write the model.")
@click.option("--split", type=click.Choice(["train", "all"]), default="train", show_default=True,
              help="'train' holds out every fifth document (sorted by id) and reports F1 on it.")
@click.option("--epochs", type=int, default=15, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--packed", is_flag=True, help="Write OUTPUT.cfg + OUTPUT.bin, the form casekg_statistical loads.")
def train(gold: Path, output: Path, split: str, epochs: int, seed: int, packed: bool) -> None:
    """Train the small statistical NER component on brat standoff gold.

    Reproducible: same gold, seed and versions give the same model.

    \b
    Example:
      kg train --gold ../shared/gold/maccrobat-train -o models/ner --epochs 15
    """
    from kg.errors import CaseKGError
    from kg.train import train as run_train

    try:
        res = run_train(gold, output, split=split, epochs=epochs, seed=seed, packed=packed,
                        log=lambda line: click.echo(line, err=True))
    except CaseKGError as exc:
        _fail(str(exc))
    click.echo(f"trained on {res.n_docs} documents ({res.n_examples} examples), {res.epochs} epochs, "
               f"{res.seconds:.0f} s -> {res.path}")
    if res.dev:
        click.echo("held-out overlap F1: " + ", ".join(f"{k} {v:.3f}" for k, v in sorted(res.dev.items())))


@main.command()
@STORE_OPT
def validate(store: Path) -> None:
    """Validate the built graph against ontology/shapes.ttl (SHACL).

    Exit status 0 when the graph conforms, 1 otherwise.

    \b
    Example:
      kg validate --store .kg/store
    """
    from kg.validate import validate as run_validate

    if not store.is_dir():
        _fail(f"{store}: no store here; run `kg build` first")
    conforms, report = run_validate(store)
    if conforms:
        click.echo("The graph conforms to ontology/shapes.ttl.")
        return
    click.echo(report)
    sys.exit(1)


@main.command()
@STORE_OPT
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def stats(store: Path, fmt: str) -> None:
    """Counts of triples, graphs, instances by class and uses of each predicate.

    \b
    Example:
      kg stats --format json
    """
    import json

    from kg.store import Store

    if not store.is_dir():
        _fail(f"{store}: no store here; run `kg build` first")
    with Store(store, read_only=True) as st:
        data = st.stats()
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, sort_keys=True))
        return
    from kg.console import print_stats

    print_stats(data)


def _register_subcommands() -> None:
    # Each stage keeps its commands beside its code; the group only collects them.
    from kg.cli_curate import COMMANDS as curate_commands
    from kg.cli_export import export as export_cmd
    from kg.cli_export import report as report_cmd
    from kg.cli_scale import synth
    from kg.cli_serve import dump, load, serve

    for command in (*curate_commands, export_cmd, report_cmd, synth, serve, dump, load):
        main.add_command(command)


_register_subcommands()


if __name__ == "__main__":  # pragma: no cover
    main()
