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


def test_a_count_of_cycles_or_courses_is_a_dose_span_not_copied_onto_the_drug(nlp):
    got = doses(nlp, "She then received four cycles of cyclophosphamide and 12 courses of IVIG.")
    assert [(t, a) for t, a in got] == [("four cycles", {}), ("12 courses", {})]
    assert drug_attrs(nlp, "She then received four cycles of cyclophosphamide.")["cyclophosphamide"] == {}
    assert [t for t, _ in doses(nlp, "Methotrexate was given for ten, 21-day cycles.")] == ["ten, 21-day cycles"]


def test_a_count_of_cycles_after_after_is_a_time_not_a_dose(nlp):
    assert doses(nlp, "After three cycles the nodules had shrunk; after completing 2 courses she relapsed.") == []
    assert doses(nlp, "The cycle count was high and the course was long.") == []



def test_amounts_said_in_words_are_dose_spans_not_copied_onto_the_drug(nlp):
    got = doses(nlp, "A single dose of rituximab was given, then a maintenance dose of prednisone.")
    assert got == [("single dose", {}), ("maintenance dose", {})]
    assert drug_attrs(nlp, "He got a loading dose of tacrolimus.")["tacrolimus"] == {}
    assert [t for t, _ in doses(nlp, "Small doses of methotrexate were tried.")] == ["Small doses"]
    # the words alone, or a dose the gold leaves out ("standard dose"), are no span
    assert doses(nlp, "A single lesion and a small nodule; standard dose azathioprine.") == []


def test_counted_infusions_pills_and_pulses_are_dose_spans(nlp):
    got = doses(nlp, "He had two infusions of rituximab and 4 tablets of methotrexate in May.")
    assert [t for t, _ in got] == ["two infusions", "4 tablets"]
    assert [t for t, _ in doses(nlp, "Azathioprine (2 pills per 8 hours) was given.")] == ["2 pills per 8 hours"]
    assert doses(nlp, "After two infusions of IVIG the weakness improved.") == []


def test_every_n_h_and_per_n_hours_are_frequencies(nlp):
    assert doses(nlp, "Cyclophosphamide 500 mg every 6 h was given.") == [
        ("500 mg every 6 h", {"dose": "500", "unit": "mg", "frequency": "every 6 hours"})]
    assert drug_attrs(nlp, "Tacrolimus 1 mg per 12 hours.")["tacrolimus"]["frequency"] == "every 12 hours"
    assert drug_attrs(nlp, "IVIG 1 g/kg every 3 hrs.")["ivig"]["frequency"] == "every 3 hours"


def test_an_amount_per_measured_volume_is_one_dose(nlp):
    assert [t for t, _ in doses(nlp, "Intravitreal methotrexate 400 mcg/0.1 mL was injected.")] == ["400 mcg/0.1 mL"]
    assert drug_attrs(nlp, "Intravitreal methotrexate 400 mcg/0.1 mL.")["methotrexate"]["unit"] == "mcg/0.1 mL"


def test_carboplatin_area_under_the_curve_is_a_dose_but_a_measured_auc_is_not(nlp):
    assert [t for t, _ in doses(nlp, "Carboplatin (AUC 6) and rituximab were given.")] == ["AUC 6"]
    assert [t for t, _ in doses(nlp, "Carboplatin at an area under the curve of 4.5 was used.")] == [
        "area under the curve of 4.5"]
    got = doses(nlp, "The tacrolimus AUC was 120 and the AUC 35 mg h/L in the second study.")
    assert not any("AUC" in t for t, _ in got)


def test_regimen_prose_after_the_amount_joins_its_span(nlp):
    got = doses(nlp, "Cyclophosphamide (600 mg/m2 on days 1 and 8 repeated every 4 weeks) was given.")
    assert got == [("600 mg/m2 on days 1 and 8 repeated every 4 weeks", {"dose": "600", "unit": "mg/m2"})]
    assert [t for t, _ in doses(nlp, "Carboplatin AUC 5 on day 1 repeated every 28 days.")] == [
        "AUC 5 on day 1 repeated every 28 days"]
    assert [t for t, _ in doses(nlp, "Methotrexate 1 g weekly for the first four doses.")] == [
        "1 g weekly for the first four doses"]
    # days with no repeat after them stay outside the span
    assert [t for t, _ in doses(nlp, "Rituximab 375 mg/m2 on days 1, 8 and 15 was given.")] == ["375 mg/m2"]


