"""casekg_finding_type: Manifestation or Disease by context, only in case-report narratives.

Sentences, toy weights and toy gold are written for these tests; nothing is taken from the gold
corpora. The shipped weights are checked only for what they must hold whatever the training.
"""

import pytest
import spacy
from spacy.tokens import Span

from kg.gold import GoldDoc, GoldMention
from kg.nlp import finding_type as ft
from kg.nlp.extensions import SPAN_GROUP, register

FILLER = " She was examined again on the ward." * 45
CASE = ("A 52-year-old man was admitted with a cough. He was diagnosed with gout. "
        "He also had gout in the left knee, and the cough settled." + FILLER)


def _nlp(weights_path, terms=None):
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("casekg_toy_lexicon", config={"terms": terms or {"Manifestation": ["gout", "cough"]}})
    nlp.add_pipe("casekg_finding_type", config={"path": str(weights_path)})
    return nlp


@pytest.fixture()
def diagnosis_model(tmp_path):
    """A model that calls a finding a disease only after a diagnosis cue in its sentence."""
    path = tmp_path / "weights.tsv"
    ft.write_model(ft.Model({"bias": -2.0, "cue=diagnosis": 4.0}, margin=0.0, threshold=0.5), path)
    return path


def _types(doc):
    return [(s.text, s.start_char, s.label_, s.kb_id_) for s in doc.spans[SPAN_GROUP]]


def test_retypes_by_context_and_keeps_the_curie(diagnosis_model) -> None:
    doc = _nlp(diagnosis_model)(CASE)
    gout = [t for t in _types(doc) if t[0] == "gout"]
    assert [t[2] for t in gout] == ["Disease", "Manifestation"]  # "diagnosed with gout" / "had gout in the knee"
    assert all(t[3] == "TOY:gout" for t in gout)
    assert {t[2] for t in _types(doc) if t[0] == "cough"} == {"Manifestation"}


def test_abstracts_are_untouched(diagnosis_model) -> None:
    text = "Patients diagnosed with gout were compared with controls in a cohort study of 200 adults."
    doc = _nlp(diagnosis_model)(text)
    assert [t[2] for t in _types(doc)] == ["Manifestation"]


def test_margin_keeps_the_rules_type(tmp_path) -> None:
    path = tmp_path / "weights.tsv"
    # P(Disease) after the cue is sigmoid(0.4) = 0.6: within a margin of 0.2 around 0.5, so kept
    ft.write_model(ft.Model({"bias": -2.0, "cue=diagnosis": 2.4}, margin=0.2), path)
    assert {t[2] for t in _types(_nlp(path)(CASE))} == {"Manifestation"}
    ft.write_model(ft.Model({"bias": -2.0, "cue=diagnosis": 2.4}, margin=0.05), path)
    assert "Disease" in {t[2] for t in _types(_nlp(path)(CASE))}


def test_threshold(tmp_path) -> None:
    path = tmp_path / "weights.tsv"
    ft.write_model(ft.Model({"bias": -0.5}, threshold=0.3), path)  # P = 0.38 for every span
    assert {t[2] for t in _types(_nlp(path)(CASE))} == {"Disease"}
    ft.write_model(ft.Model({"bias": -0.5}, threshold=0.4), path)
    assert {t[2] for t in _types(_nlp(path)(CASE))} == {"Manifestation"}


def test_model_round_trip(tmp_path) -> None:
    path = tmp_path / "weights.tsv"
    ft.write_model(ft.Model({"bias": 0.25, "h=gout": -1.5}, margin=0.1, threshold=0.35), path, "a note")
    m = ft.read_model(path)
    assert m.weights == {"bias": 0.25, "h=gout": -1.5}
    assert (m.margin, m.threshold) == (0.1, 0.35)


