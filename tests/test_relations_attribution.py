"""Relations (issue #7, session 8): which drug an outcome goes to, and outcomes that no drug brought about.

Sentences written for these rules (none from a gold corpus); the toy lexicon of test_relations
keeps them apart from the lexicon's coverage.
"""

import pytest
from test_relations import nlp, of_kind, statements  # noqa: F401 - nlp is a fixture

_P = "A 30-year-old man had myositis. "


def _outcomes(sts):
    return sorted((s[1], s[2], s[3]) for s in of_kind(sts, "outcome"))


@pytest.mark.parametrize("text, credited", [
    # the subject of the outcome verb, not the drug inside its object
    ("Rituximab markedly decreased the incidence of methotrexate-induced hepatitis in mice.", ["rituximab"]),
    ("Pretreatment with tacrolimus attenuated the methotrexate-induced nausea in rats.", ["tacrolimus"]),
    # a bracketed dose between the drug and its verb, and between the drug and "-induced"
    ("Tacrolimus (2 mg/kg) and rituximab (5 mg/kg) significantly reduced the frequency of "
     "methotrexate (10 mg/kg)-induced hepatitis.", ["rituximab", "tacrolimus"]),
    # the agent of a passive
    ("The methotrexate-induced nausea was attenuated by tacrolimus, whereas infliximab had no effect.", ["tacrolimus"]),
    # a comma before the subject ends a fronted phrase, it joins no list
    ("After methotrexate (10 mg/kg), tacrolimus reduced the tremor in all animals.", ["tacrolimus"]),
    # a list of subjects
    ("Tacrolimus, rituximab and prednisone reduced the tremor in all animals.", ["prednisone", "rituximab", "tacrolimus"]),
])
def test_the_drug_the_verb_governs_gets_the_outcome(nlp, text, credited):
    sts = statements(nlp, text)
    assert sorted({s[1] for s in of_kind(sts, "outcome")}) == credited


def test_a_drug_that_caused_the_finding_is_not_credited_with_its_improvement(nlp):
    sts = statements(nlp, _P + "His methotrexate-induced hepatitis improved with prednisone.")
    assert _outcomes(sts) == [("prednisone", "hepatitis", "improved")]
    assert [(s[1], s[2]) for s in of_kind(sts, "adverse_event")] == [("methotrexate", "hepatitis")]


def test_without_an_agent_every_drug_given_in_the_sentence_is_credited(nlp):
    sts = statements(nlp, _P + "Tacrolimus and prednisone were given and the rash improved.")
    assert _outcomes(sts) == [("prednisone", "rash", "improved"), ("tacrolimus", "rash", "improved")]


def test_a_drug_given_after_the_outcome_did_not_bring_it_about(nlp):
    sts = statements(nlp, _P + "Tacrolimus was started and continued for a month after cessation of the fever.")
    assert _outcomes(sts) == []
    assert [(s[1], s[3]) for s in of_kind(sts, "finding_outcome")] == [("fever", "resolved")]
    assert of_kind(sts, "discontinuation") == []  # "cessation of the fever" stops no drug


@pytest.mark.parametrize("text, finding, value", [
    ("After surgical resection, the calcinosis completely resolved.", "calcinosis", "resolved"),
    ("The fever resolved after drainage of the abscess.", "fever", "resolved"),
    ("The calcinosis was removed with a curette.", "calcinosis", "resolved"),
    ("Imaging showed complete removal of the calcinosis.", "calcinosis", "resolved"),
])
def test_a_procedure_credits_no_drug(nlp, text, finding, value):
    # prednisone was started just before: without the procedure it would take the outcome
    sts = statements(nlp, _P + "Prednisone 40 mg daily was started. " + text)
    assert _outcomes(sts) == []
    assert [(s[1], s[3]) for s in of_kind(sts, "finding_outcome")] == [(finding, value)]


def test_without_a_procedure_the_drug_just_started_is_credited(nlp):
    sts = statements(nlp, _P + "Prednisone 40 mg daily was started. The calcinosis completely resolved.")
    assert _outcomes(sts) == [("prednisone", "calcinosis", "resolved")]


@pytest.mark.parametrize("text, finding", [
    ("He no longer reports any tremor.", "tremor"),
    ("The rash was no longer visible at week 6.", "rash"),
    ("Two days later the nausea had ceased.", "nausea"),
    ("There was no recurrence of dermatomyositis or fever during follow-up.", "dermatomyositis"),
])
def test_finding_gone_without_a_drug(nlp, text, finding):
    sts = statements(nlp, _P + text)
    assert finding in [s[1] for s in of_kind(sts, "finding_outcome")]
    assert _outcomes(sts) == []


def test_a_finding_that_ceased_after_a_drug_credits_the_drug_and_stops_nothing(nlp):
    sts = statements(nlp, _P + "He was given tacrolimus, and the tremor ceased.")
    assert _outcomes(sts) == [("tacrolimus", "tremor", "resolved")]
    assert of_kind(sts, "discontinuation") == []


@pytest.mark.parametrize("text", [
    "The tremor was mild. He no longer required prednisone at week 6.",  # a treatment no longer needed
    "The catheter was removed and the fever was treated with prednisone.",  # removed: no finding its subject
    "The tremor was treated, and prednisone was stopped.",  # a drug stopped is no finding that ceased
])
def test_no_outcome_where_nothing_went_away(nlp, text):
    sts = statements(nlp, _P + text)
    assert of_kind(sts, "finding_outcome") == []
    assert of_kind(sts, "outcome") == []


def test_a_stop_noun_after_another_noun_names_that_thing(nlp):
    sts = statements(nlp, _P + "Prednisone and tacrolimus were started, which allowed ventilator withdrawal.")
    assert of_kind(sts, "discontinuation") == []
    sts = statements(nlp, _P + "Prednisone and tacrolimus were started; tacrolimus withdrawal followed in May.")
    assert [s[1] for s in of_kind(sts, "discontinuation")] == ["tacrolimus"]


