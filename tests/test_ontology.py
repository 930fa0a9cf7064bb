"""ontology/casekg.ttl and shapes.ttl: parse, document every term, cover what kg.rdf emits."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.namespace import OWL, RDF, RDFS
from test_rdf import WHEN, sample

from kg.rdf import CKG, article_quads

ONT = Path(__file__).resolve().parents[1] / "ontology"


def _ont() -> rdflib.Graph:
    return rdflib.Graph().parse(ONT / "casekg.ttl", format="turtle")


def test_every_property_documented():
    g = _ont()
    props = set(g.subjects(RDF.type, OWL.ObjectProperty)) | set(g.subjects(RDF.type, OWL.DatatypeProperty))
    assert len(props) > 30
    for p in props:
        for needed in (RDFS.label, RDFS.comment, RDFS.domain, RDFS.range):
            assert g.value(p, needed) is not None, (p, needed)


def test_every_class_documented_and_statement_hierarchy():
    g = _ont()
    for c in g.subjects(RDF.type, OWL.Class):
        if isinstance(c, rdflib.URIRef) and str(c).startswith(CKG):
            assert g.value(c, RDFS.label) and g.value(c, RDFS.comment), c
    for kind in ("DrugExposure", "PhenotypeFinding", "AntibodyFinding", "DiseaseFinding", "TreatmentOutcome", "AdverseEvent", "Discontinuation"):
        assert (rdflib.URIRef(CKG + kind), RDFS.subClassOf, rdflib.URIRef(CKG + "Statement")) in g
    assert (rdflib.URIRef(CKG + "Patient"), RDFS.subClassOf, rdflib.URIRef("https://w3id.org/biolink/vocab/Case")) in g


def test_enumerations():
    g = _ont()
    statuses = {str(s).rsplit("#", 1)[1] for s in g.subjects(RDF.type, rdflib.URIRef(CKG + "AssertionStatus"))}
    assert statuses == {"Present", "Negated", "Hypothetical", "Historical", "Uncertain"}
    outcomes = {str(g.value(s, rdflib.URIRef("http://www.w3.org/2004/02/skos/core#notation"))) for s in g.subjects(RDF.type, rdflib.URIRef(CKG + "OutcomeType"))}
    assert {"resolved", "improved", "unchanged", "worsened", "relapsed", "remission_maintained"} <= outcomes


def test_every_ckg_term_emitted_is_declared():
    g = _ont()
    declared = {str(s) for s in g.subjects() if isinstance(s, rdflib.URIRef)}
    article, extraction = sample()
    used = set()
    for q in article_quads(article, extraction, generated_at=WHEN):
        used.add(q.predicate.value)
        if q.predicate.value == str(RDF.type) or (isinstance(q.object, ox.NamedNode) and q.object.value.startswith(CKG)):
            used.add(q.object.value)
    missing = sorted(u for u in used if u.startswith(CKG) and u not in declared)
    assert not missing


def test_shapes_parse():
    g = rdflib.Graph().parse(ONT / "shapes.ttl", format="turtle")
    shapes = set(g.subjects(RDF.type, rdflib.URIRef("http://www.w3.org/ns/shacl#NodeShape")))
    assert len(shapes) >= 15
