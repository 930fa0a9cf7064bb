"""casekg_relations: per-patient statements from sentence rules, on sentences of our own."""

import pytest

from kg.nlp.pipeline import PIPELINE

# Hand-made lexicon: the relation rules are tested apart from the lexicon's coverage.
_TOY = {
    "Drug": ["IVIG", "rituximab", "cyclosporine", "mycophenolate", "azathioprine", "tacrolimus", "tofacitinib",
             "methotrexate", "prednisone", "abatacept", "infliximab"],
    "Manifestation": ["heliotrope rash", "neutropenia", "fever", "nephrotoxicity", "hepatitis", "tremor", "nausea",
                      "myositis", "calcinosis", "rash", "uveitis", "dysphagia", "weakness", "arthritis"],
    "Disease": ["dermatomyositis"],
}


@pytest.fixture(scope="module")
def nlp():
    from kg.nlp.pipeline import build_nlp

    config = [(n, c) if n != "casekg_lexicon" else ("casekg_toy_lexicon", {"terms": _TOY}) for n, c in PIPELINE]
    return build_nlp(config)


def statements(nlp, text):
    doc = nlp(text)
    out = []
    for st in doc._.statements:
        subj = doc.text[st["subject"][0]:st["subject"][1]].lower()
        tgt = doc.text[st["target"][0]:st["target"][1]].lower() if st["target"] else None
        out.append((st["kind"], st["patient"], subj, tgt, st["value"], st["status"]))
    return out


def of_kind(sts, kind):
    return [s[1:] for s in sts if s[0] == kind]


def test_series_sentence_with_antibody_dose_and_outcome(nlp):
    doc = nlp("Patient 2, a 63-year-old man with anti-TIF1-gamma antibody-positive dermatomyositis, "
              "received IVIG 2 g/kg monthly; his heliotrope rash resolved.")
    sts = statements(nlp, doc.text)
    assert ("P1", "anti-tif1-gamma antibody", None, "positive", "present") in of_kind(sts, "antibody")
    assert ("P1", "dermatomyositis", None, None, "present") in of_kind(sts, "disease")
    assert ("P1", "ivig", "heliotrope rash", "resolved", "present") in of_kind(sts, "outcome")
    exposure = [st for st in doc._.statements if st["kind"] == "exposure"][0]
    assert exposure["attrs"] == {"dose": "2", "unit": "g/kg", "frequency": "monthly", "route": "intravenous"}
    assert doc._.patients[0]["age"] == 63.0 and doc._.patients[0]["sex"] == "male"


def test_discontinuation_gives_adverse_event(nlp):
    sts = statements(nlp, "A 40-year-old woman had myositis. Rituximab was discontinued because of neutropenia.")
    assert ("P1", "rituximab", "neutropenia", "neutropenia", "present") in of_kind(sts, "discontinuation")
    assert ("P1", "rituximab", "neutropenia", None, "present") in of_kind(sts, "adverse_event")


def test_coordinated_drugs_are_each_stopped(nlp):
    sts = statements(nlp, "A 52-year-old man was treated. Cyclosporine and mycophenolate were stopped due to nephrotoxicity.")
    assert {s[1] for s in of_kind(sts, "adverse_event")} == {"cyclosporine", "mycophenolate"}
    assert {s[1] for s in of_kind(sts, "discontinuation")} == {"cyclosporine", "mycophenolate"}


def test_reason_first_and_worsening_is_not_an_adverse_event(nlp):
    sts = statements(nlp, "A 30-year-old woman was seen. Because of nausea, tofacitinib was stopped. "
                          "Abatacept was stopped because of worsening arthritis.")
    assert ("P1", "tofacitinib", "nausea", None, "present") in of_kind(sts, "adverse_event")
    assert [s for s in of_kind(sts, "adverse_event") if s[1] == "abatacept"] == []
    assert [s for s in of_kind(sts, "discontinuation") if s[1] == "abatacept"]


def test_negated_finding_is_kept_negated(nlp):
    sts = statements(nlp, "A 25-year-old man had weakness. No fever was reported.")
    assert ("P1", "fever", None, None, "negated") in of_kind(sts, "phenotype")
    assert ("P1", "fever", None, None, "present") not in of_kind(sts, "phenotype")


