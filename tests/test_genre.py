"""One case-report gate (kg.nlp.genre), asked by the lexicon and the learned case terms alike."""

import spacy

from kg.nlp import genre
from kg.nlp.pipeline import build_nlp

STORY = " His fever was examined again and the rash was checked." * 30


def test_age_introductions_in_their_written_forms() -> None:
    for intro in ("A 70-year-old man", "A 36-yr-old farmer", "A 75–year–old man", "A 33 - year old man",
                  "A man aged 70", "A girl, age 7,", "A boy at 6 months of age", "A five-year-old boy"):
        assert genre.case_narrative(intro + " was seen." + STORY), intro
    assert not genre.case_narrative("A man was seen." + STORY)


def test_needs_a_narrative_length_and_one_patient() -> None:
    assert not genre.case_narrative("A 70-year-old man was seen. His fever went. He left.")  # too short
    cohort = "We followed 30 patients; the oldest was a 70-year-old. " + "Patients were examined again. " * 60
    assert not genre.case_narrative(cohort)
    assert genre.case_narrative(cohort, min_refs=0)
    assert genre.case_narrative("A 70-year-old man was seen." + STORY)


def test_decided_once_per_doc() -> None:
    nlp = spacy.blank("en")
    doc = nlp("A 70-year-old man was seen." + STORY)
    assert genre.is_case_narrative(doc)
    # the verdict is kept on the Doc: components asking later get the same answer cheaply
    doc.user_data["casekg.case_narrative"] = False
    assert not genre.is_case_narrative(doc)
    assert not genre.is_case_narrative(nlp("A 70-year-old man was seen."))


def test_lexicon_and_case_terms_follow_the_same_gate() -> None:
    """A generic finding word ("lesions", lexicon) and a learned case-report phrase (the shipped
    case-terms table: "afebrile") appear together in a case report and together vanish from the
    same text without its age introduction."""
    nlp = build_nlp()
    body = " MRI showed two lesions. He remained afebrile." + STORY
    case_report, no_age = nlp("A 52-year-old man presented with fever." + body), nlp("A man presented with fever." + body)
    with_age = {s.text for s in case_report.spans["casekg"]}
    without = {s.text for s in no_age.spans["casekg"]}
    assert {"lesions", "afebrile"} <= with_age
    assert not {"lesions", "afebrile"} & without
