"""`kg add`, `kg list`, `kg remove`, `kg show`: the curator's commands.

Module-level click commands, registered on the `kg` group in kg/cli.py. Thin, like the
rest of the CLI: the work is in kg.curate (corpus + graph) and kg.sources (readers, fetcher).
Errors are one line, ``kg: error: <input>: <reason>``, and make the exit status 1.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from kg.cli_options import CORPUS_OPT, EXIT_USAGE, STORE_OPT
from kg.cli_options import fail as _fail

FORMATS = ("auto", "text", "pubmed-xml", "jats", "bioc-xml", "bioc-json")


def _read_id_file(path: Path) -> list[str]:
    """PMIDs, one per line (or separated by spaces/commas); '#' starts a comment."""
    from kg.errors import InputError

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(path, f"cannot read file: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(path, "not valid UTF-8") from None
    ids: list[str] = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        ids.extend(t for t in line.replace(",", " ").split() if t)
    return list(dict.fromkeys(ids))  # a PMID listed twice is fetched once


@click.command("add")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--pmid", "pmids", multiple=True, metavar="PMID", help="Fetch from PubMed by PMID (repeatable).")
@click.option("--pmcid", "pmcids", multiple=True, metavar="PMCID", help="Fetch by PMC id, full text when open access (repeatable).")
@click.option("--doi", "dois", multiple=True, metavar="DOI", help="Fetch by DOI via PubMed (repeatable).")
@click.option(
    "--pmid-file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Batch: fetch every PMID in this file (one per line, # comments). Re-running resumes: "
    "PMIDs already in the corpus are skipped, answers already fetched come from the cache.",
)
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True,
              help="Format of PATHS; auto detects it from the content.")
@click.option("--meta", "meta_path", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="meta.json-shaped metadata for a single plain-text PATH (default: a NAME.json or NAME.meta.json beside it).")
@click.option("--id", "article_id", help="Article id to use (one input only); default pmid-<PMID> or a slug of the title.")
@click.option("--replace", is_flag=True, help="Update the existing entry with the same PMID/PMCID/DOI/text instead of refusing.")
@click.option("--abstract-only", is_flag=True, help="Do not fetch open-access full text; store the PubMed abstract.")
@click.option("--no-build", is_flag=True, help="Only write the corpus; leave the graph for `kg build`.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the HTTP cache (~/.cache/casekg/http, env KG_HTTP_CACHE).")
@CORPUS_OPT
@STORE_OPT
def add(
    paths: tuple[Path, ...], pmids: tuple[str, ...], pmcids: tuple[str, ...], dois: tuple[str, ...],
    pmid_file: Path | None, fmt: str, meta_path: Path | None, article_id: str | None, replace: bool,
    abstract_only: bool, no_build: bool, no_cache: bool, corpus: Path, store: Path,
) -> None:
    """Add articles to the corpus from files or by identifier, and build their graphs.

    PATHS may be plain text (with an optional metadata sidecar), PubMed XML (efetch
    rettype=xml), JATS full text (PMC / Europe PMC) or BioC XML/JSON; the format is
    detected from the content. --pmid/--pmcid/--doi fetch from NCBI E-utilities and, where
    the article is open access, the full text from Europe PMC (set NCBI_API_KEY for 10
    requests/s, NCBI_EMAIL to identify yourself). An input that is already in the corpus
    (same PMID, PMCID, DOI or text) is refused unless --replace is given. Each added
    article's graph is replaced in the store; the others are not touched.

    \b
    Examples:
      kg add case.txt                      # case.json beside it holds the metadata
      kg add efetch.xml PMC9012345.xml bioc.json
      kg add --pmid 35318646
      kg add --doi 10.1111/bjd.21252 --abstract-only
      kg add --pmid-file ids.txt           # re-run after an interruption to resume
    """
    from kg.curate import AddResult, add_documents
    from kg.errors import CaseKGError, InputError
    from kg.sources import SourceDocument, read_path

    fetching = bool(pmids or pmcids or dois or pmid_file)
    if not paths and not fetching:
        _fail("nothing to add: give PATHS, --pmid, --pmcid, --doi or --pmid-file (see kg add --help)", EXIT_USAGE)
    if meta_path and len(paths) != 1:
        _fail("--meta applies to exactly one PATH", EXIT_USAGE)
    batch_ids: list[str] = []
    if pmid_file:
        try:
            batch_ids = _read_id_file(pmid_file)
        except InputError as exc:
            _fail(str(exc))
        if not batch_ids:
            _fail(f"{pmid_file}: no PMIDs in the file", EXIT_USAGE)
    n_inputs = len(paths) + len(pmids) + len(pmcids) + len(dois) + len(batch_ids)
    if article_id and n_inputs != 1:
        _fail("--id applies to exactly one input", EXIT_USAGE)

    def file_docs() -> Iterator[SourceDocument | InputError]:
        for path in paths:
            try:
                yield from read_path(path, None if fmt == "auto" else fmt, meta_path)
            except InputError as exc:
                yield exc

    def fetched_docs(client, present: dict[str, str]) -> Iterator[SourceDocument | InputError]:  # noqa: ANN001
        from kg.curate import DuplicateError
        from kg.sources.pubmed import FetchError, check_pmid

        full = not abstract_only
        single = [p for p in pmids if p not in batch_ids]
        for pmid in single:
            if pmid in present:  # refused before asking the network
                yield DuplicateError(f"PMID {pmid}", present[pmid], f"same PMID {pmid}")
        wanted: list[str] = []
        for p in single + batch_ids:
            if p in present:
                continue
            try:
                wanted.append(check_pmid(p))
            except FetchError as exc:  # one bad line must not sink the batch
                yield exc
        for _, result in client.fetch_pmids(wanted, full_text=full):
            yield result
        for pmcid in pmcids:
            try:
                yield client.fetch_pmcid(pmcid, full_text=full)
            except FetchError as exc:
                yield exc
        for doi in dois:
            try:
                yield client.fetch_doi(doi, full_text=full)
            except FetchError as exc:
                yield exc

    counts = {"added": 0, "replaced": 0, "skipped": 0, "failed": 0}

    def echo(r: AddResult) -> None:
        counts[r.action] = counts.get(r.action, 0) + 1
        if r.action == "failed":
            click.echo(f"kg: error: {r.error}", err=True)
        elif r.action == "skipped":
            click.echo(f"skipped {r.origin}: already in the corpus as {r.article_id}")
        else:
            graph = {"built": f"graph built ({r.patients} patients, {r.statements} statements)",
                     "skipped": "graph not updated (--no-build)"}.get(r.graph, f"graph {r.graph}")
            click.echo(f"{r.action} {r.article_id} from {r.origin} [{r.source_format}, {r.sections} sections]; {graph}")

    present: dict[str, str] = {}  # PMID -> existing article id
    if (pmids or batch_ids) and not replace and corpus.is_dir():
        from kg.curate import CorpusIndex

        index = CorpusIndex(corpus)
        for pmid in dict.fromkeys(list(pmids) + batch_ids):
            if (existing := index.by_pmid(pmid.strip())) is not None:
                present[pmid] = existing
        # Resume: PMIDs of the batch already stored are skipped, not fetched again.
        for pmid in batch_ids:
            if pmid in present:
                echo(AddResult(origin=f"PMID {pmid}", article_id=present[pmid], action="skipped"))

    try:
        if fetching:
            from dataclasses import replace as dc_replace

            from kg.sources.pubmed import Client, FetchConfig

            config = FetchConfig.from_env()
            if no_cache:
                config = dc_replace(config, cache_dir=None)
            with Client(config) as client:
                inputs: Iterator[SourceDocument | InputError] = _chain(file_docs(), fetched_docs(client, present))
                summary = add_documents(corpus, None if no_build else store, inputs, replace=replace,
                                        skip_existing=bool(batch_ids), article_id=article_id, on_result=echo)
        else:
            summary = add_documents(corpus, None if no_build else store, file_docs(), replace=replace,
                                    article_id=article_id, on_result=echo)
    except CaseKGError as exc:  # the corpus lock
        _fail(str(exc))
    if summary.store_message:
        click.echo(f"kg: warning: {summary.store_message}", err=True)
    if sum(counts.values()) > 1:
        click.echo(", ".join(f"{n} {k}" for k, n in counts.items() if n) or "nothing to do", err=True)
    sys.exit(0 if summary.ok else 1)


def _chain(*its: Iterator) -> Iterator:  # noqa: ANN401
    for it in its:
        yield from it


@click.command("list")
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@CORPUS_OPT
@STORE_OPT
def list_(fmt: str, corpus: Path, store: Path) -> None:
    """List the corpus with each article's status.

    Status: built (the graph matches the article), changed (edited since its graph was
    built), not built (no graph yet), failed (the files cannot be read, or extracting
    this content failed last time; the reason is shown), outdated (built by another
    casekg version; `kg build` redoes it), removed (a graph whose article is gone; `kg build` drops it).

    \b
    Example:
      kg list
      kg list --format json | jq '.[] | select(.status != "built") | .id'
    """
    from kg.curate import list_corpus
    from kg.errors import CaseKGError

    try:
        rows = list_corpus(corpus, store)
    except CaseKGError as exc:
        _fail(str(exc))
    if fmt == "json":
        click.echo(json.dumps([r.__dict__ for r in rows], indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo(f"{corpus}: no articles (add some with `kg add`)")
        return
    width = max(len(r.id) for r in rows)
    for r in rows:
        detail = r.error if r.error else " ".join(x for x in (r.source_format, str(r.year or ""), r.title[:70]) if x)
        click.echo(f"{r.id:<{width}}  {r.status:<9}  {detail}")
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    click.echo(", ".join(f"{n} {k}" for k, n in counts.items()), err=True)


@click.command("remove")
@click.argument("article_ids", nargs=-1, required=True, metavar="ID...")
@CORPUS_OPT
@STORE_OPT
def remove(article_ids: tuple[str, ...], corpus: Path, store: Path) -> None:
    """Remove articles from the corpus and their named graphs from the store.

    \b
    Example:
      kg remove pmid-35318646
    """
    from kg.curate import remove_article
    from kg.errors import CaseKGError

    failed = False
    for aid in article_ids:
        try:
            r = remove_article(corpus, store, aid)
        except CaseKGError as exc:
            click.echo(f"kg: error: {exc}", err=True)
            failed = True
            continue
        what = [w for w, done in (("files", r.removed_files), ("graph", r.removed_graph)) if done]
        click.echo(f"removed {aid} ({' and '.join(what) or 'nothing left to remove'})")
        if r.store_message:
            click.echo(f"kg: warning: {r.store_message}", err=True)
    sys.exit(1 if failed else 0)


@click.command("show")
@click.argument("article_id", metavar="ID")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--limit", type=int, default=0, help="Show at most this many statements (0: all).")
@CORPUS_OPT
@STORE_OPT
def show(article_id: str, fmt: str, limit: int, corpus: Path, store: Path) -> None:
    """Show an article: metadata, status, extraction summary, and its statements with the
    evidence sentence each came from (offsets into article.txt).

    \b
    Example:
      kg show pmid-35318646
      kg show pmid-35318646 --format json
    """
    from kg.curate import show_article
    from kg.errors import CaseKGError

    try:
        info = show_article(corpus, store, article_id)
    except CaseKGError as exc:
        _fail(str(exc))
    if fmt == "json":
        click.echo(json.dumps(info, indent=2, ensure_ascii=False))
        return
    m = info["meta"]
    out = [f"{info['id']}  ({info['status']})"]
    for label, value in (
        ("Title", m.get("title")),
        ("Journal", " ".join(x for x in (m.get("journal") or "", f"({m['year']})" if m.get("year") else "") if x)),
        ("Authors", ", ".join(m.get("authors") or [])),
        ("PMID", m.get("pmid")), ("PMCID", m.get("pmcid")), ("DOI", m.get("doi")),
        ("Format", m.get("source_format")), ("Licence", m.get("license")), ("Source", m.get("source_url")),
        ("Text", f"{info['path']} ({info['characters']} characters)"),
        ("Note", m.get("note")),
    ):
        if value:
            out.append(f"  {label + ':':<9} {value}")
    s = info["summary"]
    if info["status"] == "failed":
        out.append(f"\nExtraction failed, no graph: {info.get('error')}")
    elif info["status"] == "not built":
        out.append("\nNo graph for this article yet: run `kg build`.")
    else:
        if info["status"] == "changed":
            out.append("\nThe article changed since its graph was built; run `kg build` to update it.")
        elif info["status"] == "outdated":
            out.append("\nThe graph was made by another casekg version; run `kg build` to rebuild it.")
        kinds = ", ".join(f"{k} {n}" for k, n in s.get("by_kind", {}).items())
        out.append(f"\nExtraction: {s.get('patients', 0)} patients, {s.get('statements', 0)} statements" + (f" ({kinds})" if kinds else ""))
        rows = info["statements"][: limit or None]
        for st in rows:
            what = " -> ".join(x for x in (st.get("drug"), st.get("concept")) if x)
            value = st.get("outcome") or st.get("polarity") or st.get("reason")
            head = f"  [{st.get('patient') or '-'}] {st['kind']}: {what}" + (f" = {value}" if value else "")
            if st["status"] != "present":
                head += f"  ({st['status']}" + (f", cue {st['cue']!r}" if st.get("cue") else "") + ")"
            out.append(head)
            if st.get("sentence"):
                where = f" [{st['start']}-{st['end']}]" if st.get("start") is not None else ""
                out.append(f"      \"{' '.join(st['sentence'].split())}\"{where}")
        if limit and len(info["statements"]) > limit:
            out.append(f"  ... {len(info['statements']) - limit} more (use --limit 0)")
    click.echo("\n".join(out))


COMMANDS = (add, list_, remove, show)
