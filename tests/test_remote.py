"""Remote stores against a real `oxigraph serve` process on loopback (the `oxigraph` PyPI
package's binary), and `kg.remote.query` against our own `kg serve` endpoint."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from test_rdf import WHEN, sample
from test_server import free_port, running_server, sample_store

from kg import remote
from kg.errors import QueryError
from kg.query import Catalogue, format_result, run
from kg.rdf import VOCAB_GRAPH, article_quads, graph_iri, split_quads
from kg.store import Store

QUERIES = Path(__file__).resolve().parents[1] / "queries"
CASE_B = "A 30-year-old woman presented with fever. She was treated with prednisone 40 mg daily.\n"
# Every catalogue query with parameters that give answers on the sample articles.
CASES = [
    ("drugs-for-manifestation", {"manifestation": "panniculitis"}),
    ("drugs-for-manifestation", {"manifestation": "HP:0012649"}),
    ("patients-with-antibody", {"antibody": "anti-MDA5"}),
    ("adverse-events", {}),
    ("adverse-events", {"drug": "methotrexate"}),
    ("discontinuations", {}),
    ("drug-outcome-summary", {}),
    ("evidence", {"entity": "baricitinib"}),
    ("article-summary", {}),
    ("negated-findings", {}),
]


def _oxigraph_binary() -> str | None:
    here = Path(sys.executable).parent / "oxigraph"
    return str(here) if here.exists() else shutil.which("oxigraph")


OXIGRAPH = _oxigraph_binary()
needs_oxigraph = pytest.mark.skipif(OXIGRAPH is None, reason="the `oxigraph` server binary is not installed (pip install oxigraph)")


@pytest.fixture()
def oxigraph_server(tmp_path):
    """A fresh `oxigraph serve` with the union default graph, on a free loopback port."""
    port = free_port()
    proc = subprocess.Popen(
        [OXIGRAPH, "serve", "--location", str(tmp_path / "oxi"), "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(base + "/query", params={"query": "ASK {}"}, timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"oxigraph serve did not start: {proc.stderr.read().decode()[-500:]}")
        time.sleep(0.05)
    try:
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _quads(aid: str, **kw) -> list[ox.Quad]:
    article, extraction = sample(aid, **kw)
    return article_quads(article, extraction, generated_at=WHEN)


def _count(base: str, graph: str | None = None) -> int:
    where = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "GRAPH ?g { ?s ?p ?o }"
    return int(remote.query(base + "/query", f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}").dicts()[0]["n"])


@needs_oxigraph
def test_push_is_idempotent_and_replaces_whole_graphs(oxigraph_server):
    store = oxigraph_server + "/store"
    q1 = _quads("PMC1")
    remote.push_article(store, "PMC1", q1)
    assert _count(oxigraph_server) == len(q1)
    remote.push_article(store, "PMC1", q1)
    assert _count(oxigraph_server) == len(q1)  # PUT again: the same graph, nothing doubled
    remote.push_article(store, "PMC2", _quads("PMC2"))
    changed = _quads("PMC1", title="A new title")
    remote.push_article(store, "PMC1", changed)
    titles = remote.query(oxigraph_server + "/query", f"SELECT ?t WHERE {{ GRAPH <{graph_iri('PMC1')}> {{ ?a dct:title ?t }} }}").dicts()
    assert titles == [{"t": "A new title"}]  # the old title is gone, not kept beside the new one
    assert _count(oxigraph_server, graph_iri("PMC1")) == len(split_quads(changed)[0])
    assert _count(oxigraph_server, VOCAB_GRAPH) == len({str(q) for q in split_quads(q1 + _quads("PMC2") + changed)[1]})
    assert remote.delete_article(store, "PMC1") is True
    assert remote.delete_article(store, "PMC1") is False  # already gone: not an error
    assert _count(oxigraph_server, graph_iri("PMC1")) == 0
    with pytest.raises(ValueError, match="outside the article graph"):
        remote.push_article(store, "PMC9", q1)


@needs_oxigraph
def test_catalogue_answers_match_the_embedded_store(oxigraph_server, tmp_path):
    store = oxigraph_server + "/store"
    local = sample_store(tmp_path / "local")
    for aid in ("PMC1", "PMC2"):
        remote.push_article(store, aid, _quads(aid))
    cat = Catalogue(QUERIES)
    with Store(local, read_only=True) as st:
        for name, params in CASES:
            want = run(st, name, params, catalogue=cat)
            got = remote.run(oxigraph_server + "/query", name, params, catalogue=cat)
            assert got.variables == want.variables, name
            assert want.rows, f"{name} {params}: no answers on the sample, the comparison would be empty"
            assert sorted(map(str, got.rows)) == sorted(map(str, want.rows)), name


@needs_oxigraph
def test_remote_store_interface(oxigraph_server, tmp_path):
    local = sample_store(tmp_path / "local")
    with remote.RemoteStore(oxigraph_server + "/store") as rs:
        assert rs.query_endpoint == oxigraph_server + "/query"
        assert rs.articles() == [] and rs.article_hash("PMC1") is None
        for aid in ("PMC1", "PMC2"):
            rs.replace_article(aid, _quads(aid))
        assert rs.articles() == ["PMC1", "PMC2"]
        assert rs.article_hash("PMC1") == "ab" * 32
        with Store(local, read_only=True) as st:
            assert rs.stats() == st.stats()
        rs.remove_article("PMC2")
        assert rs.articles() == ["PMC1"]
        ask = rs.query("ASK { ?p a ckg:Patient }")
        assert ask.boolean is True
        construct = rs.query("CONSTRUCT { ?p a ckg:Patient } WHERE { ?p a ckg:Patient }")
        assert construct.variables == ["subject", "predicate", "object"] and len(construct) == 2


@needs_oxigraph
def test_build_into_a_remote_store(oxigraph_server, tmp_path, monkeypatch):
    """kg.build.build with the store opened as a RemoteStore: what `kg build --store URL` does once wired."""
    import kg.build
    from kg.build import build

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "case-a.txt").write_text("A 52-year-old man with myositis received rituximab. His weakness improved after rituximab.\n")
    (corpus / "case-b.txt").write_text(CASE_B)
    url = oxigraph_server + "/store"
    when = datetime(2026, 1, 1, tzinfo=timezone.utc)
    monkeypatch.setattr(kg.build, "open_store", lambda path: remote.open_store(url))
    first = build(corpus, tmp_path / "unused", now=when)
    assert (first.built, first.unchanged, first.failed) == (2, 0, [])
    assert first.store_graphs == 3 and first.store_triples > 0  # two articles and the vocabulary
    second = build(corpus, tmp_path / "unused", now=when)
    assert (second.built, second.unchanged) == (0, 2)  # content hashes read back from the server
    (corpus / "case-b.txt").unlink()
    third = build(corpus, tmp_path / "unused", now=when)
    assert third.removed == 1 and remote.RemoteStore(url).articles() == ["case-a"]
    # the same corpus history built into an embedded store gives the same quads, vocabulary pruned alike
    monkeypatch.undo()
    local = tmp_path / "local"
    (corpus / "case-b.txt").write_text(CASE_B)
    build(corpus, local, now=when)
    (corpus / "case-b.txt").unlink()
    build(corpus, local, now=when)
    with Store(local, read_only=True) as st:
        want = {str(q) for q in st.oxigraph}
    rows = remote.query(oxigraph_server + "/query", "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }").rows
    got = {str(ox.Quad(s, p, o, g)) for s, p, o, g in rows}
    assert got == want


def test_query_against_kg_serve(tmp_path):
    from kg.server import create_app

    store = sample_store(tmp_path / "store")
    cat = Catalogue(QUERIES)
    with running_server(create_app(store, workers=1)) as base:
        with Store(store, read_only=True) as st:
            for name, params in CASES[:4]:
                got = remote.run(base + "/sparql", name, params, catalogue=cat)
                want = run(st, name, params, catalogue=cat)
                assert sorted(map(str, got.rows)) == sorted(map(str, want.rows)), name
        n = remote.query(base + "/sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?p a ckg:Patient }")
        assert format_result(n, "csv") == "n\r\n4\r\n"
        with pytest.raises(QueryError, match="HTTP 400: SPARQL syntax error"):
            remote.query(base + "/sparql", "SELECT nonsense")
        with pytest.raises(QueryError, match="HTTP 403"):
            remote.query(base + "/sparql", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")


def test_unreachable_endpoint_is_a_query_error():
    with pytest.raises(QueryError, match="cannot reach"):
        remote.query(f"http://127.0.0.1:{free_port()}/sparql", "ASK {}", timeout=5)


def test_inject_values_places_a_row_in_every_where_group():
    q = (
        'SELECT ?drug ?x WHERE { { SELECT ?drug ?s WHERE { FILTER(STR(?drug) = "") ?s a <http://x/WHERE> } } '
        '# a comment with WHERE {\n ?s ckg:p "WHERE {" . VALUES ?x { 1 } }'
    )
    out = remote.inject_values(q, {"drug": ox.Literal('a "quoted" value')})
    assert out.count('VALUES (?drug) { ("a \\"quoted\\" value") }') == 2
    assert "VALUES ?x { 1 }" in out  # a VALUES data block is left alone
    assert remote.inject_values(q, {}) == q


def test_with_prefixes_declares_only_missing_ones():
    out = remote.with_prefixes("PREFIX ckg: <https://w3id.org/casekg/vocab#> SELECT * { ?s ckg:x ?o ; rdfs:label ?l }")
    assert out.startswith("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n") and out.count("PREFIX ckg:") == 1


def test_is_url_and_open_store(tmp_path):
    assert remote.is_url("http://localhost:7878/store") and remote.is_url("HTTPS://x/y")
    assert not remote.is_url(".kg/store") and not remote.is_url(Path("http:/x"))
    assert isinstance(remote.open_store(str(tmp_path / "s")), Store)
    assert remote.query_endpoint_for("http://h:3030/ds/data") == "http://h:3030/ds/query"
    with pytest.raises(remote.RemoteError, match="query endpoint"):
        remote.RemoteStore("http://h/graphs")
