"""Every catalogue query is plain SPARQL 1.1: rdflib's engine (a standards-only engine, not
Oxigraph) gives the same rows as the embedded Oxigraph store on the same quads.

The store is a small built synthetic corpus. Parameters reach rdflib the way they reach a
remote endpoint (`kg query --endpoint`): a VALUES row at the start of every group
(`kg.remote.inject_values`), with `LIMIT` from `kg.query.query_text`."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from kg.query import Catalogue, bind, query_text, run
from kg.rdf import PREFIXES
from kg.remote import inject_values, with_prefixes
from kg.store import Store

QUERIES = Path(__file__).resolve().parents[1] / "queries"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, rdflib.Dataset]:
    from kg.build import build
    from kg.synth import write_corpus

    root = tmp_path_factory.mktemp("portable")
    write_corpus(root / "corpus", 40, seed=3)
    build(root / "corpus", root / "store", now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    with Store(root / "store", read_only=True) as st:
        nquads = ox.serialize(st.oxigraph.quads_for_pattern(None, None, None, None), format=ox.RdfFormat.N_QUADS)
    ds = rdflib.Dataset(default_union=True)
    ds.parse(data=nquads, format="nquads")
    return root / "store", ds


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return Catalogue(QUERIES)


def _key(term) -> tuple | None:  # noqa: ANN001
    """An engine-neutral form of a term: kind, lexical value, datatype, language."""
    if term is None:
        return None
    if isinstance(term, (ox.NamedNode, rdflib.URIRef)):
        return ("iri", str(term.value if isinstance(term, ox.NamedNode) else term))
    if isinstance(term, ox.Literal):
        return ("literal", term.value, term.datatype.value if not term.language else None, term.language)
    if isinstance(term, rdflib.Literal):
        lang = term.language
        return ("literal", str(term), (str(term.datatype) if term.datatype else XSD_STRING) if not lang else None, lang)
    raise AssertionError(f"unexpected term {term!r}")


def _rdflib_rows(ds: rdflib.Dataset, cat: Catalogue, name: str, params: dict[str, str]) -> tuple[list[str], list[tuple]]:
    qdef = cat.get(name)
    subs = bind(qdef, params)
    text = with_prefixes(inject_values(query_text(qdef, params), subs))
    res = ds.query(text, initNs=dict(PREFIXES))
    echoes = {v.value for v in subs}
    variables = [str(v) for v in res.vars if str(v) not in echoes]
    return variables, [tuple(_key(row[v]) for v in variables) for row in res]


def _oxigraph_rows(store: Path, cat: Catalogue, name: str, params: dict[str, str]) -> tuple[list[str], list[tuple]]:
    result = run(store, name, params, catalogue=cat)
    return result.variables, [tuple(_key(t) for t in row) for row in result.rows]


def _cases(store: Path) -> list[tuple[str, dict[str, str]]]:
    """Each query with its header's example value, plus values taken from the data so that
    every query is compared on a non-empty answer too."""
    with Store(store, read_only=True) as st:
        def first(sparql: str) -> str:
            rows = list(st.oxigraph.query(sparql, use_default_graph_as_union=True, prefixes=dict(PREFIXES)))
            assert rows, sparql
            return rows[0][0].value

        drug = first("SELECT ?l WHERE { ?s a ckg:AdverseEvent ; ckg:assertionStatus ckg:Present ; ckg:drug/rdfs:label ?l } ORDER BY ?l LIMIT 1")
        pheno = first("SELECT ?l WHERE { ?s a ckg:TreatmentOutcome ; ckg:assertionStatus ckg:Present ; ckg:concept/rdfs:label ?l } ORDER BY ?l LIMIT 1")
        antibody = first("SELECT ?l WHERE { ?p ckg:hasAutoantibody/rdfs:label ?l } ORDER BY ?l LIMIT 1")
    return [
        ("adverse-events", {}),
        ("adverse-events", {"drug": "methotrexate"}),
        ("adverse-events", {"drug": drug}),
        ("article-summary", {}),
        ("discontinuations", {}),
        ("drug-outcome-summary", {}),
        ("drugs-for-manifestation", {"manifestation": "panniculitis"}),
        ("drugs-for-manifestation", {"manifestation": pheno}),
        ("drugs-for-manifestation", {"manifestation": "HP:0000118"}),  # a broad term: many classes
        ("evidence", {"entity": "rituximab"}),
        ("evidence", {"entity": drug}),
        ("evidence", {"entity": pheno, "limit": "0"}),
        ("negated-findings", {}),
        ("patients-with-antibody", {"antibody": "anti-NXP2"}),
        ("patients-with-antibody", {"antibody": antibody}),
    ]


def test_every_catalogue_query_same_rows_on_rdflib(built, cat):
    store, ds = built
    cases = _cases(store)
    assert {name for name, _ in cases} == set(cat.names()), "a catalogue query has no portability case"
    nonempty = set()
    for name, params in cases:
        ox_vars, ox_rows = _oxigraph_rows(store, cat, name, params)
        rl_vars, rl_rows = _rdflib_rows(ds, cat, name, params)
        assert rl_vars == ox_vars, (name, params)
        assert rl_rows == ox_rows, (name, params, len(ox_rows), len(rl_rows))
        if ox_rows:
            nonempty.add(name)
    assert nonempty == set(cat.names())  # every query was compared on some rows

