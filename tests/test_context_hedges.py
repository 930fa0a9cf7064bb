"""casekg_context: hedges and scope ends added in session 7 (issue #7): uncertainty cues without a fixed hedge word, a cue
that opens the finding's own span, the end of a fronted clause, and a few negation cues. Rules were
read off MACCROBAT train errors; every sentence here is written for the test, none is corpus text."""

import pytest
from test_context_scope import check, statuses, toy_nlp

_FINDINGS = ["fever", "rash", "cough", "asthma", "lupus", "tuberculosis", "sarcoidosis", "lymphoma", "melanoma", "cyst",
             "meningitis", "infection", "myocarditis", "fistula", "seizures", "arthritis", "mass", "tumour",
             # spans that took a cue's last word in, as lexicon and case-term spans sometimes do
             "significant atypia", "probable myositis"]
_DRUGS = ["prednisone", "rituximab", "cidofovir", "penicillin"]


@pytest.fixture(scope="module")
def nlp():
    return toy_nlp(_FINDINGS, _DRUGS)


CASES = [
    # -- a working diagnosis put in words --
    ("He was suspected to have tuberculosis and was isolated.", {"tuberculosis": "uncertain"}),
    # the hedge covers the phrase right after it, not the rest of the sentence
    ("The nodule was believed to be a melanoma arising in a longstanding cyst.", {"melanoma": "uncertain", "cyst": "present"}),
    ("She was referred under the suggestion of lupus.", {"lupus": "uncertain"}),
    ("Because of concern for meningitis, a lumbar puncture was done.", {"meningitis": "uncertain"}),
    ("The lesion was considered as an infection and drained under penicillin.", {"infection": "uncertain", "penicillin": "present"}),
    ("She had been treated as asthma for two years.", {"asthma": "uncertain"}),
    ("The initial diagnosis was myocarditis.", {"myocarditis": "uncertain"}),
    ("A presumptive diagnosis of tuberculosis was made.", {"tuberculosis": "uncertain"}),
    ("Under the diagnosis of lymphoma, melanoma or sarcoidosis, we resected the mass.",
     {"lymphoma": "uncertain", "melanoma": "uncertain", "sarcoidosis": "uncertain", "mass": "present"}),
    ("Under the diagnosis of lymphoma, a melanoma metastasis (rare), sarcoidosis, or tuberculosis, we resected the mass.",
     {"lymphoma": "uncertain", "tuberculosis": "uncertain", "mass": "present"}),
    # speculation, kept short
    ("In retrospect the cyst must have been an infection.", {"infection": "uncertain", "cyst": "present"}),
    ("It was a coma which we believed was caused by meningitis.", {"meningitis": "uncertain"}),
    ("We suspected a drug-induced rash and rituximab and prednisone were stopped.",
     {"rash": "uncertain", "prednisone": "present"}),
    # "diagnosed as" asserts the diagnosis
    ("Two years later she was diagnosed as having lupus.", {"lupus": "present"}),
    # what is impending has not happened (and the cue is short)
    ("Surgery was done for an impending fistula although she had fever.", {"fistula": "hypothetical", "fever": "present"}),
    # what a drug is given to avert has not happened; the drug was given
    ("Penicillin was given as prophylaxis against meningitis.", {"meningitis": "hypothetical", "penicillin": "present"}),
    ("Cidofovir was started for the primary prevention of myocarditis although she had fever.",
     {"myocarditis": "hypothetical", "cidofovir": "present", "fever": "present"}),
    # a patient's concern is a complaint; a clinician's is a hedge
    ("The patient was concerned about recurrent seizures.", {"seizures": "present"}),
    ("The team was concerned about meningitis.", {"meningitis": "uncertain"}),
    # -- a cue that opens the span itself --
    ("There was no significant atypia in the biopsy.", {"significant atypia": "negated"}),
    ("She received prednisone for probable myositis.", {"probable myositis": "uncertain", "prednisone": "present"}),
    # -- negation --
    ("Both margins were lymphoma-negative.", {"lymphoma": "negated"}),
    ("She had a rash and a culture-negative arthritis.", {"rash": "present", "arthritis": "present"}),
    ("Rituximab was offered but refused by her husband.", {"rituximab": "negated"}),
    ("Cidofovir was recommended but denied by the insurer.", {"cidofovir": "negated"}),
    ("Investigations led to the exclusion of tuberculosis.", {"tuberculosis": "negated"}),
    ("All findings improved, with the exclusion of the cough.", {"cough": "present"}),
    # a participle of a report verb opens a new finding, and so does "and the patient"
    ("The biopsy was taken without complications, revealing a lymphoma.", {"lymphoma": "present"}),
    ("No relapse was seen on CT and the patient has had fever since.", {"fever": "present"}),
    ("No fever and the rash were noted.", {"fever": "negated", "rash": "negated"}),
    # -- history --
    # how long the presenting complaint has lasted is no past history
    ("She presented with a two-week history of fever and rash.", {"fever": "present", "rash": "present"}),
    ("A 3-month history of cough led to a CT.", {"cough": "present"}),
    ("He had a history of asthma and tuberculosis.", {"asthma": "historical", "tuberculosis": "historical"}),
    # a citation is not the patient's past
    ("As previously described, the tumour cells formed nests.", {"tumour": "present"}),
    ("The lymphoma had previously been treated with rituximab.", {"rituximab": "historical"}),
    # -- a fronted clause ends at the last comma before the main verb --
    ("After exclusion of tuberculosis, sarcoidosis and lymphoma, prednisone was started.",
     {"tuberculosis": "negated", "sarcoidosis": "negated", "lymphoma": "negated", "prednisone": "present"}),
    ("After exclusion of tuberculosis, prednisone was given.", {"tuberculosis": "negated", "prednisone": "present"}),
    ("Without evidence of infection, the fever was attributed to lupus.",
     {"infection": "negated", "fever": "present", "lupus": "present"}),
    # ... also for a cue in the main clause looking back
    ("After treatment with penicillin, fever and rash were not observed.",
     {"penicillin": "present", "fever": "negated", "rash": "negated"}),
    # ... while a list in the main clause keeps its cue
    ("On examination, fever, rash and cough were not observed.", {"fever": "negated", "rash": "negated", "cough": "negated"}),
    ("On examination, no fever, rash or cough was found.", {"fever": "negated", "rash": "negated", "cough": "negated"}),
    # ... and a sentence without a fronted clause is as before
    ("No fever, rash or cough was found during the stay.", {"fever": "negated", "rash": "negated", "cough": "negated"}),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_status(nlp, text, expected):
    check(nlp, text, **expected)


def test_a_span_that_names_an_absence_keeps_its_status():
    # "lack of" opens the span itself: the span is the finding "absent bowel sounds"
    nlp = toy_nlp(["lack of bowel sounds", "suspected sepsis"], [])
    got = statuses(nlp, "Examination showed lack of bowel sounds. Cultures were sent for suspected sepsis.")
    assert got == {"lack of bowel sounds": "present", "suspected sepsis": "uncertain"}


def test_a_finding_that_is_the_outcome_cues_own_word_keeps_its_negation():
    # session 8: "no recurrence of X" says X was there before (the "no" belongs to the outcome cue),
    # but a "recurrence" span inside that cue is what did not happen
    nlp = toy_nlp(["recurrence", "relapse", "fever", "rash"], [])
    assert statuses(nlp, "There was no recurrence of fever at one year.") == {"recurrence": "negated", "fever": "present"}
    assert statuses(nlp, "No relapse or rash occurred during the follow-up.") == {"relapse": "negated", "rash": "present"}
    assert statuses(nlp, "The recurrence of fever was treated.") == {"recurrence": "present", "fever": "present"}
