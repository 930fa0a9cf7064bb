"""kg.store: on-disk Oxigraph, atomic per-article replace, union queries, rdflib access."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from test_rdf import WHEN, sample

from kg.rdf import CKG, SKOS, VOCAB_GRAPH, article_quads, graph_iri, split_quads
from kg.store import Store, compact, open_rdflib


def _quads(article_id: str = "PMC1", **kw):
    article, extraction = sample(article_id, **kw)
    return article.sha256, article_quads(article, extraction, generated_at=WHEN)


def _vocab(store: Store) -> list[ox.Quad]:
    return list(store.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(VOCAB_GRAPH)))


def _count(store: Store, sparql: str) -> int:
    return int(next(iter(store.query(sparql)))["n"].value)


def test_replace_article_roundtrip(tmp_path):
    sha, quads = _quads()
    with Store(tmp_path / "s") as st:
        assert st.article_hash("PMC1") is None
        st.replace_article("PMC1", quads)
        assert st.article_hash("PMC1") == sha
        assert st.articles() == ["PMC1"]  # the vocabulary graph is not an article
        art, voc = split_quads(quads)
        assert set(st.graph_quads("PMC1")) == set(art)
        assert set(_vocab(st)) == set(voc)
        # replacing with the same quads is idempotent, the vocabulary graph included
        st.replace_article("PMC1", quads)
        assert len(st.graph_quads("PMC1")) == len(set(art))
        assert len(st.oxigraph) == len(set(quads))


def test_replace_drops_the_old_graph_whole(tmp_path):
    _, old = _quads(title="Old title")
    _, new = _quads(title="New title")
    with Store(tmp_path / "s") as st:
        st.replace_article("PMC1", old)
        st.replace_article("PMC1", new)
        titles = [s["t"].value for s in st.query("SELECT ?t WHERE { ?a dct:title ?t }")]
        assert titles == ["New title"]
        assert set(st.graph_quads("PMC1")) == set(split_quads(new)[0])


def test_replace_is_atomic_when_it_fails(tmp_path):
    _, good = _quads()
    with Store(tmp_path / "s") as st:
        st.replace_article("PMC1", good)
        g = ox.NamedNode(graph_iri("PMC1"))
        bad = [*good[:10], ox.Quad(ox.NamedNode("http://x/s"), ox.NamedNode("http://x/p"), ox.Literal("o"), ox.NamedNode(graph_iri("OTHER")))]
        with pytest.raises(ValueError):
            st.replace_article("PMC1", bad)
        assert set(st.oxigraph.quads_for_pattern(None, None, None, g)) == set(split_quads(good)[0])
        assert set(st.oxigraph) == set(good)  # nothing of the failed update reached the vocabulary graph either


def test_union_default_graph_and_substitutions(tmp_path):
    with Store(tmp_path / "s") as st:
        for aid in ("A1", "A2"):
            st.replace_article(aid, _quads(aid)[1])
        assert st.articles() == ["A1", "A2"]
        assert _count(st, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a ckg:Patient }") == 4
        sols = list(st.query("SELECT ?a ?id WHERE { ?a bibo:pmid ?pmid ; dct:identifier ?id }", {"id": ox.Literal("A2")}))
        assert [s["a"].value for s in sols] == ["https://w3id.org/casekg/article/A2"]
        st.remove_article("A1")
        assert st.articles() == ["A2"]
        assert st.article_hash("A1") is None


def test_stats(tmp_path):
    _, quads = _quads()
    with Store(tmp_path / "s") as st:
        st.replace_article("PMC1", quads)
        s = st.stats()
    # the article graph and the vocabulary graph; one article
    assert s["triples"] == len(set(quads)) and s["graphs"] == 2 and s["articles"] == 1
    assert s["classes"]["ckg:Patient"] == 2
    assert s["classes"]["ckg:Statement"] == 14
    assert s["predicates"]["ckg:assertionStatus"] == 14
    assert compact(CKG + "Patient") == "ckg:Patient"


def test_read_only_open(tmp_path):
    _, quads = _quads()
    with Store(tmp_path / "s") as st:
        st.replace_article("PMC1", quads)
    with Store(tmp_path / "s", read_only=True) as ro:
        assert ro.articles() == ["PMC1"]
        assert _count(ro, "SELECT (COUNT(*) AS ?n) WHERE { ?s a ckg:Statement }") == 14
        with pytest.raises(PermissionError):
            ro.replace_article("PMC1", quads)
    with pytest.raises(FileNotFoundError):
        Store(tmp_path / "missing", read_only=True)


def test_reopen_keeps_data(tmp_path):
    sha, quads = _quads()
    with Store(tmp_path / "s") as st:
        st.replace_article("PMC1", quads)
    with Store(tmp_path / "s") as st:
        assert st.article_hash("PMC1") == sha


def test_open_rdflib(tmp_path):
    import rdflib

    _, quads = _quads()
    with Store(tmp_path / "s") as st:
        st.replace_article("PMC1", quads)
    ds = open_rdflib(tmp_path / "s")
    assert isinstance(ds, rdflib.Dataset)
    res = list(ds.query("SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a ckg:Patient }"))
    assert int(res[0][0]) == 2
    g = rdflib.Graph(store=ds.store, identifier=rdflib.URIRef(graph_iri("PMC1")))
    assert len(g) == len(set(split_quads(quads)[0]))
    ds.close()


def test_vocabulary_graph_is_shared_and_pruned(tmp_path):
    """Concepts shared by two articles are stored once; removing an article keeps its
    concepts until prune_vocabulary, which drops only what no remaining article uses."""
    from test_rdf import sample
    from kg.model import Mention, Statement

    _, q1 = _quads("A1")
    article, extraction = sample("A2")
    # A2 alone mentions an unlinked drug and a linked HPO term with its own ancestors
    extraction.mentions.append(Mention("m98", "Drug", "Drug X-12", 0, 9, 0, "Drug X-12", None, patient="P1"))
    extraction.statements.append(Statement("s98", "exposure", "P1", "m98", sentence=0))
    extraction.mentions.append(Mention("m99", "Manifestation", "fever", 0, 5, 0, "Fever", "HP:0001945", patient="P1"))
    extraction.statements.append(Statement("s99", "phenotype", "P1", "m99", sentence=0))
    q2 = article_quads(article, extraction, generated_at=WHEN)
    with Store(tmp_path / "s") as st:
        st.replace_article("A1", q1)
        st.replace_article("A2", q2)
        voc = set(split_quads(q1)[1]) | set(split_quads(q2)[1])
        assert set(_vocab(st)) == voc  # a set: concepts shared by A1 and A2 are stored once
        assert st.articles() == ["A1", "A2"]
        assert st.prune_vocabulary() == 0  # everything is used
        st.remove_article("A2")
        assert set(_vocab(st)) == voc  # remove_article drops only the article graph
        removed = st.prune_vocabulary()
        assert removed > 0 and set(_vocab(st)) == set(split_quads(q1)[1])
        x12 = ox.NamedNode("https://w3id.org/casekg/concept/drug/drug-x-12")
        assert not list(st.oxigraph.quads_for_pattern(x12, None, None, None))
        assert st.prune_vocabulary() == 0
        # the catalogue still resolves A1's terms through the vocabulary graph
        hits = st.query("SELECT ?c WHERE { GRAPH <%s> { ?c ckg:lookupKey \"hp0012490\" } }" % VOCAB_GRAPH)
        assert [r["c"].value for r in hits] == ["http://purl.obolibrary.org/obo/HP_0012490"]
        st.remove_article("A1")
        assert st.prune_vocabulary() == len(split_quads(q1)[1]) and not _vocab(st)
        assert st.articles() == [] and not list(st.oxigraph.quads_for_pattern(None, ox.NamedNode(SKOS + "notation"), None, None))


def test_bulk_add_articles_leaves_no_marker(tmp_path):
    from kg.store import BULK_MARKER

    sha, quads = _quads()
    with Store(tmp_path / "s") as st:
        st.bulk_add_articles(["PMC1"], quads)
        assert not (tmp_path / "s" / BULK_MARKER).exists()
        assert st.article_hash("PMC1") == sha
        assert {str(q) for q in st.oxigraph} == {str(q) for q in quads}
    with Store(None) as mem:  # in memory: no marker, same quads
        mem.bulk_add_articles(["PMC1"], quads)
        assert len(mem.oxigraph) == len(set(quads))


def test_bulk_add_articles_from_nquads_bytes_gives_the_same_store(tmp_path):
    from kg.parallel import serialize_nquads
    from kg.store import BULK_MARKER

    sha, quads = _quads()
    half = len(quads) // 2
    with Store(tmp_path / "s") as st:
        # objects and serialised N-Quads in one call, as a build batch mixing both would
        st.bulk_add_articles(["PMC1"], quads[:half], nquads=serialize_nquads(quads[half:]))
        assert not (tmp_path / "s" / BULK_MARKER).exists()
        assert st.article_hash("PMC1") == sha
        assert {str(q) for q in st.oxigraph} == {str(q) for q in quads}


def test_interrupted_bulk_load_is_dropped_on_the_next_open(tmp_path):
    """A crash between the marker and its removal: the named articles' graphs (half loaded)
    are dropped at the next read-write open; other articles and the vocabulary stay."""
    import json

    from kg.store import BULK_MARKER

    _, keep = _quads("PMC1")
    sha2, half = _quads("PMC2")
    with Store(tmp_path / "s") as st:
        st.replace_article("PMC1", keep)
        (tmp_path / "s" / BULK_MARKER).write_text(json.dumps({"articles": ["PMC2"]}))
        st.oxigraph.bulk_extend(half[: len(half) // 2] + [q for q in half if "contentHash" in str(q.predicate)])
        assert st.article_hash("PMC2") == sha2  # would be skipped as unchanged without the repair
    with Store(tmp_path / "s", read_only=True) as ro:  # a reader repairs nothing
        assert "PMC2" in ro.articles()
    with Store(tmp_path / "s") as st:
        assert not (tmp_path / "s" / BULK_MARKER).exists()
        assert st.articles() == ["PMC1"] and st.article_hash("PMC2") is None
        assert {str(q) for q in st.graph_quads("PMC1")} == {str(q) for q in keep if q.graph_name == ox.NamedNode(graph_iri("PMC1"))}
