"""casekg_case_terms: learned case-report conventions, applied only to case-report narratives.

Sentences and toy tables are written for these tests; nothing is taken from the gold corpora.
"""

import pytest
import spacy

from kg.gold import GoldDoc, GoldMention
from kg.nlp import case_terms as ct
from kg.nlp.extensions import SPAN_GROUP

FILLER = "She was examined again on the ward. " * 45


@pytest.fixture()
def table(tmp_path):
    path = tmp_path / "terms.tsv"
    ct.write_table(
        [
            ("add", "Manifestation", "enlarged", 5, 6),
            ("add", "Manifestation", "enlarged lymph nodes", 3, 3),
            ("add", "Drug", "sedation", 4, 5),
            ("retype", "Manifestation>Disease", "pleural effusion", 5, 6),
            ("nonmed", "Drug", "creatinine", 0, 9),
        ],
        path,
    )
    return path


def _nlp(path):
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("casekg_toy_lexicon", config={"terms": {
        "Manifestation": ["pleural effusion", "fever"], "Drug": ["creatinine", "calcium", "heparin"]}})
    nlp.add_pipe("casekg_case_terms", config={"path": str(path)})
    return nlp


def _spans(doc):
    return {(s.text, s.label_, (s._.attrs or {}).get("role")) for s in doc.spans[SPAN_GROUP]}


def test_table_round_trip(table) -> None:
    t = ct.read_table(table)
    assert t.add == {"enlarged": "Manifestation", "enlarged lymph nodes": "Manifestation", "sedation": "Drug"}
    assert t.retype == {("pleural effusion", "Manifestation"): "Disease"}
    assert t.nonmed == {"creatinine"}
    assert t.first["enlarged"] == (3, 1)


def test_find_phrases_longest_first_and_not_over_rule_spans(table) -> None:
    t = ct.read_table(table)
    words = "Two enlarged lymph nodes and an enlarged spleen under sedation".split()
    assert ct.find_phrases(words, t, set()) == [
        (1, 4, "Manifestation"), (6, 7, "Manifestation"), (9, 10, "Drug")]
    assert ct.find_phrases(words, t, {9}) == [(1, 4, "Manifestation"), (6, 7, "Manifestation")]


def test_doc_phrases_agree_with_find_phrases(table) -> None:
    # the component's path reads the Doc's LOWER IDs and decodes only the tokens that start a
    # phrase; it must choose exactly what find_phrases chooses from the token texts
    t = ct.read_table(table)
    nlp = spacy.blank("en")
    for text, blocked in (
        ("Two Enlarged lymph nodes and an ENLARGED spleen under sedation.", set()),
        ("Two enlarged lymph nodes and an enlarged spleen under sedation.", {2}),  # the long one blocked
        ("Enlarged enlarged lymph nodes, sedation sedation", {5}),
        ("Nothing of the table here.", set()),
    ):
        doc = nlp(text)
        words = ct.LowerWords(doc)
        assert ct._doc_phrases(words, t, blocked) == ct.find_phrases([w.text for w in doc], t, blocked), text
        assert words.key(1, 4) == ct.phrase_key(w.text for w in doc[1:4])


def test_applies_in_case_reports(table) -> None:
    text = ("A 61-year-old man had fever and a pleural effusion. " + FILLER +
            "The liver was enlarged. Serum creatinine rose. He was given calcium supplements under sedation.")
    got = _spans(_nlp(table)(text))
    assert ("enlarged", "Manifestation", None) in got
    assert ("sedation", "Drug", None) in got
    assert ("pleural effusion", "Disease", None) in got and ("pleural effusion", "Manifestation", None) not in got
    assert ("creatinine", "Drug", "analyte") in got
    assert ("calcium", "Drug", None) in got  # not in the table
    assert ("fever", "Manifestation", None) in got


def test_a_given_chemical_stays_a_medication(table) -> None:
    text = "A 30-year-old woman was seen. " + FILLER + "Creatinine infusion was a typo, but the rule must hold."
    got = _spans(_nlp(table)(text))
    assert ("Creatinine", "Drug", None) in got


def test_abstracts_are_untouched(table) -> None:
    text = "In 40 patients the liver was enlarged; a pleural effusion and high creatinine were common under sedation."
    got = _spans(_nlp(table)(text))
    assert got == {("pleural effusion", "Manifestation", None), ("creatinine", "Drug", None)}


