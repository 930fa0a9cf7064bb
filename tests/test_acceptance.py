"""End to end through the real `kg` command: build the shipped corpus into an
on-disk store, then ask the catalogue the questions a researcher would ask."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KG = [sys.executable, "-m", "kg.cli"]


def kg(*args: str, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([*KG, *args], cwd=cwd or ROOT, capture_output=True, text=True, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f"kg {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("kg") / "store"
    kg("build", "--quiet", "--corpus", str(ROOT / "corpus"), "--store", str(store))
    return store


def rows(store: Path, name: str, **params: str) -> list[dict[str, str]]:
    args = ["query", name, "--store", str(store), "--format", "csv"]
    for k, v in params.items():
        args += ["--param", f"{k}={v}"]
    out = kg(*args).stdout
    return list(csv.DictReader(io.StringIO(out)))


def column(found: list[dict[str, str]], *names: str) -> list[str]:
    return [" ".join(r.get(n, "") for n in names).lower() for r in found]


def test_panniculitis_treated_by_baricitinib_not_methotrexate(built):
    found = rows(built, "drugs-for-manifestation", manifestation="panniculitis")
    drugs = column(found, "drugLabel")
    assert any("baricitinib" in d for d in drugs), found
    assert not any("methotrexate" in d for d in drugs), found
    bari = [r for r in found if "baricitinib" in r["drugLabel"].lower()]
    assert {r["outcome"].rsplit("#", 1)[-1].rsplit("/", 1)[-1].lower() for r in bari} & {"improved", "resolved"}, bari


def test_panniculitis_by_hpo_id_and_case(built):
    by_id = rows(built, "drugs-for-manifestation", manifestation="HP:0012490")
    by_case = rows(built, "drugs-for-manifestation", manifestation="PANNICULITIS")
    assert by_id and sorted(map(str, by_id)) == sorted(map(str, by_case))


def test_erythema_lists_baricitinib(built):
    drugs = column(rows(built, "drugs-for-manifestation", manifestation="erythema"), "drugLabel")
    assert any("baricitinib" in d for d in drugs)


def test_patients_with_antibody(built):
    assert len({r["patient"] for r in rows(built, "patients-with-antibody", antibody="anti-NXP2")}) == 1
    assert len({r["patient"] for r in rows(built, "patients-with-antibody", antibody="anti-mda5")}) == 1
    assert rows(built, "patients-with-antibody", antibody="anti-Jo-1") == []


def test_adverse_events(built):
    mtx = " ".join(column(rows(built, "adverse-events", drug="methotrexate"), "eventLabel", "event"))
    assert "hp_0001882" in mtx or "leukopenia" in mtx or "leucopenia" in mtx
    assert "hp_0002910" in mtx or "transaminase" in mtx or "liver enzyme" in mtx
    bari = " ".join(column(rows(built, "adverse-events", drug="baricitinib"), "eventLabel"))
    assert "herpes" in bari


def test_three_patients_and_no_interstitial_lung_disease(built):
    out = kg(
        "query", "--store", str(built), "--format", "json", "--sparql",
        "PREFIX ckg: <https://w3id.org/casekg/vocab#> SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a ckg:Patient }",
    ).stdout
    n = json.loads(out)["results"]["bindings"][0]["n"]["value"]
    assert int(n) == 3
    ild = kg(
        "query", "--store", str(built), "--format", "json", "--sparql",
        """PREFIX biolink: <https://w3id.org/biolink/vocab/>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?p ?m WHERE { ?p biolink:has_phenotype ?m . ?m rdfs:label ?l
          FILTER(CONTAINS(LCASE(?l), "interstitial")) }""",
    ).stdout
    assert json.loads(ild)["results"]["bindings"] == []


def test_rebuild_of_unchanged_corpus_changes_nothing(built):
    dump = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g ?s ?p ?o"
    before = kg("query", "--store", str(built), "--format", "tsv", "--sparql", dump).stdout
    proc = kg("build", "--quiet", "--corpus", str(ROOT / "corpus"), "--store", str(built))
    assert "0 built" in proc.stdout and "unchanged" in proc.stdout
    after = kg("query", "--store", str(built), "--format", "tsv", "--sparql", dump).stdout
    assert before == after


def test_validate_and_stats(built):
    assert kg("validate", "--store", str(built)).returncode == 0
    data = json.loads(kg("stats", "--store", str(built), "--format", "json").stdout)
    assert data["triples"] > 100 and data["graphs"] >= 1


def test_query_errors_exit_2(built):
    bad = kg("query", "--store", str(built), "--sparql", "SELECT ?x WHERE { ?x ", check=False)
    assert bad.returncode == 2 and bad.stderr.strip().count("\n") == 0 and "error" in bad.stderr
    unknown = kg("query", "no-such-query", "--store", str(built), check=False)
    assert unknown.returncode == 2 and "no-such-query" in unknown.stderr
    missing = kg("query", "drugs-for-manifestation", "--store", str(built), check=False)
    assert missing.returncode == 2 and "manifestation" in missing.stderr


def test_bad_files_are_reported_and_the_rest_builds(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    (corpus / "empty.txt").write_text("")
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 64)
    (corpus / "latin1.txt").write_bytes("A 45-year-old woman with r\xe9sum\xe9 of fever.".encode("latin-1"))
    with open(corpus / "huge.txt", "wb") as fh:
        fh.write(b"A patient with fever was treated with aspirin. " * (50 * 1024 * 1024 // 48 + 1))
    store = tmp_path / "store"
    proc = kg("build", "--quiet", "--corpus", str(corpus), "--store", str(store), check=False)
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.startswith("kg: error:")]
    for name in ("empty.txt", "binary.txt", "latin1.txt", "huge.txt"):
        assert sum(name in line for line in errors) == 1, proc.stderr
    assert "1 built" in proc.stdout
    assert kg("validate", "--store", str(store)).returncode == 0
