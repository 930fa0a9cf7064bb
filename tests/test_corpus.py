"""Corpus layout, input checks with one-line messages, and content hashes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kg.corpus import article_id_for, load_corpus, read_article, slugify, write_article
from kg.errors import InputError
from kg.model import Article, ArticleMeta

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "corpus" / "pmid-35318646"


def make(root: Path, aid: str, text: bytes | str = "A woman had a rash.\n", meta: dict | str | None = None) -> Path:
    d = root / aid
    d.mkdir(parents=True)
    (d / "article.txt").write_bytes(text.encode() if isinstance(text, str) else text)
    if meta is not None:
        (d / "meta.json").write_text(meta if isinstance(meta, str) else json.dumps(meta), encoding="utf-8")
    return d


def one_error(root: Path, **kw) -> InputError:
    items = list(load_corpus(root, **kw))
    errors = [i for i in items if isinstance(i, InputError)]
    assert len(errors) == 1, items
    msg = str(errors[0])
    assert "\n" not in msg
    return errors[0]


def test_seed_article_is_first_and_exact() -> None:
    items = list(load_corpus(REPO / "corpus"))
    first = items[0]
    assert isinstance(first, Article)
    assert first.id == "pmid-35318646"
    assert first.meta.pmid == "35318646" and first.meta.doi == "10.1111/bjd.21252"
    assert first.meta.year == 2022 and first.meta.journal == "British Journal of Dermatology"
    assert first.meta.authors[0] == "Fischer K" and first.meta.authors[-1] == "Günther C"
    seed = Path("/work/shared/seed/000_3151774da9032433.txt")
    if seed.exists():
        assert (SEED / "article.txt").read_bytes() == seed.read_bytes()


def test_good_corpus_loads_in_order(tmp_path: Path) -> None:
    make(tmp_path, "pmid-2", meta={"id": "pmid-2", "title": "B", "pmid": "2", "year": "2020", "note": "extra keys are fine"})
    make(tmp_path, "pmid-1", meta={"title": "A", "pmid": 1})
    (tmp_path / "a-bare-report.txt").write_text("Bare text about a patient.", encoding="utf-8")
    (tmp_path / "README.md").write_text("not an article")
    (tmp_path / ".kg.lock").write_text("123")
    items = list(load_corpus(tmp_path))
    assert [i.id for i in items] == ["a-bare-report", "pmid-1", "pmid-2"]
    assert all(isinstance(i, Article) for i in items)
    assert items[1].meta.pmid == "1" and items[2].meta.year == 2020
    assert items[0].meta == ArticleMeta(id="a-bare-report")
    assert items[0].path.endswith("a-bare-report.txt")
    assert list(load_corpus(tmp_path)) == items  # stable


def test_text_is_kept_byte_for_byte(tmp_path: Path) -> None:
    raw = "Line one\r\nCaf\u00e9 \ufb01ve\u00a0mg\n".encode()
    make(tmp_path, "x", raw)
    art = read_article(tmp_path / "x")
    assert art.text.encode("utf-8") == raw


def test_empty_file(tmp_path: Path) -> None:
    make(tmp_path, "empty", b"")
    err = one_error(tmp_path)
    assert "empty/article.txt" in str(err) and "empty" in err.reason


def test_whitespace_only_file(tmp_path: Path) -> None:
    (tmp_path / "blank.txt").write_text("  \n\n\t ")
    assert "only whitespace" in str(one_error(tmp_path))


def test_binary_file(tmp_path: Path) -> None:
    make(tmp_path, "bin", b"%PDF-1.4\x00\x01\x02\x03 stream")
    err = one_error(tmp_path)
    assert "bin/article.txt" in str(err) and "binary" in err.reason and "offset 8" in err.reason


def test_mostly_control_characters(tmp_path: Path) -> None:
    make(tmp_path, "ctl", bytes(range(1, 9)) * 50 + b"some text")
    assert "binary content" in str(one_error(tmp_path))


def test_non_utf8_names_offset(tmp_path: Path) -> None:
    make(tmp_path, "latin1", "Patient re\u00e7u le traitement".encode("latin-1"))
    err = one_error(tmp_path)
    assert "latin1/article.txt" in str(err)
    assert "not valid UTF-8" in err.reason and "byte offset 10" in err.reason and "0xe7" in err.reason


def test_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(tmp_path, "big", "x" * 2000)
    err = one_error(tmp_path, max_bytes=1000)
    assert "big/article.txt" in str(err) and "2000 bytes" in err.reason and "limit" in err.reason
    monkeypatch.setenv("KG_MAX_ARTICLE_BYTES", "1500")
    assert "over the" in str(one_error(tmp_path))
    monkeypatch.setenv("KG_MAX_ARTICLE_BYTES", "5000")
    assert all(isinstance(i, Article) for i in load_corpus(tmp_path))


def test_malformed_meta_names_line(tmp_path: Path) -> None:
    make(tmp_path, "badmeta", meta='{\n  "title": "x",\n  "year": 2020,,\n}')
    err = one_error(tmp_path)
    assert "badmeta/meta.json" in str(err) and "malformed meta.json" in err.reason and "line 3" in err.reason


@pytest.mark.parametrize(
    "meta, words",
    [
        ('["not", "an", "object"]', "JSON object"),
        ({"id": "other-id"}, "does not match the folder name"),
        ({"year": "last year"}, '"year"'),
        ({"authors": "Doe J"}, None),  # a single string is accepted as one author
        ({"authors": [1, 2]}, '"authors"'),
        ({"pmid": "PMID 12"}, '"pmid"'),
        ({"title": 5}, '"title"'),
    ],
)
def test_meta_field_checks(tmp_path: Path, meta: dict | str, words: str | None) -> None:
    make(tmp_path, "m", meta=meta)
    if words is None:
        assert read_article(tmp_path / "m").meta.authors == ("Doe J",)
        return
    err = one_error(tmp_path)
    assert "m/meta.json" in str(err) and words in err.reason


def test_missing_article_txt_and_bad_ids(tmp_path: Path) -> None:
    (tmp_path / "only-meta").mkdir()
    (tmp_path / "only-meta" / "meta.json").write_text("{}")
    assert "article.txt" in str(one_error(tmp_path))
    shutil.rmtree(tmp_path / "only-meta")
    (tmp_path / "bad name!.txt").write_text("text")
    assert "not a usable article id" in str(one_error(tmp_path))


def test_duplicate_ids(tmp_path: Path) -> None:
    make(tmp_path, "dup")
    (tmp_path / "dup.txt").write_text("other text")
    err = one_error(tmp_path)
    assert "duplicate article id" in str(err)


def test_errors_do_not_stop_the_rest(tmp_path: Path) -> None:
    make(tmp_path, "a-good")
    make(tmp_path, "b-bad", b"")
    make(tmp_path, "c-good")
    items = list(load_corpus(tmp_path))
    assert [type(i).__name__ for i in items] == ["Article", "InputError", "Article"]


def test_hash_changes_with_text_and_meta(tmp_path: Path) -> None:
    d = make(tmp_path, "h", "Text one.", meta={"title": "T"})
    h1 = read_article(d).sha256
    assert read_article(d).sha256 == h1
    (d / "article.txt").write_text("Text two.")
    h2 = read_article(d).sha256
    assert h2 != h1
    (d / "meta.json").write_text(json.dumps({"title": "T (fixed)"}))
    h3 = read_article(d).sha256
    assert h3 not in (h1, h2)
    # keys the reader ignores do not force a rebuild; formatting does not either
    (d / "meta.json").write_text(json.dumps({"title": "T (fixed)", "note": "n"}, indent=4))
    assert read_article(d).sha256 == h3


def test_bare_txt_drop_in(tmp_path: Path) -> None:
    (tmp_path / "case-report-7.txt").write_text("A 7-year-old boy had a rash.", encoding="utf-8")
    art = read_article(tmp_path / "case-report-7.txt")
    assert art.id == "case-report-7" and art.meta.title == "" and art.text.startswith("A 7-year-old")


def test_write_article_round_trip(tmp_path: Path) -> None:
    meta = ArticleMeta(id=article_id_for(pmid="123", title="x"), title="A case", authors=("Doe J",), year=2021)
    folder = write_article(tmp_path, "Some text.\n", meta, note="curator note")
    assert folder.name == "pmid-123"
    art = read_article(folder)
    assert art.meta == meta and art.text == "Some text.\n"
    assert json.loads((folder / "meta.json").read_text())["note"] == "curator note"


def test_ids() -> None:
    assert article_id_for(pmid="35318646") == "pmid-35318646"
    assert article_id_for(title="Baricitinib in Dermatomyositis: a Case!") == "baricitinib-in-dermatomyositis-a-case"
    assert slugify("Günther's café") == "gunther-s-cafe"
    assert slugify("!!!") == "article"
