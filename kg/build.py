"""`kg build`: corpus -> extraction -> RDF -> store, one article at a time.

An article whose stored content hash equals its current hash is skipped, so a
rebuild of an unchanged corpus writes nothing. A changed article's named graph
is replaced in one store transaction. A bad file is reported and skipped; the
other articles still build and the previous graph of the bad file is kept.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from kg.errors import CaseKGError, InputError
from kg.model import Article


@dataclass
class BuildSummary:
    articles: int = 0  # articles in the corpus that could be read
    built: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: list[str] = field(default_factory=list)  # one-line messages
    patients: int = 0  # in the articles built by this run
    entities: Counter = field(default_factory=Counter)  # by type, in the articles built by this run
    statements: Counter = field(default_factory=Counter)  # by kind, in the articles built by this run
    triples_written: int = 0
    store_triples: int = 0
    store_graphs: int = 0
    store_patients: int = 0
    store_statements: Counter = field(default_factory=Counter)  # by kind, whole store
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed


ProgressHook = Callable[[str, int, int], None]  # (article id, done, total)


def build(
    corpus_root: Path,
    store_path: Path,
    *,
    force: bool = False,
    prune: bool = True,
    on_progress: ProgressHook | None = None,
    now: datetime | None = None,
) -> BuildSummary:
    """Bring the store up to date with the corpus and return what happened."""
    from kg.corpus import load_corpus
    from kg.rdf import KIND_CLASS, article_quads

    started = time.perf_counter()
    summary = BuildSummary()
    items = list(load_corpus(Path(corpus_root)))
    total = len(items)
    when = now or datetime.now(timezone.utc)
    seen: set[str] = set()
    failed_ids: set[str] = set()

    with _open_store(Path(store_path)) as store:
        for done, item in enumerate(items, 1):
            if isinstance(item, InputError):
                summary.failed.append(str(item))
                failed_ids.add(Path(item.path).parent.name)
                failed_ids.add(Path(item.path).stem)
                if on_progress:
                    on_progress(str(item.path), done, total)
                continue
            article: Article = item
            seen.add(article.id)
            summary.articles += 1
            if not force and store.article_hash(article.id) == article.sha256:
                summary.unchanged += 1
            else:
                try:
                    extraction = _extract(article)
                    quads = article_quads(article, extraction, generated_at=when)
                except Exception as exc:  # one bad article must not stop the others
                    summary.failed.append(f"{article.path or article.id}: extraction failed: {exc}")
                    failed_ids.add(article.id)
                else:
                    store.replace_article(article.id, quads)
                    summary.built += 1
                    summary.patients += len(extraction.patients)
                    summary.entities.update(m.type for m in extraction.mentions)
                    summary.statements.update(s.kind for s in extraction.statements)
                    summary.triples_written += len(quads)
            if on_progress:
                on_progress(article.id, done, total)

        if prune:
            # Only articles that left the corpus are removed; an unreadable file keeps its last good graph.
            for stale in set(store.articles()) - seen - failed_ids:
                store.remove_article(stale)
                summary.removed += 1
        stats = store.stats()
        summary.store_triples = stats.get("triples", 0)
        summary.store_graphs = stats.get("graphs", 0)
        classes = stats.get("classes", {})
        summary.store_patients = classes.get("ckg:Patient", 0)
        summary.store_statements = Counter(
            {kind: classes[f"ckg:{cls}"] for kind, cls in KIND_CLASS.items() if classes.get(f"ckg:{cls}")}
        )

    summary.seconds = time.perf_counter() - started
    return summary


def _open_store(path: Path):
    from kg.store import Store

    try:
        return Store(path)
    except OSError as exc:
        if "lock" in str(exc).lower():
            raise CaseKGError(f"{path}: the store is in use by another kg process; wait for it to finish") from None
        raise CaseKGError(f"{path}: cannot open the store: {exc}") from None


def _extract(article: Article):
    # Imported lazily: loading spaCy and the lexicons is the slow part of start-up.
    from kg.extract import extract

    return extract(article)
