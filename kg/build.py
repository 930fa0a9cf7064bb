"""`kg build`: corpus -> extraction -> RDF -> store, streamed in batches.

An article whose stored content hash equals its current hash is skipped, so a rebuild of
an unchanged corpus writes nothing. A bad file is reported and skipped; the other articles
still build and the previous graph of the bad file is kept.

Scale (docs/scale.md): the corpus is read lazily and handed to a runner (`kg.parallel`: in
this process, a pool of `jobs` processes, or a Dask cluster) with a bounded number of
batches in flight, so peak memory does not grow with the corpus. Results are written as
they arrive, in transactions:
- articles new to the store: spooled, then one `Store.bulk_add_articles` per LOAD_ARTICLES
  (Oxigraph's bulk loader, ~7x faster than SPARQL updates) on a loader thread that runs
  while extraction goes on, each distinct vocabulary-graph line sent once per build
  (`_Writer`). The loader is not transactional, so a marker file in the store names the
  spool's articles while it loads; if a crash leaves it behind, the next open drops those
  graphs and the re-run rebuilds them (a spool is in the store whole or not at all);
- articles already in the store: `Store.replace_article`, one transaction each.
Each written article carries its content hash, so after Ctrl-C (or a crash) the store is
consistent and a re-run continues with the articles not yet written.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
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
    interrupted: bool = False  # Ctrl-C: what was written is consistent; re-run to continue
    words: int = 0  # in the articles extracted by this run (for articles/s and words/s)
    outdated: int = 0  # unchanged texts rebuilt because another casekg built them (kg.fingerprint)
    bulk_loaded: int = 0  # articles written by the bulk loader (then the store is compacted)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.interrupted


ProgressHook = Callable[[str, int, int], None]  # (article id, done, total)


def build(
    corpus_root: Path,
    store_path: Path,
    *,
    force: bool = False,
    prune: bool = True,
    on_progress: ProgressHook | None = None,
    now: datetime | None = None,
    jobs: int = 1,
    dask: str | object | None = None,
    batch_size: int | None = None,
) -> BuildSummary:
    """Bring the store up to date with the corpus and return what happened.

    `jobs`: extraction processes (1 = in this process, 0 = one per CPU). `dask`: a Dask
    scheduler address (or `distributed.Client`) to extract on instead. `now` is the PROV
    extraction time written into every rebuilt graph (pass it for reproducible graphs).
    Ctrl-C stops the build cleanly: the summary has `interrupted=True`, nothing is pruned,
    and a re-run picks up where this one stopped.
    """
    from kg import failures
    from kg.fingerprint import fingerprint
    from kg.parallel import DEFAULT_BATCH, batched, default_jobs, make_runner

    started = time.perf_counter()
    summary = BuildSummary()
    root = Path(corpus_root)
    total = _count_entries(root)
    when = now or datetime.now(timezone.utc)
    jobs = default_jobs() if jobs == 0 else max(1, jobs)
    size = batch_size or DEFAULT_BATCH
    seen: set[str] = set()
    failed_ids: set[str] = set()
    current = fingerprint()
    done = 0

    def tick(name: str) -> None:
        nonlocal done
        done += 1
        if on_progress:
            on_progress(name, done, max(total, done))

    # The runner (and its worker processes) exists before the store is opened: forked
    # workers then inherit no RocksDB state.
    runner = make_runner(jobs, dask)
    try:
        with open_store(store_path) as store:
            existing: set[str] = set()

            def todo() -> Iterator[Article]:
                from kg.corpus import load_corpus

                for item in load_corpus(root):
                    if isinstance(item, InputError):
                        summary.failed.append(str(item))
                        failed_ids.add(Path(item.path).parent.name)
                        failed_ids.add(Path(item.path).stem)
                        tick(str(item.path))
                        continue
                    seen.add(item.id)
                    summary.articles += 1
                    stored = store.article_hash(item.id)
                    if not force and stored == item.sha256:
                        if store.article_fingerprint(item.id) == current:
                            summary.unchanged += 1
                            tick(item.id)
                            continue
                        summary.outdated += 1  # same text, graph made by another casekg version
                    if stored is not None or _has_graph(store, item.id):
                        existing.add(item.id)
                    summary.words += len(item.text.split())
                    yield item

            writer = _Writer(store, existing, summary, failed_ids)
            try:
                for results in runner.run(batched(todo(), size), when):
                    writer.write(results)
                    failures.update(store_path, {r.id: (r.sha256, r.error or "extraction failed")
                                                 for r in results if not r.ok},
                                    succeeded=[r.id for r in results if r.ok])
                    for res in results:
                        tick(res.id)
                writer.close()
            except KeyboardInterrupt:
                # Every load that reached the store committed whole; stop here, prune
                # nothing (the corpus was not fully read), and let a re-run continue. The
                # spooled articles are already extracted: load them rather than redo them.
                summary.interrupted = True
                runner.close()
                writer.close()
            except BaseException:
                writer.stop()  # the loader thread must not outlive the build (it holds the store)
                raise
            else:
                if prune:
                    # Only articles that left the corpus are removed; an unreadable file keeps its last good graph.
                    for stale in set(store.articles()) - seen - failed_ids:
                        store.remove_article(stale)
                        summary.removed += 1
                    if summary.removed and hasattr(store, "prune_vocabulary"):
                        # concepts only the removed articles used leave the shared vocabulary graph
                        store.prune_vocabulary()
            if summary.bulk_loaded and not summary.interrupted and hasattr(store, "optimize"):
                # Bulk loads leave many overlapping SST files behind; until they are compacted
                # the same queries run 1.5-4x slower (docs/scale.md). ~20 s at 10k articles.
                store.optimize()
            _store_totals(store, summary)
    finally:
        runner.close()
    summary.seconds = time.perf_counter() - started
    return summary


# Fresh articles are spooled and bulk-loaded this many at a time (or at LOAD_BYTES of N-Quads,
# whichever comes first): fewer, larger loads leave RocksDB fewer files to ingest and compact
# (docs/scale.md, session 3). Bounded, so memory does not grow with the corpus.
LOAD_ARTICLES = 256
LOAD_BYTES = 64 << 20


class _Writer:
    """Writes extraction results to the store in arrival order.

    Articles already in the store: `replace_article` at once (one transaction each). Fresh
    articles: spooled, and each full spool (LOAD_ARTICLES) is bulk-loaded by a loader thread
    while this thread goes on receiving results and feeding the workers (Oxigraph releases
    the GIL while it loads); one spool loads while the next fills, so memory stays bounded.
    A spooled article is not built until its load returns: `close()` loads what is left and
    waits (at the end of the corpus, and on Ctrl-C so extracted work is kept); a crash
    before that loses only the spooled extraction, which the re-run redoes.

    Vocabulary-graph lines are shared by many articles (the same concept's labels, synonyms
    and HPO chain); each distinct line is sent to the loader once per build. The loader
    loads spools in order and stops at the first failure, so an article is only ever loaded
    after (or with) the spool that carried its vocabulary.
    """

    def __init__(self, store, existing: set[str], summary: BuildSummary, failed_ids: set[str]) -> None:  # noqa: ANN001
        import queue

        self.store = store
        self.existing = existing
        self.summary = summary
        self.failed_ids = failed_ids
        self.bulk = hasattr(store, "bulk_add_articles")
        self.sent_vocab: set = set()  # N-Quads lines (or Quads, in-process) handed to the loader
        self._jobs: queue.Queue = queue.Queue(maxsize=1)  # one spool waiting while one loads
        self._thread = None
        self._error: BaseException | None = None
        self._stopping = False
        self._clear()

    def _clear(self) -> None:
        self.ids: list[str] = []
        self.quads: list = []  # quad objects (in-process extraction)
        self.chunks: list[bytes] = []  # N-Quads from workers: Oxigraph parses them itself
        self.size = 0
        self.vocab: dict = {}  # new vocabulary lines/Quads of the spool, ordered

    def write(self, results: list) -> None:
        summary = self.summary
        remote: list = []
        for res in results:
            if not res.ok:
                summary.failed.append(res.error or f"{res.path or res.id}: extraction failed")
                self.failed_ids.add(res.id)
                continue
            if res.id in self.existing:
                self.store.replace_article(res.id, res.all_quads())
            elif self.bulk:
                self._spool(res)
            else:
                remote.extend(res.all_quads())
            summary.built += 1
            summary.patients += res.patients
            summary.entities.update(res.entities)
            summary.statements.update(res.statements)
            summary.triples_written += res.n_quads
        if remote:
            self.store.oxigraph.extend(remote)  # a remote store: one request for the batch
        if len(self.ids) >= LOAD_ARTICLES or self.size >= LOAD_BYTES:
            self._send()

    def _spool(self, res) -> None:  # noqa: ANN001
        from kg.rdf import split_quads

        # Order matters if Ctrl-C lands in here: the vocabulary first (extra vocabulary lines
        # are harmless), then the id (an id without quads is only rebuilt), then the quads.
        seen, vocab = self.sent_vocab, self.vocab
        if res.quads is not None:
            own, shared = split_quads(res.quads)
        else:
            own, shared = res.nquads or b"", (res.vocab_nquads or b"").split(b"\n")
        for line in shared:
            if line and line not in seen:
                vocab[line] = None
        self.ids.append(res.id)
        if isinstance(own, bytes):
            self.chunks.append(own)
            self.size += len(own)
        else:
            self.quads.extend(own)

    def _send(self) -> None:
        """Hand the spool to the loader thread (waiting while it still has one queued)."""
        import threading

        if not self.ids:
            return
        lines = [v for v in self.vocab if isinstance(v, bytes)]
        quads = self.quads + [v for v in self.vocab if not isinstance(v, bytes)]
        nquads = b"".join(self.chunks) + (b"\n".join(lines) + b"\n" if lines else b"")
        job = (self.ids, quads, nquads)
        self.sent_vocab.update(self.vocab)
        self._clear()
        if self._thread is None:
            # A daemon: if a second Ctrl-C abandons it mid-load, the bulk marker repairs the store.
            self._thread = threading.Thread(target=self._load, name="kg-bulk-loader", daemon=True)
            self._thread.start()
        self._raise()
        self._jobs.put(job)

    def _load(self) -> None:
        import queue

        while True:
            try:
                job = self._jobs.get(timeout=0.2)
            except queue.Empty:
                if self._stopping:
                    return
                continue
            if job is None:
                return
            if self._error is not None or self._stopping:
                continue  # after a failure nothing more loads (see the class docstring)
            ids, quads, nquads = job
            try:
                # Oxigraph's bulk loader, guarded by a marker file (crash -> dropped on next
                # open); lenient: the bytes were serialised by Oxigraph from valid terms.
                self.store.bulk_add_articles(ids, quads, nquads=nquads, lenient=True)
                self.summary.bulk_loaded += len(ids)
            except BaseException as exc:  # re-raised in the build's thread
                self._error = exc

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def stop(self) -> None:
        """The build failed elsewhere: the loader ends without loading what is queued (an
        article not loaded is rebuilt by the next run); waits for a load in progress."""
        self._stopping = True
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def close(self) -> None:
        """Load what is spooled, wait for the loader, and raise its error if it had one."""
        self._send()
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()
            self._thread = None
        self._raise()


def _has_graph(store, article_id: str) -> bool:  # noqa: ANN001
    import pyoxigraph as ox

    from kg.rdf import graph_iri

    g = ox.NamedNode(graph_iri(article_id))
    return next(iter(_reader(store).quads_for_pattern(None, None, None, g)), None) is not None


def _reader(store):  # noqa: ANN001, ANN202
    # kg.store.Store's read-only view (its `oxigraph` would make the catalogue index rebuild
    # in full at close); a remote store has only `oxigraph`
    return store.reader if hasattr(store, "reader") else store.oxigraph


def _count_entries(root: Path) -> int:
    """How many corpus entries there are, without reading them (for the progress total)."""
    try:
        from kg.corpus import _entries

        return len(_entries(root))
    except Exception:  # a missing corpus is reported by load_corpus itself
        return 0


def _store_totals(store, summary: BuildSummary) -> None:  # noqa: ANN001
    # Store.stats() also counts every predicate (a full scan); the summary needs less.
    from kg.rdf import CKG, KIND_CLASS, RDF

    st = _reader(store)
    summary.store_triples = len(st)
    summary.store_graphs = sum(1 for _ in st.named_graphs())
    classes = ["Patient", *KIND_CLASS.values()]
    values = " ".join(f"<{CKG}{c}>" for c in classes)
    counts: dict[str, int] = {}
    for sol in st.query(
        f"SELECT ?c (COUNT(*) AS ?n) WHERE {{ VALUES ?c {{ {values} }} GRAPH ?g {{ ?s <{RDF}type> ?c }} }} GROUP BY ?c"
    ):
        counts[sol["c"].value[len(CKG):]] = int(sol["n"].value)
    summary.store_patients = counts.get("Patient", 0)
    summary.store_statements = Counter({kind: counts[cls] for kind, cls in KIND_CLASS.items() if counts.get(cls)})


def open_store(path: Path | str):  # noqa: ANN201 - kg.store.Store or kg.remote.RemoteStore
    """Open a store for writing: a directory (on-disk Oxigraph) or a Graph Store Protocol URL.

    A store locked by another process is a one-line CaseKGError, not a RocksDB traceback."""
    import os

    from kg.remote import RemoteStore, is_url
    from kg.store import Store

    if is_url(str(path)):
        # A SPARQL 1.1 Graph Store Protocol endpoint: PUT per article graph (idempotent).
        return RemoteStore(str(path), query_endpoint=os.environ.get("KG_ENDPOINT") or None)
    path = Path(path)
    try:
        return Store(path)
    except OSError as exc:
        if "lock" in str(exc).lower():
            raise CaseKGError(f"{path}: the store is in use by another kg process; wait for it to finish") from None
        raise CaseKGError(f"{path}: cannot open the store: {exc}") from None