def test_volumes_per_weight_or_hour_need_a_drug(nlp):
    assert doses(nlp, "Ventilation used tidal volumes of 7 mL/kg and a rate of 20.") == []
    assert [t for t, _ in doses(nlp, "IVIG 10 mL/kg was infused.")] == ["10 mL/kg"]


def test_total_or_daily_dose_before_the_amount_joins_the_span(nlp):
    assert [t for t, _ in doses(nlp, "Prednisone at a daily dose 40 mg was tapered.")] == ["daily dose 40 mg"]
    assert [t for t, _ in doses(nlp, "The chest received a total dose 45 Gy, 25 sessions.")] == [
        "total dose 45 Gy, 25 sessions"]
    assert [t for t, _ in doses(nlp, "Prednisone at a dose of 40 mg was tapered.")] == ["40 mg"]


def test_a_frequency_after_a_drug_and_a_comma_is_a_dose_span(nlp):
    assert [t for t, _ in doses(nlp, "She took azathioprine tablets, daily, for years.")] == ["daily"]
    assert doses(nlp, "She took azathioprine; daily headaches followed.") == []

# --- the gate: every whole-text regex's matches, found only where a starter occurs ---------------

def _spans(found):
    return [[(m.span(), m.group()) for m in ms] for ms in found]


def _expected(text):
    return [[(m.span(), m.group()) for m in rx.finditer(text)] for rx in kg.nlp.dosage._GATE.patterns]


def test_gate_folding_assumptions_hold_for_every_code_point():
    """`_folded` relies on: the only non-ASCII characters `re.I` matches to an ASCII letter are
    `_RE_I_ASCII`; `lower` keeps every other character one character, keeps its \\w-ness, and
    makes no other non-ASCII character ASCII; `\\d` matches exactly the characters `isdecimal`
    calls decimal (the non-ASCII ones send a text down the whole-text path)."""
    import re
    import sys

    from kg.nlp.dosage import _RE_I_ASCII

    letter = re.compile("[a-z]", re.I)
    word, digit = re.compile(r"\w"), re.compile(r"\d")
    odd_letters, odd_lower = set(), []
    for cp in range(128, sys.maxunicode + 1):
        ch = chr(cp)
        if letter.fullmatch(ch):
            odd_letters.add(ch)
        if bool(digit.fullmatch(ch)) != ch.isdecimal():
            odd_lower.append((ch, "digit"))
        low = ch.lower()
        if ch in _RE_I_ASCII:
            continue
        if len(low) != 1 or low.isascii() or bool(word.fullmatch(low)) != bool(word.fullmatch(ch)):
            odd_lower.append((ch, low))
    assert odd_letters == set(_RE_I_ASCII)
    assert odd_lower == []


