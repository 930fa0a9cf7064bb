"""Curating the corpus: add, list, remove, show (the logic behind `kg add/list/remove/show`).

Writes follow three rules:

* **Whole articles or nothing.** An article is written into a hidden temporary folder
  (``.adding-<id>-*``, which the corpus reader skips) and renamed into place; a replaced
  article is first renamed aside (``.replaced-<id>-*``). An interrupted run leaves either the
  old entry or the new one; leftovers are cleaned up (or the old entry restored) by the
  next `kg add`/`kg remove` under the lock.
* **One writer.** Every change holds :func:`kg.atomic.corpus_lock`, so two `kg add` on the
  same corpus cannot interleave; the second fails at once with the lock message.
* **The graph follows the article, only that one.** After a write the article is extracted
  and its named graph replaced in one store transaction (``Store.replace_article``). If the
  store is busy or extraction fails, the corpus change stands and the caller is told to run
  `kg build`, which picks up exactly the articles whose graph is missing or stale.

Duplicates (same PMID, PMCID, DOI or the same normalised text) are refused with the id of
the existing entry, unless ``replace=True`` asks to update that entry in place (its id kept,
so IRIs stay stable).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from kg import failures
from kg.atomic import _fsync_dir, corpus_lock, write_bytes_atomic, write_text_atomic
from kg.corpus import (
    MAX_BYTES_ENV,
    META_NAME,
    TEXT_NAME,
    article_id_for,
    decode_text,
    default_max_bytes,
    load_corpus,
    meta_to_dict,
    parse_meta,
    read_article,
    slugify,
    valid_id,
)
from kg.errors import CaseKGError, InputError
from kg.fingerprint import fingerprint
from kg.model import Article, ArticleMeta, Extraction
from kg.sources import SourceDocument
from kg.sources.detect import normalise_doi, normalise_pmcid

_TEMP_PREFIXES = (".adding-", ".replaced-", ".removing-")
Extractor = Callable[[Article], Extraction]


class DuplicateError(InputError):
    """The input is already in the corpus: ``"<input>: already in the corpus as <id> (...)"``."""

    def __init__(self, origin: str, existing: str, why: str) -> None:
        self.existing = existing
        super().__init__(origin, f"already in the corpus as {existing} ({why}); use --replace to update it")


# ------------------------------------------------------------------------------ identity


def text_key(text: str) -> str:
    """Hash of the text with case, spacing, punctuation and Unicode forms normalised away,
    so the same report saved twice (CRLF vs LF, ligatures, re-wrapped lines) is one text."""
    norm = unicodedata.normalize("NFKC", text).casefold()
    norm = "".join(ch for ch in norm if ch.isalnum())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


@dataclass
class _Entry:
    id: str
    path: Path
    pmid: str | None
    pmcid: str | None
    doi: str | None
    text_key: str


class CorpusIndex:
    """Identifiers and text keys of every readable corpus entry, for duplicate checks."""

    def __init__(self, root: Path) -> None:
        self.entries: dict[str, _Entry] = {}
        self.paths: dict[str, Path] = {}  # every id present, readable or not
        if root.is_dir():
            for name, path in _corpus_entries(root):
                self.paths.setdefault(name, path)
            for item in load_corpus(root):
                if isinstance(item, Article):
                    self.add(item.meta, item.text, Path(item.path))

    def add(self, meta: ArticleMeta, text: str, path: Path) -> None:
        self.entries[meta.id] = _Entry(
            meta.id, path, meta.pmid, normalise_pmcid(meta.pmcid), _doi_key(meta.doi), text_key(text)
        )
        self.paths.setdefault(meta.id, path)

    def drop(self, article_id: str) -> None:
        self.entries.pop(article_id, None)
        self.paths.pop(article_id, None)

    def find(self, pmid: str | None = None, pmcid: str | None = None, doi: str | None = None,
             text: str | None = None) -> list[tuple[str, str]]:
        """(existing id, why) for every entry sharing an identifier or the normalised text."""
        pmcid, doi_k = normalise_pmcid(pmcid), _doi_key(doi)
        key = text_key(text) if text is not None else None
        out: list[tuple[str, str]] = []
        for e in self.entries.values():
            if pmid and e.pmid == pmid:
                out.append((e.id, f"same PMID {pmid}"))
            elif pmcid and e.pmcid == pmcid:
                out.append((e.id, f"same PMCID {pmcid}"))
            elif doi_k and e.doi == doi_k:
                out.append((e.id, f"same DOI {doi}"))
            elif key and e.text_key == key:
                out.append((e.id, "same text"))
        return out

    def by_pmid(self, pmid: str) -> str | None:
        return next((e.id for e in self.entries.values() if e.pmid == pmid), None)


def _doi_key(doi: str | None) -> str | None:
    d = normalise_doi(doi)
    return d.lower() if d else None  # DOIs are case-insensitive


def _corpus_entries(root: Path) -> Iterator[tuple[str, Path]]:
    for child in root.iterdir():
        if child.name.startswith((".", "_")):
            continue
        if child.is_dir():
            yield child.name, child
        elif child.is_file() and child.suffix.lower() == ".txt":
            yield child.stem, child


# ------------------------------------------------------------------------------ results


@dataclass
class AddResult:
    origin: str  # the file, or "PMID 123"
    article_id: str = ""
    action: str = ""  # "added", "replaced", "skipped", "failed"
    error: str | None = None  # one-line message when failed
    source_format: str = ""
    sections: int = 0
    graph: str = ""  # "built", "not built: ...", "skipped"
    statements: int = 0
    patients: int = 0

    @property
    def ok(self) -> bool:
        return self.action != "failed"


@dataclass
class AddSummary:
    results: list[AddResult] = field(default_factory=list)
    store_message: str | None = None  # set when the graph could not be updated at all

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)


# ------------------------------------------------------------------------------ writing


def meta_for(doc: SourceDocument, article_id: str) -> ArticleMeta:
    return ArticleMeta(
        id=article_id,
        title=doc.title.strip(),
        journal=doc.journal.strip(),
        year=doc.year,
        pmid=doc.pmid if doc.pmid and doc.pmid.isdigit() else None,
        pmcid=normalise_pmcid(doc.pmcid),
        doi=normalise_doi(doc.doi),
        authors=tuple(a.strip() for a in doc.authors if a.strip()),
        source_url=doc.source_url,
        source_format=doc.source_format,
        license=doc.license,
    )


def choose_id(doc: SourceDocument, requested: str | None = None) -> str:
    """``--id``, else an id named by the sidecar, else pmid-<PMID>, else (plain text) the file
    name as for a drop-in, else a slug of the title."""
    if requested:
        if not valid_id(requested):
            raise InputError(doc.origin or requested, f'--id "{requested}" is not a usable article id (letters, digits, ".", "_", "-")')
        return requested
    if doc.id_hint:
        return doc.id_hint
    if doc.pmid:
        return article_id_for(doc.pmid)
    if doc.source_format == "text" and doc.origin:
        stem = Path(doc.origin).stem
        if valid_id(stem):
            return stem
    return slugify(doc.title or (doc.pmcid or "").lower() or Path(doc.origin or "article").stem)


def _recover(root: Path) -> None:
    """Finish what an interrupted run left behind (we hold the lock, so nobody else is writing)."""
    for child in sorted(root.iterdir()):
        name = child.name
        if name.startswith(".adding-") or name.startswith(".removing-"):
            _rmtree(child)
        elif name.startswith(".replaced-"):
            # ".replaced-<entry name>-<random>": the entry name may itself contain "-".
            original = root / name[len(".replaced-") :].rsplit("-", 1)[0]
            arrived = original.exists() or (original.suffix == ".txt" and (root / original.stem).is_dir())
            if arrived:
                _rmtree(child)
            else:
                os.rename(child, original)  # the new version never arrived: bring the old one back
    _fsync_dir(root)


def _rmtree(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _write_entry(root: Path, meta: ArticleMeta, doc: SourceDocument, replacing: Path | None) -> Path:
    """Write the article folder atomically (temp folder + rename); returns the folder."""
    text_bytes = doc.text.encode("utf-8")
    meta_doc: dict[str, Any] = meta_to_dict(meta)
    extra = {k: v for k, v in doc.extra.items() if k not in meta_doc}
    if doc.raw is not None:
        extra["source_file"] = "source" + doc.raw_suffix
    if doc.origin and not doc.origin.startswith(("PMID ", "PMCID ", "DOI ")):
        extra.setdefault("original_name", Path(doc.origin.split("#", 1)[0]).name)
    extra.setdefault("added", datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    meta_doc.update(extra)
    meta_json = json.dumps(meta_doc, indent=2, ensure_ascii=False) + "\n"
    # The reader must accept what we write: check with its own code before touching the corpus.
    parse_meta(Path(doc.origin or meta.id) , meta_json.encode("utf-8"), meta.id)

    target = root / meta.id
    tmp = Path(tempfile.mkdtemp(prefix=f".adding-{meta.id}-", dir=root))
    aside: Path | None = None
    try:
        write_bytes_atomic(tmp / TEXT_NAME, text_bytes)
        if doc.raw is not None:
            write_bytes_atomic(tmp / ("source" + doc.raw_suffix), doc.raw)
        write_text_atomic(tmp / META_NAME, meta_json)
        os.chmod(tmp, 0o755 & ~_umask())
        if replacing is not None and replacing.exists():
            aside = root / f".replaced-{replacing.name}-{os.urandom(4).hex()}"
            os.rename(replacing, aside)
        os.rename(tmp, target)  # atomic; fails if something took the name meanwhile
        _fsync_dir(root)
    except BaseException:
        _rmtree(tmp)
        if aside is not None and not target.exists():
            os.rename(aside, replacing)  # type: ignore[arg-type]
            aside = None
        raise
    if aside is not None:
        _rmtree(aside)
        _fsync_dir(root)
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ------------------------------------------------------------------------------ add


def add_documents(
    corpus: Path,
    store: Path | None,
    inputs: Iterable[SourceDocument | InputError],
    *,
    replace: bool = False,
    skip_existing: bool = False,
    article_id: str | None = None,
    extractor: Extractor | None = None,
    on_result: Callable[[AddResult], None] | None = None,
) -> AddSummary:
    """Add documents (or report the errors that stand in for unreadable inputs).

    ``inputs`` may be a lazy iterator (a batch fetch): each document is written as soon as
    it arrives, so an interrupted batch keeps everything before the interruption.
    ``skip_existing`` turns a duplicate into "skipped" (batch resume) instead of an error.
    ``store=None`` leaves the graph alone.
    """
    corpus = Path(corpus)
    summary = AddSummary()
    with corpus_lock(corpus):
        _recover(corpus)
        index = CorpusIndex(corpus)
        for item in inputs:
            if isinstance(item, InputError):
                result = AddResult(origin=item.path, action="failed", error=str(item))
            else:
                origin = item.origin or "input"
                try:
                    result = _add_one(corpus, index, item, replace=replace, skip_existing=skip_existing, requested_id=article_id)
                except DuplicateError as exc:
                    result = AddResult(origin=origin, article_id=exc.existing, action="failed", error=str(exc))
                except InputError as exc:
                    result = AddResult(origin=origin, action="failed", error=str(exc))
                except OSError as exc:
                    result = AddResult(origin=origin, action="failed", error=f"{origin}: cannot write to {corpus}: {exc.strerror or exc}")
            if result.action in ("added", "replaced"):
                if store is None:
                    result.graph = "skipped"
                else:
                    _update_graph(store, result, corpus / result.article_id, extractor, summary)
            summary.results.append(result)
            if on_result:
                on_result(result)
    return summary


def _add_one(corpus: Path, index: CorpusIndex, doc: SourceDocument, *, replace: bool, skip_existing: bool,
             requested_id: str | None) -> AddResult:
    origin = doc.origin or "input"
    data = doc.text.encode("utf-8")
    decode_text(data, origin)  # empty / whitespace-only / binary-looking text
    limit = default_max_bytes()
    if len(data) > limit:
        raise InputError(origin, f"article text is {len(data)} bytes, over the {limit} byte limit (set {MAX_BYTES_ENV} to raise it)")
    aid = choose_id(doc, requested_id)
    meta = meta_for(doc, aid)
    dups = index.find(meta.pmid, meta.pmcid, meta.doi, doc.text)
    existing_ids = sorted({d[0] for d in dups})
    replacing: Path | None = None
    action = "added"
    if dups:
        if skip_existing and not replace:
            return AddResult(origin=origin, article_id=existing_ids[0], action="skipped", error=None,
                             source_format=doc.source_format)
        if not replace:
            first = dups[0]
            raise DuplicateError(origin, first[0], first[1])
        if len(existing_ids) > 1:
            raise InputError(origin, f"matches several corpus entries ({', '.join(existing_ids)}); remove all but one first")
        aid = requested_id or existing_ids[0]  # keep the entry's id: its IRIs stay stable
        meta = meta_for(doc, aid)
        replacing = index.paths.get(existing_ids[0])
        action = "replaced"
    elif aid in index.paths:
        if not replace:
            raise InputError(origin, f'an entry with id "{aid}" exists with other content ({index.paths[aid]}); '
                                     "pick another id with --id, or --replace it")
        replacing, action = index.paths[aid], "replaced"
    if replacing is not None and replacing.name != aid and replacing.stem != aid:
        raise InputError(origin, f"--id {aid} differs from the entry being replaced ({replacing.name})")
    _write_entry(corpus, meta, doc, replacing)
    if replacing is not None:
        index.drop(replacing.stem if replacing.is_file() else replacing.name)
        index.drop(aid)
    index.add(meta, doc.text, corpus / aid)
    return AddResult(origin=origin, article_id=aid, action=action, source_format=doc.source_format,
                     sections=len(doc.sections))


def _update_graph(store_path: Path, result: AddResult, folder: Path, extractor: Extractor | None,
                  summary: AddSummary) -> None:
    """Replace the one article's named graph; on trouble leave the corpus change and say so."""
    from kg.rdf import CKG, RDF, article_quads

    if summary.store_message:  # the store was unusable for an earlier article of this run
        result.graph = "not built"
        return
    article = None
    try:
        article = read_article(folder)
        extraction = (extractor or _default_extractor())(article)
        quads = article_quads(article, extraction, fingerprint=fingerprint())
    except Exception as exc:  # the article stays in the corpus; kg build will retry it
        message = " ".join(str(exc).split())
        result.graph = f"not built: extraction failed: {message}"
        sha = article.sha256 if article is not None else None
        failures.update(store_path, {result.article_id: (sha, f"{folder}: extraction failed: {message}")})
        return
    try:
        store = _open_store(Path(store_path))
    except CaseKGError as exc:
        summary.store_message = f"{exc}; the corpus is updated: run `kg build` to bring the graph up to date"
        result.graph = "not built"
        return
    with store:
        store.replace_article(article.id, quads)
    failures.update(store_path, {}, succeeded=[article.id])
    result.graph = "built"
    result.statements = len(extraction.statements)
    # the patients the graph describes, as `kg show` counts them: a report whose patient is
    # never named still gets one ("unidentified") when it has facts to hang on it
    result.patients = len({q.subject for q in quads if q.predicate.value == RDF + "type" and q.object.value == CKG + "Patient"})


