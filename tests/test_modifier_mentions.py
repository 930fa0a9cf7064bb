"""A disease named as a modifier of a gene word ("the DMD gene") stays a mention, and is nobody's finding.

Sentences are written for these tests; nothing is taken from the gold corpora.
"""

import pytest

from kg.nlp.abstract_terms import MODIFIER_ROLE
from kg.nlp.pipeline import PIPELINE

_TOY = {"Disease": ["Kessler disease", "KSD"], "Manifestation": ["fatigue"]}


@pytest.fixture(scope="module")
def nlp():
    from kg.nlp.pipeline import build_nlp

    config = [(n, c) if n != "casekg_lexicon" else ("casekg_toy_lexicon", {"terms": _TOY}) for n, c in PIPELINE]
    return build_nlp(config)


def _disease_subjects(doc):
    return [doc.text[st["subject"][0]:st["subject"][1]] for st in doc._.statements if st["kind"] == "disease"]


def test_gene_modifier_keeps_its_span_but_makes_no_statement(nlp):
    doc = nlp("Sequencing of the KSD gene found a deletion. KSD mRNA was low. The boy had KSD and fatigue.")
    kd = [(s.start_char, (s._.attrs or {}).get("role")) for s in doc.spans["casekg"] if s.text == "KSD"]
    assert kd == [(18, MODIFIER_ROLE), (45, MODIFIER_ROLE), (75, None)]
    assert _disease_subjects(doc) == ["KSD"]  # only the boy's


def test_without_a_gene_word_the_disease_is_a_finding(nlp):
    doc = nlp("Kessler disease carriers were counted. Kessler disease was diagnosed in the girl.")
    # "carriers" marks the first as a modifier; the second is the girl's disease
    assert _disease_subjects(doc) == ["Kessler disease"]
    assert [st["subject"][0] for st in doc._.statements if st["kind"] == "disease"] == [39]
