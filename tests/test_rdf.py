"""kg.rdf on hand-built Extractions: the graph shape, deterministic IRIs, negation.

`sample()` is shared with the store/query/validate tests (imported as `test_rdf`)."""

from __future__ import annotations

from datetime import datetime, timezone

import pyoxigraph as ox
import pytest

from kg.model import Article, ArticleMeta, Extraction, Mention, Patient, Sentence, Statement
from kg.rdf import (
    BIOLINK,
    CKG,
    OA,
    PROV,
    RDF,
    RDFS,
    SKOS,
    VOCAB_GRAPH,
    _Builder,
    article_id_from_graph,
    article_iri,
    article_nquads,
    article_quads,
    graph_iri,
    lookup_key,
    split_quads,
)

WHEN = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)

SENTENCES = [
    "Patient 1, a 45-year-old woman with dermatomyositis, was anti-NXP2 positive and anti-MDA5 negative.",
    "She had panniculitis and erythema but no interstitial lung disease.",
    "Methotrexate was stopped because of leukopenia.",
    "Baricitinib 4 mg daily orally was started and the panniculitis improved.",
    "Patient 2, a 60-year-old man, was anti-MDA5 positive.",
    "Photosensitivity may develop if baricitinib is given.",
]


def _sentences(text_prefix: str = "") -> tuple[str, list[Sentence]]:
    text, out = text_prefix, []
    for i, s in enumerate(SENTENCES):
        start = len(text)
        text += s
        out.append(Sentence(i, start, start + len(s), s))
        text += "\n" if i == 2 else " "
    return text, out


def sample(article_id: str = "PMC1", text_prefix: str = "", title: str = "Baricitinib in dermatomyositis") -> tuple[Article, Extraction]:
    """Two patients and one statement of every kind, with negated and hypothetical findings."""
    text, sents = _sentences(text_prefix)
    mentions: list[Mention] = []

    def mention(surface: str, sentence: int, type_: str, label: str, concept: str | None, patient: str | None, occurrence: int = 0, **kw) -> str:
        s = sents[sentence]
        start = s.start
        for _ in range(occurrence + 1):
            start = text.index(surface, start if _ == 0 else start + 1)
        mid = f"m{len(mentions)}"
        mentions.append(Mention(mid, type_, surface, start, start + len(surface), sentence, label, concept, patient=patient, **kw))
        return mid

    dm = mention("dermatomyositis", 0, "Disease", "Dermatomyositis", "ORPHA:221", "P1")
    nxp2 = mention("anti-NXP2", 0, "Antibody", "anti-NXP2", "CASEKG:anti-NXP2", "P1", attrs={"polarity": "positive"})
    mda5n = mention("anti-MDA5", 0, "Antibody", "anti-MDA5", "CASEKG:anti-MDA5", "P1", attrs={"polarity": "negative"})
    pan = mention("panniculitis", 1, "Manifestation", "Panniculitis", "HP:0012490", "P1")
    ery = mention("erythema", 1, "Manifestation", "Erythema", "HP:0010783", "P1")
    ild = mention("interstitial lung disease", 1, "Manifestation", "Interstitial lung disease", "HP:0006530", "P1", status="negated", cue="no")
    mtx = mention("Methotrexate", 2, "Drug", "methotrexate", "DRUGBANK:DB00563", "P1")
    leuko = mention("leukopenia", 2, "AdverseEvent", "Leukopenia", "HP:0001882", "P1")
    bari = mention("Baricitinib", 3, "Drug", "baricitinib", "DRUGBANK:DB11817", "P1", attrs={"dose": "4", "unit": "mg", "frequency": "daily", "route": "oral"})
    pan2 = mention("panniculitis", 3, "Manifestation", "Panniculitis", "HP:0012490", "P1")
    mda5 = mention("anti-MDA5", 4, "Antibody", "anti-MDA5", "CASEKG:anti-MDA5", "P2", attrs={"polarity": "positive"})
    photo = mention("Photosensitivity", 5, "Manifestation", "Photosensitivity", "HP:0000992", "P2", status="hypothetical", cue="may develop if")
    bari2 = mention("baricitinib", 5, "Drug", "baricitinib", "DRUGBANK:DB11817", "P2")

    statements = [
        Statement("s0", "disease", "P1", dm, sentence=0),
        Statement("s1", "antibody", "P1", nxp2, value="positive", sentence=0),
        Statement("s2", "antibody", "P1", mda5n, value="negative", sentence=0),
        Statement("s3", "phenotype", "P1", pan, sentence=1),
        Statement("s4", "phenotype", "P1", ery, sentence=1),
        Statement("s5", "phenotype", "P1", ild, status="negated", cue="no", sentence=1),
        Statement("s6", "exposure", "P1", mtx, sentence=2),
        Statement("s7", "adverse_event", "P1", mtx, target=leuko, sentence=2),
        Statement("s8", "discontinuation", "P1", mtx, target=leuko, value="leukopenia", sentence=2),
        Statement("s9", "exposure", "P1", bari, sentence=3, attrs={"dose": "4", "unit": "mg", "frequency": "daily", "route": "oral"}),
        Statement("s10", "outcome", "P1", bari, target=pan2, value="improved", sentence=3),
        Statement("s11", "antibody", "P2", mda5, value="positive", sentence=4),
        Statement("s12", "outcome", "P2", bari2, target=photo, value="improved", status="hypothetical", cue="may develop if", sentence=5),
        Statement("s13", "phenotype", "P2", photo, status="hypothetical", cue="may develop if", sentence=5),
    ]
    patients = [
        Patient("P1", "Patient 1", sents[0].start, sents[0].start + 9, 0, age=45.0, sex="female"),
        Patient("P2", "Patient 2", sents[4].start, sents[4].start + 9, 4, age=60.0, sex="male"),
    ]
    meta = ArticleMeta(
        id=article_id,
        title=title,
        journal="Rheumatology Case Reports",
        year=2021,
        pmid="12345678",
        pmcid=article_id,
        doi="10.1000/xyz123",
        authors=("Doe J", "Roe R"),
        source_url="https://example.org/article",
    )
    article = Article(meta=meta, text=text, sha256="ab" * 32)
    extraction = Extraction(article_id, sents, mentions, patients, statements, software="casekg 0.1.0")
    return article, extraction


