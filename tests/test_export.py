"""kg export: the networkx projection of each view, and every format read back by a reader
of that format (networkx for GraphML/GEXF, rdflib for JSON-LD/Turtle/N-Quads, a JSON schema
for cyjs, csv for the tables), compared with the projection. Also empty graphs and non-ASCII.

`build_store()` / `unicode_sample()` are shared with test_htmlreport and test_export_browser."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner
from test_rdf import WHEN, sample

from kg import export as ex
from kg.cli_export import export as export_cmd
from kg.errors import QueryError
from kg.model import Article, ArticleMeta, Extraction, Mention, Patient, Sentence, Statement
from kg.rdf import BIOLINK, CKG, article_quads, graph_iri
from kg.store import Store

BARI = "https://go.drugbank.com/drugs/DB11817"
MTX = "https://go.drugbank.com/drugs/DB00563"
PANNICULITIS = "http://purl.obolibrary.org/obo/HP_0012490"
ILD = "http://purl.obolibrary.org/obo/HP_0006530"
NXP2 = "https://w3id.org/casekg/antibody/anti-NXP2"
MDA5 = "https://w3id.org/casekg/antibody/anti-MDA5"
P1 = "https://w3id.org/casekg/article/PMC1/patient/P1"
P2 = "https://w3id.org/casekg/article/PMC1/patient/P2"
SJOGREN_LABEL = "Syndrome de Sjögren"
CICLO_LABEL = "Ciclosporina α"


def unicode_sample() -> tuple[Article, Extraction]:
    """A French/Spanish report with non-ASCII labels, unlinked concepts and a quote in the text."""
    sents = ['Patiënte 1, une femme de 52 ans atteinte du syndrome de Sjögren, était anti-Ro/SSA positive.',
             'La ciclosporina α a été débutée et l\'érythème « papuleux » a disparu.']
    text, out = "", []
    for i, s in enumerate(sents):
        out.append(Sentence(i, len(text), len(text) + len(s), s))
        text += s + " "

    def m(mid: str, surface: str, sent: int, type_: str, label: str, concept: str | None = None, **kw) -> Mention:
        start = text.index(surface, out[sent].start)
        return Mention(mid, type_, surface, start, start + len(surface), sent, label, concept, patient="P1", **kw)

    mentions = [
        m("m0", "syndrome de Sjögren", 0, "Disease", SJOGREN_LABEL),
        m("m1", "anti-Ro/SSA", 0, "Antibody", "anti-Ro/SSA", attrs={"polarity": "positive"}),
        m("m2", "ciclosporina α", 1, "Drug", CICLO_LABEL),
        m("m3", "érythème « papuleux »", 1, "Manifestation", "Érythème « papuleux »"),
    ]
    statements = [
        Statement("s0", "disease", "P1", "m0", sentence=0),
        Statement("s1", "antibody", "P1", "m1", value="positive", sentence=0),
        Statement("s2", "exposure", "P1", "m2", sentence=1),
        Statement("s3", "outcome", "P1", "m2", target="m3", value="resolved", sentence=1),
    ]
    patients = [Patient("P1", "Patiënte 1", 0, 10, 0, age=52.0, sex="female")]
    meta = ArticleMeta(id="PMC-ü", title="Sjögren & ciclosporina: «étude» <cas>", year=2023)
    article = Article(meta=meta, text=text, sha256="cd" * 32)
    return article, Extraction("PMC-ü", out, mentions, patients, statements, software="casekg 0.1.0")


def build_store(path: Path, *, with_unicode: bool = True) -> Path:
    """PMC1 and PMC2 (the test_rdf sample: same facts, two reports) and the non-ASCII report."""
    articles = [sample("PMC1"), sample("PMC2")]
    if with_unicode:
        articles.append(unicode_sample())
    with Store(path) as st:
        for article, extraction in articles:
            st.replace_article(article.id, article_quads(article, extraction, generated_at=WHEN))
    return path


@pytest.fixture(scope="module")
def store_path(tmp_path_factory) -> Path:
    return build_store(tmp_path_factory.mktemp("export") / "store")


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("empty") / "store"
    Store(path).close()
    return path


@pytest.fixture(scope="module")
def graphs(store_path) -> dict[str, nx.MultiDiGraph]:
    return {v: ex.to_networkx(store_path, v) for v in ex.VIEWS}


def edge(g: nx.MultiDiGraph, u: str, v: str, pred: str) -> dict:
    return g.edges[u, v, pred]


# ---------------------------------------------------------------------------------------- views


def test_patients_view(graphs):
    g = graphs["patients"]
    assert g.nodes[P1]["type"] == "Patient" and g.nodes[P1]["label"] == "Patient 1 (PMC1)"
    assert g.nodes[P1]["age"] == 45.0 and g.nodes[P1]["sex"] == "female"
    bari = g.nodes[BARI]
    assert (bari["label"], bari["type"], bari["ontology_id"], bari["iri"]) == ("Baricitinib", "Drug", "DRUGBANK:DB11817", BARI)
    e = edge(g, P1, BARI, "ckg:receivedDrug")
    assert e["predicate_iri"] == CKG + "receivedDrug" and e["outcome"] == "improved" and e["statements"] == 2
    assert any("Baricitinib 4 mg daily" in s for s in e["sentences"]) and all(i.startswith("https://") for i in e["evidence"])
    pan = edge(g, P1, PANNICULITIS, "biolink:has_phenotype")
    assert pan["outcome"] == "improved" and pan["drugs"] == "Baricitinib"
    assert edge(g, P1, NXP2, "ckg:hasAutoantibody")["statements"] == 1
    ae = edge(g, P1, "http://purl.obolibrary.org/obo/HP_0001882", "biolink:has_adverse_event")
    assert ae["drugs"] == "Methotrexate"
    assert g.has_edge("https://w3id.org/casekg/article/PMC1", P1, "ckg:describes")
    # negated, hypothetical and negative findings give no patient edge
    assert not g.has_edge(P1, ILD) and not g.has_edge(P1, MDA5)
    assert not g.has_edge(P2, "http://purl.obolibrary.org/obo/HP_0000992")
    assert g.has_edge(P2, MDA5, "ckg:hasAutoantibody")
    # P1 of PMC1 and of PMC2; P2 only hypothetically (not in this present-only view)
    assert g.nodes[BARI]["patients"] == 2 and g.nodes[BARI]["articles"] == 2


def test_summary_view_weights_by_patients_per_outcome(graphs):
    g = graphs["summary"]
    assert {d["type"] for _, d in g.nodes(data=True)} <= {"Drug", "Manifestation"}
    e = edge(g, BARI, PANNICULITIS, "biolink:applied_to_treat")
    assert e["weight"] == e["patients"] == 2 and e["articles"] == 2
    assert e["patients_improved"] == 2 and e["patients_worsened"] == 0 and e["outcome"] == "improved"
    assert edge(g, MTX, "http://purl.obolibrary.org/obo/HP_0001882", "biolink:has_adverse_event")["patients"] == 2
    ciclo = [n for n, d in g.nodes(data=True) if d["label"] == CICLO_LABEL]
    assert len(ciclo) == 1 and [d["outcome"] for _, _, d in g.out_edges(ciclo[0], data=True)] == ["resolved"]


def test_evidence_view_keeps_every_status_with_sentences(graphs):
    g = graphs["evidence"]
    stmts = {n: d for n, d in g.nodes(data=True) if d["type"] == "Statement"}
    assert {d["status"] for d in stmts.values()} >= {"present", "negated", "hypothetical"}
    negated = [n for n, d in stmts.items() if d["status"] == "negated"]
    assert len(negated) == 2 and all(g.has_edge(n, ILD, "ckg:concept") for n in negated)
    sent = next(v for _, v, k in g.out_edges(negated[0], keys=True) if k == "prov:wasDerivedFrom")
    assert g.nodes[sent]["type"] == "Sentence" and "no interstitial lung disease" in g.nodes[sent]["text"]
    assert g.has_edge(sent, "https://w3id.org/casekg/article/PMC1", "oa:hasSource")
    assert g.graph["statements"][negated[0]]["cue"] == "no"


def test_node_and_edge_attributes_are_complete(graphs):
    for view, g in graphs.items():
        for n, d in g.nodes(data=True):
            assert {"label", "type", "ontology_id", "iri"} <= set(d), (view, n)
            assert d["label"] and d["iri"] == n
        for _, _, k, d in g.edges(keys=True, data=True):
            assert d["predicate"] == k and {"outcome", "statements", "patients", "articles", "evidence", "sentences"} <= set(d)


def test_query_exports_the_construct_subgraph(store_path, tmp_path):
    rq = tmp_path / "drugs.rq"
    rq.write_text("CONSTRUCT { ?p ckg:receivedDrug ?d . ?d rdfs:label ?l } WHERE { ?p ckg:receivedDrug ?d . ?d rdfs:label ?l }")
    g = ex.to_networkx(store_path, query=str(rq))
    assert g.graph["view"] == "query"
    assert g.nodes[BARI]["label"] == "Baricitinib" and g.nodes[BARI]["type"] == "Drug"
    assert g.nodes[P1]["type"] == "Patient"  # typed from the IRI scheme without rdf:type
    assert {k for *_, k in g.edges(keys=True)} == {"ckg:receivedDrug"}
    with pytest.raises(QueryError, match="CONSTRUCT"):
        ex.to_networkx(store_path, query="SELECT ?s WHERE { ?s ?p ?o }")


# ---------------------------------------------------------------------------------------- round trips


def _decode(value):
    if isinstance(value, str) and value[:1] == "[":
        return json.loads(value)
    return value


def _same_graph(read: nx.Graph, g: nx.MultiDiGraph, *, skip: set[str] = frozenset()) -> None:
    assert read.number_of_nodes() == g.number_of_nodes()
    assert read.number_of_edges() == g.number_of_edges()
    for n, d in g.nodes(data=True):
        got = read.nodes[n]
        for k, v in d.items():
            if k not in skip:
                assert _decode(got[k]) == v, (n, k)
    pairs = {(u, v, d["predicate"]): d for u, v, d in g.edges(data=True)}
    got_pairs = {(u, v, d["predicate"]): d for u, v, d in read.edges(data=True)}
    assert got_pairs.keys() == pairs.keys()
    for key, d in pairs.items():
        for k, v in d.items():
            if k not in skip:
                assert _decode(got_pairs[key][k]) == v, (key, k)


@pytest.mark.parametrize("view", ex.VIEWS)
def test_graphml_round_trip(store_path, graphs, tmp_path, view):
    path = ex.export(store_path, "graphml", tmp_path / "g.graphml", view=view)[0]
    read = nx.read_graphml(path, force_multigraph=True)
    _same_graph(read, graphs[view])
    # attributes are typed: counts stay integers, ages floats
    text = path.read_text(encoding="utf-8")
    edge_ids = re.findall(r'<edge [^>]*\bid="([^"]+)"', text)
    assert len(edge_ids) == len(set(edge_ids)) == graphs[view].number_of_edges()  # GraphML edge ids are unique
    assert 'attr.name="statements" attr.type="int"' in text or 'attr.name="statements" attr.type="long"' in text


@pytest.mark.parametrize("view", ex.VIEWS)
def test_gexf_round_trip_with_colours(store_path, graphs, tmp_path, view):
    path = ex.export(store_path, "gexf", tmp_path / "g.gexf", view=view)[0]
    read = nx.read_gexf(path)
    _same_graph(read, graphs[view], skip={"label"})  # GEXF keeps the label as the node label
    g = graphs[view]
    for n, d in g.nodes(data=True):
        assert read.nodes[n]["label"] == d["label"]
        c = read.nodes[n]["viz"]["color"]
        assert "#{:02X}{:02X}{:02X}".format(c["r"], c["g"], c["b"]) == d["color"].upper()


@pytest.mark.parametrize("view", ex.VIEWS)
def test_cyjs_matches_schema_and_projection(store_path, graphs, tmp_path, view):
    import jsonschema

    path = ex.export(store_path, "cyjs", tmp_path / "g.cyjs", view=view)[0]
    data = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(data, json.loads(ex.asset_text("cyjs.schema.json")))
    g = graphs[view]
    nodes = {n["data"]["id"]: n["data"] for n in data["elements"]["nodes"]}
    assert len(nodes) == g.number_of_nodes() and len(data["elements"]["edges"]) == g.number_of_edges()
    for n, d in g.nodes(data=True):
        assert {k: nodes[n][k] for k in d} == d
    ids = set(nodes)
    for e in data["elements"]["edges"]:
        assert e["data"]["source"] in ids and e["data"]["target"] in ids
        assert g.edges[e["data"]["source"], e["data"]["target"], e["data"]["predicate"]]["evidence"] == e["data"]["evidence"]


def _ox_quads(ds: rdflib.Dataset | rdflib.Graph) -> set[tuple[str, str, str]]:
    """rdflib terms -> N-Triples text -> pyoxigraph, so both sides compare as the same terms."""
    g = rdflib.Graph()
    if isinstance(ds, rdflib.Dataset):
        for s, p, o, _ in ds.quads((None, None, None, None)):
            g.add((s, p, o))
    else:
        for t in ds.triples((None, None, None)):
            g.add(t)
    nt = g.serialize(format="nt")
    return {(t.subject, t.predicate, t.object) for t in ox.parse(nt.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)}


@pytest.mark.parametrize("view", ex.VIEWS)
def test_jsonld_round_trip(store_path, graphs, tmp_path, view):
    path = ex.export(store_path, "jsonld", tmp_path / "g.jsonld", view=view)[0]
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["@context"] == ex.jsonld_context()  # compacted with the published context
    ds = rdflib.Dataset()
    ds.parse(path, format="json-ld")
    quads = ex.view_quads(store_path, view)
    triples = {(q.subject, q.predicate, q.object) for q in quads}
    assert _ox_quads(ds) == triples
    # named graphs survive: one per article
    assert {str(c.identifier) for c in ds.graphs() if len(c)} >= {graph_iri("PMC1"), graph_iri("PMC2")}
    reprojected = ex.project([ox.Quad(s, p, o) for s, p, o in _ox_quads(ds)], view)
    _same_graph(reprojected, graphs[view])


@pytest.mark.parametrize("view", ex.VIEWS)
def test_turtle_round_trip(store_path, graphs, tmp_path, view):
    path = ex.export(store_path, "turtle", tmp_path / "g.ttl", view=view)[0]
    g = rdflib.Graph().parse(path, format="turtle")
    triples = {(q.subject, q.predicate, q.object) for q in ex.view_quads(store_path, view)}
    assert _ox_quads(g) == triples
    _same_graph(ex.project([ox.Quad(s, p, o) for s, p, o in _ox_quads(g)], view), graphs[view])


def test_nquads_keep_article_graphs(store_path, tmp_path):
    path = ex.export(store_path, "nquads", tmp_path / "g.nq", view="patients")[0]
    ds = rdflib.Dataset()
    ds.parse(path, format="nquads")
    quads = ex.view_quads(store_path, "patients")
    assert sum(len(c) for c in ds.graphs()) == len(quads)
    assert {str(c.identifier) for c in ds.graphs() if len(c)} == {graph_iri("PMC1"), graph_iri("PMC2"), graph_iri("PMC-ü")}


@pytest.mark.parametrize("view", ex.VIEWS)
def test_csv_tables(store_path, graphs, tmp_path, view):
    npath, epath = ex.export(store_path, "csv", tmp_path / "g.csv", view=view)
    assert (npath.name, epath.name) == ("g.nodes.csv", "g.edges.csv")
    nodes = list(csv.DictReader(npath.open(encoding="utf-8", newline="")))
    edges = list(csv.DictReader(epath.open(encoding="utf-8", newline="")))
    g = graphs[view]
    assert len(nodes) == g.number_of_nodes() and len(edges) == g.number_of_edges()
    by_id = {r["Id"]: r for r in nodes}
    for n, d in g.nodes(data=True):
        assert by_id[n]["Label"] == d["label"] and by_id[n]["type"] == d["type"] and by_id[n]["ontology_id"] == d["ontology_id"]
    for r in edges:
        d = g.edges[r["Source"], r["Target"], r["predicate"]]
        assert r["Type"] == "Directed" and json.loads(r["evidence"]) == d["evidence"] and int(r["statements"]) == d["statements"]


def test_dot_is_valid_graphviz(store_path, graphs, tmp_path):
    path = ex.export(store_path, "dot", tmp_path / "g.dot", view="summary")[0]
    text = path.read_text(encoding="utf-8")
    g = graphs["summary"]
    assert text.startswith("digraph") and text.count(" -> ") == g.number_of_edges()
    assert f'"{BARI}" [label="Baricitinib"' in text
    if shutil.which("dot"):
        subprocess.run(["dot", "-Tsvg", "-o", str(tmp_path / "g.svg"), str(path)], check=True)


def test_html_is_self_contained(store_path, graphs, tmp_path):
    path = ex.export(store_path, "html", tmp_path / "g.html", view="patients")[0]
    page = path.read_text(encoding="utf-8")
    assert "<script src" not in page and "cdn." not in page.split("/* Cytoscape.js")[0]
    assert "The Cytoscape Consortium" in page  # the bundled library keeps its licence
    payload = page.split('<script id="casekg-data" type="application/json">', 1)[1].split("</script>", 1)[0]
    data = json.loads(payload)
    g = graphs["patients"]
    assert len([e for e in data["elements"] if "source" not in e["data"]]) == g.number_of_nodes()
    assert len([e for e in data["elements"] if "source" in e["data"]]) == g.number_of_edges()
    assert set(data["statements"]) == set(g.graph["statements"])


# ---------------------------------------------------------------------------------------- edge cases


@pytest.mark.parametrize("fmt", ex.FORMATS)
def test_empty_graph_exports(empty_store, tmp_path, fmt):
    paths = ex.export(empty_store, fmt, tmp_path / f"empty{ex.EXTENSIONS[fmt]}", view="patients")
    assert paths and all(p.is_file() for p in paths)
    if fmt == "graphml":
        assert nx.read_graphml(paths[0]).number_of_nodes() == 0
    elif fmt == "gexf":
        assert nx.read_gexf(paths[0]).number_of_nodes() == 0
    elif fmt == "jsonld":
        ds = rdflib.Dataset().parse(paths[0], format="json-ld")
        assert not list(ds.quads((None, None, None, None)))
    elif fmt == "turtle":
        assert len(rdflib.Graph().parse(paths[0], format="turtle")) == 0
    elif fmt == "cyjs":
        assert json.loads(paths[0].read_text())["elements"] == {"nodes": [], "edges": []}
    elif fmt == "csv":
        assert paths[0].read_text().startswith("Id,Label")
    elif fmt == "html":
        assert '"elements": []' in paths[0].read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "cyjs", "csv", "dot", "html", "turtle", "jsonld", "nquads"])
def test_non_ascii_labels_survive(store_path, tmp_path, fmt):
    paths = ex.export(store_path, fmt, tmp_path / f"u{ex.EXTENSIONS[fmt]}", view="patients")
    text = "".join(p.read_text(encoding="utf-8") for p in paths)
    if fmt == "nquads":
        # N-Quads may escape non-ASCII; the parsed value is what counts
        ds = rdflib.Dataset().parse(paths[0], format="nquads")
        labels = {str(o) for _, _, o, _ in ds.quads((None, None, None, None))}
        assert SJOGREN_LABEL in labels and CICLO_LABEL in labels
        return
    assert SJOGREN_LABEL in text and CICLO_LABEL in text
    if fmt == "graphml":
        labels = {d["label"] for _, d in nx.read_graphml(paths[0]).nodes(data=True)}
        assert {SJOGREN_LABEL, CICLO_LABEL, "Érythème « papuleux »", "Patiënte 1 (PMC-ü)"} <= labels
    if fmt == "html":
        assert "Sjögren \\u0026 ciclosporina: «étude» \\u003ccas\\u003e" in text  # JSON-escaped: cannot close the script


def test_unknown_view_and_format(store_path):
    with pytest.raises(ValueError, match="unknown view"):
        ex.to_networkx(store_path, "everything")
    with pytest.raises(ValueError, match="unknown format"):
        ex.render(store_path, "xlsx")


# ---------------------------------------------------------------------------------------- CLI


def test_cli_export(store_path, tmp_path):
    runner = CliRunner()
    out = tmp_path / "s.graphml"
    res = runner.invoke(export_cmd, ["--store", str(store_path), "--view", "summary", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert nx.read_graphml(out).number_of_nodes() > 0
    res = runner.invoke(export_cmd, ["--store", str(store_path), "-f", "turtle"])
    assert res.exit_code == 0 and "@prefix ckg:" in res.output
    res = runner.invoke(export_cmd, ["--store", str(store_path), "-f", "csv", "-o", str(tmp_path / "tables")])
    assert res.exit_code == 0 and (tmp_path / "tables" / "nodes.csv").is_file() and (tmp_path / "tables" / "edges.csv").is_file()
    res = runner.invoke(export_cmd, ["--store", str(store_path), "-f", "csv"])
    assert res.exit_code == 2 and "give -o" in res.output
    res = runner.invoke(export_cmd, ["--store", str(store_path)])
    assert res.exit_code == 2 and "--format" in res.output
    res = runner.invoke(export_cmd, ["--store", str(tmp_path / "nothing"), "-f", "dot"])
    assert res.exit_code == 1 and "no store here" in res.output
    res = runner.invoke(export_cmd, ["--store", str(store_path), "-f", "dot", "--query", "SELECT * WHERE { ?s ?p ?o }"])
    assert res.exit_code == 2 and "CONSTRUCT" in res.output


def test_cli_export_uses_kg_store_env(store_path):
    res = CliRunner().invoke(export_cmd, ["-f", "cyjs", "--view", "summary"], env={"KG_STORE": str(store_path)})
    assert res.exit_code == 0 and json.loads(res.output)["elements"]["nodes"]


def test_help_has_examples():
    from kg.cli_export import report

    for cmd in (export_cmd, report):
        res = CliRunner().invoke(cmd, ["--help"])
        assert res.exit_code == 0 and "Example" in res.output
