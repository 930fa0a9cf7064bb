"""Relations (issue #7, session 7): a taper or dose change is not a stop; a finding's outcome without a drug.

Sentences written for these rules (none from a gold corpus); the toy lexicon of
test_relations keeps them apart from the lexicon's coverage.
"""

import pytest
from test_rdf import WHEN, _ask, _mem, sample
from test_relations import nlp, of_kind, statements  # noqa: F401 - nlp is a fixture

from kg.evaluate import graph_notes
from kg.model import Mention, Statement
from kg.rdf import CKG, article_quads

_P = "A 30-year-old man had myositis. "


def _kinds(sts, *kinds):
    return [s for s in sts if s[0] in kinds]


@pytest.mark.parametrize("text, drug, value", [
    ("Prednisone was tapered to 5 mg daily.", "prednisone", "tapered"),
    ("A slow taper of prednisone was begun.", "prednisone", "tapered"),
    ("The dose of methotrexate was reduced because of nausea.", "methotrexate", "reduced"),
    ("We increased the dose of azathioprine to 150 mg.", "azathioprine", "increased"),
    ("Tacrolimus was switched to oral administration.", "tacrolimus", "changed"),
    ("The infliximab dosage was changed to 10 mg/kg.", "infliximab", "changed"),
    ("The tacrolimus dosage was subsequently lowered.", "tacrolimus", "reduced"),
])
def test_taper_or_dose_change_is_not_a_stop(nlp, text, drug, value):
    sts = statements(nlp, _P + text)
    assert of_kind(sts, "discontinuation") == []
    assert [(s[1], s[3]) for s in of_kind(sts, "dose_change")] == [(drug, value)]
    # the drug is still given, so it is not read as a treatment outcome of the nausea either
    assert of_kind(sts, "outcome") == [] and of_kind(sts, "finding_outcome") == []


@pytest.mark.parametrize("text", [
    "Prednisone was tapered off over 6 weeks.",
    "We weaned off prednisone.",
    "Prednisone was tapered to discontinuation.",
    "Prednisone was tapered and then discontinued.",
    "Prednisone was changed to oral form and slowly tapered off.",
    "Prednisone was subsequently discontinued.",  # the adverb opens no new clause
])
def test_taper_off_is_a_stop(nlp, text):
    sts = statements(nlp, _P + text)
    assert [s[1] for s in of_kind(sts, "discontinuation")] == ["prednisone"]
    assert of_kind(sts, "dose_change") == []


@pytest.mark.parametrize("text", [
    "Tacrolimus was switched to mycophenolate because of tremor.",
    "Tacrolimus was tapered over two months and switched to mycophenolate.",
])
def test_a_switch_to_another_drug_stays_a_stop(nlp, text):
    sts = statements(nlp, _P + text)
    assert [s[1] for s in of_kind(sts, "discontinuation")] == ["tacrolimus"]
    assert of_kind(sts, "dose_change") == []


@pytest.mark.parametrize("text", [
    "He was started on tacrolimus after the inotropes were weaned off.",  # the weaned drug is not tacrolimus
    "He received tacrolimus, and the fever ceased.",  # the fever ceased, not the drug
    "After prednisone was started, the CRP decreased to 5 mg/L.",  # a lab value, not a dose
    "Daily administration of tacrolimus increased the tremor.",  # what the drug did, not its dose
    "Tacrolimus at toxic doses, however, increased the nausea.",
])
def test_no_stop_or_dose_change_for_a_drug_that_goes_on(nlp, text):
    sts = statements(nlp, _P + text)
    assert _kinds(sts, "discontinuation", "dose_change") == []


