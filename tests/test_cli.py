"""The `kg` command's own behaviour: help texts, extract and evaluate, usage errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "gold"


def kg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_help_with_an_example(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output, f"kg {command} --help has no example"


@pytest.fixture(scope="module")
def texts(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("texts")
    (folder / "case-x.txt").write_text(
        "A 61-year-old man with anti-HMGCR antibodies was given IVIG 2 g/kg monthly. "
        "His proximal muscle weakness improved. There was no dysphagia.\n"
    )
    (folder / "case-y.txt").write_text("Azathioprine was discontinued because of pancytopenia.\n")
    return folder


def test_extract_jsonl_offsets_and_status(texts):
    proc = kg("extract", str(texts), "-f", "jsonl")
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert {r["document"] for r in records} == {"case-x", "case-y"}
    for r in records:
        original = (texts / f"{r['document']}.txt").read_text()
        assert original[r["start"] : r["end"]] == r["text"]
    dysphagia = [r for r in records if r["text"].lower() == "dysphagia"]
    assert dysphagia and dysphagia[0]["status"] == "negated" and dysphagia[0]["identifier"] == "HP:0002015"
    assert any(r["type"] == "Antibody" and r["label"] == "anti-HMGCR" for r in records)


def test_extract_pubtator_omits_negated(texts):
    proc = kg("extract", str(texts / "case-x.txt"), "-f", "pubtator")
    assert proc.returncode == 0, proc.stderr
    mention_lines = [line.split("\t") for line in proc.stdout.splitlines() if "\t" in line]
    assert mention_lines and all(len(cols) == 6 for cols in mention_lines)
    assert "dysphagia" not in {cols[3].lower() for cols in mention_lines}
    assert any(cols[4] == "Drug" and cols[5].startswith(("DRUGBANK:", "MESH:")) for cols in mention_lines)


def test_extract_brat_needs_an_output_dir_and_writes_ann(texts, tmp_path):
    assert kg("extract", str(texts), "-f", "brat").returncode == 2
    out = tmp_path / "ann"
    assert kg("extract", str(texts), "-f", "brat", "-o", str(out)).returncode == 0
    assert sorted(p.name for p in out.iterdir()) == ["case-x.ann", "case-x.txt", "case-y.ann", "case-y.txt"]
    assert "\tDrug " in (out / "case-y.ann").read_text()


def test_extract_reports_a_bad_file_and_keeps_the_good_ones(texts, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00binary")
    proc = kg("extract", str(texts / "case-y.txt"), str(bad), "-f", "jsonl")
    assert proc.returncode == 1
    assert "bad.txt" in proc.stderr and proc.stdout.strip()


def test_evaluate_prints_scores_for_a_gold_file():
    proc = kg("evaluate", "--gold", str(FIXTURES / "tiny.tsv"), "-f", "phenotagger-tsv")
    assert proc.returncode == 0, proc.stderr
    assert "strict" in proc.stdout and "overlap" in proc.stdout and "Manifestation" in proc.stdout


def test_evaluate_malformed_gold_is_one_line_exit_2(tmp_path):
    broken = tmp_path / "broken.pubtator"
    broken.write_text("123|t|A title\n123\tnot-a-number\t5\tx\tChemical\tD1\n")
    proc = kg("evaluate", "--gold", str(broken), "-f", "pubtator")
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "broken.pubtator" in proc.stderr