def _triples(quads: list[ox.Quad]) -> set[tuple[str, str, str]]:
    return {(q.subject.value, q.predicate.value, q.object.value) for q in quads}


def _mem(quads: list[ox.Quad]) -> ox.Store:
    st = ox.Store()
    st.extend(quads)
    return st


def _ask(st: ox.Store, q: str) -> list[dict[str, str]]:
    prefixes = "PREFIX ckg: <%s> PREFIX biolink: <%s> PREFIX oa: <%s> PREFIX prov: <%s> PREFIX rdfs: <%s> PREFIX skos: <%s>\n" % (CKG, BIOLINK, OA, PROV, RDFS, SKOS)
    res = st.query(prefixes + q, use_default_graph_as_union=True)
    return [{v.value: sol[v].value for v in res.variables if sol[v] is not None} for sol in res]


@pytest.fixture(scope="module")
def quads() -> list[ox.Quad]:
    article, extraction = sample()
    return article_quads(article, extraction, generated_at=WHEN)


def test_quads_in_the_article_graph_or_the_vocabulary_graph_and_no_blank_nodes(quads):
    assert quads
    assert {q.graph_name.value for q in quads} == {graph_iri("PMC1"), VOCAB_GRAPH}
    for q in quads:
        assert not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)
    art, voc = split_quads(quads)
    assert art and voc and len(art) + len(voc) == len(quads)
    assert {q.graph_name.value for q in art} == {graph_iri("PMC1")}
    assert {q.graph_name.value for q in voc} == {VOCAB_GRAPH}
    # the vocabulary graph is never mistaken for an article
    assert article_id_from_graph(VOCAB_GRAPH) is None


