"""Assertion scoring against brat POLARITY: hand-made gold and predictions with hand-computed figures."""

from pathlib import Path

import pytest

from kg import gold
from kg.evaluate import evaluate_path, format_report

FIX = Path(__file__).parent / "fixtures" / "gold" / "polarity"
TEXT = (FIX / "case2.txt").read_text(encoding="utf-8")


def _at(word: str, typ: str, status: str, cue: str | None = None, width: int | None = None) -> tuple:
    i = TEXT.index(word)
    return (i, i + (width or len(word)), typ, "", (), status, cue)


# fever: NEG, found negated (TP). rash: no attribute, found negated (FP). Lupus: UNCERTAIN, found
# hypothetical (TP; a narrower present prediction over "Lu" loses to the wider one). Prednisone:
# asserted, found present. cough: MAYBE_NEG, left out of the scores. headache: NEG (attribute on
# the span itself), not extracted.
PREDS = [
    _at("fever", "Manifestation", "negated", "no"),
    _at("rash", "Manifestation", "negated", "no"),
    _at("Lupus", "Disease", "present", width=2),
    _at("Lupus", "Disease", "hypothetical", "suspected"),
    _at("Prednisone", "Drug", "present"),
    _at("cough", "Manifestation", "negated", "improved"),
]


def test_reader_follows_events_and_direct_attributes() -> None:
    doc = gold.read_brat(FIX / "case2.ann")
    assert doc.has_polarity
    got = {m.text: m.polarity for m in doc.mentions}
    assert got == {"fever": "NEG", "rash": None, "Lupus": "UNCERTAIN", "Prednisone": None, "cough": "MAYBE_NEG",
                   "headache": "NEG"}
    # other formats carry no assertion status
    assert not gold.read_pubtator(FIX.parent / "tiny.pubtator")[0].has_polarity


@pytest.fixture(scope="module")
def assertion():
    (rep,) = evaluate_path(FIX / "case2.ann", "brat", lambda _: PREDS)
    assert rep.assertion is not None
    return rep


def test_negation_scores(assertion) -> None:
    a = assertion.assertion
    c = a.scores["negated"]["all"]
    assert (c.tp_pred, c.n_pred, c.n_gold) == (1, 2, 1)  # fever right, rash wrong, cough not counted
    assert c.precision == pytest.approx(0.5) and c.recall == pytest.approx(1.0)
    assert a.unmatched[("negated", "Manifestation")] == 1  # headache
    assert a.gold[("negated", "Manifestation")] == 2


def test_uncertain_scores_and_widest_overlap(assertion) -> None:
    c = assertion.assertion.scores["uncertain"]["Disease"]
    assert (c.tp_pred, c.n_pred, c.n_gold) == (1, 1, 1)
    assert assertion.assertion.scores["uncertain"]["all"].f1 == pytest.approx(1.0)


def test_confusion_and_errors(assertion) -> None:
    a = assertion.assertion
    assert a.confusion[("NEG", "negated")] == 1 and a.confusion[("present", "negated")] == 1
    assert a.confusion[("MAYBE_NEG", "negated")] == 1 and a.confusion[("UNCERTAIN", "hypothetical")] == 1
    assert a.confusion[("present", "present")] == 1 and sum(a.confusion.values()) == 5
    assert [(e.kind, e.text) for e in a.errors] == [("negated-FP", "rash")]
    table = format_report(assertion, errors=3)
    assert "assertion:" in table and "negated-FP" in table and "[rash]" in table
    assert "negated    all             0.500  1.000  0.667      2      1           1" in table


def test_no_assertion_table_without_polarity_gold() -> None:
    (rep,) = evaluate_path(FIX.parent / "tiny.pubtator", "pubtator", lambda _: [])
    assert rep.assertion is None and "assertion" not in format_report(rep)


def test_statuses_of_a_prediction_without_them_read_present() -> None:
    bare = [p[:5] for p in PREDS]
    (rep,) = evaluate_path(FIX / "case2.ann", "brat", lambda _: bare)
    assert rep.assertion.scores["negated"]["all"].n_pred == 0
    assert rep.assertion.confusion[("NEG", "present")] == 1


def test_cli_prints_the_assertion_table_for_brat() -> None:
    from click.testing import CliRunner

    from kg.cli import main

    res = CliRunner().invoke(main, ["evaluate", "--gold", str(FIX), "-f", "brat"])
    assert res.exit_code == 0, res.output
    assert "assertion:" in res.output and "gold \\ ours" in res.output
    # the full pipeline finds "fever" (and perhaps "headache", lexicon permitting) and negates it
    neg = next(line for line in res.output.splitlines() if line.startswith("negated    all"))
    assert int(neg.split()[5]) >= 1 and float(neg.split()[2]) == 1.0
