"""Extraction at scale: batches of articles in, compact per-article results out.

The unit of work is a *batch* of articles, never one spaCy Doc: shipping Docs between
processes costs more than extracting them (docs/scale.md). A worker turns each article into
its N-Quads (the exact bytes the store loads) plus the counts the build summary needs, so
what crosses a process or network boundary is small, picklable and engine-neutral: the same
`extract_batch` runs in-process, in a `multiprocessing` pool and on Dask workers.

Runners yield results with bounded work in flight (at most `2 * jobs` batches), so memory
does not grow with the corpus: articles are read from disk only as workers free up.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import signal
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from kg.model import Article

DEFAULT_BATCH = 16


@dataclass
class ArticleResult:
    """What one article's extraction hands to the store writer."""

    id: str
    path: str
    sha256: str = ""  # of the article text extracted (the failure record names it)
    nquads: bytes | None = None  # N-Quads of the article's named graph; None when it failed
    # N-Quads of its concepts' vocabulary-graph quads, apart: ~40% of an article's quads, most
    # already sent with earlier articles, so the writer loads each line once (kg.build).
    vocab_nquads: bytes | None = None
    quads: list | None = None  # the same as pyoxigraph Quads, in-process only (saves a parse)
    error: str | None = None
    patients: int = 0
    entities: Counter = field(default_factory=Counter)
    statements: Counter = field(default_factory=Counter)
    n_quads: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None

    def all_quads(self) -> list:
        """Every quad of the result (article and vocabulary graphs) as pyoxigraph Quads."""
        if self.quads is not None:
            return self.quads
        return [*parse_nquads(self.nquads or b""), *parse_nquads(self.vocab_nquads or b"")]


def extract_article(article: Article, when: datetime, *, as_bytes: bool) -> ArticleResult:
    """Extract one article and render its quads; an exception becomes `error` (one line)."""
    from kg.extract import extract
    from kg.fingerprint import fingerprint
    from kg.rdf import article_nquads, article_quads

    try:
        extraction = extract(article)
        if as_bytes:  # N-Quads written straight from strings: no Quad objects to make and serialise
            rendered = article_nquads(article, extraction, generated_at=when, fingerprint=fingerprint())
        else:
            quads = article_quads(article, extraction, generated_at=when, fingerprint=fingerprint())
    except Exception as exc:  # one bad article must not stop its batch
        return ArticleResult(id=article.id, path=article.path, sha256=article.sha256,
                             error=f"{article.path or article.id}: extraction failed: {exc}")
    res = ArticleResult(
        id=article.id, path=article.path, sha256=article.sha256, patients=len(extraction.patients),
        entities=Counter(m.type for m in extraction.mentions), statements=Counter(s.kind for s in extraction.statements),
        n_quads=rendered.count if as_bytes else len(quads),
    )
    if as_bytes:
        res.nquads, res.vocab_nquads = rendered.article, rendered.vocabulary
    else:
        res.quads = quads
    return res


def extract_batch(articles: list[Article], when: datetime) -> list[ArticleResult]:
    """The worker task of every parallel engine: articles -> N-Quads results, in order."""
    warm_pipeline()  # a no-op after the first call; Dask workers have no pool initializer
    return [extract_article(a, when, as_bytes=True) for a in articles]


def serialize_nquads(quads: list) -> bytes:
    import pyoxigraph as ox

    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""


def parse_nquads(data: bytes) -> Iterator:
    import pyoxigraph as ox

    return ox.parse(data, format=ox.RdfFormat.N_QUADS)


def batched(items: Iterable[Article], size: int) -> Iterator[list[Article]]:
    batch: list[Article] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class Runner(Protocol):
    """Turns a stream of article batches into a stream of result batches."""

    def run(self, batches: Iterator[list[Article]], when: datetime) -> Iterator[list[ArticleResult]]: ...

    def close(self) -> None: ...


class InProcessRunner:
    """`--jobs 1`: extraction in this process, quads kept as objects (no serialisation)."""

    def run(self, batches: Iterator[list[Article]], when: datetime) -> Iterator[list[ArticleResult]]:
        warm_pipeline()
        for batch in batches:
            yield [extract_article(a, when, as_bytes=False) for a in batch]

    def close(self) -> None:
        pass


def _worker_init() -> None:
    # Ctrl-C goes to the whole process group; only the parent decides what to do with it,
    # otherwise every worker prints a traceback and the pool hangs on its dead children.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Load the pipeline now, not inside the first task, so all workers start warm together.
    warm_pipeline()


_frozen = False


def warm_pipeline() -> None:
    """Load the spaCy pipeline, then move everything alive into the GC's permanent generation.

    The compiled lexicons and matchers are millions of long-lived objects; otherwise every
    full collection during extraction rescans them (gc.freeze: extract + RDF ~5-10% more
    words per CPU-second, measured on the shared machine). Once per process: objects frozen
    later would never be collected.
    """
    global _frozen
    from kg.nlp.pipeline import get_nlp

    get_nlp()
    if not _frozen:
        gc.collect()
        gc.freeze()
        _frozen = True


def _context() -> mp.context.BaseContext:
    # fork is by far the cheapest start on Linux; the pool is created before the store is
    # opened, so no RocksDB thread exists to be forked. Elsewhere (macOS, Windows) spawn.
    method = os.environ.get("KG_MP_START") or ("fork" if sys.platform.startswith("linux") else "spawn")
    return mp.get_context(method)


class PoolRunner:
    """`--jobs N`: a `multiprocessing` pool of N workers, each with one cached pipeline."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.pool = _context().Pool(jobs, initializer=_worker_init)

    def run(self, batches: Iterator[list[Article]], when: datetime) -> Iterator[list[ArticleResult]]:
        # Pool.imap would drain `batches` (the whole corpus) into its task queue at once;
        # submitting by hand keeps at most 2 batches per worker in flight.
        pending = []
        limit = 2 * self.jobs
        for batch in batches:
            pending.append(self.pool.apply_async(extract_batch, (batch, when)))
            while len(pending) >= limit:
                yield pending.pop(0).get()
        while pending:
            yield pending.pop(0).get()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None


def make_runner(jobs: int = 1, dask: str | object | None = None) -> Runner:
    """The runner for `kg build --jobs N` / `--dask SCHEDULER` (a scheduler address or a Client)."""
    if dask is not None:
        from kg.distributed import DaskRunner

        return DaskRunner(dask)
    if jobs <= 1:
        return InProcessRunner()
    return PoolRunner(jobs)


def default_jobs() -> int:
    """`--jobs 0` means one worker per available CPU."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)
