"""casekg_dosage: Dose spans, and dose/frequency/route copied onto the right drug."""

import pytest
import spacy

import kg.nlp.dosage  # noqa: F401  (registers the factory)
from kg.nlp.extensions import SPAN_GROUP

# Hand-made drug spans keep these tests independent of the lexicon's coverage.
_TOY_DRUGS = {"rituximab", "prednisone", "prednisolone", "ivig", "methotrexate", "azathioprine", "tacrolimus",
              "cyclophosphamide", "mycophenolate", "tofacitinib", "hydroxychloroquine"}


@pytest.fixture(scope="module")
def nlp():
    from kg.nlp.pipeline import sentence_fix  # noqa: F401  (registers casekg_sentence_fix)

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("casekg_sentence_fix")
    nlp.add_pipe("casekg_toy_lexicon", config={"terms": {"Drug": sorted(_TOY_DRUGS)}})
    nlp.add_pipe("casekg_dosage")
    return nlp


def drug_attrs(nlp, text):
    doc = nlp(text)
    return {s.text.lower(): s._.attrs for s in doc.spans[SPAN_GROUP] if s.label_ == "Drug"}


def doses(nlp, text):
    doc = nlp(text)
    return [(s.text, s._.attrs) for s in doc.spans[SPAN_GROUP] if s.label_ == "Dose"]


def test_dose_after_drug_with_frequency_and_route(nlp):
    got = drug_attrs(nlp, "Methotrexate 20 mg weekly subcutaneously was added.")
    assert got["methotrexate"] == {"dose": "20", "unit": "mg", "frequency": "weekly", "route": "subcutaneous"}


def test_weight_based_dose_and_monthly(nlp):
    got = drug_attrs(nlp, "She received IVIG 2 g/kg monthly.")
    assert got["ivig"]["dose"] == "2" and got["ivig"]["unit"] == "g/kg" and got["ivig"]["frequency"] == "monthly"
    assert got["ivig"]["route"] == "intravenous"  # the name says so


def test_per_day_in_the_unit(nlp):
    assert doses(nlp, "Prednisone 1 mg/kg/day was started.") == [
        ("1 mg/kg/day", {"dose": "1", "unit": "mg/kg", "frequency": "daily"})]
    assert drug_attrs(nlp, "Prednisone 1 mg/kg/day was started.")["prednisone"]["frequency"] == "daily"


def test_dose_does_not_cross_a_list_separator(nlp):
    got = drug_attrs(nlp, "He was on tacrolimus (3 mg per day), azathioprine and weekly methotrexate.")
    assert got["tacrolimus"]["dose"] == "3" and got["tacrolimus"]["frequency"] == "daily"
    assert "dose" not in got["azathioprine"]
    assert got["methotrexate"].get("frequency") == "weekly"
    assert "frequency" not in got["azathioprine"]


def test_qualitative_dose(nlp):
    got = drug_attrs(nlp, "Treatment with high-dose prednisolone and cyclophosphamide pulses was given.")
    assert got["prednisolone"]["dose"] == "high"
    assert got["cyclophosphamide"]["route"] == "intravenous"


def test_number_wins_over_level(nlp):
    got = drug_attrs(nlp, "She took low-dose prednisone (7.5 mg daily).")
    assert got["prednisone"]["dose"] == "7.5" and got["prednisone"]["dose_level"] == "low"


def test_abbreviations_do_not_split_the_sentence(nlp):
    got = drug_attrs(nlp, "Rituximab 375 mg/m2 was given i.v. every 4 weeks.")
    assert got["rituximab"] == {"dose": "375", "unit": "mg/m2", "route": "intravenous", "frequency": "every 4 weeks"}


def test_twice_daily_and_oral(nlp):
    got = drug_attrs(nlp, "Mycophenolate 1000 mg b.i.d. orally and hydroxychloroquine 400 mg daily.")
    assert got["mycophenolate"]["frequency"] == "twice daily" and got["mycophenolate"]["route"] == "oral"
    assert got["hydroxychloroquine"] == {"dose": "400", "unit": "mg", "frequency": "daily"}


def test_one_cycle_per_month(nlp):
    got = drug_attrs(nlp, "Azathioprine 100 mg and one cycle of IVIG per month were continued.")
    assert got["ivig"]["frequency"] == "monthly" and "frequency" not in got["azathioprine"]


def test_percentages_and_body_weight_are_not_doses(nlp):
    assert doses(nlp, "Her weight was 60 kg and the CK fell by 50%.") == []


