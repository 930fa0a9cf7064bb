"""Undefined disease abbreviations in case reports (kg/data/disease_abbreviations.tsv), on
sentences written for these tests."""

from test_lexicons import case_report, nlp  # noqa: F401 - the lexicon pipeline fixture

from kg.nlp import abbreviations
from kg.nlp.lexicons import ABBREVIATIONS_TSV, abbreviation_concepts, compiled


def findings(nlp, text: str) -> dict[str, tuple[str, str]]:
    doc = nlp(text)
    return {s.text: (s.label_, s.kb_id_) for s in doc.spans["casekg"] if s.label_ in ("Disease", "Manifestation")}


def test_every_row_names_a_dictionary_finding() -> None:
    rows = abbreviations.read_table(ABBREVIATIONS_TSV)
    assert len(rows) > 50
    assert len({r[0] for r in rows}) == len(rows), "a short form listed twice"
    got = abbreviation_concepts(compiled()["trie"], rows)
    missing = [r[0] for r in rows if r[0] not in got]
    assert not missing, f"names the dictionaries do not resolve: {missing}"


def test_table_rows_resolve_through_the_dictionary() -> None:
    trie = compiled()["trie"]
    got = abbreviation_concepts(trie, [("XYZQ", "deep vein thrombosis", "deep vein thrombosis"), ("QQQ", "no such disorder here", "")])
    assert got["XYZQ"][1] == "HP:0002625"
    assert "QQQ" not in got


def test_undefined_abbreviation_in_a_case_report(nlp) -> None:
    got = findings(nlp, case_report("Her history included HCC and poorly controlled T2DM."))
    assert got["HCC"] == ("Disease", "OMIM:114550")
    assert got["T2DM"][1] == "HP:0005978"
    # plural, and the first half of a hyphenated word
    got = findings(nlp, case_report("Two AVMs were embolised; MCTD-related myositis was suspected."))
    assert got["AVMs"][1] == "HP:0100026"
    assert got["MCTD"][1] == "ORPHA:809"


def test_only_in_case_reports(nlp) -> None:
    assert "HCC" not in findings(nlp, "Sorafenib prolongs survival in advanced HCC: a randomised trial.")


def test_case_sensitive(nlp) -> None:
    got = findings(nlp, case_report("The Hcc and hcc labels of the samples were checked, and the tb ward was closed."))
    assert not {"Hcc", "hcc", "tb"} & set(got)


def test_document_definition_wins(nlp) -> None:
    got = findings(nlp, case_report("The treating physician (TB) saw her again, and TB reviewed the scans."))
    assert "TB" not in got


def test_tests_and_compounds_are_not_diagnoses(nlp) -> None:
    got = findings(nlp, case_report("HIV serology was sent. HIV was negative. A QuantiFERON-TB assay was done."))
    assert "HIV" not in got and "TB" not in got
    assert findings(nlp, case_report("She had lived with HIV for ten years."))["HIV"][0] == "Disease"


def test_existing_span_is_kept(nlp) -> None:
    # "SLE" is a dictionary synonym already: one span, the dictionary's
    doc = nlp(case_report("She was known to have SLE."))
    assert [s.kb_id_ for s in doc.spans["casekg"] if s.text == "SLE"] == ["ORPHA:536"]


def test_unknown_defined_disorder_names_become_diseases(nlp) -> None:  # noqa: F811 - the fixture
    # v34: a long form that no dictionary knows, ending in a disorder's head noun or shaped
    # like a diagnosis, names a disorder; so does each use of its short form
    doc = nlp("Patients with Blorfin syndrome (BFS) were studied; BFS was mild in most.")
    got = sorted((s.text, s.label_, s.kb_id_) for s in doc.spans["casekg"])
    assert got == [("BFS", "Disease", ""), ("BFS", "Disease", ""), ("Blorfin syndrome", "Disease", "")]
    got = findings(nlp, "Transient pelvic symptoms (TPSs) followed the block, and TPSs resolved.")
    assert got.get("Transient pelvic symptoms") == ("Disease", "") and got.get("TPSs") == ("Disease", "")
    got = findings(nlp, "Rats developed cholangiofibromatosis (CFM) and CFM grew.")
    assert got.get("CFM") == ("Disease", "")
    # v35: the cause before "-induced" stays out, as for dictionary names
    got = findings(nlp, "Outpatients with cocaine-induced grumbling disorder (CIGD) were seen; CIGD recurred.")
    assert got.get("grumbling disorder") == ("Disease", "") and "cocaine-induced grumbling disorder" not in got


def test_defined_scales_and_methods_are_no_disorders(nlp) -> None:  # noqa: F811 - the fixture
    for text in ("The Positive and Negative Syndrome Scale (PANSS) fell and PANSS rose.",
                 "Functional magnetic resonance imaging (fMRI) and fMRI again were done.",
                 "The Disease Activity Score (DAS) was recorded."):
        assert findings(nlp, text) == {}, text
