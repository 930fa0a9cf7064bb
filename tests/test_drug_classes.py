"""casekg_drug_use, session 9: drug-class phrases named by what they do, saline used to rinse, and
a stage value after "stage of". Every sentence is written for these tests; none is taken from a
gold corpus."""

import pytest
import spacy
from spacy.tokens import Span

from kg.model import NAMED_ROLE
from kg.nlp import drug_use as du
from kg.nlp.chemical_spans import class_value
from kg.nlp.extensions import SPAN_GROUP, register
from kg.nlp.finding_type import Model

FILLER = " She was examined again on the ward." * 40
INTRO = "A 47-year-old woman was admitted with abdominal pain. She took aspirin. "


def _added(tmp_path, sentence, drugs=("aspirin",), findings=()):
    """(text, concept ID, label) of the Drug spans after the component (no decision), in a case report."""
    register()
    table = tmp_path / "regimens.tsv"
    table.write_text("R-CHOP\trituximab;cyclophosphamide\n")
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("casekg_toy_lexicon", config={"terms": {"Drug": list(drugs), "Manifestation": list(findings)}})
    nlp.add_pipe("casekg_drug_use", config={"regimens": str(table), "decide": False})
    doc = nlp(INTRO + sentence + FILLER)
    return [(s.text, s.kb_id_, s._.concept_label) for s in doc.spans[SPAN_GROUP]
            if s.label_ == "Drug" and s.text not in drugs]


@pytest.mark.parametrize("sentence, phrases", [
    ("The hernia was repaired under general anaesthesia the next day.", ["general anaesthesia"]),
    ("A gastroscopy was done under conscious sedation.", ["conscious sedation"]),
    ("Sedation was stopped on day 4 and she woke up.", ["Sedation"]),
    ("She needed vasoactive drugs and inotropic support in the ICU.", ["vasoactive drugs", "inotropic support"]),
    ("A neuromuscular relaxant was given before intubation.", ["neuromuscular relaxant"]),
    ("Topical antiseptics were applied twice daily.", ["Topical antiseptics"]),
    ("She was started on sedative drugs at night.", ["sedative drugs"]),
    # not a treatment: numbness, a sign after a drug, a department, a verb
    ("She reported anaesthesia of the left foot.", []),
    ("Excessive sedation followed the first dose.", []),
    ("The anaesthesiology team was consulted.", []),
    ("She was anaesthetised and intubated.", []),
    ("A vasoactive intestinal peptide level was normal.", []),
])
def test_drug_classes_named_by_what_they_do(tmp_path, sentence, phrases) -> None:
    found = _added(tmp_path, sentence)
    assert [t for t, _, _ in found] == phrases
    assert all(k == "" and label == t.lower() for t, k, label in found)


def test_beta_blockers_spelt_with_the_greek_letter_take_the_class_concept(tmp_path) -> None:
    found = _added(tmp_path, "She was discharged on β-blockers and a β blocker was added later.")
    from kg.nlp import lexicons

    trie, tok = lexicons.compiled()["trie"], lexicons._tokenizer()
    beta = lexicons.lookup(lexicons._name_keys(tok, "beta blockers"), trie)["Drug"][0]  # a second spelling
    assert [(t, k) for t, k, _ in found] == [("β-blockers", beta), ("β blocker", beta)]
    assert _added(tmp_path, "She was on calcium channel blockers.", drugs=("calcium channel blockers",)) == []


def test_a_class_phrase_gives_way_to_a_drug_or_a_finding_span(tmp_path) -> None:
    # the dictionaries know the phrase as a drug, or read it as a sign
    assert _added(tmp_path, "She was under general anaesthesia.", drugs=("aspirin", "anaesthesia")) == []
    assert _added(tmp_path, "Marked sedation was noted.", findings=("sedation",)) == []


def test_a_class_phrase_is_kept_by_the_decision(tmp_path) -> None:
    # weights that flag every span they decide: the class phrase is not theirs to flag
    path = tmp_path / "weights.tsv"
    du.write_model(Model({"bias": -5.0}, 0.0, 0.5), path)
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("casekg_toy_lexicon", config={"terms": {"Drug": ["gadolinium"]}})
    nlp.add_pipe("casekg_drug_use", config={"path": str(path)})
    doc = nlp(INTRO + "The MRI with gadolinium was done under general anesthesia." + FILLER)
    roles = {s.text: (s._.attrs or {}).get("role") for s in doc.spans[SPAN_GROUP]}
    assert roles == {"gadolinium": NAMED_ROLE, "general anesthesia": None}


@pytest.mark.parametrize("sentence, fluid, flagged", [
    ("The abscess cavity was irrigated with warm saline.", "saline", True),
    ("The drain was flushed daily with 10 mL normal saline.", "normal saline", True),
    ("Bronchoalveolar lavage with 100 mL saline was done.", "saline", True),
    ("She received 2 L of normal saline for dehydration.", "normal saline", False),
    ("Hydration with saline was started.", "saline", False),
])
def test_saline_used_to_rinse_is_not_a_medication(tmp_path, sentence, fluid, flagged) -> None:
    register()
    path = tmp_path / "weights.tsv"
    du.write_model(Model({"bias": 5.0}, 0.0, 0.5), path)  # keeps every span it decides
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("casekg_toy_lexicon", config={"terms": {"Drug": [fluid]}})
    nlp.add_pipe("casekg_drug_use", config={"path": str(path)})
    doc = nlp(INTRO + sentence + FILLER)
    span = next(s for s in doc.spans[SPAN_GROUP] if s.text == fluid)
    assert ((span._.attrs or {}).get("role") == NAMED_ROLE) is flagged


@pytest.mark.parametrize("text, value", [
    ("The tumour was at a stage of IIIB at diagnosis.", "IIIB"),
    ("It was graded as grade II by the pathologist.", "II"),
    ("A course of IVA was given.", None),  # no class word before "of"
])
def test_a_roman_numeral_after_stage_of_is_a_class_value(text, value) -> None:
    doc = spacy.blank("en")(text)
    found = [t.text for t in doc if class_value(doc, t.i, t.i + 1)]
    assert found == ([value] if value else [])


@pytest.mark.parametrize("text, chemical, lab", [
    ("Serum levels of cortisol were low.", "cortisol", True),
    ("The concentration of digoxin was 2.1 ng/mL.", "digoxin", True),
    ("Her collagen/ADP closure time was prolonged.", "ADP", True),
    ("A course of digoxin was started.", "digoxin", False),
    ("Low levels and a dose of cortisol were noted.", "cortisol", False),  # "of" after "dose", not "levels"
])
def test_lab_context_levels_of_and_closure_time(text, chemical, lab) -> None:
    from kg.nlp.chemical_spans import lab_context

    doc = spacy.blank("en")(text)
    i = next(t.i for t in doc if t.text == chemical)
    assert bool(lab_context(doc, i, i + 1)) is lab


def test_a_chemical_naming_a_syndrome_is_not_given(tmp_path) -> None:
    path = tmp_path / "weights.tsv"
    du.write_model(Model({"bias": 5.0}, 0.0, 0.5), path)  # keeps every span it decides
    register()
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("casekg_toy_lexicon", config={"terms": {"Drug": ["serotonin", "sertraline"]}})
    nlp.add_pipe("casekg_drug_use", config={"path": str(path)})
    doc = nlp(INTRO + "A serotonin syndrome developed after sertraline was started." + FILLER)
    roles = {s.text: (s._.attrs or {}).get("role") for s in doc.spans[SPAN_GROUP]}
    assert roles == {"serotonin": NAMED_ROLE, "sertraline": None}