def test_ontology_snapshot_data_lives_in_the_vocabulary_graph_only(quads):
    art, voc = split_quads(quads)
    moved = {SKOS + "altLabel", CKG + "lookupKey", SKOS + "exactMatch", RDFS + "subClassOf"}
    assert not {q.predicate.value for q in art} & moved
    assert {q.predicate.value for q in voc} <= moved | {RDF + "type", RDFS + "label", SKOS + "notation"}
    hp = "http://purl.obolibrary.org/obo/HP_"
    a, v = _triples(art), _triples(voc)
    # each concept used keeps type, label and notation in its article graph (self-describing)...
    for t in ((hp + "0012490", RDF + "type", CKG + "Manifestation"), (hp + "0012490", RDFS + "label", "Panniculitis"),
              (hp + "0012490", SKOS + "notation", "HP:0012490")):
        assert t in a and t in v
    # ... but the HPO ancestors (labels, keys) are only in the vocabulary graph
    assert not any(s == hp + "0000118" for s, _, _ in a)
    assert (hp + "0000118", CKG + "lookupKey", "hp0000118") in v
    # and the article graph holds no concept data beyond those three per concept (and the
    # direct drug -> finding edges the article's own statements assert)
    concepts = {q.subject.value for q in art if q.predicate.value == SKOS + "notation"}
    direct = (BIOLINK + "applied_to_treat", BIOLINK + "has_adverse_event")
    for s, p, _ in a:
        if s in concepts:
            assert p in (RDF + "type", RDFS + "label", SKOS + "notation", *direct), (s, p)


def test_quads_survive_a_store_round_trip_unchanged(quads):
    # Oxigraph canonicalises literals (xsd:integer, decimal and dateTime forms); we emit
    # canonical forms so stored quads compare equal to what article_quads returned.
    assert set(_mem(quads)) == set(quads)


def test_deterministic(quads):
    article, extraction = sample()
    again = article_quads(article, extraction, generated_at=WHEN)
    assert again == quads
    # Statement IRIs do not depend on the extractor's running ids.
    extraction.statements.reverse()
    for i, s in enumerate(extraction.statements):
        s.id = f"x{i}"
    assert set(article_quads(article, extraction, generated_at=WHEN)) == set(quads)


def test_article_metadata(quads):
    t = _triples(quads)
    a = article_iri("PMC1")
    assert (a, "http://purl.org/dc/terms/title", "Baricitinib in dermatomyositis") in t
    assert (a, "http://purl.org/ontology/bibo/pmid", "12345678") in t
    assert (a, "http://purl.org/ontology/bibo/doi", "10.1000/xyz123") in t
    assert (a, CKG + "contentHash", "ab" * 32) in t
    assert (a, RDF + "type", "http://purl.org/spar/fabio/CaseReport") in t
    assert (a, "http://purl.org/spar/fabio/hasPublicationYear", "2021") in t


def test_patients(quads):
    rows = _ask(_mem(quads), "SELECT ?p ?age ?sex WHERE { ?a ckg:describes ?p . ?p a ckg:Patient ; ckg:ageInYears ?age ; ckg:sex ?sex } ORDER BY ?p")
    assert [(r["p"].rsplit("/", 1)[-1], float(r["age"]), r["sex"]) for r in rows] == [("P1", 45.0, "female"), ("P2", 60.0, "male")]


