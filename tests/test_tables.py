"""The one reader of kg/data's tab-separated tables."""
from pathlib import Path

import pytest

from kg.nlp.tables import table_rows


def test_comments_and_blank_lines_are_skipped_and_quotes_are_plain(tmp_path: Path) -> None:
    p = tmp_path / "t.tsv"
    p.write_text('# a comment with "quotes\n\nadd\tDrug\t"odd" name\n   \nx\t\ty\n', encoding="utf-8")
    assert table_rows(p) == [["add", "Drug", '"odd" name'], ["x", "", "y"]]


def test_missing_table(tmp_path: Path) -> None:
    assert table_rows(tmp_path / "absent.tsv", missing_ok=True) == []
    with pytest.raises(FileNotFoundError):
        table_rows(tmp_path / "absent.tsv")


def test_every_shipped_table_reads_as_tab_separated_columns() -> None:
    import csv

    from kg import vocab

    tables = sorted(vocab.DATA_DIR.glob("*.tsv"))
    assert len(tables) >= 10
    for path in tables:
        # the csv module (quoting) and the plain split agree on every shipped table
        with open(path, encoding="utf-8", newline="") as f:
            via_csv = [r for r in csv.reader(f, delimiter="\t") if r and r[0].strip() and not r[0].startswith("#")]
        assert table_rows(path) == via_csv, path.name