def test_features_read_cues_words_and_nesting() -> None:
    register()
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    doc = nlp("The patient had no history of chronic renal failure. Heart failure and fever followed.")
    renal, inner, heart = Span(doc, 7, 9, "Disease", kb_id="MESH:D1"), Span(doc, 8, 9, "Manifestation"), \
        Span(doc, 11, 12, "Manifestation", kb_id="HP:1")
    feats = dict((s.start, f) for s, f in ft.doc_features(doc, [renal, inner, heart]))
    assert {"rule=Disease", "t=renal failure", "h=failure", "f=renal", "w=renal", "n=2", "src=MESH",
            "cue=history", "cue=negation", "l1=chronic", "lw=history", "r1=.", "holds=Manifestation"} <= set(feats[7])
    assert "inside=Disease" in feats[8] and "hpo" not in feats[8]
    assert {"hpo", "src=HP", "coordinated", "l1=heart"} <= set(feats[11])
    assert not any(x.startswith("cue=") for x in feats[11])  # the cues are in the sentence before
    assert "coordinated" not in feats[7]


def test_features_carry_the_hpo_branches_above_a_concept() -> None:
    register()
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    doc = nlp("Imaging showed an ovarian tumour, a plasma cell tumour and a cough.")
    ovary, plasma, cough = Span(doc, 3, 5, "Manifestation", kb_id="HP:0100615"), \
        Span(doc, 7, 10, "Disease", kb_id="MESH:D009101"), Span(doc, 12, 13, "Manifestation", kb_id="MESH:D003371")
    plasma._.xrefs = ("HP:0006775",)  # an HPO term reached through a cross-reference counts too
    feats = dict((s.start, set(f)) for s, f in ft.doc_features(doc, [ovary, plasma, cough]))
    # two neoplasms never seen together share their branch (HP:0002664 Neoplasm), not the root
    assert "anc=HP:0002664" in feats[3] & feats[7]
    assert "anc=HP:0000118" not in feats[3] | feats[7]
    assert "anc=HP:0004377" in feats[7] and "anc=HP:0004377" not in feats[3]  # haematological, myeloma only
    assert not any(x.startswith("anc=") for x in feats[12])  # no HPO concept, no branch


def test_features_carry_the_mesh_trees_of_a_concept() -> None:
    register()
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    doc = nlp("On arrival she had a fever, a pneumonia, a swollen toe and a wound.")
    fever, pneumonia, toe, wound = Span(doc, 5, 6, "Manifestation", kb_id="HP:0001945"), \
        Span(doc, 8, 9, "Disease", kb_id="MESH:D011014"), Span(doc, 11, 13, "Manifestation"), \
        Span(doc, 15, 16, "Manifestation", kb_id="MESH:D000000")
    fever._.xrefs = ("MESH:D005334",)  # an HPO concept's MeSH cross-reference counts too
    feats = dict((s.start, set(f)) for s, f in ft.doc_features(doc, [fever, pneumonia, toe, wound]))
    # Fever sits under C23 only (signs and symptoms); pneumonia in two disease branches
    assert {"mt=C23", "mt=C23.888", "mt_c23only"} <= feats[5]
    assert {"mt=C08", "mt=C01", "mt=C08.381"} <= feats[8] and not any(x.startswith("mt=C23") for x in feats[8])
    assert "mt_c23only" not in feats[8]
    assert not any(x.startswith("mt") for x in feats[11])  # no concept, no tree
    assert "mt_none" in feats[15]  # a MeSH ID the disease trees do not hold


def test_tree_features_cut_to_two_levels() -> None:
    assert ft._tree_features(["C14.280.647.500", "C23.888.592"]) == ("mt=C14", "mt=C14.280", "mt=C23", "mt=C23.888")
    assert ft._tree_features(["C23.550.288", "C23.888"]) == ("mt=C23", "mt=C23.550", "mt=C23.888", "mt_c23only")
    assert ft._tree_features([]) == ()


def test_examples_take_one_type_spans_only(tmp_path) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("casekg_toy_lexicon", config={"terms": {"Manifestation": ["gout", "cough", "ward"]}})
    doc = nlp(CASE)
    gout = CASE.index("gout")
    cough = CASE.index("cough")
    ward = CASE.index("ward")
    gold = GoldDoc("x", CASE, [
        GoldMention(gout, gout + 4, "Disease"),
        GoldMention(cough, cough + 5, "Manifestation"),
        GoldMention(ward, ward + 4, "Manifestation"),  # annotated as both: says nothing of the type
        GoldMention(ward, ward + 4, "Disease"),
    ])
    ex = ft.examples([(gold, doc)])
    labels = sorted((next(x for x in f if x.startswith("t=")), y) for f, y in ex)
    assert labels == [("t=cough", 0), ("t=gout", 1)]