def test_direct_edges_only_for_present_findings(quads):
    t = _triples(quads)
    p1 = article_iri("PMC1") + "/patient/P1"
    p2 = article_iri("PMC1") + "/patient/P2"
    hp = "http://purl.obolibrary.org/obo/HP_"
    assert (p1, BIOLINK + "has_phenotype", hp + "0012490") in t
    assert (p1, BIOLINK + "has_phenotype", hp + "0010783") in t
    # negated ILD and hypothetical photosensitivity: statements only
    assert not any(p == BIOLINK + "has_phenotype" and o == hp + "0006530" for _, p, o in t)
    assert not any(p == BIOLINK + "has_phenotype" and o == hp + "0000992" for _, p, o in t)
    assert not any(p == BIOLINK + "applied_to_treat" and o == hp + "0000992" for _, p, o in t)
    # negative antibody test is no autoantibody
    assert (p1, CKG + "hasAutoantibody", "https://w3id.org/casekg/antibody/anti-NXP2") in t
    assert (p1, CKG + "hasAutoantibody", "https://w3id.org/casekg/antibody/anti-MDA5") not in t
    assert (p2, CKG + "hasAutoantibody", "https://w3id.org/casekg/antibody/anti-MDA5") in t
    assert (p1, CKG + "receivedDrug", "https://go.drugbank.com/drugs/DB11817") in t
    assert ("https://go.drugbank.com/drugs/DB11817", BIOLINK + "applied_to_treat", hp + "0012490") in t
    assert ("https://go.drugbank.com/drugs/DB00563", BIOLINK + "has_adverse_event", hp + "0001882") in t
    assert (p1, CKG + "hasDisease", "http://www.orpha.net/ORDO/Orphanet_221") in t


def test_negated_statement_keeps_status_and_cue(quads):
    rows = _ask(
        _mem(quads),
        """SELECT ?s ?cue ?neg ?text WHERE { ?s a ckg:PhenotypeFinding ; ckg:assertionStatus ckg:Negated ; ckg:contextCue ?cue ;
             biolink:negated ?neg ; ckg:concept <http://purl.obolibrary.org/obo/HP_0006530> ;
             prov:wasDerivedFrom/biolink:supporting_text ?text }""",
    )
    assert len(rows) == 1 and rows[0]["cue"] == "no" and rows[0]["neg"] == "true"
    assert "no interstitial lung disease" in rows[0]["text"]


def test_evidence_offsets_point_into_original_text():
    article, extraction = sample(text_prefix="Title line\n\n")  # sentence offsets not starting at 0
    st = _mem(article_quads(article, extraction, generated_at=WHEN))
    rows = _ask(
        st,
        """SELECT ?start ?end ?exact ?ms ?me ?mexact WHERE {
             ?s a ckg:AdverseEvent ; prov:wasDerivedFrom ?ev .
             ?ev oa:hasTarget/oa:hasSelector ?pos, ?quote ; ckg:mention ?m .
             ?pos a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
             ?quote a oa:TextQuoteSelector ; oa:exact ?exact .
             ?m oa:hasSelector ?mpos, ?mq . ?mpos oa:start ?ms ; oa:end ?me . ?mq oa:exact ?mexact }""",
    )
    assert rows
    for r in rows:
        assert article.text[int(r["start"]) : int(r["end"])] == r["exact"] == SENTENCES[2]
        assert article.text[int(r["ms"]) : int(r["me"])] == r["mexact"]
    assert {r["mexact"] for r in rows} == {"Methotrexate", "leukopenia"}


def test_dose_node_and_outcome(quads):
    rows = _ask(
        _mem(quads),
        """SELECT ?v ?u ?f ?r ?t WHERE { ?s a ckg:DrugExposure ; ckg:drug <https://go.drugbank.com/drugs/DB11817> ; ckg:dose ?d .
             ?d a ckg:Dose ; ckg:doseValue ?v ; ckg:doseUnit ?u ; ckg:frequency ?f ; ckg:route ?r ; ckg:doseText ?t }""",
    )
    assert rows == [{"v": "4", "u": "mg", "f": "daily", "r": "oral", "t": "4 mg oral daily"}]
    out = _ask(_mem(quads), "SELECT ?o WHERE { ?s a ckg:TreatmentOutcome ; ckg:assertionStatus ckg:Present ; ckg:outcome ?o }")
    assert [r["o"] for r in out] == [CKG + "Improved"]