@pytest.mark.parametrize(
    "sentence, drug, event",
    [
        ("She developed hepatitis after starting azathioprine.", "azathioprine", "hepatitis"),
        ("Tacrolimus-induced tremor was noted.", "tacrolimus", "tremor"),
        ("Apart from mild nausea, tofacitinib was well tolerated.", "tofacitinib", "nausea"),
        ("Uveitis induced by infliximab was diagnosed.", "infliximab", "uveitis"),
        ("Side effects of methotrexate included nausea.", "methotrexate", "nausea"),
    ],
)
def test_adverse_event_phrasings(nlp, sentence, drug, event):
    sts = statements(nlp, "A 60-year-old woman had myositis. " + sentence)
    assert ("P1", drug, event, None, "present") in of_kind(sts, "adverse_event")


def test_adverse_event_of_a_patient_named_in_a_summary(nlp):
    text = ("Patient 1 had myositis.\n\nPatient 2 had calcinosis.\n\n"
            "Except for an episode of uveitis in patient 2, abatacept was well tolerated.")
    sts = statements(nlp, text)
    assert ("P2", "abatacept", "uveitis", None, "present") in of_kind(sts, "adverse_event")


def test_outcome_without_drug_uses_the_drug_last_started(nlp):
    text = ("A 58-year-old woman had calcinosis. Methotrexate was given first. "
            "Thereafter, treatment was switched to abatacept. The calcinosis improved within 3 months.")
    outs = of_kind(statements(nlp, text), "outcome")
    assert ("P1", "abatacept", "calcinosis", "improved", "present") in outs
    assert not [o for o in outs if o[1] == "methotrexate"]


def test_outcomes_go_to_the_nearest_cue(nlp):
    text = ("A 44-year-old man was treated. While the weakness resolved under prednisone and IVIG, "
            "the dysphagia showed no improvement.")
    outs = of_kind(statements(nlp, text), "outcome")
    assert ("P1", "prednisone", "weakness", "resolved", "present") in outs
    assert ("P1", "ivig", "dysphagia", "unchanged", "present") in outs
    assert ("P1", "ivig", "dysphagia", "resolved", "present") not in outs


def test_withdrawal_led_to_relapse(nlp):
    text = "A 37-year-old woman received tacrolimus. Withdrawal of tacrolimus led to a relapse of myositis."
    outs = of_kind(statements(nlp, text), "outcome")
    assert ("P1", "tacrolimus", "myositis", "relapsed", "present") in outs


def test_flare_without_treatment_change_is_not_a_drug_outcome(nlp):
    text = "A 37-year-old woman was on tacrolimus. Two years later she presented with a flare of rash."
    assert of_kind(statements(nlp, text), "outcome") == []


def test_generic_text_makes_no_statements_when_patients_exist(nlp):
    text = "Rituximab often causes neutropenia in patients.\n\nA 33-year-old woman had fever."
    sts = statements(nlp, text)
    assert all(s[1] == "P1" for s in sts)
    assert not [s for s in sts if s[2] == "rituximab"]


def test_no_patient_article_keeps_statements_unattributed(nlp):
    sts = statements(nlp, "Tacrolimus-induced tremor is common.")
    assert ("adverse_event", None, "tacrolimus", "tremor", None, "present") in sts


def test_switch_stops_the_old_drug_only(nlp):
    text = "A 47-year-old man was seen. Azathioprine was switched to mycophenolate because he developed hepatitis."
    sts = statements(nlp, text)
    assert ("P1", "azathioprine", "hepatitis", None, "present") in of_kind(sts, "adverse_event")
    assert not [s for s in of_kind(sts, "adverse_event") if s[1] == "mycophenolate"]
    assert not [s for s in of_kind(sts, "discontinuation") if s[1] == "mycophenolate"]


def test_switch_without_named_old_drug_stops_nothing(nlp):
    sts = statements(nlp, "A 47-year-old man was seen. Therefore, therapy was changed to abatacept.")
    assert of_kind(sts, "discontinuation") == []


def test_a_later_cue_does_not_inherit_distant_targets(nlp):
    text = "A 50-year-old woman had nausea. Under prednisone the rash improved, although two weeks later the sodium worsened."
    outs = of_kind(statements(nlp, text), "outcome")
    assert ("P1", "prednisone", "rash", "improved", "present") in outs
    assert not [o for o in outs if o[3] == "worsened"]


def test_relative_clause_shares_the_finding(nlp):
    text = ("A 50-year-old woman received abatacept. Stopping abatacept caused a flare of myositis "
            "that was quickly controlled by restarting abatacept.")
    outs = of_kind(statements(nlp, text), "outcome")
    assert ("P1", "abatacept", "myositis", "relapsed", "present") in outs
    assert ("P1", "abatacept", "myositis", "improved", "present") in outs