def _default_extractor() -> Extractor:
    from kg.extract import extract  # spaCy loads on first use only

    return extract


def _open_store(path: Path):  # noqa: ANN202 - kg.store.Store, imported lazily
    """Open the store for writing; a store held by another process is a one-line CaseKGError."""
    from kg.build import open_store

    return open_store(path)


# ------------------------------------------------------------------------------ remove


@dataclass
class RemoveResult:
    article_id: str
    removed_files: bool
    removed_graph: bool
    store_message: str | None = None


def remove_article(corpus: Path, store: Path | None, article_id: str) -> RemoveResult:
    """Remove an entry (folder or bare .txt) and its named graph."""
    corpus = Path(corpus)
    if not valid_id(article_id):
        raise InputError(article_id, "not a valid article id")
    with corpus_lock(corpus):
        _recover(corpus)
        entries = [p for p in (corpus / article_id, corpus / f"{article_id}.txt") if p.exists()]
        in_store = False
        if store is not None and Path(store).is_dir():
            in_store = article_id in _store_hashes(Path(store))
        if not entries and not in_store:
            hint = f" (did you mean pmid-{article_id}?)" if article_id.isdigit() else ""
            raise InputError(article_id, f"no such article in {corpus}{hint}; see `kg list`")
        for path in entries:
            aside = corpus / f".removing-{path.name}-{os.urandom(4).hex()}"
            os.rename(path, aside)  # the entry disappears atomically; the files go next
            _fsync_dir(corpus)
            _rmtree(aside)
        result = RemoveResult(article_id, bool(entries), False)
        if store is not None and in_store:
            try:
                with _open_store(Path(store)) as st:
                    st.remove_article(article_id)
                result.removed_graph = True
            except CaseKGError as exc:
                result.store_message = f"{exc}; run `kg build` later to drop the graph of {article_id}"
    return result