_GATE_TEXTS = [
    "Prednisone 60 mg daily, then 40 mg/day; methotrexate 15 mg once a week and IVIG 2 g/kg monthly.",
    "BID, T.I.D., q.i.d, QID and b.i.d. dosing; Q12H, q 8 h, q6h, every 4 hours, every other day, QOD, q.o.d.",
    "She took it twice a day, thrice daily, four times per day, 3 times a week, two times weekly, fortnightly.",
    "High-dose steroids, low doses of aspirin, pulse methylprednisolone, pulsed therapy, a maximal dose.",
    "Orally, p.o., PO, per os, by mouth, tablets, IV, i.v., intravenously, infusions, infused, IVIG, SC, s.c.",
    "Subcutis, IM, i.m., intramuscularly, topical cream, ointments, gel, intralesional, intrathecal, inhaled, "
    "nebulised, intra-articular and intraarticular injections.",
    "oxygen at 2 L/min, 4 L/min of O2, 60 Gy in 30 fractions, 45 cGy, Hb 12.8 g/dL, 5 mmol/L, weighing 3200 g.",
    "A\u00a0day, once\ndaily, per\tweek, each  month, nightly, at night, /d, / day, /wk, qday, qd., od.",
    "Morbid obesity; the oral-facial form; a tidal wave; bidirectional; stidy; poral; 2x10^9/L; 1.5-2 mg.",
    "5\u202fmg/kg/day, 0.1 μg/kg/min, 500 µg, 10–20 mg, 100 IU/kg, 25 mcg (normal range 10-30), 3.5%.",
    "1 g intravenously once daily; 500 mg via oral administration twice a day; 4.5 g q12h.",
    "Given at\nnight, once\ta week, a\rmonth, per\x0bday and by\u2003mouth.",  # other whitespace
    "daily",  # a match at the very start and end of the text
    "Q",
    "",
    "Dose 5 mg \u0130V daily",  # U+0130 dotted I: the whole-text path
    "Dose \u0665 mg daily, 5 mg daily",  # an Arabic-Indic digit: the whole-text path
    "Kelvin sign: \u212aG, long s: \u017fc, dotless \u0131v, \u212a 5 mg daily",
]


@pytest.mark.parametrize("text", _GATE_TEXTS)
def test_gate_finds_what_finditer_finds_on_written_text(text):
    assert _spans(kg.nlp.dosage._GATE.matches(text)) == _expected(text)


def test_gate_finds_what_finditer_finds_on_generated_text():
    import random

    words = ("twice two three thrice four five six times a at day daily days BID b.i.d. bid t.i.d tid q.i.d "
             "qid q Q q.d. qd qday od o.d. once per week weekly wk month monthly every other second eod qod "
             "q.o.d biweekly fortnightly each nightly night / mg g kg mL ml L L/min oxygen O2 Gy cGy in "
             "fractions high low moderate medium standard full maximal maximum reduced increased pulse pulsed "
             "pulses dose doses dosed therapy of oral orally p.o. po p. o. os by mouth tablet tablets IV IVIG "
             "i.v. iv infusion infusions infused SC s.c. sc subcutaneous subcutis IM i.m. im intramuscular "
             "topical cream creams gel ointment intralesional intrathecal inhaled inhalation nebulized "
             "nebulised intra-articular intraarticular morbid oralis µg μg mcg IU units % ( ) , ; . - x h "
             "hours weight weighing body surface area m2 m² dL normal range cycle cycles course courses "
             "eleven twelve 14-day after completing single maintenance small large prophylactic liberal "
             "loading dose- AUC area under the curve = infusions injection pills tablet capsules on days day "
             "through repeated for first 1st next sessions hrs total 0.5 mL/kg").split()
    numbers = ["5", "12", "0.5", "2,5", "10-20", "1 to 2", "100", "3200", "8"]
    gaps = [" ", " ", " ", "", "\n", "\t", "\u00a0", ", ", "-", "/", ".", "  "]
    rng = random.Random(20260406)
    for _ in range(3000):
        parts = []
        for _ in range(rng.randint(1, 25)):
            w = rng.choice(numbers) if rng.random() < 0.25 else rng.choice(words)
            w = rng.choice([w, w, w.upper(), w.title()])
            parts += [w, rng.choice(gaps)]
        text = "".join(parts)
        assert _spans(kg.nlp.dosage._GATE.matches(text)) == _expected(text), text


def test_gate_finds_what_finditer_finds_on_articles():
    from kg import synth
    from kg.gold import dev_sets, train_sets

    texts = [a.text for a in synth.articles(40, 3)]
    try:
        for sets in (dev_sets(), train_sets()):
            texts += [d.text for name, docs in sets.items() if "maccrobat" in name for d in docs]
    except (FileNotFoundError, OSError):
        pass  # no gold corpora on this machine: the synthetic articles still run
    for text in texts:
        assert _spans(kg.nlp.dosage._GATE.matches(text)) == _expected(text)


def test_gate_refuses_a_starter_it_cannot_scan_for():
    import re

    with pytest.raises(ValueError, match="first character"):
        kg.nlp.dosage._Gate([(re.compile("x", re.I), (r"\bX",))])
