"""The embedded on-disk Oxigraph store: one named graph per article.

Writes replace a whole article graph in one SPARQL Update, which Oxigraph runs as a single
transaction: a reader (or a crash) sees the old graph or the new one, never half of each.
Queries see the union of all article graphs as the default graph.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable, Mapping

import pyoxigraph as ox

from kg.rdf import BASE, CKG, PREFIXES, RDF, article_id_from_graph, article_iri, graph_iri

Term = ox.NamedNode | ox.BlankNode | ox.Literal


class Store:
    """`Store(path)` opens (creating if needed) a read-write store; `read_only=True` opens an
    existing one for reading, so `kg query` can run while no writer holds it."""

    def __init__(self, path: str | os.PathLike[str] | None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        if path is None:
            self._store = ox.Store()  # in memory: for tests and scratch work
        elif read_only:
            if not Path(path).is_dir():
                raise FileNotFoundError(f"{path}: no store here")
            self._store = ox.Store.read_only(str(path))
        else:
            Path(path).mkdir(parents=True, exist_ok=True)
            self._store = ox.Store(str(path))

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
        # pyoxigraph closes RocksDB when the object is dropped; drop our only reference.
        self._store = None

    @property
    def oxigraph(self) -> ox.Store:
        """The underlying pyoxigraph store, for callers that need its full API."""
        if self._store is None:
            raise ValueError("store is closed")
        return self._store

    # ------------------------------------------------------------------ articles

    def article_hash(self, article_id: str) -> str | None:
        g = ox.NamedNode(graph_iri(article_id))
        a = ox.NamedNode(article_iri(article_id))
        for q in self.oxigraph.quads_for_pattern(a, ox.NamedNode(CKG + "contentHash"), None, g):
            return q.object.value
        return None

    def replace_article(self, article_id: str, quads: Iterable[ox.Quad]) -> None:
        """Replace the article's named graph with `quads`, atomically."""
        if self.read_only:
            raise PermissionError("store opened read-only")
        g = graph_iri(article_id)
        lines = []
        for q in quads:
            if not isinstance(q.graph_name, ox.NamedNode) or q.graph_name.value != g:
                raise ValueError(f"quad outside the article graph <{g}>: {q}")
            lines.append(f"{q.subject} {q.predicate} {q.object} .")
        # One update = one transaction in Oxigraph (DROP and INSERT commit together).
        # Terms are written with their N-Triples serialisation, which escapes everything.
        body = "\n".join(lines)
        self.oxigraph.update(f"DROP SILENT GRAPH <{g}> ;\nINSERT DATA {{ GRAPH <{g}> {{\n{body}\n}} }}")

    def remove_article(self, article_id: str) -> None:
        if self.read_only:
            raise PermissionError("store opened read-only")
        self.oxigraph.update(f"DROP SILENT GRAPH <{graph_iri(article_id)}>")

    def articles(self) -> list[str]:
        out = []
        for g in self.oxigraph.named_graphs():
            if isinstance(g, ox.NamedNode):
                aid = article_id_from_graph(g.value)
                if aid is not None:
                    out.append(aid)
        return sorted(out)

    def graph_quads(self, article_id: str) -> list[ox.Quad]:
        return list(self.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(graph_iri(article_id))))

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
        return self.oxigraph.query(sparql, use_default_graph_as_union=True, substitutions=subs, prefixes=dict(PREFIXES))

    def stats(self) -> dict[str, Any]:
        """Counts: triples (quads), named graphs, articles, instances by class, triples by predicate."""
        st = self.oxigraph
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