@pytest.mark.parametrize("text, expected", [
    ("The fever subsided within two days.", {("fever", "improved")}),
    ("Her rash resolved spontaneously and the arthritis improved.", {("rash", "resolved"), ("arthritis", "improved")}),
    ("There was no recurrence of uveitis during follow-up.", {("uveitis", "remission_maintained")}),
    ("His weakness worsened over the next week.", {("weakness", "worsened")}),
    ("The arthritis of both ankles resolved spontaneously.", {("arthritis", "resolved")}),
    ("There was complete resolution of the rash.", {("rash", "resolved")}),
    ("Her nausea had decreased and she was discharged.", {("nausea", "improved")}),
])
def test_drugless_outcome_is_recorded_on_the_finding(nlp, text, expected):
    sts = statements(nlp, "A 30-year-old woman was admitted. " + text)
    assert {(s[1], s[3]) for s in of_kind(sts, "finding_outcome")} == expected
    assert all(s[2] is None and s[4] == "present" for s in of_kind(sts, "finding_outcome"))
    assert of_kind(sts, "outcome") == []


def test_a_named_drug_keeps_the_treatment_outcome(nlp):
    sts = statements(nlp, "A 30-year-old woman was admitted. Rituximab was started and the weakness improved.")
    assert of_kind(sts, "outcome") == [("P1", "rituximab", "weakness", "improved", "present")]
    assert of_kind(sts, "finding_outcome") == []


def test_no_drugless_outcome_for_an_absent_finding_or_one_of_another_sentence(nlp):
    sts = statements(nlp, "A 30-year-old woman was admitted. She had no fever. Remission was maintained for two years.")
    assert of_kind(sts, "finding_outcome") == []
    sts = statements(nlp, "A 30-year-old woman had uveitis. Twelve months later it had resolved.")
    assert of_kind(sts, "finding_outcome") == []  # no finding in the resolving sentence: nothing to cite
    sts = statements(nlp, "A 30-year-old woman had uveitis. She returned to normal activities despite the rash.")
    assert of_kind(sts, "finding_outcome") == []  # her life returned to normal, not a finding
    for text in ("A 30-year-old woman was admitted with progressive weakness.",  # the cue names the finding
                 "A 30-year-old woman presented with fever and decreased breath sounds.",  # the cue modifies a noun
                 "A 30-year-old woman reported reduced serum zinc and nausea for 6 weeks."):
        assert of_kind(statements(nlp, text), "finding_outcome") == [], text


def test_no_drugless_outcome_from_another_findings_cue(nlp):
    # "recovery" is the cold's; the fever's own cue is "persisted"
    sts = statements(nlp, "A 30-year-old woman was admitted. The fever persisted after recovery from the cold.")
    assert {(s[1], s[3]) for s in of_kind(sts, "finding_outcome")} == {("fever", "unchanged")}


def test_no_drugless_outcome_for_a_cohort(nlp):
    # an abstract's cohort has no identified patient and is no case narrative
    sts = statements(nlp, "Fever resolved in most patients within a week. Arthritis improved in 12 of 20 cases.")
    assert of_kind(sts, "finding_outcome") == []


def test_finding_outcome_evidence_and_graph_note(nlp):
    text = "A 30-year-old woman was admitted. Her rash resolved completely."
    doc = nlp(text)
    st = [s for s in doc._.statements if s["kind"] == "finding_outcome"][0]
    assert text[st["subject"][0]:st["subject"][1]] == "rash" and st["sentence"] == 1 and st["cue"]
    assert graph_notes(doc._.statements)[st["subject"]] == {"resolved"}


# ---------------------------------------------------------------- the graph


def _with_new_kinds():
    article, ex = sample()
    sent = ex.sentences[1]
    ery = next(m for m in ex.mentions if m.text == "erythema")
    mtx = next(m for m in ex.mentions if m.text == "Methotrexate")
    start = article.text.index("Methotrexate")
    mtx2 = Mention("m-new", "Drug", "Methotrexate", start, start + 12, mtx.sentence, "methotrexate", mtx.concept_id,
                   patient="P1", attrs={"dose": "7.5", "unit": "mg"})
    ex.mentions.append(mtx2)
    ex.statements.append(Statement("n1", "finding_outcome", "P1", ery.id, value="resolved", cue="resolved",
                                   sentence=sent.index))
    ex.statements.append(Statement("n2", "dose_change", "P1", mtx2.id, value="reduced", sentence=mtx.sentence,
                                   attrs={"dose": "7.5", "unit": "mg"}))
    return article, ex


