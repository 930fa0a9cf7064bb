"""The scorer reproduces hand-computed P/R/F1 on tiny hand-made gold files; readers parse them."""

from pathlib import Path

import pytest

from kg import gold
from kg.evaluate import evaluate, format_report

FIX = Path(__file__).parent / "fixtures" / "gold"
M = "Manifestation"

# Hand-made predictions for tiny.tsv (see the expected figures below).
PREDS = {
    "Fever and rash were seen. Then the rash faded.": [
        (0, 5, M, "HP:0001945"),  # exact, right ID
        (10, 14, M, "HP:0000988"),  # exact, right ID
        (31, 39, M, "HP:0001903"),  # "the rash": overlaps gold 35-39, wrong ID
    ],
    "She had severe anemia and no edema.": [
        (15, 21, M, "HP:0001903", ()),  # exact; also overlaps the nested gold 8-21
        (29, 34, M, "HP:0000969"),  # not in the gold at all
    ],
}


@pytest.fixture(scope="module")
def report():
    docs = gold.read_phenotagger_tsv(FIX / "tiny.tsv", M)
    return evaluate(docs, lambda text: PREDS[text])


def test_reader_tsv() -> None:
    docs = gold.read_phenotagger_tsv(FIX / "tiny.tsv", M)
    assert [d.id for d in docs] == ["d1", "d2"]
    assert [(m.start, m.end, m.id) for m in docs[1].mentions] == [(15, 21, "HP:0001903"), (8, 21, "HP:0001903")]
    assert all(d.text[m.start : m.end] == m.text for d in docs for m in d.mentions)


def test_strict(report) -> None:
    c = report.strict[M]
    assert (c.n_pred, c.n_gold, c.tp_pred) == (5, 5, 3)
    assert c.precision == pytest.approx(0.6) and c.recall == pytest.approx(0.6) and c.f1 == pytest.approx(0.6)


def test_overlap(report) -> None:
    c = report.overlap[M]
    assert c.precision == pytest.approx(0.8)
    assert c.recall == pytest.approx(1.0)
    assert c.f1 == pytest.approx(2 * 0.8 / 1.8)


def test_identifiers(report) -> None:
    m = report.id_mention[M]
    assert m.recall == pytest.approx(0.8)  # only the "rash" under "the rash" is missed
    assert m.precision == pytest.approx(0.6)
    d = report.id_document[M]
    assert (d.tp_gold, d.n_gold, d.n_pred) == (3, 3, 5)
    assert d.recall == pytest.approx(1.0) and d.precision == pytest.approx(0.6)


def test_errors_and_table(report) -> None:
    fps = [(e.doc_id, e.text) for e in report.errors if e.kind == "FP"]
    fns = [(e.doc_id, e.text) for e in report.errors if e.kind == "FN"]
    assert fps == [("d1", "the rash"), ("d2", "edema")]
    assert fns == [("d1", "rash"), ("d2", "severe anemia")]
    table = format_report(report, errors=5)
    assert "strict" in table and "0.600" in table and "[edema]" in table


def test_type_map_and_drop_nested() -> None:
    docs = gold.read_pubtator(FIX / "tiny.pubtator")
    text = docs[0].text

    def predict(_: str):
        return [
            (0, 16, "Disease", "MESH:D064420"),  # "Lithium toxicity": wrong span
            (8, 16, "Manifestation", "HP:0000001", ("MESH:D064420",)),  # nested, mapped to Disease
            (18, 30, "Drug", "DRUGBANK:DB00563", ("MESH:D008727",)),
            (38, 44, "Manifestation", "HP:0002018", ("MESH:D009325",)),
        ]

    tmap = {"Drug": "Drug", "Disease": "Disease", "Manifestation": "Disease"}
    r = evaluate(docs, predict, type_map=tmap)
    assert r.strict["Disease"].tp_pred == 2 and r.strict["Disease"].n_pred == 3
    assert r.id_mention["Drug"].recall == pytest.approx(0.5)  # lithium missed, MTX via its MeSH xref
    assert r.id_mention["Disease"].recall == pytest.approx(1.0)  # composite ID: either part counts
    r2 = evaluate(docs, predict, type_map=tmap, drop_nested=True)
    assert r2.strict["Disease"].n_pred == 2 and r2.strict["Disease"].tp_pred == 1
    assert text[18:30] == "Methotrexate"


