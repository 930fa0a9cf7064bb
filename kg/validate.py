"""SHACL validation of the built graph with pyshacl against ontology/shapes.ttl.

The store's union graph is copied into an in-memory rdflib Graph (N-Triples through
Oxigraph's serialiser, the fast path) and validated with the ontology as `ont_graph`, so
rdfs:subClassOf from casekg.ttl applies to sh:targetClass/sh:class without running an
RDFS reasoner over the data (which would also drag in the HPO is_a chains).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import rdflib


@lru_cache(maxsize=1)
def _graphs() -> tuple[rdflib.Graph, rdflib.Graph]:
    from kg.paths import ontology_dir

    d = ontology_dir()
    shapes = rdflib.Graph().parse(d / "shapes.ttl", format="turtle")
    ont = rdflib.Graph().parse(d / "casekg.ttl", format="turtle")
    return shapes, ont


def _union_graph(source: Any) -> rdflib.Graph:
    if isinstance(source, rdflib.Graph):  # Dataset included: rdflib validates its default (union) view
        if isinstance(source, rdflib.Dataset):
            g = rdflib.Graph()
            for s, p, o, _ in source.quads((None, None, None, None)):
                g.add((s, p, o))
            return g
        return source
    from kg.store import Store

    if isinstance(source, (str, os.PathLike)):
        with Store(Path(source), read_only=True) as st:
            return _union_graph(st)
    store = source.oxigraph if isinstance(source, Store) else source
    if not isinstance(store, ox.Store):
        raise TypeError(f"cannot validate a {type(source).__name__}")
    triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    g = rdflib.Graph()
    if data:
        g.parse(data=data.decode("utf-8"), format="nt")
    return g


def validate(source: Any) -> tuple[bool, str]:
    """Validate a `kg.store.Store`, a pyoxigraph Store, a store path, or an rdflib Graph/Dataset.

    Returns (conforms, report_text)."""
    from pyshacl import validate as shacl

    shapes, ont = _graphs()
    data = _union_graph(source)
    conforms, _report_graph, text = shacl(
        data,
        shacl_graph=shapes,
        ont_graph=ont,
        inference="none",
        advanced=True,  # sh:sparql constraints
        allow_warnings=True,
    )
    return bool(conforms), str(text)
