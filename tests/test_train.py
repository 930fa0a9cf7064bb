"""kg.train on a tiny brat fixture (sentences written for this test) gives a loadable model."""

from pathlib import Path

import pytest
import spacy
from spacy.tokens import Span

from kg.train import model_predictor, train

FIX = Path(__file__).parent / "fixtures" / "gold" / "train"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("model") / "ner"
    res = train(FIX, out, split="all", epochs=3, seed=1)
    return out, res


def test_train_writes_a_loadable_spacy_model(trained) -> None:
    out, res = trained
    assert res.n_docs == 5 and res.n_examples == 5 and len(res.losses) == 3
    nlp = spacy.load(out)
    assert nlp.pipe_names == ["ner"]
    assert set(nlp.get_pipe("ner").labels) == {"Drug", "Dose", "Manifestation", "Disease"}
    assert nlp.meta["casekg"]["split"] == "all"
    preds = model_predictor(nlp)("A woman took aspirin 75 mg.\nShe had fever.")
    assert all(isinstance(p[0], int) and p[2] in {"Drug", "Dose", "Manifestation", "Disease"} for p in preds)


def test_packed_model_loads_into_the_statistical_component(tmp_path) -> None:
    from kg.nlp.statistical import load_packed

    prefix = tmp_path / "tiny"
    train(FIX, prefix, split="all", epochs=2, packed=True)
    assert prefix.with_suffix(".cfg").is_file() and prefix.with_suffix(".bin").is_file()
    assert load_packed(prefix).pipe_names == ["ner"]
    nlp = spacy.blank("en")
    nlp.add_pipe("casekg_statistical", config={"model": str(prefix), "types": ["Dose", "Drug"]})
    doc = nlp("He took ibuprofen 400 mg for headache.")
    assert all(s.label_ in ("Dose", "Drug") and s._.attrs == {"source": "model"} for s in doc.spans.get("casekg", []))


def test_training_is_deterministic(tmp_path) -> None:
    a = train(FIX, tmp_path / "a", split="all", epochs=2, seed=3)
    b = train(FIX, tmp_path / "b", split="all", epochs=2, seed=3)
    assert a.losses == b.losses


def test_unusable_gold_is_an_input_error(tmp_path) -> None:
    from kg.errors import InputError

    (tmp_path / "x.txt").write_text("Nothing annotated here.\n")
    (tmp_path / "x.ann").write_text("")
    with pytest.raises(InputError, match="no annotations"):
        train(tmp_path, tmp_path / "out", split="all", epochs=1)
    with pytest.raises(InputError, match="unknown split"):
        train(FIX, tmp_path / "out", split="dev", epochs=1)


def test_shipped_model_recognises_a_dose() -> None:
    import kg.nlp.statistical as st

    if not st.DEFAULT_MODEL.with_suffix(".bin").is_file():
        pytest.skip("no shipped model in kg/data")
    nlp = spacy.blank("en")
    nlp.add_pipe("casekg_statistical")
    doc = nlp("She was started on prednisolone 40 mg daily.")
    assert [s.text for s in doc.spans["casekg"] if s.label_ == "Dose"]


def test_case_report_gate_adds_case_types_only_in_case_reports() -> None:
    import kg.nlp.statistical as st

    if not st.DEFAULT_MODEL.with_suffix(".bin").is_file():
        pytest.skip("no shipped model in kg/data")
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("casekg_statistical", config={"types": ["Dose"], "case_types": ["Manifestation", "Disease"]})
    doc = nlp("Rats were given 10 mg of cocaine and had seizures.")
    assert {s.label_ for s in doc.spans.get("casekg", [])} <= {"Dose"}


def test_model_sizes_are_configurable(tmp_path) -> None:
    out = tmp_path / "small"
    res = train(FIX, out, split="all", epochs=1, sizes={"width": 32, "depth": 1, "hidden_width": 32})
    assert res.n_docs == 5
    cfg = spacy.load(out).config["components"]["ner"]["model"]
    assert cfg["hidden_width"] == 32 and cfg["tok2vec"]["width"] == 32 and cfg["tok2vec"]["depth"] == 1


def test_findings_mode_reads_only_sentences_with_an_unlabelled_diagnosis_word() -> None:
    import kg.nlp.statistical as st
    from kg.nlp.extensions import SPAN_GROUP

    if not st.DEFAULT_MODEL.with_suffix(".bin").is_file():
        pytest.skip("no shipped model in kg/data")
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    comp = st.StatisticalComponent(nlp, "s", "", (), ("Disease",), "findings")
    doc = nlp("She was well. A renal carcinoma was found. The scan showed cardiomyopathy. He went home.")
    sents = list(doc.sents)
    assert comp.tokens(doc, frozenset({"Disease"})) == [t.i for s in sents[1:3] for t in s]
    cm = next(t.i for t in doc if t.text == "cardiomyopathy")
    doc.spans[SPAN_GROUP] = [Span(doc, cm, cm + 1, label="Disease")]
    assert comp.tokens(doc, frozenset({"Disease"})) == [t.i for t in sents[1]]
    with pytest.raises(ValueError):
        st.StatisticalComponent(nlp, "s", "", (), (), "some")


def test_batched_pipe_gives_the_same_spans_as_one_by_one() -> None:
    import kg.nlp.statistical as st

    if not st.DEFAULT_MODEL.with_suffix(".bin").is_file():
        pytest.skip("no shipped model in kg/data")
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("casekg_statistical", config={"types": ["Dose", "Drug", "Manifestation", "Disease"]})
    texts = ["A 40-year-old man took aspirin 75 mg daily and developed a rash.", "No drugs here.",
             "She had fever, cough and pneumonia; amoxicillin 500 mg was given."]

    def spans(doc):
        return [(s.start, s.end, s.label_) for s in doc.spans.get("casekg", [])]

    batched = [spans(d) for d in nlp.pipe(texts, batch_size=3)]
    assert batched == [spans(nlp(t)) for t in texts]
    assert batched[0] and batched[2] and not batched[1]


def test_pubtator_gold_trains_its_own_labels(tmp_path) -> None:
    """BC5CDR-style gold (PubTator: Chemical -> Drug, Disease) trains through `fmt`."""
    src = Path(__file__).parent / "fixtures" / "gold" / "tiny.pubtator"
    res = train(src, tmp_path / "cdr", split="all", epochs=2, labels=("Drug", "Disease"), fmt="pubtator")
    assert res.n_docs == 1 and res.n_examples == 1
    assert set(spacy.load(tmp_path / "cdr").get_pipe("ner").labels) == {"Drug", "Disease"}
    from kg.errors import InputError

    with pytest.raises(InputError, match="brat"):  # read as the default format, it is no brat gold
        train(src, tmp_path / "brat", split="all", epochs=1)