# ------------------------------------------------------------------------------ list / show


@dataclass
class ListRow:
    id: str
    status: str  # built | changed | not built | failed | removed
    source_format: str = ""
    year: int | None = None
    pmid: str | None = None
    title: str = ""
    error: str | None = None


def _store_exists(store: Path | None) -> bool:
    # a store folder may hold only the failure record (kg add failed before the store existed)
    return store is not None and Path(store).is_dir() and any(p.name != failures.FILE_NAME for p in Path(store).iterdir())


def _store_hashes(store: Path) -> dict[str, str | None]:
    """{article id: content hash} for every article graph in the store (read-only open);
    the hash of a graph another casekg version built (kg.fingerprint) reads as OUTDATED."""
    from kg.store import Store

    current = fingerprint()
    out: dict[str, str | None] = {}
    with Store(store, read_only=True) as st:
        for aid in st.articles():
            out[aid] = _status_hash(st, aid, current)
    return out


OUTDATED = "outdated"


def _status_hash(st, aid: str, current: str) -> str | None:  # noqa: ANN001 - kg.store.Store
    h = st.article_hash(aid)
    return h if h is None or st.article_fingerprint(aid) == current else f"{OUTDATED}:{h}"


def _status(stored: str | None, sha256: str) -> str:
    if stored == sha256:
        return "built"
    if stored == f"{OUTDATED}:{sha256}":
        return OUTDATED  # same text, graph made by another casekg version: kg build redoes it
    return "changed"


