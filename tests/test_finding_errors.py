"""benchmarks/finding_errors.py: the boundary table and the error budget, on a brat file written here."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import finding_errors as fe  # noqa: E402

TEXT = "She had severe chest pain and a cough. A rash of the arm was seen."


def _write(tmp_path: Path, anns: list[tuple[str, str]]) -> Path:
    lines = []
    for i, (typ, phrase) in enumerate(anns, 1):
        a = TEXT.index(phrase)
        lines.append(f"T{i}\t{typ} {a} {a + len(phrase)}\t{phrase}")
    (tmp_path / "d1.ann").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "d1.txt").write_text(TEXT, encoding="utf-8")
    return tmp_path


def _span(phrase: str, label: str = "Manifestation") -> dict:
    a = TEXT.index(phrase)
    return {"start": a, "end": a + len(phrase), "label": label, "kb": "", "source": "", "status": "present", "text": phrase}


def test_boundaries_name_the_side_and_the_words(tmp_path) -> None:
    root = _write(tmp_path, [("Sign_symptom", "pain"), ("Sign_symptom", "cough"), ("Sign_symptom", "rash of the arm")])
    preds = {"d1": [_span("severe chest pain"), _span("cough"), _span("rash"), _span("arm", "Disease")]}
    out = fe.boundaries(preds, root)
    assert "exact 1" in out
    assert "ours longer on the left 1" in out and "severe chest 1" in out
    assert "gold longer on the right 1" in out and "of the arm 1" in out
    assert "ours longer on the right" not in out  # "arm" is a Disease: no sign boundary to judge


def test_budget_sorts_mistyped_and_untouched(tmp_path) -> None:
    root = _write(tmp_path, [("Disease_disorder", "cough"), ("Sign_symptom", "rash of the arm"), ("Sign_symptom", "pain")])
    preds = {"d1": [_span("cough"), _span("chest pain")]}
    out = fe.budget(preds, root)
    assert "FN a untouched\t1" in out  # the rash
    assert "FN b mistyped (other finding type)\t1" in out  # the cough, typed a sign
    assert "FP d mistyped (gold other finding type)\t1" in out


def test_buckets_sort_each_error_once(tmp_path) -> None:
    # gold: "cough" a disease, "pain" a sign, "rash" a sign; ours: "cough" typed a sign (type
    # confusion both ways), "chest" next to "pain" (boundary), nothing on "rash" (missed), "arm"
    # a sign over no annotation (spurious)
    root = _write(tmp_path, [("Disease_disorder", "cough"), ("Sign_symptom", "pain"), ("Sign_symptom", "rash")])
    preds = {"d1": [_span("cough"), _span("chest"), _span("arm")]}
    rows = dict(line.split("\t", 1) for line in fe.buckets(preds, root).splitlines()[2:])
    assert rows["FN type confusion"] == "0\t1"  # columns: Manifestation, Disease
    assert rows["FN boundary"] == "1\t0"
    assert rows["FN missed (no span)"] == "1\t0"
    assert rows["FP type confusion"] == "1\t0"
    assert rows["FP boundary"] == "1\t0"
    assert rows["FP spurious (nothing annotated)"] == "1\t0"


def test_partitions_cover_every_fold_evenly() -> None:
    for partition in ("mod", "block", "shuffle"):
        fold = fe.fold_of(128, 5, partition)
        sizes = sorted(fold.count(k) for k in range(5))
        assert sizes[0] >= 25 and sizes[-1] <= 26, partition
    assert fe.fold_of(10, 5, "block") == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert fe.fold_of(128, 5, "shuffle") != fe.fold_of(128, 5, "mod")
