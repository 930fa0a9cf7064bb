"""The store's catalogue index: a SQLite file beside the Oxigraph data, for paged listings and
the drug-outcome summary at 100k articles (docs/scale.md, session 4).

What it holds (`INDEX_FILE` in the store directory):
- `article`: every (article IRI, graph IRI) pair `GRAPH ?g { ?a a ckg:Article }` finds, keyed
  by article IRI, so the page of a paged listing (`kg.query.choose_page`: the first N articles
  after `after`) is one B-tree range read instead of reading every article IRI out of Oxigraph
  (100k articles: ~650 ms CPU). SQLite's BINARY collation compares UTF-8 bytes, which is code
  point order: the order of Python's str and of SPARQL's STR() comparison.
- `outcome`: each article graph's share of `drug-outcome-summary` (patients and articles per
  drug x manifestation x outcome, labels), and `outcome_total`, their sums per key, so the
  summary reads ~600 rows instead of aggregating every treatment outcome of the store.
  Summing per-graph distinct counts equals the query's store-wide COUNT(DISTINCT) because
  patient and article IRIs live under their article's IRI, one graph each (kg.rdf).
- `term`: for each `TERM_SOURCES` pattern (the `GRAPH ?g { ... }` group of a term query's
  candidate-graphs SELECT: statements by drug or concept, `applied_to_treat`, autoantibodies,
  adverse events), every (graph, concept) pair the store holds, with concepts numbered in
  `concept`; so a term page (`kg.term_pages`) is picked by range reads of the graphs of the
  term's resolved concepts instead of reading every statement about them out of Oxigraph, and
  the page's own (graph, concept) pairs come with it (docs/scale.md, "Session 5: broad terms").
- `closure`: for every numbered concept, each node of the vocabulary graph it reaches by
  `rdfs:subClassOf*` (itself included), so resolving a term to its HPO descendants (the
  `?concept rdfs:subClassOf* ?term` of the term queries) is one range read per term instead of
  a walk down the is_a tree in SPARQL (HP:0000118: 12,171 classes, ~100 ms CPU), and it yields
  the concepts already numbered. It is derived from the vocabulary graph's subClassOf edges,
  whose digest `meta` keeps (`vocabulary`): a writer session re-reads the edges at `finish` and
  recomputes every row when they changed, else adds the rows of the concepts numbered since
  (`closure_upto`). A vocabulary with a blank node in an edge gets no closure (`vocabulary` ''):
  readers then resolve in SPARQL (docs/scale.md, "Session 6: root-term pages").

Why a sidecar file, not a named graph: the index is derived data that must never be wrong, and
a named graph would travel into dumps, exports, `kg validate` and the union default graph of
every query, and come back stale with `kg load` into another store. The file is written only
by the process that holds the store's write lock (a read-write `kg.store.Store`) and trusted
only when it says it is clean:

- the first write of a session marks the file dirty (committed, synced) *before* Oxigraph is
  written; the touched graphs are re-read from Oxigraph at `finish` (store close), which then
  marks it clean again. A crash in between leaves it dirty; readers then fall back to the
  SPARQL page pick and the full aggregate, and the next writer session rebuilds it.
- a writer that may have written around `kg.store.Store`'s methods (the raw pyoxigraph store,
  e.g. `kg load`), a missing file (older store, `benchmarks/replicate_store.py`), another
  schema version or a damaged file: rebuilt in full at the end of the next writer session
  (written to a temporary file, then renamed over the old one).
Readers open it read-only per query (`open_reader`) and get None whenever it is not usable.
"""

from __future__ import annotations

import hashlib
import heapq
import os
import sqlite3
import threading
import warnings
from collections.abc import Iterable, Mapping
from contextlib import closing
from pathlib import Path

import pyoxigraph as ox

from kg.rdf import VOCAB_GRAPH