def test_lab_concentrations_are_not_doses(nlp):
    assert doses(nlp, "Haemoglobin was 11.2 g/dL, sodium 135 mmol/L and creatinine clearance 40 mL/min.") == []


def test_frequency_after_the_amount_is_part_of_the_dose(nlp):
    assert [d[0] for d in doses(nlp, "Tacrolimus 2 mg twice a day was continued.")] == ["2 mg twice a day"]
    assert drug_attrs(nlp, "Tacrolimus 2 mg twice a day was continued.")["tacrolimus"]["frequency"] == "twice daily"
    assert doses(nlp, "Azathioprine 50 mg q 12 h and rituximab.")[0] == (
        "50 mg q 12 h", {"dose": "50", "unit": "mg", "frequency": "every 12 hours"})
    got = drug_attrs(nlp, "She took hydroxychloroquine 200 mg, 3 times a week.")
    assert got["hydroxychloroquine"]["frequency"] == "3 times weekly"
    assert [d[0] for d in doses(nlp, "Prednisone 10 mg and later 5 mg were given.")] == ["10 mg", "5 mg"]


def test_infusion_rate_per_weight_keeps_its_time_unit(nlp):
    assert [d[0] for d in doses(nlp, "Methotrexate at 0.1 mcg/kg/min was infused.")] == ["0.1 mcg/kg/min"]
    assert doses(nlp, "Clearance was 80 mL/min.") == []


def test_volumes_need_a_drug(nlp):
    assert doses(nlp, "The drain collected 300 mL of turbid fluid.") == []
    assert doses(nlp, "His forced vital capacity was 2.9 L.") == []
    assert [d[0] for d in doses(nlp, "Methotrexate 2 mL was injected.")] == ["2 mL"]


def test_body_weight_bmi_and_lab_results_are_not_doses(nlp):
    assert doses(nlp, "She was born weighing 3100 g after 39 weeks.") == []
    assert doses(nlp, "His body mass index was 22.5 kg/m2.") == []
    assert doses(nlp, "Urinary output of the metabolite was 300 μg (normal range 20-100).") == []
    assert doses(nlp, "Albumin was 3.1 grams per deciliter.") == []


def test_level_and_radiation_doses_are_spans(nlp):
    assert ("low-dose", {"dose_level": "low"}) in doses(nlp, "She remained on low-dose prednisone.")
    assert [d[0] for d in doses(nlp, "The mediastinum received 50 Gy in 25 fractions.")] == ["50 Gy in 25 fractions"]
    assert [d[0] for d in doses(nlp, "Cyclophosphamide 600 mg per square meter of body surface area was given.")] == [
        "600 mg per square meter of body surface area"]


def test_frequency_right_after_a_drug_is_a_dose_span(nlp):
    assert [d[0] for d in doses(nlp, "She took azathioprine twice a day.")] == ["twice a day"]
    assert [d[0] for d in doses(nlp, "Methotrexate subcutaneously once weekly was added.")] == ["once weekly"]
    assert doses(nlp, "She had daily headaches and weekly fevers.") == []
    assert drug_attrs(nlp, "She took azathioprine twice a day.")["azathioprine"]["frequency"] == "twice daily"


def test_frequency_after_an_amount_and_its_route_is_a_dose_span(nlp):
    assert [d[0] for d in doses(nlp, "Prednisolone 40 mg orally once daily was started.")] == ["40 mg", "once daily"]
    assert [d[0] for d in doses(nlp, "Tacrolimus 2 mg via oral administration twice a day was added.")] == [
        "2 mg", "twice a day"]
    # a frequency after an amount that is no dose stays out
    assert [d[0] for d in doses(nlp, "Creatinine was 2.1 mg/dL orally reported daily.")] == []


def test_oxygen_flow_is_a_dose_and_other_litres_per_minute_are_not(nlp):
    assert [d[0] for d in doses(nlp, "We gave 3 L/min of oxygen by nasal cannula.")] == ["3 L/min"]
    assert [d[0] for d in doses(nlp, "She needed oxygen at 5\u2005L/min overnight.")] == ["5\u2005L/min"]
    assert doses(nlp, "Cardiac output was 4.2 L/min at rest.") == []


def test_radiation_dose_in_capitals_and_thin_spaces(nlp):
    assert [d[0] for d in doses(nlp, "The pelvis received 5040\u200acGY in 28 fractions.")] == ["5040\u200acGY in 28 fractions"]
    assert [d[0] for d in doses(nlp, "Methotrexate 15\u200amg\u200aweekly was continued.")] == ["15\u200amg\u200aweekly"]
