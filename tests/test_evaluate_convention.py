"""The "graph" assertion convention: a resolved finding or a stopped drug that the graph records as
an outcome or a discontinuation is scored as MACCROBAT's NEG. Hand-made gold and predictions, figures
computed by hand."""

from pathlib import Path

import pytest

from kg.evaluate import evaluate_path, format_report, graph_notes

FIX = Path(__file__).parent / "fixtures" / "gold" / "convention"
TEXT = (FIX / "case3.txt").read_text(encoding="utf-8")


def _at(word: str, typ: str, status: str, notes: tuple[str, ...] = ()) -> tuple:
    i = TEXT.index(word)
    return (i, i + len(word), typ, "", (), status, None, frozenset(notes))


# Gold NEG: rash (resolved), Aspirin (discontinued), fever ("No fever"). The cough resolved too
# but carries no NEG, so our resolution there is a negated-FP under "graph". prednisone is
# uncertain with a stop recorded: a status other than present or historical is kept as it is.
PREDS = [
    _at("rash", "Manifestation", "present", ("resolved",)),
    _at("prednisone", "Drug", "uncertain", ("stopped",)),
    _at("Aspirin", "Drug", "historical", ("stopped",)),
    _at("cough", "Manifestation", "present", ("resolved",)),
    _at("Heparin", "Drug", "present"),
    _at("fever", "Manifestation", "negated", ("resolved",)),
]


@pytest.fixture(scope="module")
def report():
    (rep,) = evaluate_path(FIX / "case3.ann", "brat", lambda _: PREDS)
    return rep


def test_plain_convention_reads_the_status_alone(report) -> None:
    c = report.assertion.scores["negated"]["all"]
    assert (c.tp_pred, c.n_pred, c.n_gold) == (1, 1, 3)  # fever only
    assert report.assertion.confusion[("NEG", "present")] == 1 and report.assertion.confusion[("NEG", "historical")] == 1


def test_graph_convention_counts_resolutions_and_stops_as_negated(report) -> None:
    g = report.assertion_graph
    c = g.scores["negated"]["all"]
    assert (c.tp_pred, c.n_pred, c.n_gold) == (3, 4, 3)  # rash, Aspirin, fever right; cough wrong
    assert c.precision == pytest.approx(0.75) and c.recall == pytest.approx(1.0)
    assert g.scores["negated"]["Drug"].tp_gold == 1
    assert g.confusion[("NEG", "resolved")] == 1 and g.confusion[("NEG", "stopped")] == 1
    assert g.confusion[("present", "resolved")] == 1  # the cough
    # a note never overrides another status: prednisone stays uncertain in both conventions
    assert g.confusion[("present", "uncertain")] == 1 == report.assertion.confusion[("present", "uncertain")]
    assert g.scores["uncertain"]["all"].n_pred == 1
    assert [(e.kind, e.text) for e in g.errors if e.kind.startswith("negated")] == [("negated-FP", "cough")]


def test_the_table_names_the_convention_and_the_plain_figures(report) -> None:
    plain = format_report(report)
    graph = format_report(report, 5, "graph")
    assert "convention: graph" not in plain and "resolved" not in plain.split("gold \\ ours")[1]
    assert "convention: graph" in graph and "plain convention: negated F1 0.500 (P 1.000 / R 0.333)" in graph
    assert "negated    all             0.750  1.000  0.857      4      3           0" in graph
    assert "POS/resolved" in graph
    with pytest.raises(ValueError):
        format_report(report, 0, "lenient")


def test_graph_notes_from_statements() -> None:
    rash, aspirin, itch, mtx = (0, 4, "Manifestation"), (10, 17, "Drug"), (20, 24, "Manifestation"), (30, 42, "Drug")
    statements = [
        {"kind": "outcome", "subject": mtx, "target": rash, "value": "resolved"},
        {"kind": "outcome", "subject": mtx, "target": itch, "value": "improved"},  # faded, not gone
        {"kind": "outcome", "subject": mtx, "target": itch, "value": "relapsed"},
        {"kind": "discontinuation", "subject": aspirin, "target": itch, "value": "itch"},
        {"kind": "exposure", "subject": mtx, "target": None, "value": None},
    ]
    assert graph_notes(statements) == {rash: {"resolved"}, aspirin: {"stopped"}}
    assert graph_notes([{"kind": "outcome", "subject": mtx, "target": itch, "value": "remission_maintained"}]) == {
        itch: {"resolved"}}


def test_the_pipeline_predictor_carries_the_notes() -> None:
    from kg.evaluate import predictor_from_pipeline

    text = "He was started on colchicine and the pericarditis resolved. Allopurinol was discontinued."
    got = {text[p[0]:p[1]]: p[7] for p in predictor_from_pipeline()(text)}
    assert got["pericarditis"] == {"resolved"} and got["Allopurinol"] == {"stopped"}
    assert got["colchicine"] == frozenset()


def test_cli_option() -> None:
    from click.testing import CliRunner

    from kg.cli import main

    res = CliRunner().invoke(main, ["evaluate", "--gold", str(FIX), "-f", "brat", "--assertion-convention", "graph"])
    assert res.exit_code == 0, res.output
    assert "convention: graph" in res.output and "plain convention:" in res.output
    res = CliRunner().invoke(main, ["evaluate", "--gold", str(FIX), "-f", "brat"])
    assert res.exit_code == 0 and "convention: graph" not in res.output
