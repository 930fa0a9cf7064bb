"""casekg_context, session-6 rules (issue #7): where a cue's scope ends, and the negation,
uncertainty and hypothetical cues added after reading MACCROBAT train errors. Every sentence
here is written for the test; none is corpus text."""

import pytest
import spacy

import kg.nlp.context  # noqa: F401
import kg.nlp.outcomes  # noqa: F401
from kg.nlp.extensions import SPAN_GROUP

_FINDINGS = ["fever", "arthritis", "asthma", "cough", "sarcoidosis", "seizures", "lesions", "cyst", "anaemia", "fatigue",
             "complications", "lymphoma", "melanoma", "infection", "pain", "ulcer", "tuberculosis", "amyloidosis", "myositis",
             "myocarditis", "granulomas", "neutropenia", "alopecia", "tender", "mass", "meningitis", "tumour", "malnutrition",
             "hypertension", "gout", "fistula", "hypotonia", "rash", "symptom", "lupus", "myopathy",
             "immune thrombocytopenia"]
_DRUGS = ["cidofovir", "rituximab", "prednisone", "radiotherapy", "penicillin"]


def toy_nlp(findings: list[str], drugs: list[str]):
    """Sentencizer, a toy lexicon of these words, outcome cues and casekg_context (also used by
    tests/test_context_hedges.py)."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("casekg_toy_lexicon", config={"terms": {"Manifestation": findings, "Drug": drugs}})
    nlp.add_pipe("casekg_outcomes")
    nlp.add_pipe("casekg_context")
    return nlp


@pytest.fixture(scope="module")
def nlp():
    return toy_nlp(_FINDINGS, _DRUGS)


def statuses(nlp, text):
    doc = nlp(text)
    return {s.text.lower(): s._.status for s in doc.spans[SPAN_GROUP] if s.label_ != "Outcome"}


def check(nlp, text, **expected):
    got = statuses(nlp, text)
    assert {w: got.get(w) for w in expected} == expected, (text, got)


def test_a_terminator_cuts_a_cue_with_a_max_scope(nlp):
    # medspaCy's overlap test missed a scope lying inside the terminator's (whole-sentence)
    # scope, so "was ruled out" reached back over "which" to the rash
    # (the sentence is long enough that "were ruled out" (16 tokens back) stops short of its start)
    check(nlp, "During the third week of her long stay in hospital she developed a rash which was attributed to penicillin "
               "after lupus and myositis were ruled out.", rash="present", lupus="negated", myositis="negated")


def test_did_not_reveal_keeps_its_negation(nlp):
    # only past forms of report verbs end a scope
    check(nlp, "The scan did not reveal a mass.", mass="negated")


def test_not_shown_is_no_negation(nlp):
    check(nlp, "A second case (data not shown) was treated with rituximab.", rituximab="present")


CASES = [
    # -- where a scope ends --
    # a presentation or a diagnosis asserts what follows it
    ("A 60-year-old man with no relevant medical history presented with fever and arthritis.",
     {"fever": "present", "arthritis": "present"}),
    ("She had no history of asthma, presenting to us with cough.", {"asthma": "negated", "cough": "present"}),
    ("A woman without prior illness was diagnosed with sarcoidosis.", {"sarcoidosis": "present"}),
    ("A boy with no notable history developed seizures at the age of three.", {"seizures": "present"}),
    # what an exception names was there
    ("No lesions were seen besides a small cyst.", {"lesions": "negated", "cyst": "present"}),
    ("No symptom other than fatigue was reported by the mother.", {"symptom": "negated", "fatigue": "present"}),
    ("There were no other complications.", {"complications": "negated"}),
    # a relative clause, a conclusion, a new subject after a comma, "and his ..."
    ("There was no keratin staining, which fits a lymphoma.", {"lymphoma": "present"}),
    ("There was no keratin staining, confirming a melanoma.", {"melanoma": "present"}),
    ("In the absence of infection, the patient received rituximab.", {"infection": "negated", "rituximab": "present"}),
    ("Given the lack of licensed drugs, she was treated with cidofovir.", {"cidofovir": "present"}),
    ("He went home without complications and his anaemia improved.", {"complications": "negated", "anaemia": "present"}),
    ("Serology was negative for lupus, a later biopsy revealed sarcoidosis.", {"lupus": "negated", "sarcoidosis": "present"}),
    # -- "free" --
    ("He has remained seizures free since then.", {"seizures": "negated"}),
    ("She stayed symptom-free for a year.", {"symptom": "negated"}),
    ("She has been free from pain since the operation.", {"pain": "negated"}),
    ("The scan showed a perforated ulcer and free air.", {"ulcer": "present"}),
    ("A large mass with free-floating parts was seen.", {"mass": "present"}),
    # -- negation cues --
    ("Cultures were negative for tuberculosis.", {"tuberculosis": "negated"}),
    ("Sarcoidosis, tuberculosis, a lymphoma of the mediastinum and amyloidosis were ruled out by the workup.",
     {"sarcoidosis": "negated", "tuberculosis": "negated", "lymphoma": "negated", "amyloidosis": "negated"}),
    ("An MRI of the thighs excluded myositis.", {"myositis": "negated"}),
    ("Troponin was low, thereby ruling out myocarditis.", {"myocarditis": "negated"}),
    ("Biopsy failed to reveal any granulomas.", {"granulomas": "negated"}),
    ("Radiotherapy and rituximab were not given.", {"radiotherapy": "negated", "rituximab": "negated"}),
    ("Neutropenia did not occur.", {"neutropenia": "negated"}),
    ("He did not develop alopecia.", {"alopecia": "negated"}),
    ("Prednisone was tapered and did not recur.", {"prednisone": "present"}),
    ("Fatigue was common, excluding patients with anaemia.", {"anaemia": "present"}),
    ("He has not demonstrated any myopathy since.", {"myopathy": "negated"}),
    ("She refused further radiotherapy.", {"radiotherapy": "negated"}),
    ("Rituximab was proposed but declined by the family.", {"rituximab": "negated"}),
    ("She had fever but denied cough and arthritis.", {"fever": "present", "cough": "negated", "arthritis": "negated"}),
    ("The abdomen was soft and non-tender.", {"tender": "negated"}),
    # "non-X Y": "non-" qualifies the finding, it does not negate it
    ("He had non-immune thrombocytopenia.", {"immune thrombocytopenia": "present"}),
    ("There was no evidence of non-tender lymphoma or gout.", {"lymphoma": "negated", "gout": "negated"}),
    ("Fever, cough, arthritis, fatigue, pain and alopecia were not observed during the second course.",
     {"fever": "negated", "alopecia": "negated"}),
    # -- uncertain and hypothetical cues --
    ("Myocarditis could not be excluded, so prednisone was started.", {"myocarditis": "uncertain", "prednisone": "present"}),
    ("He was admitted on suspicion of meningitis.", {"meningitis": "uncertain"}),
    ("Sarcoidosis was strongly suspected.", {"sarcoidosis": "uncertain"}),
    ("The biopsy raised the possibility of a lymphoma.", {"lymphoma": "uncertain"}),
    ("Weakness and high enzymes were found, suggesting myositis.", {"myositis": "uncertain"}),
    ("The differential diagnosis included sarcoidosis and tuberculosis.", {"sarcoidosis": "uncertain", "tuberculosis": "uncertain"}),
    ("Other ataxias belong in the differential diagnosis of myopathy.", {"myopathy": "present"}),
    ("An MRI was done to see whether a tumour was present.", {"tumour": "uncertain"}),
    ("A CT was done to look for lymphoma.", {"lymphoma": "uncertain"}),
    ("The aim was to evaluate the effect of rituximab on lupus.", {"rituximab": "present"}),
    ("A biopsy was taken to exclude lymphoma.", {"lymphoma": "uncertain"}),
    ("She was at risk of malnutrition.", {"malnutrition": "hypothetical"}),
    ("Rituximab lowers the risk of infection in patients with lupus.", {"infection": "hypothetical", "lupus": "present"}),
    ("He had several risk factors for hypertension.", {"hypertension": "hypothetical"}),
    ("She had risk factors for lymphoma, such as lupus and gout.", {"lymphoma": "hypothetical", "gout": "present"}),
    ("She was planned for rituximab after the operation.", {"rituximab": "hypothetical"}),
    # "declined" is a refusal only after a person; after a finding or a value it means "fell"
    ("The patient declined penicillin.", {"penicillin": "negated"}),
    ("She declined penicillin and was given prednisone.", {"penicillin": "negated", "prednisone": "present"}),
    ("Her anaemia declined with prednisone.", {"prednisone": "present"}),
    ("Creatine kinase declined after rituximab was started.", {"rituximab": "present"}),
    ("A decline in weight followed cidofovir.", {"cidofovir": "present"}),
    # counterfactuals
    ("Without treatment, the rash would worsen.", {"rash": "hypothetical"}),
    ("If left untreated, myositis can be fatal.", {"myositis": "hypothetical"}),
    ("Untreated, the arthritis could progress.", {"arthritis": "hypothetical"}),
    ("She recovered without treatment and had no fever.", {"fever": "negated"}),
    # -- no hedge, no family cue --
    # a comparison is no hedge; "likely" alone still is
    ("Men are more likely than women to have gout.", {"gout": "present"}),
    ("Lymphoma is less likely than sarcoidosis here.", {"lymphoma": "present", "sarcoidosis": "present"}),
    ("The picture was of likely sarcoidosis.", {"sarcoidosis": "uncertain"}),
    ("The catheter was advanced as close as possible to the fistula.", {"fistula": "present"}),
    # in case reports the patient is often a child; a relative's child is still family
    ("The child presented with hypotonia.", {"hypotonia": "present"}),
    ("Her children had asthma.", {"asthma": "hypothetical"}),
    ("Her family doctor had treated her hypertension.", {"hypertension": "present"}),
    ("There was a family history of gout.", {"gout": "hypothetical"}),
    # -- the session-6 scope ends leave a relative's cue alone --
    ("Her mother was diagnosed with lupus at forty.", {"lupus": "hypothetical"}),
    ("His brother, who lives abroad, showed the same rash.", {"rash": "hypothetical"}),
    ("After the birth of her child, the patient developed a rash.", {"rash": "present"}),
    # ... but they do end the patient's own cues
    ("There was no fever, which was unexpected, and she had gout.", {"fever": "negated", "gout": "present"}),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_status(nlp, text, expected):
    check(nlp, text, **expected)