def test_build_table_learns_from_gold() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("casekg_toy_lexicon", config={"terms": {"Drug": ["glucose", "heparin"], "Manifestation": ["edema"]}})
    texts = [
        "The heart was dilated. Glucose was 5 mmol/L. Heparin was given. Edema persisted.",
        "The aorta was dilated and glucose was normal. Heparin was stopped. Edema resolved.",
        "Nothing dilated here. Glucose was high. Heparin again. Edema again.",
    ]
    docs = []
    for i, text in enumerate(texts):
        ms = []
        for word, typ in (("dilated", "Manifestation"), ("Heparin", "Drug"), ("Edema", "Disease")):
            start = text.find(word)
            if i < 2 or word != "dilated":
                ms.append(GoldMention(start, start + len(word), typ, None, word))
        docs.append(GoldDoc(f"d{i}", text, ms))
    rows = {r[:3]: r[3:] for r in ct.build_table(docs, nlp)}
    assert rows[("add", "Manifestation", "dilated")] == (2, 3)
    assert rows[("nonmed", "Drug", "glucose")] == (0, 3)
    assert rows[("retype", "Manifestation>Disease", "edema")] == (3, 3)
    assert not any(r[2] == "heparin" for r in rows)


def test_learned_tables_say_how_they_were_made_and_how_to_remake_them(tmp_path) -> None:
    import re

    from kg.nlp import finding_type as ft

    ct.write_table([("add", "Drug", "sedation", 4, 5)], tmp_path / "t.tsv", ", on the spans of lexicon v9")
    head = [line for line in (tmp_path / "t.tsv").read_text().splitlines() if line.startswith("#")]
    assert head[1].endswith("our split, on the spans of lexicon v9.") and "case_terms build" in head[2]
    assert ct.read_table(tmp_path / "t.tsv").add == {"sedation": "Drug"}  # the header is no row
    # the shipped tables: the lexicon version they were learned on and the commands, in order
    for path in (ct.DATA, ft.DATA):
        text = "\n".join(line for line in path.read_text().splitlines() if line.startswith("#"))
        assert re.search(r"lexicon v\d+", text), path
        assert f"# Rebuild: {ct.REBUILD}." in text, path
    assert ct.REBUILD.index("case_terms build") < ct.REBUILD.index("finding_type build")


def test_shipped_tables_are_keyed_by_tokens() -> None:
    nlp = spacy.blank("en")
    t = ct.read_table(ct.DATA, ct.CURATED, tokenizer=nlp.tokenizer)
    assert t.add["fresh - frozen plasma"] == "Drug" and "bun" in t.nonmed
    assert t.retype and all(src != dst for (_, src), dst in t.retype.items())
    words = [w.text for w in nlp("She received fresh-frozen plasma and platelets.")]
    assert ct.find_phrases(words, t, set())[0] == (2, 6, "Drug")


def test_figure_references_are_not_findings(tmp_path) -> None:
    (tmp_path / "none.tsv").write_text("")
    nlp = spacy.blank("en")
    nlp.add_pipe("casekg_toy_lexicon", config={"terms": {"Manifestation": ["Fig.2", "rash"]}})
    nlp.add_pipe("casekg_case_terms", config={"path": str(tmp_path / "none.tsv")})
    doc = nlp("A rash was seen (Fig.2).")
    assert [s.text for s in doc.spans[SPAN_GROUP]] == ["rash"]


def test_short_form_takes_the_long_forms_type(tmp_path) -> None:
    from spacy.language import Language
    from spacy.tokens import Span

    @Language.component("test_abbrev_spans")
    def abbrev_spans(doc):
        spans = []
        for start, end, label, curie in ((3, 4, "Disease", "X:1"), (5, 6, "Manifestation", "X:1"),
                                         (10, 11, "Manifestation", "X:1"), (14, 15, "Manifestation", "X:2")):
            sp = Span(doc, start, end, label=label, kb_id=curie)
            spans.append(sp)
        doc.spans[SPAN_GROUP] = spans
        return doc

    (tmp_path / "none.tsv").write_text("")
    nlp = spacy.blank("en")
    nlp.add_pipe("test_abbrev_spans")
    nlp.add_pipe("casekg_case_terms", config={"path": str(tmp_path / "none.tsv")})
    doc = nlp("He had severe cardiomyopathy ( CMP ) . Later the CMP worsened , with Ataxia . A 50-year-old man. " + FILLER)
    assert [(s.text, s.label_) for s in doc.spans[SPAN_GROUP]] == [
        ("cardiomyopathy", "Disease"), ("CMP", "Disease"), ("CMP", "Disease"), ("Ataxia", "Manifestation")]


