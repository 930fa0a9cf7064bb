"""casekg_patients: splitting a text into patients, age and sex, sentence attribution."""

import pytest
import spacy

import kg.nlp.patients  # noqa: F401
from kg.nlp.pipeline import sentence_fix  # noqa: F401  (registers casekg_sentence_fix)


@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("casekg_sentence_fix")
    nlp.add_pipe("casekg_patients")
    return nlp


def run(nlp, text):
    doc = nlp(text)
    per_sent = [(s.text.strip(), doc._.sent_patient[s.start]) for s in doc.sents if s.text.strip()]
    return doc._.patients, per_sent


SERIES = (
    "Juvenile myositis is rare. We treated 4 patients with tacrolimus.\n\n"
    "Case 1 was a 12-year-old girl with calcinosis. She received tacrolimus.\n\n"
    "Case 2, a 9-year-old boy, had dysphagia. His rash persisted.\n\n"
    "All patients tolerated the drug. Alopecia occurred in case 1.\n\n"
    "In conclusion, tacrolimus can help."
)


def test_labelled_series(nlp):
    patients, sents = run(nlp, SERIES)
    assert [(p["id"], p["label"], p["age"], p["sex"]) for p in patients] == [
        ("P1", "Case 1", 12.0, "female"), ("P2", "Case 2", 9.0, "male")]
    got = dict(sents)
    assert got["Juvenile myositis is rare."] is None
    assert got["We treated 4 patients with tacrolimus."] is None
    assert got["She received tacrolimus."] == "P1"
    assert got["His rash persisted."] == "P2"
    assert got["All patients tolerated the drug."] is None  # generic, new paragraph in a series
    assert got["Alopecia occurred in case 1."] == "P1"  # explicit re-attribution
    assert got["In conclusion, tacrolimus can help."] is None


def test_single_patient_report_runs_across_paragraphs(nlp):
    text = ("Dermatomyositis may be paraneoplastic. A 45-year-old woman presented with heliotrope rash.\n\n"
            "Laboratory tests showed raised CK.\n\nShe was given methotrexate.\n\n"
            "Discussion\n\nPatients with this antibody often have cancer.")
    patients, sents = run(nlp, text)
    assert len(patients) == 1 and patients[0]["age"] == 45.0 and patients[0]["sex"] == "female"
    got = dict(sents)
    assert got["Dermatomyositis may be paraneoplastic."] is None
    assert got["Laboratory tests showed raised CK."] == "P1"
    assert got["She was given methotrexate."] == "P1"
    assert got["Patients with this antibody often have cancer."] is None


def test_run_together_label_and_ordinal(nlp):
    patients, sents = run(nlp, "Patient 1 had fever. The second patient, a 30-year-old man, had arthritis.")
    assert [(p["id"], p["age"], p["sex"]) for p in patients] == [("P1", None, None), ("P2", 30.0, "male")]
    assert [s[1] for s in sents] == ["P1", "P2"]


def test_months_are_converted_and_sex_from_pronouns(nlp):
    patients, _ = run(nlp, "An 18-month-old infant was admitted with fever. Her mother reported a rash. She recovered.")
    assert patients[0]["age"] == 1.5 and patients[0]["sex"] == "female"


def test_plural_patients_with_a_number_is_not_a_patient(nlp):
    patients, sents = run(nlp, "Patient 1 was treated. ISGs had decreased in the blood of patients 1 month later.")
    assert [p["id"] for p in patients] == ["P1"]
    assert sents[1][1] is None


def test_age_sex_intros_in_an_unlabelled_series(nlp):
    text = ("A 63-year-old man presented with weakness. He improved.\n\n"
            "A 7-year-old boy had a rash. He was treated with IVIG.")
    patients, sents = run(nlp, text)
    assert [(p["id"], p["age"]) for p in patients] == [("P1", 63.0), ("P2", 7.0)]
    assert [s[1] for s in sents] == ["P1", "P1", "P2", "P2"]


def test_literature_case_in_discussion_is_not_a_patient(nlp):
    text = "A 50-year-old woman presented with myalgia. She improved.\n\nA 60-year-old man was reported by Lee et al."
    patients, _ = run(nlp, text)
    assert len(patients) == 1


def test_same_person_introduced_twice_is_one_patient(nlp):
    text = "A 34-year-old woman had fever.\n\nCase presentation\n\nA 34-year-old woman presented with fever and rash."
    patients, _ = run(nlp, text)
    assert len(patients) == 1


def test_no_patient(nlp):
    patients, sents = run(nlp, "Dermatomyositis is an inflammatory myopathy. Patients often have rash.")
    assert patients == [] and all(p is None for _, p in sents)


@pytest.mark.parametrize(
    "text, age, sex",
    [
        ("Our 52-year-old female patient presented with dyspnoea.", 52.0, "female"),
        ("A 41 years old, male, right-handed, was admitted.", 41.0, "male"),
        ("A 68\u2013year\u2013old man presented with chest pain.", 68.0, "male"),
        ("The 29-year-old primigravida was admitted at 36 weeks.", 29.0, "female"),
        ("A newborn girl was delivered at term.", 0.0, "female"),
        ("This 3-week-old boy had jaundice.", 0.06, "male"),
    ],
)
def test_intro_variants(nlp, text, age, sex):
    patients, _ = run(nlp, text)
    assert [(p["age"], p["sex"]) for p in patients] == [(age, sex)]


