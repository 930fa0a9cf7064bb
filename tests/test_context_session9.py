"""casekg_context, session 9 (issue #7): the uncertain/hypothetical cues grouped by shape (a
diagnosis weighed after it, the differential, a question, a plan, a supposed origin, a
misspelt "rule out"), a denial that a hedge inside it does not soften, a reason that ends a
negation, and a fronted exception. Every sentence is written for the test, none is corpus text;
each rule has a sentence it must change and one it must leave alone."""

import pytest
from test_context_scope import check, toy_nlp

_FINDINGS = ["fever", "rash", "cough", "asthma", "lupus", "tuberculosis", "sarcoidosis", "lymphoma", "gout",
             "meningitis", "infection", "myocarditis", "seizures", "arthritis", "mass", "abscess", "cirrhosis",
             "thrombosis", "anaemia", "bezoar", "diverticulum", "diabetes", "hepatitis"]
_DRUGS = ["prednisone", "rituximab", "methotrexate", "heparin", "penicillin", "colchicine"]


@pytest.fixture(scope="module")
def nlp():
    return toy_nlp(_FINDINGS, _DRUGS)


CASES = [
    # -- a misspelt "rule out" --
    ("An ultrasound was done to role out an abscess.", {"abscess": "uncertain"}),
    ("Cultures were taken to rule out meningitis.", {"meningitis": "uncertain"}),
    # -- a diagnosis weighed, put after it --
    ("Gout was considered, and colchicine was given.", {"gout": "uncertain", "colchicine": "present"}),
    ("Lupus and sarcoidosis were considered in the differential.", {"lupus": "uncertain", "sarcoidosis": "uncertain"}),
    ("Hepatitis remained a possibility until the serology returned.", {"hepatitis": "uncertain"}),
    # ... but a judgement about a drug or a cause is asserted
    ("Penicillin was considered effective against the infection.", {"penicillin": "present", "infection": "present"}),
    ("The cough was considered to be caused by asthma.", {"cough": "present", "asthma": "present"}),
    # -- a plan --
    ("Rituximab will be given if the anaemia recurs.", {"rituximab": "hypothetical", "anaemia": "hypothetical"}),
    ("She will receive methotrexate for the arthritis.", {"methotrexate": "hypothetical"}),
    ("Heparin was to be started after the biopsy.", {"heparin": "hypothetical"}),
    # ... and a drug already given and kept is not one
    ("Prednisone will be continued for the arthritis.", {"prednisone": "present", "arthritis": "present"}),
    ("Heparin was started for the thrombosis.", {"heparin": "present", "thrombosis": "present"}),
    # -- an origin supposed: the subject is hedged, the place is not --
    ("A bezoar was presumed to have formed in a diverticulum.", {"bezoar": "uncertain", "diverticulum": "present"}),
    # -- a denial is not softened by a hedge inside it --
    ("He never noticed symptoms suggestive of diabetes or cirrhosis.", {"diabetes": "negated", "cirrhosis": "negated"}),
    ("He had symptoms suggestive of diabetes.", {"diabetes": "uncertain"}),
    # -- a reason for what was not done was there --
    ("Surgery was not considered due to anaemia and thrombosis.", {"anaemia": "present", "thrombosis": "present"}),
    ("There was no fever or rash during the stay.", {"fever": "negated", "rash": "negated"}),
    # ... while a hedge on a cause keeps it
    ("The rash was presumed to be due to infection.", {"infection": "uncertain"}),
    # -- "be excluded" reaches back over a list of causes, not over a study's exclusion criteria --
    ("Causes such as lupus, sarcoidosis, tuberculosis, infection or lymphoma also had to be excluded.",
     {"lupus": "negated", "sarcoidosis": "negated", "lymphoma": "negated"}),
    ("Patients with cirrhosis, anaemia or hepatitis were excluded from the trial.",
     {"cirrhosis": "present", "anaemia": "present", "hepatitis": "present"}),
    # -- a fronted exception: the main clause's cue does not reach back into it --
    ("Aside from anaemia and a cough, the examination was unremarkable.", {"anaemia": "present", "cough": "present"}),
    ("Apart from a rash, fever and arthritis were absent.", {"rash": "present", "fever": "negated", "arthritis": "negated"}),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_status(nlp, text, expected):
    check(nlp, text, **expected)
