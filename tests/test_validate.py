"""SHACL validation: a built graph conforms; deliberately broken graphs do not."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from test_rdf import WHEN, sample

from kg.rdf import CKG, OA, PROV, article_quads, graph_iri
from kg.store import Store
from kg.validate import validate


@pytest.fixture()
def store(tmp_path) -> Store:
    st = Store(tmp_path / "s")
    for aid in ("PMC1", "PMC2"):
        article, extraction = sample(aid)
        st.replace_article(aid, article_quads(article, extraction, generated_at=WHEN))
    yield st
    st.close()


def _first(st: Store, sparql: str) -> ox.NamedNode:
    return next(iter(st.query(sparql)))[0]


def test_built_graph_conforms(store, tmp_path):
    ok, report = validate(store)
    assert ok, report
    store.close()
    ok, _ = validate(tmp_path / "s")  # by path, read-only
    assert ok


def test_bad_status_and_missing_evidence_fail(store):
    g = ox.NamedNode(graph_iri("PMC1"))
    st = _first(store, "SELECT ?s WHERE { GRAPH <https://w3id.org/casekg/graph/PMC1> { ?s a ckg:PhenotypeFinding ; ckg:assertionStatus ckg:Present } } LIMIT 1")
    ox_store = store.oxigraph
    ox_store.remove(ox.Quad(st, ox.NamedNode(CKG + "assertionStatus"), ox.NamedNode(CKG + "Present"), g))
    ox_store.add(ox.Quad(st, ox.NamedNode(CKG + "assertionStatus"), ox.NamedNode(CKG + "Probably"), g))
    for q in list(ox_store.quads_for_pattern(st, ox.NamedNode(PROV + "wasDerivedFrom"), None, g)):
        ox_store.remove(q)
    ok, report = validate(store)
    assert not ok
    assert "assertionStatus" in report and "wasDerivedFrom" in report


def test_offsets_must_be_ordered_integers(store):
    g = ox.NamedNode(graph_iri("PMC1"))
    sel = _first(store, "SELECT ?p WHERE { GRAPH <https://w3id.org/casekg/graph/PMC1> { ?p a oa:TextPositionSelector } } LIMIT 1")
    ox_store = store.oxigraph
    for q in list(ox_store.quads_for_pattern(sel, ox.NamedNode(OA + "start"), None, g)):
        ox_store.remove(q)
    ox_store.add(ox.Quad(sel, ox.NamedNode(OA + "start"), ox.Literal("99999", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")), g))
    ok, report = validate(store)
    assert not ok and "start" in report


def test_negated_without_flag_fails(store):
    g = ox.NamedNode(graph_iri("PMC2"))
    ox_store = store.oxigraph
    for q in list(ox_store.quads_for_pattern(None, ox.NamedNode("https://w3id.org/biolink/vocab/negated"), None, g)):
        ox_store.remove(q)
    ok, report = validate(store)
    assert not ok and "negated" in report


def test_validates_rdflib_graph():
    import rdflib

    article, extraction = sample()
    st = ox.Store()
    st.extend(article_quads(article, extraction, generated_at=WHEN))
    g = rdflib.Graph().parse(data=ox.serialize(st.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"), format=ox.RdfFormat.N_TRIPLES).decode(), format="nt")
    assert validate(g)[0]
    g.remove((None, rdflib.URIRef(CKG + "contentHash"), None))
    ok, report = validate(g)
    assert not ok and "contentHash" in report
