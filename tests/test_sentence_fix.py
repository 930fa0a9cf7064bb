"""kg.nlp.pipeline.sentence_fix: line-break starts and dosing abbreviations (sentences written here)."""

import pytest
import spacy

from kg.nlp.pipeline import sentence_fix


@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("casekg_sentence_fix")
    return nlp


@pytest.mark.parametrize("text, sentences", [
    # a paragraph that lost its final period, then a capital or a digit after the break
    ("Fever settled within 5 weeks\n\nPatient 2 had a rash", ["Fever settled within 5 weeks\n\n", "Patient 2 had a rash"]),
    ("Doses given\n3 courses followed", ["Doses given\n", "3 courses followed"]),
    # a single break before lower case continues the sentence; a double break always splits
    ("The rash spread to the\narms and legs.", ["The rash spread to the\narms and legs."]),
    ("Results\n\nwere normal", ["Results\n\n", "were normal"]),
    # dosing abbreviations are not sentence ends before lower case or digits ...
    ("She got 1 g i.v. daily for 3 days. It helped.", ["She got 1 g i.v. daily for 3 days.", "It helped."]),
    ("Take 5 mg p.o. 2 times a day.", ["Take 5 mg p.o. 2 times a day."]),
    # ... but are before a capital
    ("He was given IVIG i.v. The rash faded.", ["He was given IVIG i.v.", "The rash faded."]),
    ("", []),
    ("Word", ["Word"]),
])
def test_sentence_boundaries(nlp, text, sentences):
    assert [s.text for s in nlp(text).sents] == sentences


def test_a_doc_without_line_breaks_or_abbreviations_keeps_the_sentencizer_boundaries(nlp):
    text = "Creatine kinase was raised. Methotrexate was started! Did it help? It did."
    plain = spacy.blank("en")
    plain.add_pipe("sentencizer")
    assert [s.text for s in nlp(text).sents] == [s.text for s in plain(text).sents]
    assert sentence_fix(plain(text)) is not None
