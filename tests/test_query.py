"""The query catalogue on hand-built Extractions: answers, safety of parameters, errors, formats."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from test_rdf import WHEN, sample

from kg.errors import QueryError
from kg.query import Catalogue, format_result, parse_query, run
from kg.rdf import article_quads
from kg.store import Store

QUERIES = Path(__file__).resolve().parents[1] / "queries"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Store:
    st = Store(tmp_path_factory.mktemp("q") / "store")
    for aid in ("PMC1", "PMC2"):
        article, extraction = sample(aid)
        st.replace_article(aid, article_quads(article, extraction, generated_at=WHEN))
    yield st
    st.close()


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return Catalogue(QUERIES)


def q(store, cat, name, **params):
    return run(store, name, params, catalogue=cat).dicts()


def test_catalogue_headers(cat):
    names = set(cat.names())
    assert {"drugs-for-manifestation", "patients-with-antibody", "adverse-events", "discontinuations",
            "drug-outcome-summary", "evidence", "article-summary", "negated-findings"} <= names
    for qd in cat:
        assert qd.title and qd.description, qd.name
    p = cat.get("drugs-for-manifestation").param("manifestation")
    assert p.required and "HPO" in p.description
    assert cat.get("adverse-events").param("drug").required is False


def test_parse_param_header():
    qd = parse_query("# title: T\n# description: a\n# description: b\n# param: x (optional) - the x [default: 7]\nSELECT ?x WHERE {}")
    assert qd.title == "T" and qd.description == "a b"
    assert qd.params[0].name == "x" and not qd.params[0].required and qd.params[0].default == "7"


@pytest.mark.parametrize("term", ["panniculitis", "PANNICULITIS", "HP:0012490", "hp_0012490", "Inflammation of fat tissue"])
def test_drugs_for_manifestation_by_label_synonym_id(store, cat, term):
    rows = q(store, cat, "drugs-for-manifestation", manifestation=term)
    assert {(r["drugLabel"], r["phenotypeLabel"], r["outcome"].rsplit("#", 1)[1]) for r in rows} == {("Baricitinib", "Panniculitis", "Improved")}
    assert {r["article"].rsplit("/", 1)[1] for r in rows} == {"PMC1", "PMC2"}
    assert "manifestation" not in rows[0] and "manifestation_key" not in rows[0]  # parameter echoes dropped


def test_drugs_for_manifestation_matches_descendants(store, cat):
    # Panniculitis is_a "Increased inflammatory response" (HP:0012649): a broader term finds it.
    rows = q(store, cat, "drugs-for-manifestation", manifestation="HP:0012649")
    assert {r["phenotypeLabel"] for r in rows} == {"Panniculitis"}


def test_negated_and_hypothetical_findings_never_answer(store, cat):
    assert q(store, cat, "drugs-for-manifestation", manifestation="interstitial lung disease") == []
    # photosensitivity only appears in a hypothetical outcome statement
    assert q(store, cat, "drugs-for-manifestation", manifestation="photosensitivity") == []
    ild = list(store.query("SELECT ?p WHERE { ?p biolink:has_phenotype <http://purl.obolibrary.org/obo/HP_0006530> }"))
    assert ild == []
    neg = q(store, cat, "negated-findings")
    assert {(r["kind"], r["conceptLabel"], r["cue"]) for r in neg} == {("phenotype", "Abnormal pulmonary interstitial morphology", "no")}
    assert "no interstitial lung disease" in neg[0]["sentence"]


def test_patients_with_antibody(store, cat):
    nxp2 = q(store, cat, "patients-with-antibody", antibody="anti-nxp2")
    assert [(r["patient"].rsplit("/", 1)[1], r["sex"], float(r["age"])) for r in nxp2] == [("P1", "female", 45.0), ("P1", "female", 45.0)]
    # anti-MDA5 is negative for P1 and positive for P2: only P2
    mda5 = q(store, cat, "patients-with-antibody", antibody="Anti MDA-5")
    assert {r["patient"].rsplit("/", 1)[1] for r in mda5} == {"P2"}
    assert q(store, cat, "patients-with-antibody", antibody="anti-Jo-1") == []


def test_adverse_events_all_and_by_drug_synonym(store, cat):
    every = q(store, cat, "adverse-events")
    assert {(r["drugLabel"], r["eventLabel"]) for r in every} == {("Methotrexate", "Leukopenia")}
    assert all(r["sentence"] == "Methotrexate was stopped because of leukopenia." for r in every)
    assert len(q(store, cat, "adverse-events", drug="amethopterin")) == 2
    assert q(store, cat, "adverse-events", drug="baricitinib") == []


def test_discontinuations_and_summary(store, cat):
    d = q(store, cat, "discontinuations")
    assert {(r["drugLabel"], r["reason"], r["reasonLabel"]) for r in d} == {("Methotrexate", "leukopenia", "Leukopenia")}
    s = q(store, cat, "drug-outcome-summary")
    assert [(r["drugLabel"], r["manifestationLabel"], r["outcome"].rsplit("#", 1)[1], r["patients"], r["articles"]) for r in s] == [
        ("Baricitinib", "Panniculitis", "Improved", "2", "2")
    ]


def test_evidence_offsets(store, cat):
    rows = q(store, cat, "evidence", entity="methotrexate")
    kinds = {r["kind"] for r in rows}
    assert kinds == {"exposure", "adverse_event", "discontinuation"}
    article, _ = sample("PMC1")
    for r in rows:
        assert article.text[int(r["start"]) : int(r["end"])] == r["sentence"]
        assert article.text[int(r["mentionStart"]) : int(r["mentionEnd"])] == "Methotrexate"
    neg = q(store, cat, "evidence", entity="HP:0006530")
    assert {r["status"].rsplit("#", 1)[1] for r in neg} == {"Negated"} and {r["cue"] for r in neg} == {"no"}


def test_article_summary(store, cat):
    rows = q(store, cat, "article-summary")
    assert [r["pmid"] for r in rows] == ["12345678", "12345678"]
    assert rows[0]["patients"] == "2" and rows[0]["statements"] == "14"
    assert "phenotype 4" in rows[0]["byKind"] and "exposure 2" in rows[0]["byKind"]


def test_parameters_are_not_pasted(store, cat):
    evil = 'x" } UNION { ?s ?p ?o } #'
    assert q(store, cat, "drugs-for-manifestation", manifestation=evil) == []
    assert q(store, cat, "patients-with-antibody", antibody="anti-NXP2\" . ?x ?y ?z") == []


def test_errors_are_one_line_query_errors(store, cat):
    with pytest.raises(QueryError, match="missing required parameter 'manifestation'"):
        run(store, "drugs-for-manifestation", {}, catalogue=cat)
    with pytest.raises(QueryError, match="unknown parameter 'colour'"):
        run(store, "drugs-for-manifestation", {"manifestation": "x", "colour": "red"}, catalogue=cat)
    with pytest.raises(QueryError, match="unknown query 'no-such-query'"):
        run(store, "no-such-query", {}, catalogue=cat)
    with pytest.raises(QueryError) as exc:
        run(store, "SELECT ?x WHERE { ?x ", {}, catalogue=cat)
    assert "syntax error" in str(exc.value) and "\n" not in str(exc.value)
    with pytest.raises(QueryError, match="no such query file"):
        run(store, "missing.rq", {}, catalogue=cat)


def test_adhoc_sparql_file_and_path_store(store, cat, tmp_path):
    r = run(store, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a ckg:Patient }", {}, catalogue=cat)
    assert r.dicts() == [{"n": "4"}]
    f = tmp_path / "mine.rq"
    f.write_text("# title: mine\n# param: id (required) - article id\nSELECT ?id ?a WHERE { ?a dct:identifier ?id }\n")
    assert [d["a"] for d in run(store, str(f), {"id": "PMC2"}, catalogue=cat).dicts()] == ["https://w3id.org/casekg/article/PMC2"]
    assert run(store, "ASK { ?s a ckg:Patient }", {}, catalogue=cat).boolean is True


def test_read_only_run_by_path(tmp_path, cat):
    path = tmp_path / "s"
    with Store(path) as st:
        article, extraction = sample()
        st.replace_article("PMC1", article_quads(article, extraction, generated_at=WHEN))
    rows = run(path, "patients-with-antibody", {"antibody": "anti-NXP2"}, catalogue=cat).dicts()
    assert len(rows) == 1


def test_formats(store, cat):
    r = run(store, "drug-outcome-summary", {}, catalogue=cat)
    table = format_result(r, "table")
    assert "Baricitinib" in table and "ckg:Improved" in table and "(1 row)" in table
    rows = list(csv.DictReader(io.StringIO(format_result(r, "csv"))))
    assert rows[0]["drugLabel"] == "Baricitinib" and rows[0]["outcome"].endswith("#Improved")
    tsv = format_result(r, "tsv").splitlines()
    assert tsv[0].startswith("?drugLabel\t") and '"Baricitinib"' in tsv[1]
    js = json.loads(format_result(r, "json"))
    assert js["head"]["vars"] == r.variables
    b = js["results"]["bindings"][0]
    assert b["outcome"]["type"] == "uri" and b["patients"]["datatype"].endswith("#integer")
    assert json.loads(format_result(run(store, "ASK { ?s ?p ?o }", {}, catalogue=cat), "json")) == {"head": {}, "boolean": True}
    with pytest.raises(QueryError):
        format_result(r, "xml")


def test_limit_parameter_caps_rows_in_order(store, cat):
    params = {"drug": "amethopterin"}  # adverse-events with a drug: one page, its rows capped by limit
    every = run(store, "adverse-events", {**params, "limit": "0"}, catalogue=cat)
    assert len(every) >= 2 and "limit" not in every.variables
    assert run(store, "adverse-events", params, catalogue=cat).rows == every.rows  # default 1000
    one = run(store, "adverse-events", {**params, "limit": "1"}, catalogue=cat)
    assert one.rows == every.rows[:1]
    for bad in ("-1", "ten", "2; DROP ALL", "1.5"):
        with pytest.raises(QueryError, match="'limit' must be a whole number"):
            run(store, "adverse-events", {**params, "limit": bad}, catalogue=cat)


def test_query_text_appends_limit_only_when_declared():
    from kg.query import query_text

    declared = parse_query("# title: t\n# param: limit (optional) - cap [default: 5]\nSELECT ?s WHERE { ?s ?p ?o }\n")
    assert query_text(declared).rstrip().endswith("LIMIT 5")
    assert query_text(declared, {"limit": "7"}).rstrip().endswith("LIMIT 7")
    assert query_text(declared, {"limit": "0"}) == declared.text
    plain = parse_query("SELECT ?limit WHERE { ?limit ?p ?o }")
    assert query_text(plain, {"limit": "3"}) == plain.text  # an ad-hoc ?limit is an ordinary variable


def test_listing_queries_are_bounded(cat):
    # the catalogue queries whose answer grows with the corpus (docs/scale.md): a row limit,
    # or one page of articles at a time (keyset paging, `after`)
    for name in ("adverse-events", "drug-outcome-summary"):
        p = cat.get(name).param("limit")
        assert p is not None and not p.required and int(p.default) > 0, name
    for name in ("article-summary", "discontinuations", "negated-findings", "drugs-for-manifestation", "evidence",
                 "patients-with-antibody"):
        qdef = cat.get(name)
        assert qdef.page and qdef.page > 0 and not qdef.param("after").required, name