def test_train_learns_and_is_deterministic() -> None:
    ex = [(["bias", "a"], 1)] * 20 + [(["bias", "b"], 0)] * 20 + [(["bias", "a", "rare"], 0)]
    w = ft.train(ex, l2=1.0)
    assert w == ft.train(ex, l2=1.0)
    assert w["a"] > 0 > w["b"]
    assert "rare" not in w  # seen once: left out
    m = ft.Model(w)
    assert m.p_disease(["bias", "a"]) > 0.8 > 0.2 > m.p_disease(["bias", "b"])


def test_shipped_weights_and_pipeline() -> None:
    from kg.nlp.pipeline import PIPELINE, build_nlp

    names = [n for n, _ in PIPELINE]
    assert names.index("casekg_case_terms") < names.index("casekg_finding_type") < names.index("casekg_anatomy")
    m = ft.read_model()
    assert m.weights["rule=Disease"] > 0 > m.weights["rule=Manifestation"]
    assert 0 < m.threshold < 1
    # an abstract gives the same spans with and without the component
    text = ("Hypertension and pleural effusion were frequent in this cohort; patients diagnosed with "
            "pneumonia received antibiotics and two developed renal failure.")
    without = build_nlp([p for p in PIPELINE if p[0] != "casekg_finding_type"])(text)
    with_it = build_nlp()(text)
    assert _types(with_it) == _types(without) and _types(with_it)


def _joint_docs(n_with_word: int) -> list[GoldDoc]:
    """Five case reports; in the first `n_with_word` a word no lexicon knows is annotated, and
    in every one the toy lexicon's sign "cough" is annotated a disorder."""
    gold_type = {"cough": "Disease", "dilated": "Manifestation"}
    docs = []
    for i in range(5):
        text = f"A {40 + i}-year-old man was admitted with a cough." + FILLER + (" The heart was dilated." if i < n_with_word else "")
        ms = [GoldMention(text.index(w), text.index(w) + len(w), t, None, w) for w, t in gold_type.items() if w in text]
        docs.append(GoldDoc(f"d{i}", text, ms))
    return docs


def test_joint_cross_validation_learns_table_and_weights_from_the_other_folds(tmp_path) -> None:
    (tmp_path / "none.tsv").write_text("")
    ft.write_model(ft.Model({"bias": -3.0}), tmp_path / "sign.tsv")  # before fitting: everything a sign
    terms = {"terms": {"Manifestation": ["cough"]}}

    def pipeline(*names):
        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
        nlp.add_pipe("casekg_toy_lexicon", config=terms)
        if "case_terms" in names:
            nlp.add_pipe("casekg_case_terms", config={"path": str(tmp_path / "none.tsv")})
        if "finding_type" in names:
            nlp.add_pipe("casekg_finding_type", config={"path": str(tmp_path / "sign.tsv")})
        return nlp

    full = pipeline("case_terms", "finding_type")
    rep = ft.cross_validate_joint(_joint_docs(3), pipeline(), pipeline("case_terms"), full, threshold=0.5, l2=0.1)
    # each held-out report: "dilated" from the other folds' table rows, "cough" typed a disorder
    # by weights learned on the other folds' spans
    sign, disease = rep.overlap["Manifestation"], rep.overlap["Disease"]
    assert (sign.tp_gold, sign.n_gold, sign.n_pred) == (3, 3, 3)
    assert (disease.tp_gold, disease.n_gold, disease.n_pred) == (5, 5, 5)
    # two annotated reports: a held-out one leaves one other, below the two documents a row needs
    rep = ft.cross_validate_joint(_joint_docs(2), pipeline(), pipeline("case_terms"), full, threshold=0.5, l2=0.1)
    assert (rep.overlap["Manifestation"].tp_gold, rep.overlap["Manifestation"].n_pred) == (0, 0)