def test_reader_pubtator_and_brat() -> None:
    docs = gold.read_pubtator(FIX / "tiny.pubtator")
    assert docs[0].text == "Lithium toxicity. Methotrexate caused nausea."
    assert [m.type for m in docs[0].mentions] == ["Drug", "Disease", "Drug", "Disease"]
    assert docs[0].mentions[3].ids == ("MESH:D009325", "MESH:D014839")
    doc = gold.read_brat(FIX / "case1.ann")
    assert [(m.type, m.text) for m in doc.mentions] == [("Drug", "prednisone"), ("Dose", "10 mg"), ("Manifestation", "rash")]
    ages = gold.read_brat(FIX / "case1.ann", {"Age": "Age"}).mentions
    assert [(m.start, m.end) for m in ages] == [(0, 7)]  # discontinuous span -> its extent


def test_gold_root_follows_env(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("KG_GOLD", str(tmp_path))
    assert gold.gold_root() == tmp_path
    assert not gold.gold_available()
    with pytest.raises(FileNotFoundError, match="KG_GOLD"):
        gold.dev_sets()
    monkeypatch.delenv("KG_GOLD")
    assert gold.gold_root() == Path(gold.__file__).resolve().parent.parent.parent / "shared" / "gold"


needs_gold = pytest.mark.skipif(not gold.gold_available(), reason="gold corpora absent (set KG_GOLD or put shared/gold beside the repository)")


@needs_gold
def test_dev_sets_offsets_are_consistent() -> None:
    sets = gold.dev_sets()
    assert {"gsc-plus-dev", "bc5cdr-dev", "maccrobat-dev"} <= set(sets)
    for name, docs in sets.items():
        assert docs, name
        bad = [m for d in docs for m in d.mentions if d.text[m.start : m.end] != m.text and not name.startswith("maccrobat")]
        assert len(bad) <= 0.01 * sum(len(d.mentions) for d in docs), (name, bad[:3])


@needs_gold
def test_train_sets_are_disjoint_from_dev() -> None:
    train, dev = gold.train_sets(), gold.dev_sets()
    assert set(train) == {"bc5cdr-train", "maccrobat-train"}
    for name, docs in train.items():
        dev_ids = {d.id for d in dev[name.replace("-train", "-dev")]}
        assert docs and not dev_ids & {d.id for d in docs}, name


def test_read_gold_by_format() -> None:
    assert [m.type for m in gold.read_gold(FIX / "tiny.tsv", "phenotagger-tsv")[0].mentions] == [M, M, M]
    assert len(gold.read_gold(FIX, "brat")) == 1  # folder of .txt/.ann pairs
    assert gold.read_gold(FIX / "tiny.pubtator", "pubtator")[0].mentions[0].type == "Drug"
    from kg.errors import InputError

    with pytest.raises(InputError, match="unknown gold format"):
        gold.read_gold(FIX / "tiny.tsv", "conll")
    with pytest.raises(InputError, match="no such file"):
        gold.read_gold(FIX / "missing.tsv", "phenotagger-tsv")
    with pytest.raises(InputError, match="pubtator"):
        gold.read_gold(FIX / "tiny.tsv", "pubtator")


def test_maccrobat_split_is_deterministic() -> None:
    docs = [gold.GoldDoc(f"{i:03d}", "") for i in range(10)]
    train, dev = gold.maccrobat_split(list(reversed(docs)))
    assert [d.id for d in dev] == ["004", "009"]
    assert len(train) == 8 and not {d.id for d in train} & {d.id for d in dev}


def test_evaluate_path_scores_dose_in_brat() -> None:
    from kg.evaluate import evaluate_path

    def predict(text: str):
        return [(13, 23, "Drug", "DRUGBANK:DB00635"), (24, 29, "Dose", ""), (30, 38, "Manifestation", "HP:0000988")]

    (rep,) = evaluate_path(FIX / "case1.ann", "brat", predict)
    assert rep.strict["Drug"].f1 == 1.0 and rep.strict["Dose"].f1 == 1.0
    assert rep.strict["Manifestation"].f1 == 0.0 and rep.overlap["Manifestation"].f1 == 1.0


@pytest.fixture(scope="module")
def pipeline_predict():
    from kg.evaluate import predictor_from_pipeline

    return predictor_from_pipeline()


def test_pipeline_predictor_yields_doses_and_negated_mentions(pipeline_predict) -> None:
    text = "He took prednisone 20 mg daily; there was no fever."
    got = {(text[p[0] : p[1]], p[2]) for p in pipeline_predict(text)}
    assert ("prednisone", "Drug") in got
    assert ("20 mg", "Dose") in got or ("20 mg daily", "Dose") in got
    assert ("fever", "Manifestation") in got  # negated, still a mention for span scoring
    status = {text[p[0] : p[1]]: p[5] for p in pipeline_predict(text)}  # scored against brat POLARITY
    assert status["fever"] == "negated" and status["prednisone"] == "present"
