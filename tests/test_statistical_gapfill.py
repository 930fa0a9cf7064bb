"""casekg_statistical's gap-filling options: which rule spans block a model span (`block`), which
model spans are plausible (`vet`) and which sentences the model reads (`sentences="gaps"`).
Sentences are written for these tests."""

import pytest
import spacy
from spacy.tokens import Span

import kg.nlp.statistical as st
from kg.nlp.extensions import SPAN_GROUP

pytestmark = pytest.mark.skipif(not st.DEFAULT_MODEL.with_suffix(".bin").is_file(), reason="no shipped model in kg/data")


@pytest.fixture(scope="module")
def nlp():
    n = spacy.blank("en")
    n.add_pipe("sentencizer")
    return n


def test_head_word_is_the_noun_before_of_or_the_last_word() -> None:
    assert st._head_word("Abnormality of the cornea") == "Abnormality"
    assert st._head_word("Duchenne muscular dystrophy") == "dystrophy"
    assert st._head_word("Weakness of the extensor-muscles") == "Weakness"
    assert st._head_word("Pre-eclampsia") == "eclampsia"


def test_finding_heads_keep_abnormality_words_and_drop_what_bears_them() -> None:
    heads = st.finding_heads(3)
    for word in ("syndrome", "dysfunction", "deficit", "dystrophy"):
        assert word in heads
    # HPO names these as bearers ("Abnormality of the ankle joint", "Abnormal blood ... morphology")
    for word in ("joint", "muscle", "blood", "liver"):
        assert word not in heads


def test_vetting_keeps_findings_with_a_head_word_and_chemical_names(nlp) -> None:
    comp = st.StatisticalComponent(nlp, "s", "", ("Drug", "Disease"), (), "auto", "any", 3)
    doc = nlp("The rats showed spatial memory dysfunction and swollen ankle joints after methyl benzoate and MRP2.")
    i = {t.text: t.i for t in doc}
    assert comp._vetted(doc, i["spatial"], i["dysfunction"] + 1, "Disease")
    assert not comp._vetted(doc, i["swollen"], i["joints"] + 1, "Disease")
    assert comp._vetted(doc, i["methyl"], i["benzoate"] + 1, "Drug")
    assert not comp._vetted(doc, i["MRP2"], i["MRP2"] + 1, "Drug")
    assert comp._vetted(doc, i["after"], i["after"] + 1, "Dose")  # other labels are not vetted


def _doc_with(nlp, text: str, word: str, label: str):  # noqa: ANN001, ANN202
    doc = nlp(text)
    k = next(t.i for t in doc if t.text == word)
    doc.spans[SPAN_GROUP] = [Span(doc, k, k + 1, label=label)]
    return doc, k


@pytest.mark.parametrize(
    ("block", "rule_label", "added"),
    [("label", "Manifestation", True), ("kind", "Manifestation", False), ("kind", "Drug", True),
     ("any", "Drug", False), ("label", "Disease", False)],
)
def test_block_decides_which_rule_spans_keep_a_model_span_out(nlp, block, rule_label, added) -> None:
    doc, k = _doc_with(nlp, "She had a painful gouty arthritis of the knee.", "gouty", rule_label)
    st.StatisticalComponent._add(doc, frozenset({"Disease"}), [(k, k + 2, "Disease")], block)
    model = [s for s in doc.spans[SPAN_GROUP] if (s._.attrs or {}).get("source") == "model"]
    assert bool(model) is added
    if added:
        assert model[0].text == "gouty arthritis" and model[0].kb_id_ == ""


def test_unknown_block_and_gaps_without_vetting_are_refused(nlp) -> None:
    with pytest.raises(ValueError, match="block"):
        st.StatisticalComponent(nlp, "s", "", ("Disease",), (), "auto", "some")
    with pytest.raises(ValueError, match="vet"):
        st.StatisticalComponent(nlp, "s", "", ("Disease",), (), "gaps", "any", 0)


def test_gaps_mode_reads_only_sentences_with_an_uncovered_head_or_chemical_word(nlp) -> None:
    comp = st.StatisticalComponent(nlp, "s", "", ("Drug", "Disease"), (), "gaps", "any", 3)
    doc = nlp("The mice were weighed. They developed a renal dysfunction. A chlorinated solvent was given. They slept.")
    sents = list(doc.sents)
    assert comp.tokens(doc, frozenset({"Drug", "Disease"})) == [t.i for s in sents[1:3] for t in s]
    assert comp.tokens(doc, frozenset({"Disease"})) == [t.i for t in sents[1]]
    # a rule span over the head word leaves nothing for the model in that sentence
    k = next(t.i for t in doc if t.text == "dysfunction")
    doc.spans[SPAN_GROUP] = [Span(doc, k - 1, k + 1, label="Manifestation")]
    assert comp.tokens(doc, frozenset({"Disease"})) == []
