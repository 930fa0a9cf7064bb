"""The embedded on-disk Oxigraph store: one named graph per article, one shared vocabulary graph.

Writes replace a whole article graph in one SPARQL Update, which Oxigraph runs as a single
transaction: a reader (or a crash) sees the old graph or the new one, never half of each.
The same transaction adds the article's concepts to the vocabulary graph (`VOCAB_GRAPH`:
synonyms, lookup keys, HPO is_a chains), which is a set shared by all articles: adding a
concept twice changes nothing, and `prune_vocabulary` drops what no article uses any more.
Queries see the union of all graphs as the default graph.

A read-write on-disk store also keeps its catalogue index (`kg.store_index`: the article order
for paged listings, the drug-outcome summary) right: every write through this class's methods
marks the index dirty first and the touched graphs are re-read into it at `close`; handing out
the raw pyoxigraph store of a writable store (`oxigraph`) means writes may bypass that, so the
index is then rebuilt in full at `close`. Read-only code paths use `reader`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable, Mapping

import pyoxigraph as ox

from kg.atomic import _fsync_dir
from kg.rdf import BASE, CKG, PREFIXES, RDF, RDFS, VOCAB_GRAPH, article_id_from_graph, article_iri, graph_iri

Term = ox.NamedNode | ox.BlankNode | ox.Literal

# Written (atomically) in the store directory before a bulk load and removed after it: the
# bulk loader is not transactional, so a crash can leave the batch's graphs half loaded.
BULK_MARKER = ".kg-bulk-load.json"


class Store:
    """`Store(path)` opens (creating if needed) a read-write store; `read_only=True` opens an
    existing one for reading, so `kg query` can run while no writer holds it."""

    def __init__(self, path: str | os.PathLike[str] | None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        self._index = None  # kg.store_index.IndexWriter of a read-write on-disk store
        if path is None:
            self._store = ox.Store()  # in memory: for tests and scratch work
        elif read_only:
            if not Path(path).is_dir():
                raise FileNotFoundError(f"{path}: no store here")
            self._store = ox.Store.read_only(str(path))
        else:
            Path(path).mkdir(parents=True, exist_ok=True)
            self._store = ox.Store(str(path))
            from kg.store_index import IndexWriter

            self._index = IndexWriter(path)
            self.recover_bulk_load()

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        store = getattr(self, "_store", None)
        if store is None:
            return
        if not self.read_only and self.path is not None:
            try:
                store.flush()
            except OSError:
                pass
            else:
                if self._index is not None:
                    # after the flush: the index describes what is on disk
                    self._index.finish(store)
            self._index = None
        # pyoxigraph closes RocksDB when the object is dropped; drop our only reference.
        self._store = None

    @property
    def oxigraph(self) -> ox.Store:
        """The underlying pyoxigraph store, for callers that need its full API. On a writable
        store its writes bypass the catalogue index, so the index is rebuilt in full at
        `close`; code that only reads uses `reader`."""
        if self._index is not None:
            self._index.taint()
        return self._ox

    @property
    def reader(self) -> ox.Store:
        """The underlying pyoxigraph store, for reading only (writing through it would leave
        the catalogue index stale)."""
        return self._ox

    @property
    def _ox(self) -> ox.Store:
        # this class's own reads and writes: writes keep the index right through _touch
        if self._store is None:
            raise ValueError("store is closed")
        return self._store

    def _touch(self, *article_ids: str) -> None:
        """Before writing these articles' graphs: the index is marked dirty, re-read at close."""
        if self._index is not None:
            self._index.touch(graph_iri(a) for a in article_ids)

    # ------------------------------------------------------------------ articles

    def article_hash(self, article_id: str) -> str | None:
        return self._article_value(article_id, "contentHash")

    def article_fingerprint(self, article_id: str) -> str | None:
        """The extractor fingerprint the article's graph was built with (kg.fingerprint)."""
        return self._article_value(article_id, "extractorFingerprint")

    def _article_value(self, article_id: str, prop: str) -> str | None:
        g = ox.NamedNode(graph_iri(article_id))
        a = ox.NamedNode(article_iri(article_id))
        for q in self._ox.quads_for_pattern(a, ox.NamedNode(CKG + prop), None, g):
            return q.object.value
        return None

    def replace_article(self, article_id: str, quads: Iterable[ox.Quad]) -> None:
        """Replace the article's named graph with its quads and add its vocabulary quads
        (those in `VOCAB_GRAPH`) to the shared vocabulary graph, in one transaction."""
        if self.read_only:
            raise PermissionError("store opened read-only")
        g = graph_iri(article_id)
        lines: list[str] = []
        vocab: list[str] = []
        for q in quads:
            name = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else None
            if name == g:
                lines.append(f"{q.subject} {q.predicate} {q.object} .")
            elif name == VOCAB_GRAPH:
                vocab.append(f"{q.subject} {q.predicate} {q.object} .")
            else:
                raise ValueError(f"quad outside the article graph <{g}> and the vocabulary graph: {q}")
        # One update = one transaction in Oxigraph (DROP and INSERT commit together). The
        # vocabulary graph is only added to (RDF set semantics: re-adding is a no-op).
        # Terms are written with their N-Triples serialisation, which escapes everything.
        body = "\n".join(lines)
        self._touch(article_id)
        vbody = f" GRAPH <{VOCAB_GRAPH}> {{\n" + "\n".join(vocab) + "\n}" if vocab else ""
        self._ox.update(f"DROP SILENT GRAPH <{g}> ;\nINSERT DATA {{ GRAPH <{g}> {{\n{body}\n}}{vbody} }}")

    def bulk_add_articles(self, article_ids: Iterable[str], quads: Iterable[ox.Quad] = (), *,
                          nquads: bytes = b"", lenient: bool = False) -> None:
        """Load the quads of articles *not yet in the store* with Oxigraph's bulk loader
        (~2.4x faster than a transaction, docs/scale.md), for fresh builds. `quads` are quad
        objects, `nquads` serialised N-Quads (as build workers send them: parsed by Oxigraph
        itself, ~1.6x less CPU than making Python quads first); either or both.

        The bulk loader is not transactional. Crash safety comes from a marker file naming
        the batch's articles, written atomically before the load and removed after a flush:
        if the process dies in between, the next read-write open (`recover_bulk_load`) drops
        those article graphs, so the content-hash skip rebuilds them. Never use this for an
        article already in the store: recovery would drop its previous graph.

        `lenient`: skip Oxigraph's IRI and literal validation of `nquads` (~8% less loading
        CPU); only for bytes Oxigraph itself serialised from valid terms, as workers' are."""
        if self.read_only:
            raise PermissionError("store opened read-only")
        ids = sorted(set(article_ids))
        if self.path is None:  # in memory: nothing survives a crash anyway (and no index)
            self._bulk(quads, nquads, lenient)
            return
        from kg.atomic import write_text_atomic

        marker = self.path / BULK_MARKER
        self._touch(*ids)
        write_text_atomic(marker, json.dumps({"articles": ids}))
        try:
            self._bulk(quads, nquads, lenient)
            self._ox.flush()
        except BaseException:
            # Interrupted or failed half way: undo now if we can; otherwise the marker stays
            # and the next open repairs the store.
            try:
                self.recover_bulk_load()
            except Exception:
                pass
            raise
        marker.unlink()
        _fsync_dir(self.path)

    def _bulk(self, quads: Iterable[ox.Quad], nquads: bytes, lenient: bool) -> None:
        self._ox.bulk_extend(quads)
        if nquads:
            self._ox.bulk_load(nquads, format=ox.RdfFormat.N_QUADS, lenient=lenient)

    def optimize(self) -> None:
        """Compact the on-disk store (RocksDB): after bulk loads, queries get 1.5-4x faster
        and the store smaller (docs/scale.md). Crash-safe; a no-op in memory."""
        if self.read_only:
            raise PermissionError("store opened read-only")
        if self.path is not None:
            self._ox.optimize()

    def recover_bulk_load(self) -> list[str]:
        """If a bulk load was interrupted (its marker is still there), drop the graphs of
        the articles it named and remove the marker. Returns those article ids."""
        if self.read_only or self.path is None:
            return []
        marker = self.path / BULK_MARKER
        try:
            ids = list(json.loads(marker.read_text(encoding="utf-8"))["articles"])
        except FileNotFoundError:
            return []
        except (ValueError, KeyError, TypeError):
            # The marker is written atomically, so this is not ours to guess at.
            raise OSError(f"{marker}: unreadable bulk-load marker; remove it after checking the store") from None
        for aid in ids:
            self.remove_article(aid)
        self._ox.flush()
        marker.unlink()
        _fsync_dir(self.path)
        return ids

    def remove_article(self, article_id: str) -> None:
        """Drop the article's graph (only it: its concepts stay in the vocabulary graph
        until `prune_vocabulary`)."""
        if self.read_only:
            raise PermissionError("store opened read-only")
        self._touch(article_id)
        self._ox.update(f"DROP SILENT GRAPH <{graph_iri(article_id)}>")

    def prune_vocabulary(self) -> int:
        """Remove from the vocabulary graph every concept that no article graph uses, keeping
        the HPO ancestors of the concepts still used. Returns the number of quads removed."""
        if self.read_only:
            raise PermissionError("store opened read-only")
        st = self._ox
        v = ox.NamedNode(VOCAB_GRAPH)
        rdf_type, sub_class_of = ox.NamedNode(RDF + "type"), ox.NamedNode(RDFS + "subClassOf")
        # Used: a concept of the vocabulary graph that some article graph types too (every
        # concept an article uses is typed there), and every class up its is_a chain.
        used: set = set()
        for q in st.quads_for_pattern(None, rdf_type, None, v):
            c = q.subject
            if c not in used and any(
                x.graph_name != v for x in st.quads_for_pattern(c, rdf_type, None, None)
            ):
                used.add(c)
        todo = list(used)
        while todo:
            for q in st.quads_for_pattern(todo.pop(), sub_class_of, None, v):
                if q.object not in used:
                    used.add(q.object)
                    todo.append(q.object)
        stale = [q for q in st.quads_for_pattern(None, None, None, v) if q.subject not in used]
        if stale:
            # One update, one transaction: a reader never sees half a concept removed.
            body = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in stale)
            st.update(f"DELETE DATA {{ GRAPH <{VOCAB_GRAPH}> {{\n{body}\n}} }}")
        return len(stale)

    def articles(self) -> list[str]:
        out = []
        for g in self._ox.named_graphs():
            if isinstance(g, ox.NamedNode):
                aid = article_id_from_graph(g.value)
                if aid is not None:
                    out.append(aid)
        return sorted(out)

    def graph_quads(self, article_id: str) -> list[ox.Quad]:
        return list(self._ox.quads_for_pattern(None, None, None, ox.NamedNode(graph_iri(article_id))))

    # ------------------------------------------------------------------ queries

    def query(
        self, sparql: str, substitutions: Mapping[str | ox.Variable, Term] | None = None
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Run SPARQL with the union of all graphs as the default graph.

        `substitutions` binds variables to RDF terms (Oxigraph / SEP-0007) without touching
        the query text. Raises SyntaxError for a malformed query."""
        subs = None
        if substitutions:
            subs = {(k if isinstance(k, ox.Variable) else ox.Variable(k.lstrip("?$"))): v for k, v in substitutions.items()}
        return self._ox.query(sparql, use_default_graph_as_union=True, substitutions=subs, prefixes=dict(PREFIXES))

    def stats(self) -> dict[str, Any]:
        """Counts: triples (quads), named graphs, articles, instances by class, triples by predicate."""
        st = self._ox
        triples = len(st)
        graphs = sum(1 for _ in st.named_graphs())
        classes: dict[str, int] = {}
        for sol in st.query(
            "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c", use_default_graph_as_union=True
        ):
            classes[compact(sol["c"].value)] = int(sol["n"].value)
        predicates: dict[str, int] = {}
        for sol in st.query("SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?p"):
            predicates[compact(sol["p"].value)] = int(sol["n"].value)
        return {
            "triples": triples,
            "graphs": graphs,
            "articles": len(self.articles()),
            "classes": classes,
            "predicates": predicates,
        }


def compact(iri: str) -> str:
    """`https://w3id.org/casekg/vocab#Patient` -> `ckg:Patient` for display."""
    best = None
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and (best is None or len(ns) > len(best[1])):
            best = (prefix, ns)
    if best is None:
        return iri
    return f"{best[0]}:{iri[len(best[1]):]}"


def open_rdflib(path: str | os.PathLike[str], *, read_only: bool = True):  # noqa: ANN201 - rdflib.Dataset
    """An rdflib Dataset over the on-disk store (oxrdflib plugin), for users' scripts.

    SPARQL through it runs on Oxigraph, not rdflib's slow engine; the default graph is
    the union of all article graphs. Read-only by default so a script cannot corrupt a
    build; pass read_only=False to write through rdflib.
    """
    import rdflib
    from oxrdflib import OxigraphStore

    if read_only:
        backend = OxigraphStore(store=ox.Store.read_only(str(path)))
    else:
        Path(path).mkdir(parents=True, exist_ok=True)
        backend = OxigraphStore(store=ox.Store(str(path)))
    ds = rdflib.Dataset(store=backend, default_union=True)
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns, override=True)
    return ds


__all__ = ["Store", "open_rdflib", "compact", "BASE", "RDF"]
