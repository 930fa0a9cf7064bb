"""casekg_abstract_terms: diagnosis-shaped words no vocabulary lists, outside case reports.

Sentences are written for these tests; nothing is taken from the gold corpora.
"""

import spacy

from kg.nlp import abstract_terms  # noqa: F401 - registers the factory
from kg.nlp.abstract_terms import disorder_word
from kg.nlp.extensions import SPAN_GROUP

CASE_FILLER = "A 45-year-old woman was admitted. " + "She was examined again on the ward. " * 45


def _nlp():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("casekg_toy_lexicon", config={"terms": {"Manifestation": ["hepatitis"], "Drug": ["isoniazid"]}})
    nlp.add_pipe("casekg_abstract_terms")
    return nlp


def _spans(doc):
    return [(s.text, s.label_, s.kb_id_) for s in doc.spans[SPAN_GROUP]]


def test_unlisted_disorder_words_become_unlinked_diseases():
    doc = _nlp()("Mice fed the diet developed cholangiofibrosis and a rhabdomyoma within weeks.")
    assert ("cholangiofibrosis", "Disease", "") in _spans(doc)
    assert ("rhabdomyoma", "Disease", "") in _spans(doc)


def test_covered_and_non_disorder_words_are_left_alone():
    doc = _nlp()("The diagnosis of hepatitis rested on homeostasis tests; antituberculosis treatment with isoniazid followed.")
    # hepatitis keeps its one lexicon span; diagnosis/homeostasis name no disorder; an anti- word names a drug class
    assert sorted(_spans(doc)) == [("hepatitis", "Manifestation", "TOY:hepatitis"), ("isoniazid", "Drug", "TOY:isoniazid")]


def test_word_inside_a_hyphenated_compound_is_not_taken():
    doc = _nlp()("The pro-fibrosis signal and anti-fibrosis drugs were compared.")
    assert _spans(doc) == []


def test_case_reports_are_left_to_case_terms():
    doc = _nlp()(CASE_FILLER + "Her biopsy then showed cholangiofibrosis.")
    assert "cholangiofibrosis" not in [t for t, _, _ in _spans(doc)]


def test_disorder_word_shape():
    assert disorder_word("pseudomyxomatosis") and disorder_word("angiopathy")
    assert not disorder_word("antithrombosis") and not disorder_word("prognosis") and not disorder_word("normokalemia")
    assert not disorder_word("imaging") and not disorder_word("questionnaire")