def test_discontinuation_reason_and_provenance(quads):
    rows = _ask(
        _mem(quads),
        """SELECT ?reason ?time ?agent WHERE { ?s a ckg:Discontinuation ; ckg:reason ?reason ;
             prov:wasGeneratedBy ?act . ?act prov:endedAtTime ?time ; prov:wasAssociatedWith ?ag .
             ?ag a prov:SoftwareAgent ; rdfs:label ?agent }""",
    )
    assert rows == [{"reason": "leukopenia", "time": "2024-05-01T12:00:00Z", "agent": "casekg 0.1.0"}]


def test_concepts_labels_synonyms_and_hpo_chain(quads):
    st = _mem(quads)
    hp = "http://purl.obolibrary.org/obo/HP_"
    t = _triples(quads)
    assert (hp + "0012490", RDFS + "label", "Panniculitis") in t
    assert (hp + "0012490", SKOS + "notation", "HP:0012490") in t
    assert (hp + "0012490", SKOS + "altLabel", "Inflammation of adipose tissue") in t
    assert ("https://go.drugbank.com/drugs/DB11817", SKOS + "altLabel", "olumiant") in t
    # the is_a chain reaches HP:0000118 and stops there
    assert bool(st.query("PREFIX rdfs: <%s> ASK { <%s0012490> rdfs:subClassOf+ <%s0000118> }" % (RDFS, hp, hp), use_default_graph_as_union=True))
    assert not any(s == hp + "0000118" and p == RDFS + "subClassOf" for s, p, _ in t)
    assert (hp + "0012490", CKG + "lookupKey", lookup_key("Inflammation of fat tissue")) in t


def test_unlinked_concepts_get_minted_iris():
    article, extraction = sample()
    extraction.mentions.append(Mention("m99", "Drug", "Drug X-12", 0, 9, 0, "Drug X-12", None, patient="P1"))
    extraction.statements.append(Statement("s99", "exposure", "P1", "m99", sentence=0))
    t = _triples(article_quads(article, extraction, generated_at=WHEN))
    iri = "https://w3id.org/casekg/concept/drug/drug-x-12"
    assert (iri, RDF + "type", CKG + "Drug") in t
    assert (iri, RDFS + "label", "Drug X-12") in t


def test_statements_without_patient_in_single_patient_free_report():
    article, extraction = sample()
    extraction.patients = []
    for s in extraction.statements:
        s.patient = None
    t = _triples(article_quads(article, extraction, generated_at=WHEN))
    fallback = article_iri("PMC1") + "/patient/unidentified"
    assert (fallback, BIOLINK + "has_phenotype", "http://purl.obolibrary.org/obo/HP_0012490") in t


def test_lookup_key():
    assert lookup_key("Anti NXP-2") == lookup_key("anti-NXP2") == "antinxp2"
    assert lookup_key("HP:0012490") == "hp0012490"


def test_odd_article_ids_and_text_are_safe():
    article, extraction = sample(article_id="weird id/ä", title='He said "no"\n\\ and <b>')
    quads = article_quads(article, extraction, generated_at=WHEN)
    st = ox.Store()
    st.extend(quads)
    assert graph_iri("weird id/ä") == "https://w3id.org/casekg/graph/weird%20id%2F%C3%A4"
    assert len(st) == len(quads)


def test_unlinked_non_ascii_labels_get_distinct_iris():
    from kg.rdf import _slug

    assert _slug("肺炎") != _slug("皮疹")
    assert _slug("肺炎") == _slug("肺炎")
    assert _slug("Érythème noueux") == "erytheme-noueux"