def list_corpus(corpus: Path, store: Path | None) -> list[ListRow]:
    corpus, rows = Path(corpus), []
    hashes: dict[str, str | None] = {}
    if _store_exists(store):
        try:
            hashes = _store_hashes(Path(store))
        except OSError as exc:
            raise CaseKGError(f"{store}: cannot read the store: {exc}") from None
    failed = failures.load(store) if store is not None else {}
    seen: set[str] = set()
    if not corpus.is_dir():
        raise InputError(corpus, "corpus directory not found")
    for item in load_corpus(corpus):
        if isinstance(item, InputError):
            p = Path(item.path)
            aid = p.parent.name if p.name in (TEXT_NAME, META_NAME) else p.stem
            seen.add(aid)
            rows.append(ListRow(aid, "failed", error=str(item)))
            continue
        seen.add(item.id)
        stored = hashes.get(item.id)
        status = "not built" if item.id not in hashes else _status(stored, item.sha256)
        failure = failed.get(item.id)
        error = None
        if failure and failure.get("sha256") == item.sha256:
            # this very content failed extraction last time (kg.failures); a changed text is "changed"
            status, error = "failed", failure.get("error")
        m = item.meta
        rows.append(ListRow(item.id, status, m.source_format, m.year, m.pmid, m.title, error=error))
    for aid in sorted(set(hashes) - seen):
        rows.append(ListRow(aid, "removed", error="graph still in the store; `kg build` drops it"))
    rows.sort(key=lambda r: r.id)
    return rows