def test_singular_patient_without_age(nlp):
    patients, sents = run(nlp, "Our patient is a child of healthy parents. He had seizures from birth.")
    assert len(patients) == 1 and patients[0]["sex"] == "male" and [s[1] for s in sents] == ["P1", "P1"]


@pytest.mark.parametrize(
    "text",
    [
        "A 45-year-old woman. An 8-month-old boy, who was born at term, was seen; a 2.5-year-old girl too.",
        "Our patient was a 63 year old man (smoker). The 30-year–old Asian patient, female, had fever.",
        "She was a seventy-two-year-old lady.\nA 5 day old neonate; a 12-week-old infant; a 1.5-years-old child.",
        "They are old friends. Hold on: the bold fold. A man, 45 years old. A healthy, 45-year-old woman.",
        "A 45-year-old, previously healthy woman; an 8-year-old, thin, pale boy.",
        "a 3.5.-year-old boy; A 7-year-old\n\nboy; A 40‐year‐old woman; Á 4-year-old boy; an 8-year-old ",
        "",
    ],
)
def test_age_scan_equals_whole_text_search(text):
    # the intro scan only searches around "old"; it must find exactly what AGE_RE.finditer finds
    from kg.nlp.patients import AGE_RE, _age_matches

    texts = [text, text * 3, text.replace(" ", "\n")]
    for t in texts:
        assert [m.span() for m in _age_matches(t)] == [m.span() for m in AGE_RE.finditer(t)]


def test_age_scan_on_generated_reports():
    from kg import synth
    from kg.nlp.patients import AGE_RE, _age_matches

    found = 0
    for art in synth.articles(60, 9):
        expected = [m.span() for m in AGE_RE.finditer(art.text)]
        assert [m.span() for m in _age_matches(art.text)] == expected
        found += len(expected)
    assert found > 20


def test_label_gates_never_hide_a_match():
    """The per-sentence label regexes run only where their literal words are: a text the gate
    turns away has no match, on generated strings and synthetic reports."""
    import random

    from kg import synth
    from kg.nlp.patients import _LABEL_WORDS, _ORDINAL_NOUNS, LABEL_RE, ORDINAL_RE, _gated_hits

    words = ("patient Patient PATIENT patients pt pt. Pt Pt. case Case CASE cases in of for the The our Our "
             "first second third no. number # 1 2 12 II IV x years months mg - . , ( ) symptoms except "
             "showcase Patients CASES").split()
    rng = random.Random(7)
    texts = [a.text for a in synth.articles(10, 3)]
    for _ in range(3000):
        texts.append("".join(rng.choice(words) + rng.choice([" ", "", "  ", "\n"]) for _ in range(rng.randint(1, 8))))
    gated = 0
    for text in texts:
        for regex, gate_words in ((LABEL_RE, _LABEL_WORDS), (ORDINAL_RE, _ORDINAL_NOUNS)):
            hits = _gated_hits(regex, gate_words, text)
            assert [m.span() for m in hits] == [m.span() for m in regex.finditer(text)], text
        if not any(w in text for w in _LABEL_WORDS):
            gated += 1
    assert gated > 100  # the gate did turn texts away


def test_label_gate_words_are_the_regex_words():
    """Every word the label gate tests for starts a label match, and a text holding one of them
    passes the gate: both come from one tuple, so adding a kind word reaches both."""
    from kg.nlp.patients import _LABEL_WORDS, LABEL_RE, _gated_hits

    for word in _LABEL_WORDS:
        m = LABEL_RE.search(f"seen in {word} 2 today")
        assert m is not None and m.group("kind").rstrip(".") == word, word
        assert _gated_hits(LABEL_RE, _LABEL_WORDS, f"seen in {word} 2 today")
        # the gate is case-sensitive like the regex: other spellings of the word are turned away
        other = word.swapcase()
        if other not in _LABEL_WORDS and not any(w in other for w in _LABEL_WORDS):
            assert not any(w in f"seen in {other} 2 today" for w in _LABEL_WORDS) and LABEL_RE.search(f"seen in {other} 2 today") is None


def test_these_findings_sum_up_the_case_and_keep_its_patient(nlp):
    # session 9: "These findings confirmed X" in the middle of a case closed the passage, so every
    # later sentence of the report (treatment, follow-up) had no patient
    text = ("A 61-year-old man had a gastric mass.\nBiopsy showed atypical cells.\n"
            "These findings confirmed a lymphoma.\nHe received rituximab.\n"
            "No relapse occurred at his 2-year follow-up.\n\nIn conclusion, lymphoma of the stomach is rare.")
    _, sents = run(nlp, text)
    got = dict(sents)
    assert got["These findings confirmed a lymphoma."] == "P1"
    assert got["He received rituximab."] == "P1"
    assert got["No relapse occurred at his 2-year follow-up."] == "P1"
    assert got["In conclusion, lymphoma of the stomach is rare."] is None