def test_statement_shortcuts_copy_the_web_annotation_evidence():
    # Every statement's shortcut properties must agree with its full Web Annotation record:
    # the sentence selector and quote, and the mention that denotes its drug / concept.
    article, extraction = sample(text_prefix="Title line\n\n")
    st = _mem(article_quads(article, extraction, generated_at=WHEN))
    stmts = _ask(st, "SELECT DISTINCT ?s WHERE { ?s a ckg:Statement }")
    assert len(stmts) == len(extraction.statements)
    full = {
        r["s"]: r
        for r in _ask(
            st,
            """SELECT ?s ?text ?start ?end WHERE {
                 ?s a ckg:Statement ; prov:wasDerivedFrom ?ev . ?ev biolink:supporting_text ?text ;
                    oa:hasTarget/oa:hasSelector ?pos . ?pos a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end }""",
        )
    }
    short = {r["s"]: r for r in _ask(st, "SELECT ?s ?text ?start ?end WHERE { ?s ckg:sentenceText ?text ; ckg:sentenceStart ?start ; ckg:sentenceEnd ?end }")}
    assert full and short == full
    for prop in ("drug", "concept"):
        via_mention = _ask(
            st,
            f"""SELECT ?s ?ms ?me WHERE {{ ?s ckg:{prop} ?c ; prov:wasDerivedFrom/ckg:mention ?m .
                  ?m ckg:denotes ?c ; oa:hasSelector ?p . ?p a oa:TextPositionSelector ; oa:start ?ms ; oa:end ?me }}""",
        )
        shortcut = _ask(st, f"SELECT ?s ?ms ?me WHERE {{ ?s ckg:{prop} ?c ; ckg:{prop}MentionStart ?ms ; ckg:{prop}MentionEnd ?me }}")
        assert via_mention and sorted(map(sorted, (r.items() for r in shortcut))) == sorted(map(sorted, (r.items() for r in via_mention)))
        for r in shortcut:
            assert 0 <= int(r["ms"]) < int(r["me"]) <= len(article.text)


def test_article_summary_counts_match_the_graph(quads):
    st = _mem(quads)
    [row] = _ask(st, "SELECT ?p ?n ?k WHERE { ?a ckg:patientCount ?p ; ckg:statementCount ?n ; ckg:statementsByKind ?k }")
    kinds = _ask(st, "SELECT ?kind (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ckg:kind ?kind } GROUP BY ?kind ORDER BY ?kind")
    assert row["k"] == ", ".join(f"{r['kind']} {r['n']}" for r in kinds)
    assert int(row["n"]) == sum(int(r["n"]) for r in kinds) == len(_ask(st, "SELECT DISTINCT ?s WHERE { ?s a ckg:Statement }"))
    assert int(row["p"]) == len(_ask(st, "SELECT DISTINCT ?p WHERE { ?a ckg:describes ?p }")) == 2


def test_article_without_statements_has_a_patient_count_only():
    article, extraction = sample("PMC9")
    empty = Extraction(extraction.article_id, extraction.sentences, [], [], [], software=extraction.software)
    st = _mem(article_quads(article, empty, generated_at=WHEN))
    assert _ask(st, "SELECT ?p WHERE { ?a ckg:patientCount ?p }") == [{"p": "0"}]
    assert not _ask(st, "SELECT ?n WHERE { ?a ckg:statementCount ?n }")
    assert not _ask(st, "SELECT ?k WHERE { ?a ckg:statementsByKind ?k }")


# --------------------------------------------------------------- N-Quads written from strings

def _serialised(article, extraction) -> tuple[bytes, bytes, int]:
    quads = article_quads(article, extraction, generated_at=WHEN)
    own, shared = split_quads(quads)
    return (ox.serialize(own, format=ox.RdfFormat.N_QUADS) or b"", ox.serialize(shared, format=ox.RdfFormat.N_QUADS) or b"",
            len(quads))


@pytest.mark.parametrize("variant", ["plain", "odd text", "no patients", "no statements"])
def test_article_nquads_are_the_serialised_article_quads(variant):
    # Control characters, quotes, backslashes, non-characters and astral code points in the
    # quoted sentences and metadata: the writer must escape exactly as Oxigraph's does.
    odd = 'Title "quoted" \\ back\tslash\r\x01\x7f\ufffe\uffff é 肺 \U0001F600\n\n'
    article, extraction = sample(f"PMC-{variant}", text_prefix=odd if variant == "odd text" else "",
                                 title=odd if variant == "odd text" else "A title")
    if variant == "no patients":
        extraction.patients = []
        for s in extraction.statements:
            s.patient = None
    if variant == "no statements":
        extraction = Extraction(extraction.article_id, extraction.sentences, [], [], [], software=extraction.software)
    got = article_nquads(article, extraction, generated_at=WHEN)
    assert (got.article, got.vocabulary, got.count) == _serialised(article, extraction)
    assert got.article and got.count == got.article.count(b"\n") + got.vocabulary.count(b"\n")