def test_rdf_finding_outcome_has_no_drug_and_no_treatment_edge():
    article, ex = _with_new_kinds()
    st = _mem(article_quads(article, ex, generated_at=WHEN))
    rows = _ask(st, "SELECT ?s ?c ?o ?d WHERE { ?s a ckg:FindingOutcome ; ckg:concept ?c ; ckg:outcome ?o ; ckg:kind ?k . "
                    "OPTIONAL { ?s ckg:drug ?d } }")
    assert [(r["c"].rsplit("_", 1)[1], r["o"].rsplit("#", 1)[1], r.get("d")) for r in rows] == [("0010783", "Resolved", None)]
    assert _ask(st, "SELECT ?d WHERE { ?d biolink:applied_to_treat <http://purl.obolibrary.org/obo/HP_0010783> }") == []
    assert _ask(st, "SELECT ?s WHERE { ?s a ckg:TreatmentOutcome ; ckg:concept <http://purl.obolibrary.org/obo/HP_0010783> }") == []


def test_rdf_dose_change_carries_what_changed_and_the_new_dose():
    article, ex = _with_new_kinds()
    st = _mem(article_quads(article, ex, generated_at=WHEN))
    rows = _ask(st, "SELECT ?s ?v ?n WHERE { ?s a ckg:DoseChange ; ckg:doseChange ?v ; ckg:drug ?d ; ckg:dose/ckg:doseValue ?n }")
    assert [(r["v"], float(r["n"])) for r in rows] == [("reduced", 7.5)]
    assert _ask(st, "SELECT ?s WHERE { ?s a ckg:Discontinuation ; ckg:reason ?r }") != []  # the sample's own stop stays


def test_new_kinds_conform_to_the_shapes_and_a_drug_on_a_finding_outcome_does_not(tmp_path):
    from kg.store import Store
    from kg.validate import validate

    article, ex = _with_new_kinds()
    with Store(tmp_path / "s") as st:
        st.replace_article("PMC1", article_quads(article, ex, generated_at=WHEN))
        ok, report = validate(st)
        assert ok, report
        fo = next(iter(st.query("SELECT ?s WHERE { ?s a <%sFindingOutcome> }" % CKG)))[0]
        g = next(iter(st.query("SELECT ?g WHERE { GRAPH ?g { ?s a <%sFindingOutcome> } }" % CKG)))[0]
        st._ox.update("INSERT DATA { GRAPH <%s> { <%s> <%sdrug> <https://go.drugbank.com/drugs/DB00563> } }" % (g.value, fo.value, CKG))
        ok, _ = validate(st)
        assert not ok


def test_catalogue_reads_no_finding_outcome_as_a_drug_effect(tmp_path):
    from pathlib import Path

    from kg.query import Catalogue, run
    from kg.store import Store

    article, ex = _with_new_kinds()
    cat = Catalogue(Path(__file__).resolve().parents[1] / "queries")
    with Store(tmp_path / "s") as st:
        st.replace_article("PMC1", article_quads(article, ex, generated_at=WHEN))
        assert run(st, "drugs-for-manifestation", {"manifestation": "erythema"}, catalogue=cat).dicts() == []
        summary = run(st, "drug-outcome-summary", {}, catalogue=cat).dicts()
        assert summary and not any("rythema" in str(r) for r in summary)
        # the finding's own outcome is still evidence for the erythema
        rows = list(st.query("SELECT ?s WHERE { ?s a <%sFindingOutcome> ; <%ssentenceText> ?t }" % (CKG, CKG)))
        assert len(rows) == 1