def _rules_only(tmp_path, terms):
    """A toy lexicon and case_terms with an empty learned table: only its rules act."""
    (tmp_path / "none.tsv").write_text("")
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("casekg_toy_lexicon", config={"terms": terms})
    nlp.add_pipe("casekg_case_terms", config={"path": str(tmp_path / "none.tsv")})
    return nlp


def _cv_docs(n_with_word: int) -> list[GoldDoc]:
    docs = []
    for i in range(5):
        text = f"A {40 + i}-year-old man was admitted. " + FILLER
        ms = []
        if i < n_with_word:
            start = len(text) + len("The heart was ")
            text += "The heart was dilated."
            ms.append(GoldMention(start, start + len("dilated"), "Manifestation", None, "dilated"))
        docs.append(GoldDoc(f"d{i}", text, ms))
    return docs


def test_cross_validation_learns_only_from_the_other_folds(tmp_path) -> None:
    (tmp_path / "none.tsv").write_text("")
    pre = spacy.blank("en")
    pre.add_pipe("casekg_toy_lexicon", config={"terms": {"Drug": ["heparin"]}})
    full = spacy.blank("en")
    full.add_pipe("sentencizer")
    full.add_pipe("casekg_toy_lexicon", config={"terms": {"Drug": ["heparin"]}})
    full.add_pipe("casekg_case_terms", config={"path": str(tmp_path / "none.tsv")})
    # three documents annotate the word: each held-out one is covered by two others' rows
    found = ct.cross_validate(_cv_docs(3), pre, full).overlap["Manifestation"]
    assert (found.tp_gold, found.n_gold, found.n_pred) == (3, 3, 3)
    # two: a held-out document leaves one other, below the two documents a row needs
    found = ct.cross_validate(_cv_docs(2), pre, full).overlap["Manifestation"]
    assert (found.tp_gold, found.n_gold, found.n_pred) == (0, 2, 0)


def test_words_built_like_diagnoses_are_disorders_in_case_reports(tmp_path) -> None:
    nlp = _rules_only(tmp_path, {"Manifestation": ["hepatitis"]})
    tail = ("Imaging suggested a chondroblastoma of the tibia and an enchondromatosis was considered. "
            "Hepatitis was present. The prognosis and the diagnosis were discussed; normocalcemia and "
            "an anastomosis were noted, as was cerebellar hypoplasia and a cardiomyopathy.")
    got = _spans(nlp("A 52-year-old woman was seen. " + FILLER + tail))
    assert {(t, lab) for t, lab, _ in got} == {
        ("chondroblastoma", "Disease"), ("enchondromatosis", "Disease"), ("Hepatitis", "Manifestation"),
        ("hypoplasia", "Disease"), ("cardiomyopathy", "Disease")}
    # an abstract is left to the rules
    assert {t for t, _, _ in _spans(nlp("In 12 patients, " + tail))} == {"Hepatitis"}


def test_words_built_like_signs_are_signs_in_case_reports(tmp_path) -> None:
    nlp = _rules_only(tmp_path, {"Manifestation": ["fever"]})
    tail = ("He reported fever, polyarthralgia and bouts of haematemesis; examination found organomegaly and "
            "thrombocytosis, with marked hypokinesis. A gastrectomy was done under general anaesthesia, and "
            "normoglycemia followed.")
    got = {(t, lab) for t, lab, _ in _spans(nlp("A 38-year-old man was seen. " + FILLER + tail))}
    assert got == {("fever", "Manifestation"), ("polyarthralgia", "Manifestation"), ("haematemesis", "Manifestation"),
                   ("organomegaly", "Manifestation"), ("thrombocytosis", "Manifestation"),
                   ("hypokinesis", "Manifestation")}  # no procedure, anaesthesia or normal value
    # an abstract is left to the rules
    assert {t for t, _, _ in _spans(nlp("In 40 patients, " + tail))} == {"fever"}