def test_nquads_literal_escaping_matches_oxigraph_on_every_code_point():
    b = _Builder("https://example.org/g")
    for start in range(0, 0x110000, 256):
        chunk = "".join(chr(c) for c in range(start, start + 256) if not 0xD800 <= c <= 0xDFFF)
        if chunk:
            b.lit("https://example.org/s", f"https://example.org/p{start}", "x" + chunk)
            b.lit("https://example.org/s", f"https://example.org/q{start}", chunk, "https://example.org/dt")
    assert b.nquads().encode() == ox.serialize(b.quads(), format=ox.RdfFormat.N_QUADS)


def test_nquads_literal_fast_path_escapes_each_code_point_as_the_regex_does():
    # `_nq_literal` skips the escaping regex for printable text without '"' or '\\': one code
    # point at a time (the test above puts them in chunks, where one escaped character sends
    # the whole chunk down the regex path), and inside plain text.
    from kg.rdf import _NQ_SPECIAL, _nq_escape, _nq_literal

    for c in range(0x110000):
        if 0xD800 <= c <= 0xDFFF:
            continue
        text = f"ab{chr(c)}"
        assert _nq_literal((text, None)) == '"' + _NQ_SPECIAL.sub(_nq_escape, text) + '"', hex(c)


def test_builder_keeps_first_insertion_order_and_drops_duplicates():
    b = _Builder("https://example.org/g")
    b.add("https://example.org/s", RDF + "type", "https://example.org/A")
    b.lit("https://example.org/s", RDFS + "label", "a")
    b.add("https://example.org/s", RDF + "type", "https://example.org/A")
    b.lit("https://example.org/s", RDFS + "label", "a", "http://www.w3.org/2001/XMLSchema#string")  # the same literal
    b.lit("https://example.org/s", RDFS + "label", "")  # dropped: lit ignores empty values
    b.text("https://example.org/s", RDFS + "comment", "")  # kept: an empty quote is still a quote
    assert [(q.predicate.value, q.object.value) for q in b.quads()] == [(RDF + "type", "https://example.org/A"),
                                                                       (RDFS + "label", "a"), (RDFS + "comment", "")]
    assert b.nquads().encode() == ox.serialize(b.quads(), format=ox.RdfFormat.N_QUADS)


class _OddXrefVocab:
    """kg.vocab, except that one cross-reference maps to an IRI the parser refuses."""

    def __getattr__(self, name):
        from kg import vocab

        return getattr(vocab, name)

    def iri(self, curie: str) -> str:
        from kg import vocab

        return "https://example.org/not an iri" if curie == "X:odd" else vocab.iri(curie)


def test_iris_from_data_are_still_checked_on_the_nquads_path():
    import dataclasses

    article, extraction = sample("PMC-iri")
    # A source URL that passes the metadata check but not the IRI parser fails the article.
    bad = dataclasses.replace(article, meta=dataclasses.replace(article.meta, source_url="http://[example.org/x"))
    with pytest.raises(ValueError):
        article_quads(bad, extraction, generated_at=WHEN)
    with pytest.raises(ValueError):
        article_nquads(bad, extraction, generated_at=WHEN)
    # A cross-reference whose IRI does not parse is skipped, in both paths alike.
    extraction.mentions[0] = dataclasses.replace(extraction.mentions[0], xrefs=("X:odd", "MESH:D003882"))
    vocab = _OddXrefVocab()
    quads = article_quads(article, extraction, generated_at=WHEN, vocab=vocab)
    matches = {q.object.value for q in quads if q.predicate.value == SKOS + "exactMatch"}
    assert "http://id.nlm.nih.gov/mesh/D003882" in matches and not any(" " in m for m in matches)
    got = article_nquads(article, extraction, generated_at=WHEN, vocab=vocab)
    own, shared = split_quads(quads)
    assert got.article == ox.serialize(own, format=ox.RdfFormat.N_QUADS)
    assert got.vocabulary == ox.serialize(shared, format=ox.RdfFormat.N_QUADS)