def test_a_finding_that_ceased_takes_no_drug_from_an_earlier_sentence(nlp):
    sts = statements(nlp, _P + "Prednisone 40 mg daily was started. Two days later the nausea had ceased.")
    assert _outcomes(sts) == []
    assert [(s[1], s[3]) for s in of_kind(sts, "finding_outcome")] == [("nausea", "resolved")]
    sts = statements(nlp, _P + "Prednisone 40 mg daily was started. Two days later the nausea had resolved.")
    assert _outcomes(sts) == [("prednisone", "nausea", "resolved")]


@pytest.mark.parametrize("text, stopped", [
    ("The INR fell after withholding tacrolimus for two days.", ["tacrolimus"]),
    ("She was transitioned from tacrolimus to mycophenolate in June.", ["tacrolimus"]),
    # an active verb's object, not the drug named earlier in its clause
    ("His myositis was controlled on prednisone until he self-discontinued his tacrolimus in May.", ["tacrolimus"]),
    # "X with Y" after the verb: Y says what X was
    ("The team recommended stopping further IVIG with rituximab.", ["ivig", "rituximab"]),
    # the passive still takes the drug before the verb
    ("Tacrolimus was given for a month, and prednisone was stopped in May.", ["prednisone"]),
])
def test_stop_phrasings(nlp, text, stopped):
    sts = statements(nlp, _P + text)
    assert sorted(s[1] for s in of_kind(sts, "discontinuation")) == stopped


def test_fully_improved_is_resolved(nlp):
    sts = statements(nlp, _P + "Prednisone 40 mg daily was started. His arthritis fully improved.")
    assert _outcomes(sts) == [("prednisone", "arthritis", "resolved")]


def test_a_reason_cue_before_the_stop_introduces_the_stop_not_its_reason(nlp):
    sts = statements(nlp, _P + "The tremor eased, possibly due to withholding tacrolimus.")
    assert [(s[1], s[2], s[3]) for s in of_kind(sts, "discontinuation")] == [("tacrolimus", None, None)]
    sts = statements(nlp, _P + "Because of nausea, tacrolimus was stopped.")
    assert [(s[1], s[2], s[3]) for s in of_kind(sts, "discontinuation")] == [("tacrolimus", "nausea", "nausea")]


@pytest.mark.parametrize("text, credited", [
    # what the finding resisted, not the drug started because of it
    ("The rash was refractory to methotrexate, so tacrolimus was started.", [("methotrexate", "rash")]),
    ("The hepatitis was resistant to prednisone and rituximab; tacrolimus was then added.",
     [("prednisone", "hepatitis"), ("rituximab", "hepatitis")]),
    ("His tremor persisted despite tacrolimus, rituximab and prednisone.",
     [("prednisone", "tremor"), ("rituximab", "tremor"), ("tacrolimus", "tremor")]),
    # the resisted phrase names no drug of ours: the drug given next is not a failure
    ("His myositis, refractory to conventional therapy, was treated with tacrolimus.", []),
    ("The fever was unresponsive to antipyretics, but rituximab was started.", []),
])
def test_a_refractory_finding_credits_the_drug_it_resisted(nlp, text, credited):
    sts = statements(nlp, _P + text)
    got = sorted((s[1], s[2]) for s in of_kind(sts, "outcome") if s[3] == "unchanged")
    assert got == credited, sts


def test_an_unchanged_finding_without_to_or_despite_still_finds_its_drug(nlp):
    # no phrase saying what was resisted: the drug given in the sentence, as before
    sts = statements(nlp, _P + "Tacrolimus was given but the tremor remained unchanged.")
    assert _outcomes(sts) == [("tacrolimus", "tremor", "unchanged")]


@pytest.mark.parametrize("text, credited", [
    # a list of what was resisted, opened by "including" / "notably", runs past its commas
    ("The rash had been resistant to several drugs including prednisone, tacrolimus and rituximab.",
     [("prednisone", "rash"), ("rituximab", "rash"), ("tacrolimus", "rash")]),
    ("The tremor was refractory to other drugs, notably tacrolimus.", [("tacrolimus", "tremor")]),
    # resistant to a drug's effect: the drug caused the finding, it did not fail to treat it
    ("Treated mice were resistant to methotrexate-induced hepatitis.", []),
])
def test_what_was_resisted_is_read_as_a_phrase(nlp, text, credited):
    sts = statements(nlp, _P + text)
    assert sorted((s[1], s[2]) for s in of_kind(sts, "outcome") if s[3] == "unchanged") == credited, sts


@pytest.mark.parametrize("text, credited", [
    # session 9: the drug the worsening called for came after it ("required oxygen")
    (_P + "His fever worsened such that he required 40 mg of prednisone daily, and the rash progressed.", []),
    (_P + "The rash persisted, necessitating tacrolimus.", []),
    # ... while a drug the finding worsened under keeps the outcome
    (_P + "The rash worsened on tacrolimus and needed prednisone.", ["tacrolimus"]),
    (_P + "Despite prednisone, the rash worsened.", ["prednisone"]),
])
def test_a_drug_the_worsening_called_for_is_not_credited(nlp, text, credited):
    sts = statements(nlp, text)
    assert sorted({s[1] for s in of_kind(sts, "outcome")}) == credited


def test_relieved_and_absorbed_findings_went_away(nlp):
    sts = statements(nlp, _P + "The fever was relieved and the rash was absorbed within a week.")
    assert sorted((s[1], s[3]) for s in of_kind(sts, "finding_outcome")) == [("fever", "resolved"), ("rash", "resolved")]
