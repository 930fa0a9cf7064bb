"""casekg_antibodies: a grammar over antibody phrasings, normalisation and polarity."""

import pytest
import spacy

import kg.nlp.antibodies  # noqa: F401  (registers the factory)
from kg.nlp.antibodies import canonical
from kg.nlp.extensions import SPAN_GROUP


@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("casekg_antibodies")
    return nlp


def found(nlp, text):
    doc = nlp(text)
    return [(s.text, s.kb_id_, s._.attrs["polarity"]) for s in doc.spans[SPAN_GROUP] if s.label_ == "Antibody"]


@pytest.mark.parametrize(
    "surface, expected",
    [
        ("TIF1γ", "anti-TIF1-gamma"), ("TIF1-gamma", "anti-TIF1-gamma"), ("Jo1", "anti-Jo-1"), ("Mi-2", "anti-Mi-2"),
        ("PL12", "anti-PL-12"), ("SSA/Ro", "anti-Ro52/SSA"), ("La", "anti-La/SSB"), ("ds-DNA", "anti-dsDNA"),
        ("U1-RNP", "anti-RNP"), ("Scl70", "anti-Scl-70"), ("aquaporin-4", "anti-AQP4"), ("NMDA receptor", "anti-NMDAR"),
        ("XYZ9", "anti-XYZ9"),  # unseen antigens keep their written form
    ],
)
def test_canonical(surface, expected):
    assert canonical(surface) == expected


def test_anti_x_antibody_positive_disease(nlp):
    assert found(nlp, "She had anti-TIF1-gamma antibody-positive dermatomyositis.") == [
        ("anti-TIF1-gamma antibody", "CASEKG:anti-TIF1-gamma", "positive")]


def test_negative_for_coordinated_list(nlp):
    got = found(nlp, "Serology was negative for anti-Mi-2, anti-SRP and anti-HMGCR antibodies.")
    assert [g[1] for g in got] == ["CASEKG:anti-Mi-2", "CASEKG:anti-SRP", "CASEKG:anti-HMGCR"]
    assert {g[2] for g in got} == {"negative"}


def test_x_antibodies_and_antibodies_against_x(nlp):
    got = found(nlp, "SAE antibodies were detected. Antibodies against PL-7 and EJ were found.")
    assert [g[1] for g in got] == ["CASEKG:anti-SAE", "CASEKG:anti-PL-7", "CASEKG:anti-EJ"]
    assert {g[2] for g in got} == {"positive"}


def test_polarity_after_the_list(nlp):
    got = dict((g[1], g[2]) for g in found(nlp, "ANA and anti-dsDNA were negative, whereas anti-Sm was positive."))
    assert got == {"CASEKG:ANA": "negative", "CASEKG:anti-dsDNA": "negative", "CASEKG:anti-Sm": "positive"}


def test_bare_serology_and_long_forms(nlp):
    got = [g[1] for g in found(nlp, "Rheumatoid factor and p-ANCA were positive; antinuclear antibodies were absent.")]
    assert got == ["CASEKG:RF", "CASEKG:p-ANCA", "CASEKG:ANA"]
    assert found(nlp, "Antinuclear antibodies were absent.")[0][2] == "negative"


def test_drug_classes_are_not_antibodies(nlp):
    assert found(nlp, "She received anti-TNF therapy, anti-inflammatory drugs and anti-CD20 treatment.") == []


def test_rf_needs_serology_context(nlp):
    assert found(nlp, "RF ablation was performed.") == []
    assert found(nlp, "RF was 45 IU/ml, positive.")[0][1] == "CASEKG:RF"


def test_run_together_form(nlp):
    assert found(nlp, "Her antiMDA5 titre was high.")[0][1] == "CASEKG:anti-MDA5"


@pytest.mark.parametrize(
    "text",
    [
        "Anti-neutrophil cytoplasmic antibodies and anti - nuclear antibodies were negative.",
        "Serology: ANA 1:320, c-ANCA negative, p-ANCA positive, RF 45 IU/ml, AQP4-IgG and MOG - IgG negative.",
        "Antibodies directed against Jo-1, PL-7 and\n\nEJ were found; antinuclear antibody was absent.",
        "No antibody. Lupus anticoagulant and rheumatoid factor were detected. anti-TIF1-gamma",
        "The woman had no rash. Her kidneys were normal and she walked home.",
        "antibodies",
        "",
    ],
)
def test_windowed_matching_finds_what_the_whole_document_matcher_finds(nlp, text):
    # the recogniser only runs its Matcher around anchor words; it must not lose or reorder a match
    rec = nlp.get_pipe("casekg_antibodies")
    doc = nlp.make_doc(text)
    for _, proc in nlp.pipeline[:1]:
        doc = proc(doc)
    assert rec._matches(doc) == rec.matcher(doc)