def test_water_after_a_length_unit_is_a_pressure_unit(tmp_path) -> None:
    nlp = _rules_only(tmp_path, {"Drug": ["H2O", "heparin"]})
    text = ("A 3-day-old boy was ventilated. " + FILLER +
            "The PEEP was raised to 9\u2005cm\u2005H2O and later to 12 mm H2O; heparin and H2O were infused.")
    doc = nlp(text)
    assert [s.text for s in doc.spans[SPAN_GROUP]] == ["heparin", "H2O"]


def test_a_finding_named_as_the_diagnosis_is_a_disorder(tmp_path) -> None:
    nlp = _rules_only(tmp_path, {"Manifestation": ["goiter", "dysphagia", "ascites"]})
    text = ("A 47-year-old woman reported dysphagia. " + FILLER + "The scan was consistent with a large "
            "multinodular goiter. Ascites was absent. She was later diagnosed with ascites of unclear origin.")
    doc = nlp(text)
    assert [(s.text, s.label_) for s in doc.spans[SPAN_GROUP]] == [
        ("dysphagia", "Manifestation"), ("goiter", "Disease"), ("Ascites", "Manifestation"), ("ascites", "Disease")]


def test_an_unlinked_named_disease_or_syndrome_is_a_disorder(tmp_path) -> None:
    nlp = _rules_only(tmp_path, {"Disease": ["Kawasaki disease"]})
    text = ("A 9-year-old girl was admitted. " + FILLER + "Kawasaki disease had been excluded, and a "
            "vanishing testis syndrome was found with renal disease. The disease and a similar syndrome were discussed.")
    doc = nlp(text)
    assert [(s.text, s.label_) for s in doc.spans[SPAN_GROUP]] == [
        ("Kawasaki disease", "Disease"), ("vanishing testis syndrome", "Disease"), ("renal disease", "Disease")]


def test_disorder_and_state_heads_take_their_modifiers_and_stand_alone(tmp_path) -> None:
    nlp = _rules_only(tmp_path, {"Disease": ["heart failure"]})
    text = ("A 61-year-old man was admitted. " + FILLER + "Echocardiography revealed severe biventricular "
            "dysfunction, and he later developed multiorgan failure despite treatment of his heart failure. "
            "The chest film showed patchy opacities; no other abnormality was seen. Manometry found failure "
            "of relaxation. Candidiasis of the tongue was treated.")
    doc = nlp(text)
    got = [(s.text, s.label_) for s in doc.spans[SPAN_GROUP]]
    assert got == [
        ("heart failure", "Disease"),  # the rule span, no second span over its head
        ("Candidiasis", "Disease"),  # built like a diagnosis
        ("severe biventricular dysfunction", "Disease"), ("multiorgan failure", "Disease"),  # not "developed ..."
        ("patchy opacities", "Manifestation"), ("abnormality", "Manifestation"),
        ("failure", "Disease"),  # a verb before the head is no modifier
    ]
    # an abstract is left to the rules
    abstract = nlp("In 20 patients, " + text[text.index("Echo"):])
    assert [s.text for s in abstract.spans[SPAN_GROUP]] == ["heart failure"]


def test_a_patients_state_in_an_adjective_is_a_sign(tmp_path) -> None:
    nlp = _rules_only(tmp_path, {})
    text = ("A 4-year-old girl was brought in. " + FILLER + "On arrival she was febrile, tachypnoeic and "
            "lethargic, and the left auricle was hypoplastic; a ruptured chorda was repaired.")
    doc = nlp(text)
    got = [(s.text, s.label_) for s in doc.spans[SPAN_GROUP]]
    assert got == [("febrile", "Manifestation"), ("tachypnoeic", "Manifestation"), ("lethargic", "Manifestation"),
                   ("hypoplastic", "Disease"), ("ruptured", "Disease")]  # no "auricle was hypoplastic"


def test_structural_and_examination_findings_are_signs(tmp_path) -> None:
    nlp = _rules_only(tmp_path, {})
    text = ("A 70-year-old man presented with vomiting. " + FILLER + "The abdomen was distended with voluntary "
            "guarding, and imaging showed small bowel obstruction with contrast extravasation; a septal defect and "
            "calcified plaques were noted. He recovered without complications.")
    doc = nlp(text)
    got = [(s.text, s.label_) for s in doc.spans[SPAN_GROUP]]
    assert got == [("distended", "Manifestation"), ("voluntary guarding", "Manifestation"),
                   ("small bowel obstruction", "Manifestation"), ("contrast extravasation", "Manifestation"),
                   ("septal defect", "Manifestation"), ("calcified plaques", "Manifestation"),
                   ("complications", "Manifestation")]
    # an abstract is left to the rules
    abstract = nlp("In 31 patients, " + text[text.index("The abdomen"):])
    assert not abstract.spans[SPAN_GROUP]