_STATEMENTS_RQ = """
PREFIX ckg: <https://w3id.org/casekg/vocab#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX biolink: <https://w3id.org/biolink/vocab/>
PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?st ?kind ?status ?cue ?patient ?drug ?concept ?outcome ?polarity ?reason ?sentence ?start ?end WHERE {
  GRAPH ?g {
    ?st a ckg:Statement ; ckg:kind ?kind ; ckg:assertionStatus ?s .
    BIND(LCASE(REPLACE(STR(?s), "^.*#", "")) AS ?status)
    OPTIONAL { ?st ckg:contextCue ?cue }
    OPTIONAL { ?st ckg:patient ?p . ?p rdfs:label ?patient }
    OPTIONAL { ?st ckg:drug ?d . ?d rdfs:label ?drug }
    OPTIONAL { ?st ckg:concept ?c . ?c rdfs:label ?concept }
    OPTIONAL { ?st ckg:outcome ?o . BIND(REPLACE(STR(?o), "^.*#", "") AS ?outcome) }
    OPTIONAL { ?st ckg:polarity ?polarity }
    OPTIONAL { ?st ckg:reason ?reason }
    OPTIONAL {
      ?st prov:wasDerivedFrom ?ev . ?ev biolink:supporting_text ?sentence .
      OPTIONAL { ?ev oa:hasTarget/oa:hasSelector ?pos . ?pos a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end }
    }
  }
}
"""