class _CountingVocab:
    """kg.vocab, counting iri() calls per CURIE and refusing the made-up prefix ZZ."""

    def __init__(self) -> None:
        self.asked: dict[str, int] = {}

    def __getattr__(self, name):
        from kg import vocab

        return getattr(vocab, name)

    def iri(self, curie: str) -> str:
        from kg import vocab

        self.asked[curie] = self.asked.get(curie, 0) + 1
        if curie.startswith("ZZ:"):
            raise ValueError(curie)
        return vocab.iri(curie)


def test_curie_iris_are_asked_once_per_snapshot_and_a_refused_curie_stays_unlinked():
    import dataclasses

    def odd(article_id: str) -> tuple[Article, Extraction]:
        article, extraction = sample(article_id)
        # the erythema mention carries a CURIE with a prefix the vocabulary does not know
        i = next(i for i, m in enumerate(extraction.mentions) if m.text == "erythema")
        extraction.mentions[i] = dataclasses.replace(extraction.mentions[i], concept_id="ZZ:7")
        return article, extraction

    warm = _CountingVocab()
    article_nquads(*odd("PMC-m0"), generated_at=WHEN, vocab=warm)
    assert warm.asked.get("ZZ:7") == 1
    warm.asked.clear()
    for aid in ("PMC-m1", "PMC-m2"):
        got = article_nquads(*odd(aid), generated_at=WHEN, vocab=warm)
        fresh = article_nquads(*odd(aid), generated_at=WHEN, vocab=_CountingVocab())
        assert got == fresh  # what a memo hands out is what a first look gives
    assert warm.asked == {}  # the same concepts again: no CURIE is resolved twice
    quads = article_quads(*odd("PMC-m4"), generated_at=WHEN, vocab=warm)
    labels = {q.subject.value for q in quads if q.predicate.value == RDFS + "label" and q.object.value == "Erythema"}
    assert labels and all(s.startswith("https://w3id.org/casekg/concept/") for s in labels)


def test_quote_context_is_the_text_around_the_quote_and_absent_at_the_text_edges():
    article, extraction = sample("PMC-ctx")
    quads = article_quads(article, extraction, generated_at=WHEN)
    by_node: dict[str, dict[str, str]] = {}
    for q in quads:
        if q.predicate.value in (OA + "prefix", OA + "suffix", OA + "exact"):
            by_node.setdefault(q.subject.value, {})[q.predicate.value[len(OA):]] = q.object.value
    first = [v for v in by_node.values() if article.text.startswith(v["exact"])]
    last = [v for v in by_node.values() if article.text.rstrip().endswith(v["exact"])]
    assert first and all("prefix" not in v and v["suffix"] for v in first)  # the first sentence: nothing before it
    assert last and all(v["prefix"] and v.get("suffix", " ").strip() == "" for v in last)
    inner = [v for v in by_node.values() if v not in first and v not in last]
    assert inner
    for v in inner:  # 32 characters either side, as they stand in the text
        at = article.text.index(v["prefix"] + v["exact"] + v["suffix"])
        assert len(v["prefix"]) == min(32, at + len(v["prefix"])) and v["prefix"] and v["suffix"]
    ints = [q for q in quads if q.predicate.value in (OA + "start", OA + "end", CKG + "sentenceStart", CKG + "conceptMentionEnd")]
    assert ints and all(q.object.datatype.value.endswith("#integer") and q.object.value.isdigit() for q in ints)