def test_a_finding_word_naming_a_test_or_procedure_is_no_finding(tmp_path) -> None:
    nlp = _rules_only(tmp_path, {"Manifestation": ["tumor", "coma", "obesity"], "Disease": ["hepatitis B"]})
    text = ("A 45-year-old woman was admitted in coma. " + FILLER + "Her Glasgow coma scale was 7 and tumor markers "
            "were normal; a hepatitis B panel was sent. The tumor was large, obesity was noted, and tumor "
            "resection followed.")
    doc = nlp(text)
    got = [(s.text, s.start_char > len(FILLER)) for s in doc.spans[SPAN_GROUP]]
    assert got == [("coma", False), ("tumor", True), ("obesity", True)]
    # an abstract is left to the rules
    abstract = nlp("In 18 patients, the Glasgow coma scale and tumor markers were recorded.")
    assert [s.text for s in abstract.spans[SPAN_GROUP]] == ["coma", "tumor"]


def test_sign_shaped_words_stay_out_of_the_abstract_reader() -> None:
    # kg.nlp.abstract_terms reads case_terms' disorder shapes outside case reports; the sign shapes
    # are case-report conventions and must not become abstract Disease spans through it
    from kg.nlp import abstract_terms  # noqa: F401 - registers the factory

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("casekg_abstract_terms")
    doc = nlp("In 14 rats, polyarthralgia, hypokinesis and thrombocytosis followed a fibroadenoma.")
    assert [(s.text, s.label_) for s in doc.spans[SPAN_GROUP]] == [("thrombocytosis", "Disease"), ("fibroadenoma", "Disease")]


def test_a_short_form_named_as_the_diagnosis_is_a_disorder_throughout_the_report(tmp_path) -> None:
    nlp = _rules_only(tmp_path, {"Manifestation": ["metastases"]})
    text = ("A 52-year-old man presented with weight loss. " + FILLER + "Biopsy findings were consistent with "
            "QRX. He was treated for QRX, and the QRX-PL index was 3; the QRX-PL score fell. A diagnosis of "
            "advanced TBZ was made. Stage IIIB was confirmed by BZN staining and MRI, and KLM "
            "metastases were excluded. The CT showed no KLM.")
    doc = nlp(text)
    got = [(s.text, s.label_, s.start_char) for s in doc.spans[SPAN_GROUP]]
    disorders = [(t, start) for t, label, start in got if label == "Disease"]
    # both uses of QRX (not the compound index name), TBZ; not the stage, the test named after
    # "confirmed by", nor a short form never named as the diagnosis
    assert [t for t, _ in disorders] == ["QRX", "QRX", "TBZ"]
    assert [start for _, start in disorders[:2]] == [text.index("QRX."), text.index("QRX,")]
    # an abstract is left to the rules
    abstract = nlp("In 12 patients the findings were consistent with QRX.")
    assert not abstract.spans[SPAN_GROUP]


def test_a_disorder_naming_a_serology_screen_or_study_is_no_finding(tmp_path) -> None:
    nlp = _rules_only(tmp_path, {"Disease": ["hepatitis", "lupus", "cardiomyopathy"]})
    text = ("A 38-year-old woman was admitted with jaundice. " + FILLER + "Hepatitis serologies and a lupus screen "
            "were sent, and a cardiomyopathy study followed; she had hepatitis and lupus.")
    doc = nlp(text)
    got = [(s.text, s.start_char) for s in doc.spans[SPAN_GROUP]]
    assert got == [("hepatitis", text.index("had hepatitis") + 4), ("lupus", text.index("lupus."))]


def test_stem_starts_match_the_case_blind_regex() -> None:
    # the cue-word offsets that gate the short-form rule's regex, found by str.find on the
    # lower-cased text, and by the regex where lower-casing changes the length ("İ" -> "i̇")
    for text in ("Findings were CONSISTENT with PV; Diagnosis of NEC was confirmed. Supportive care.",
                 "İ. The Diagnosis: consistent with X, confirmed."):
        assert ct._stem_starts(text) == [m.start() for m in ct._DIAGNOSIS_STEM.finditer(text)]
    assert ct._stem_starts("no cue words here") == []