def show_article(corpus: Path, store: Path | None, article_id: str) -> dict[str, Any]:
    """Metadata, status, extraction summary and statements (with evidence) of one article."""
    corpus = Path(corpus)
    path = corpus / article_id if (corpus / article_id).is_dir() else corpus / f"{article_id}.txt"
    if not valid_id(article_id) or not path.exists():
        hint = f" (did you mean pmid-{article_id}?)" if article_id.isdigit() else ""
        raise InputError(article_id, f"no such article in {corpus}{hint}; see `kg list`")
    article = read_article(path)
    info: dict[str, Any] = {"id": article.id, "path": article.path, "characters": len(article.text)}
    meta = meta_to_dict(article.meta)
    if path.is_dir() and (path / META_NAME).is_file():
        try:
            raw = json.loads((path / META_NAME).read_text(encoding="utf-8"))
            meta.update({k: v for k, v in raw.items() if k not in meta})  # note, added, ...
        except (OSError, ValueError):
            pass
    info["meta"] = meta
    info["status"], info["statements"], info["summary"] = "not built", [], {}
    failure = failures.load(store).get(article.id) if store is not None else None
    if failure and failure.get("sha256") == article.sha256:
        info["status"], info["error"] = "failed", failure.get("error")
        return info
    if not _store_exists(store):
        return info
    import pyoxigraph as ox

    from kg.rdf import CKG, RDF, graph_iri
    from kg.store import Store

    with Store(store, read_only=True) as st:
        stored = _status_hash(st, article.id, fingerprint())
        if stored is None:
            return info
        info["status"] = _status(stored, article.sha256)
        g = ox.NamedNode(graph_iri(article.id))
        rows = []
        seen: set[str] = set()
        # graph_iri() percent-encodes the id, so the IRI is safe to write into the query.
        for sol in st.oxigraph.query(_STATEMENTS_RQ.replace("GRAPH ?g", f"GRAPH <{g.value}>")):
            iri = sol["st"].value
            if iri in seen:  # a second sentence selector or label would repeat the row
                continue
            seen.add(iri)
            row = {k: (sol[k].value if sol[k] is not None else None) for k in
                   ("kind", "status", "cue", "patient", "drug", "concept", "outcome", "polarity", "reason", "sentence")}
            row["start"] = int(sol["start"].value) if sol["start"] is not None else None
            row["end"] = int(sol["end"].value) if sol["end"] is not None else None
            rows.append(row)
        rows.sort(key=lambda r: (r["start"] if r["start"] is not None else 1 << 30, r["kind"], r["drug"] or "", r["concept"] or ""))
        info["statements"] = rows
        rdf_type = ox.NamedNode(RDF + "type")
        patients = {q.subject for q in st.oxigraph.quads_for_pattern(None, rdf_type, ox.NamedNode(CKG + "Patient"), g)}
        mentions = {q.subject for q in st.oxigraph.quads_for_pattern(None, rdf_type, ox.NamedNode(CKG + "Mention"), g)}
        info["summary"] = {
            "patients": len(patients),
            "mentions_in_evidence": len(mentions),
            "statements": len(rows),
            "by_kind": dict(sorted(Counter(r["kind"] for r in rows).items())),
            "by_status": dict(sorted(Counter(r["status"] for r in rows).items())),
        }
    return info


__all__ = [
    "AddResult", "AddSummary", "CorpusIndex", "DuplicateError", "ListRow", "RemoveResult",
    "add_documents", "choose_id", "list_corpus", "meta_for", "remove_article", "show_article", "text_key",
]
