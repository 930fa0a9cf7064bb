"""Whether a text reads as a case-report narrative (one patient's story) or as an abstract.

Case-report corpora (MACCROBAT) annotate things that abstracts' corpora (BC5CDR, NCBI, GSC+) do
not: drug classes given as exposures ("chemotherapy"), generic findings ("lesions"), phrases
learned from case reports (`kg.nlp.case_terms`). Those are added only where this gate says
"case report", and every component asks the same gate (`is_case_narrative`), decided once per
Doc, so the lexicon and the learned case terms never disagree about one document.

The signals: an age introduction ("a 45-year-old woman", "75–year–old", "aged 70", "at 6
months of age"), enough words for a narrative, and repeated references to one patient
("she", "his", "the patient"); cohort abstracts that quote "a 45-year-old" speak of patients.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc

from kg.nlp.doctext import doc_text

# Chosen on the training corpora (MACCROBAT train part, BC5CDR train; docs/quality.md "One
# case-report gate"): 200 words and one reference read 116 of 128 MACCROBAT train reports as
# case reports and 12 of 500 BC5CDR train abstracts.
MIN_WORDS = 200
MIN_PATIENT_REFS = 1

AGE_INTRO = re.compile(
    r"\b(?:\d+|[a-z]+)\s*[-–‐ ]\s*(?:year|yr|month|week|day)s?\s*[-–‐ ]\s*old\b"
    r"|\baged?\s+(?:of\s+)?\d+|\b\d+\s*(?:years?|months?|weeks?)\s+of\s+age\b",
    re.I,
)
_ONE_PATIENT = re.compile(
    r"\b(?:he|she|his|her|him|(?:the|our|this)\s+(?:patient|boy|girl|man|woman|infant|child|baby|neonate))\b", re.I)
_KEY = "casekg.case_narrative"


def case_narrative(text: str, min_words: int = MIN_WORDS, min_refs: int = MIN_PATIENT_REFS) -> bool:
    """An age introduction, >= `min_words` words and >= `min_refs` references to one patient."""
    if len(text.split()) < min_words or not AGE_INTRO.search(text):
        return False
    refs = _ONE_PATIENT.finditer(text)
    # stop at the `min_refs`-th reference: a long report need not be scanned to its end
    return sum(1 for _, _ in zip(range(min_refs), refs)) >= min_refs


def is_case_narrative(doc: Doc) -> bool:
    """`case_narrative` of the Doc's text with the shipped thresholds, decided once per Doc."""
    verdict = doc.user_data.get(_KEY)
    if verdict is None:
        # fewer tokens than words needed: no need to build the text (spaCy joins every token)
        verdict = doc.user_data[_KEY] = len(doc) >= MIN_WORDS and case_narrative(doc_text(doc), MIN_WORDS, MIN_PATIENT_REFS)
    return verdict