INDEX_FILE = ".kg-index.sqlite"
VERSION = "3"  # 2: the term and concept tables; 3: the closure table
# Graphs re-read from Oxigraph per query when refreshing: the query runs on a dataset of only
# these graphs, so its cost follows the batch, not the store.
REFRESH_BATCH = 2000
# Past this share of the store's graphs touched in one session, `finish` rebuilds the index in
# full instead: re-reading one graph costs ~0.3 ms CPU, a full rebuild ~0.09 ms per graph
# (real 10k build: 100 graphs refreshed in 29 ms, everything rebuilt in 0.9 s).
REBUILD_SHARE = 0.3
REBUILD_MIN = 100  # (below this many graphs, not worth counting the store's)

_CKG = "https://w3id.org/casekg/vocab#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE article (article TEXT NOT NULL, graph TEXT NOT NULL, PRIMARY KEY (article, graph)) WITHOUT ROWID;
CREATE INDEX article_graph ON article (graph);
CREATE TABLE outcome (
  graph TEXT NOT NULL, drug TEXT NOT NULL, manifestation TEXT NOT NULL, outcome TEXT NOT NULL,
  drug_label TEXT NOT NULL, drug_label_lang TEXT NOT NULL, drug_label_type TEXT NOT NULL,
  manifestation_label TEXT NOT NULL, manifestation_label_lang TEXT NOT NULL, manifestation_label_type TEXT NOT NULL,
  patients INTEGER NOT NULL, articles INTEGER NOT NULL,
  PRIMARY KEY (graph, drug, manifestation, outcome)) WITHOUT ROWID;
CREATE INDEX outcome_key ON outcome (drug, manifestation, outcome);
CREATE TABLE concept (id INTEGER PRIMARY KEY, term TEXT NOT NULL UNIQUE);
CREATE TABLE term (source INTEGER NOT NULL, graph TEXT NOT NULL, concept INTEGER NOT NULL,
  PRIMARY KEY (source, graph, concept)) WITHOUT ROWID;
CREATE TABLE closure (ancestor TEXT NOT NULL, concept INTEGER NOT NULL, PRIMARY KEY (ancestor, concept)) WITHOUT ROWID;
CREATE TABLE outcome_total (
  drug TEXT NOT NULL, manifestation TEXT NOT NULL, outcome TEXT NOT NULL,
  drug_label TEXT NOT NULL, drug_label_lang TEXT NOT NULL, drug_label_type TEXT NOT NULL,
  manifestation_label TEXT NOT NULL, manifestation_label_lang TEXT NOT NULL, manifestation_label_type TEXT NOT NULL,
  patients INTEGER NOT NULL, articles INTEGER NOT NULL,
  PRIMARY KEY (drug, manifestation, outcome)) WITHOUT ROWID;
"""

# created once the rows are in (a rebuild writes every row: building the index afterwards is
# one sort instead of a B-tree insert per row)
_TERM_INDEX = "CREATE INDEX term_concept ON term (source, concept, graph)"

_ARTICLES_RQ = f"SELECT ?a ?g WHERE {{ GRAPH ?g {{ ?a a <{_CKG}Article> }} }}"

# Each graph's share of queries/drug-outcome-summary.rq: the same pattern, grouped by graph as
# well. tests/test_store_index.py checks the summary built from these shares against the
# query's own rows on built stores.
_OUTCOMES_RQ = f"""PREFIX ckg: <{_CKG}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?g ?drug ?manifestation ?outcome (SAMPLE(?dl) AS ?drugLabel) (SAMPLE(?ml) AS ?manifestationLabel)
       (COUNT(DISTINCT ?patient) AS ?patients) (COUNT(DISTINCT ?article) AS ?articles)
WHERE {{
  GRAPH ?g {{
    ?statement a ckg:TreatmentOutcome ;
               ckg:assertionStatus ?status ;
               ckg:drug ?drug ;
               ckg:concept ?manifestation ;
               ckg:inArticle ?article .
    FILTER(?status = ckg:Present)
    ?drug rdfs:label ?dl .
    ?manifestation rdfs:label ?ml .
    OPTIONAL {{ ?statement ckg:outcome ?o }}
    OPTIONAL {{ ?statement ckg:patient ?patient }}
  }}
  BIND(COALESCE(?o, ckg:Unspecified) AS ?outcome)
}}
GROUP BY ?g ?drug ?manifestation ?outcome"""

# The graph patterns whose (graph, concept) pairs `term` holds, by source number (the position):
# each is the `GRAPH ?g { ... }` group of a catalogue term query's candidate-graphs SELECT, with
# ?c the concept the query resolves from its parameter. kg.term_pages uses the table only for
# a query whose group is one of these, up to variable names and prefixes. Changing this list
# changes what the table means: bump VERSION.
TERM_SOURCES: tuple[str, ...] = (
    f"?s <{_CKG}drug>|<{_CKG}concept> ?c",  # evidence
    "?s <https://w3id.org/biolink/vocab/applied_to_treat> ?c",  # drugs-for-manifestation
    f"?s <{_CKG}hasAutoantibody> ?c",  # patients-with-antibody
    "?c <https://w3id.org/biolink/vocab/has_adverse_event> ?s",  # adverse-events with a drug
)


def _term_rq(pattern: str) -> str:
    return f"SELECT DISTINCT ?g ?c WHERE {{ GRAPH ?g {{ {pattern} }} }}"


# The precomputed answers a catalogue query may name in its `# precomputed:` header.
DRUG_OUTCOMES = "drug-outcome-summary"
PRECOMPUTED = (DRUG_OUTCOMES,)
DRUG_OUTCOME_VARIABLES = ["drugLabel", "manifestationLabel", "outcome", "patients", "articles", "drug", "manifestation"]


def index_path(store_dir: str | os.PathLike[str]) -> Path:
    return Path(store_dir) / INDEX_FILE


# --------------------------------------------------------------------------- reading


class IndexReader:
    """A clean index, read inside one SQLite read transaction (a writer cannot change it
    between the clean check and the reads)."""

    def __init__(self, conn: sqlite3.Connection, closure: bool = True) -> None:
        self._conn = conn
        self.has_closure = closure  # the closure table is there (the vocabulary has no blank-node edge)

    def close(self) -> None:
        try:
            self._conn.execute("COMMIT")
        except sqlite3.Error:
            pass
        self._conn.close()

    def __enter__(self) -> "IndexReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def page(self, after: str, n: int) -> list[tuple[str, str]]:
        """(article IRI, graph IRI) of the first `n` articles whose IRI sorts after `after`,
        sorted: what `kg.query.page_of_articles` returns, by one range read."""
        rows = self._conn.execute(
            "SELECT article, graph FROM article WHERE article IN "
            "(SELECT DISTINCT article FROM article WHERE article > ? ORDER BY article LIMIT ?)",
            (after, n),
        ).fetchall()
        return sorted(rows)

    def term_graphs(self, source: int, concepts: Iterable[str] | Mapping[int, str], after: str, n: int,
                    budget: int | None = None) -> list[tuple[str, list[str]]]:
        """The first `n` graphs, in IRI order, whose IRI sorts after `after` and that hold one
        of `concepts` (N-Triples terms, or {number: term} as `descendants` gives them) in
        `TERM_SOURCES[source]`, each with the ones it holds.

        Two ways to the same answer: a merge of one cursor per concept over its graphs in order
        (a cursor costs ~23 microseconds to open at 100k articles, then one row per (graph,
        concept) of the page), or a scan of the graphs in order with all their concepts until
        `n` hold one (~1.5 microseconds a row: few rows when most graphs hold one, as for a
        broad HPO term). The scan runs first, with the merge's opening cost in rows as its
        budget (16 rows a concept), so a page costs at most about twice the cheaper way."""
        ids = dict(concepts) if isinstance(concepts, Mapping) else self.concept_ids(concepts)
        budget = 16 * len(ids) + n if budget is None else budget  # (tests force either way)
        out: list[tuple[str, list[str]]] = []
        read = 0
        rows = self._conn.execute("SELECT graph, concept FROM term WHERE source = ? AND graph > ? ORDER BY graph, concept",
                                  (source, after))
        for graph, cid in rows:
            if len(out) == n and graph != out[-1][0]:
                rows.close()
                return [(g, sorted(c)) for g, c in out]
            read += 1
            if read > budget:
                break
            term = ids.get(cid)
            if term is None:
                continue
            if out and out[-1][0] == graph:
                out[-1][1].append(term)
            else:
                out.append((graph, [term]))
        else:
            return [(g, sorted(c)) for g, c in out]
        rows.close()
        out = []
        cursors = [self._conn.execute("SELECT graph, ? FROM term WHERE source = ? AND concept = ? AND graph > ? ORDER BY graph",
                                      (term, source, cid, after)) for cid, term in ids.items()]
        try:
            for graph, term in heapq.merge(*cursors):  # (graph, concept term) in order
                if out and out[-1][0] == graph:
                    out[-1][1].append(term)
                elif len(out) == n:
                    break
                else:
                    out.append((graph, [term]))
        finally:
            for cursor in cursors:
                cursor.close()
        return out

    def descendants(self, terms: Iterable[str]) -> dict[int, str]:
        """{number: term} of the numbered concepts that reach one of `terms` (N-Triples) by
        `rdfs:subClassOf*` in the vocabulary graph: what `?concept rdfs:subClassOf* ?term`
        gives for those terms, less the concepts that occur in no graph. Only when
        `has_closure`."""
        out: dict[int, str] = {}
        terms = list(dict.fromkeys(terms))
        for start in range(0, len(terms), _CHUNK):
            chunk = terms[start : start + _CHUNK]
            out.update(self._conn.execute(
                "SELECT closure.concept, concept.term FROM closure JOIN concept ON concept.id = closure.concept "
                f"WHERE closure.ancestor IN ({','.join('?' * len(chunk))})", chunk))
        return out

    def term_graph_range(self, source: int) -> tuple[str, str] | None:
        """The smallest and the largest graph IRI of `TERM_SOURCES[source]`; None when it has none."""
        low = self._conn.execute("SELECT MIN(graph) FROM term WHERE source = ?", (source,)).fetchone()[0]
        high = self._conn.execute("SELECT MAX(graph) FROM term WHERE source = ?", (source,)).fetchone()[0]
        return None if low is None else (low, high)

    def concept_ids(self, concepts: Iterable[str]) -> dict[int, str]:
        """{number: term} of those of `concepts` (N-Triples) the table numbers (the rest occur in no graph)."""
        terms, out = list(dict.fromkeys(concepts)), {}
        for start in range(0, len(terms), _CHUNK):
            chunk = terms[start : start + _CHUNK]
            out.update(self._conn.execute(f"SELECT id, term FROM concept WHERE term IN ({','.join('?' * len(chunk))})", chunk))
        return out

    def drug_outcomes(self, limit: int = 0) -> list[tuple[ox.Literal, ox.Literal, ox.NamedNode, ox.Literal, ox.Literal, ox.NamedNode, ox.NamedNode]]:
        """The rows of queries/drug-outcome-summary.rq (DRUG_OUTCOME_VARIABLES), in its order,
        at most `limit` of them (0: all)."""
        raw = self._conn.execute(
            "SELECT patients, articles, drug_label, manifestation_label, outcome, drug, manifestation, "
            "drug_label_lang, drug_label_type, manifestation_label_lang, manifestation_label_type FROM outcome_total"
        ).fetchall()
        # ORDER BY DESC(?patients) DESC(?articles) LCASE(?drugLabel) ?manifestationLabel ?outcome ?drug ?manifestation:
        # the labels are plain literals, compared by their strings (code points) as Python compares str.
        # Sorted on the plain values, and only the rows kept become RDF terms (5k rows: ~6x less CPU).
        raw.sort(key=lambda r: (-r[0], -r[1], r[2].lower(), r[3], r[4], r[5], r[6]))
        return [(_literal(dl, dlang, dtype), _literal(ml, mlang, mtype), ox.NamedNode(outcome),
                 ox.Literal(str(patients), datatype=_XSD_INTEGER), ox.Literal(str(articles), datatype=_XSD_INTEGER),
                 ox.NamedNode(drug), ox.NamedNode(man))
                for patients, articles, dl, ml, outcome, drug, man, dlang, dtype, mlang, mtype in (raw[:limit] if limit else raw)]


_CHUNK = 500  # host parameters per statement (SQLite's default limit was 999 before 3.32)


def _literal(value: str, lang: str, datatype: str) -> ox.Literal:
    if lang:
        return ox.Literal(value, language=lang)
    return ox.Literal(value, datatype=ox.NamedNode(datatype))


def open_reader(store_dir: str | os.PathLike[str] | None) -> IndexReader | None:
    """The store's index if it is there, of this version and clean; otherwise None (the
    caller then computes the answer from the store itself, as before the index existed)."""
    if store_dir is None:
        return None
    path = index_path(store_dir)
    if not path.is_file():
        return None
    try:
        # a file: URI (absolute, percent-encoded) is the only way to open SQLite read-only
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0.5, isolation_level=None,
                               check_same_thread=False)
    except (sqlite3.Error, OSError, ValueError):
        return None
    try:
        conn.execute("BEGIN")
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        if meta.get("version") == VERSION and meta.get("dirty") == "0":
            return IndexReader(conn, closure=bool(meta.get("vocabulary")))
    except sqlite3.Error:
        pass
    conn.close()
    return None


# --------------------------------------------------------------------------- writing


class IndexWriter:
    """Keeps the index of one on-disk store right through a writer session (kg.store.Store):
    `touch` before every Oxigraph write, `taint` when writes may bypass `touch`, `finish` after
    the last write, once Oxigraph is flushed."""

    def __init__(self, store_dir: str | os.PathLike[str]) -> None:
        self.path = index_path(store_dir)
        self.touched: set[str] = set()
        self.rebuild = False  # rebuild in full at finish
        self._conn: sqlite3.Connection | None = None
        self._dirty = False  # this session has marked the file dirty
        # kg.build's loader thread writes (bulk loads) while the build's thread replaces graphs
        self._lock = threading.Lock()
        if not self.path.is_file():
            self.rebuild = True
            return
        try:
            self._conn = _connect(self.path)
            meta = dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
            if meta.get("version") != VERSION or meta.get("dirty") != "0":
                self.rebuild = True
                self._dirty = meta.get("dirty") == "1"
        except sqlite3.Error:
            self._close_conn()
            self.rebuild = True

    def touch(self, graphs: Iterable[str]) -> None:
        """Graphs about to be written or dropped: the file is marked dirty first."""
        with self._lock:
            self._mark_dirty()
            self.touched.update(graphs)

    def taint(self) -> None:
        """Oxigraph may be written without `touch`: rebuild in full at `finish`."""
        with self._lock:
            self._mark_dirty()
            self.rebuild = True

    def _mark_dirty(self) -> None:
        if self._dirty or self._conn is None:
            return  # no usable file: readers already ignore it, and finish writes a new one
        try:
            with self._conn:
                self._conn.execute("PRAGMA synchronous = FULL")
                self._conn.execute("INSERT OR REPLACE INTO meta VALUES ('dirty', '1')")
            self._dirty = True
        except sqlite3.Error:
            # could not mark it: move it out of the way, so no reader trusts it
            self._close_conn()
            _unlink(self.path)
            self.rebuild = True

    def finish(self, store: ox.Store) -> None:
        """Bring the file up to date with `store` (flushed, this session's writes done) and
        mark it clean. On failure the file stays dirty (readers ignore it) and a warning says so."""
        with self._lock:
            self._finish(store)

    def _finish(self, store: ox.Store) -> None:
        if not self.rebuild and not self.touched:
            self._close_conn()
            return
        try:
            if not self.rebuild and len(self.touched) > REBUILD_MIN and len(self.touched) > REBUILD_SHARE * self._graphs():
                self.rebuild = True  # many graphs changed: cheaper to read everything once
            if self.rebuild:
                self._close_conn()
                rebuild(self.path, store)
            else:
                assert self._conn is not None
                self._refresh(store, sorted(self.touched))
            self.touched.clear()
            self.rebuild = False
        except (sqlite3.Error, OSError, RuntimeError, ValueError) as exc:
            warnings.warn(f"{self.path}: catalogue index not updated ({exc}); queries read the store instead", stacklevel=2)
        finally:
            self._close_conn()

    def _refresh(self, store: ox.Store, graphs: list[str]) -> None:
        conn = self._conn
        assert conn is not None
        conn.execute("PRAGMA synchronous = OFF")  # the closing commit below is synced (FULL)
        keys: set[tuple[str, str, str]] = set()
        with conn:
            for start in range(0, len(graphs), REFRESH_BATCH):
                batch = graphs[start : start + REFRESH_BATCH]
                conn.executemany("DELETE FROM article WHERE graph = ?", [(g,) for g in batch])
                for g in batch:
                    keys.update(conn.execute("SELECT drug, manifestation, outcome FROM outcome WHERE graph = ?", (g,)))
                conn.executemany("DELETE FROM outcome WHERE graph = ?", [(g,) for g in batch])
                conn.executemany("DELETE FROM term WHERE source = ? AND graph = ?",
                                 [(i, g) for i in range(len(TERM_SOURCES)) for g in batch])
                dataset = [ox.NamedNode(g) for g in batch]
                _insert(conn, store, dataset, keys)
            for key in keys:
                conn.execute("DELETE FROM outcome_total WHERE drug = ? AND manifestation = ? AND outcome = ?", key)
                conn.execute(_TOTAL_INSERT + " WHERE drug = ? AND manifestation = ? AND outcome = ? GROUP BY drug, manifestation, outcome", key)
            _update_closure(conn, store)
        with conn:
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('dirty', '0')")
        self._dirty = False

    def _graphs(self) -> int:
        assert self._conn is not None
        return self._conn.execute("SELECT COUNT(DISTINCT graph) FROM article").fetchone()[0]

    def _close_conn(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


# Labels: the smallest over the graphs that report the key (one label per concept in practice;
# the query's SAMPLE would pick any of them).
_TOTAL_INSERT = """INSERT INTO outcome_total
SELECT drug, manifestation, outcome, MIN(drug_label), MIN(drug_label_lang), MIN(drug_label_type),
       MIN(manifestation_label), MIN(manifestation_label_lang), MIN(manifestation_label_type), SUM(patients), SUM(articles)
FROM outcome"""


def _connect(path: Path) -> sqlite3.Connection:
    # used from the thread that calls, under IndexWriter's lock
    return sqlite3.connect(str(path), timeout=30, isolation_level="DEFERRED", check_same_thread=False)


def _insert(conn: sqlite3.Connection, store: ox.Store, dataset: list[ox.NamedNode] | None,
            keys: set[tuple[str, str, str]] | None = None) -> None:
    """Read the article, outcome and term rows of `dataset`'s graphs (None: every graph) from Oxigraph."""
    kwargs = {"default_graph": dataset or [ox.DefaultGraph()], "named_graphs": dataset} if dataset is not None else {}
    conn.executemany("INSERT OR IGNORE INTO article VALUES (?, ?)",
                     ((r[0].value, r[1].value) for r in store.query(_ARTICLES_RQ, **kwargs)))
    rows = []
    for r in store.query(_OUTCOMES_RQ, **kwargs):
        g, drug, man, outcome, dl, ml, patients, articles = (r[i] for i in range(8))
        rows.append((g.value, drug.value, man.value, outcome.value, *_parts(dl), *_parts(ml), int(patients.value), int(articles.value)))
        if keys is not None:
            keys.add((drug.value, man.value, outcome.value))
    conn.executemany("INSERT INTO outcome VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    ids: dict[str, int] = {}  # concept term -> its number, looked up or added on first sight
    for source, pattern in enumerate(TERM_SOURCES):
        conn.executemany("INSERT INTO term VALUES (?, ?, ?)",
                         ((source, r[0].value, _concept_id(conn, ids, str(r[1]))) for r in store.query(_term_rq(pattern), **kwargs)))


_SUBCLASS_RQ = f"SELECT ?s ?o WHERE {{ GRAPH <{VOCAB_GRAPH}> {{ ?s <{_RDFS}subClassOf> ?o }} }}"


def _update_closure(conn: sqlite3.Connection, store: ox.Store) -> None:
    """Bring the closure table up to date with the vocabulary graph of `store` (inside the
    caller's transaction). The edges are re-read every time (~0.1 s CPU for the 14k edges of a
    10k-article store; bounded by the ontology, not the corpus): the vocabulary graph is only
    added to by article writes, but an article built with another ontology snapshot can give
    an old class a new parent, and `kg.store.Store.prune_vocabulary` removes edges. When their
    digest is the one the rows were computed from, only the concepts numbered since get rows."""
    edges = sorted({(str(r[0]), str(r[1])) for r in store.query(_SUBCLASS_RQ)})
    usable = not any(s.startswith("_:") or o.startswith("_:") for s, o in edges)  # blank nodes: no stable name
    digest = hashlib.sha256("\n".join(f"{s} {o}" for s, o in edges).encode()).hexdigest() if usable else ""
    meta = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('vocabulary', 'closure_upto')").fetchall())
    if usable and meta.get("vocabulary") == digest:
        start = int(meta.get("closure_upto") or 0)
    else:
        conn.execute("DELETE FROM closure")
        start = 0
    upto = conn.execute("SELECT COALESCE(MAX(id), 0) FROM concept").fetchone()[0]
    if usable:
        parents: dict[str, list[str]] = {}
        for s, o in edges:
            parents.setdefault(s, []).append(o)
        new = conn.execute("SELECT id, term FROM concept WHERE id > ?", (start,)).fetchall()
        conn.executemany("INSERT INTO closure VALUES (?, ?)", ((a, cid) for cid, term in new for a in _ancestors(term, parents)))
    conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [("vocabulary", digest), ("closure_upto", str(upto))])


def _ancestors(term: str, parents: Mapping[str, list[str]]) -> set[str]:
    """`term` and every node it reaches along `parents` (cycles allowed, as SPARQL paths)."""
    seen, todo = {term}, [term]
    while todo:
        for p in parents.get(todo.pop(), ()):
            if p not in seen:
                seen.add(p)
                todo.append(p)
    return seen


def _concept_id(conn: sqlite3.Connection, ids: dict[str, int], term: str) -> int:
    found = ids.get(term)
    if found is None:
        conn.execute("INSERT OR IGNORE INTO concept (term) VALUES (?)", (term,))
        found = ids[term] = conn.execute("SELECT id FROM concept WHERE term = ?", (term,)).fetchone()[0]
    return found


def _parts(term: ox.Literal) -> tuple[str, str, str]:
    return term.value, term.language or "", term.datatype.value if not term.language else ""


def rebuild(path: Path, store: ox.Store) -> None:
    """Write a complete, clean index of `store` at `path` (a new file renamed over the old)."""
    from kg.atomic import _fsync_dir

    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    _unlink(tmp)
    try:
        with closing(_connect(tmp)) as conn:
            conn.execute("PRAGMA journal_mode = OFF")  # a fresh file: renamed into place only when complete
            conn.execute("PRAGMA synchronous = OFF")
            conn.executescript(_SCHEMA)
            with conn:
                conn.execute("INSERT INTO meta VALUES ('version', ?), ('dirty', '0')", (VERSION,))
                _insert(conn, store, None)
                _update_closure(conn, store)
                conn.execute(_TOTAL_INSERT + " GROUP BY drug, manifestation, outcome")
                conn.execute(_TERM_INDEX)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    finally:
        _unlink(tmp)


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def build_index(store_dir: str | os.PathLike[str]) -> None:
    """Write the index of an on-disk store that no other process holds (e.g. after
    `benchmarks/replicate_store.py` wrote it with the raw pyoxigraph store)."""
    st = ox.Store(str(store_dir))
    try:
        rebuild(index_path(store_dir), st)
    finally:
        del st

