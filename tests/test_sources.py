"""Readers for kg add: format detection, PubMed XML, JATS, BioC XML/JSON, plain text.

Fixtures in tests/fixtures/sources are hand-written in the documented shapes (see its
README); every assertion here is about what a curator would find in article.txt/meta.json.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.errors import InputError
from kg.sources import parse_bytes, read_path
from kg.sources.detect import detect_format, license_label, normalise_doi, normalise_pmcid

FIX = Path(__file__).parent / "fixtures" / "sources"


def one(name: str):
    docs = read_path(FIX / name)
    assert len(docs) == 1
    return docs[0]


# ------------------------------------------------------------------ detection


@pytest.mark.parametrize(
    "name, fmt",
    [
        ("pubmed-35318646.xml", "pubmed-xml"),
        ("pubmed-batch.xml", "pubmed-xml"),
        ("jats-PMC9900002.xml", "jats"),
        ("bioc-PMC9900002.xml", "bioc-xml"),
        ("bioc-pubtator-35318646.json", "bioc-json"),
        ("bioc-pmc-list.json", "bioc-json"),
        ("plain-case.txt", "text"),
    ],
)
def test_detects_fixture_formats(name: str, fmt: str):
    assert detect_format((FIX / name).read_bytes(), name) == fmt


def test_detection_is_by_content_not_name():
    jats = (FIX / "jats-PMC9900002.xml").read_bytes()
    assert detect_format(jats, "download.txt") == "jats"
    assert detect_format(b"\xef\xbb\xbf" + jats, "x") == "jats"  # BOM
    assert detect_format(b"[Case report] A 45-year-old woman ...", "case") == "text"
    assert detect_format(b"<3 weeks of fever in a 12-year-old boy", "case.txt") == "text"
    wrapped = b'<?xml version="1.0"?>\n<pmc-articleset><article></article></pmc-articleset>'
    assert detect_format(wrapped, "efetch") == "jats"


@pytest.mark.parametrize(
    "data, name, reason",
    [
        (b"", "a.txt", "file is empty"),
        (b"  \n ", "a.txt", "file is empty"),
        (b"%PDF-1.7\n...", "paper.pdf", "PDF file"),
        (b"PK\x03\x04rest", "paper.docx", "ZIP archive"),
        (b"abc\x00def", "blob", "binary content"),
        (b"<!DOCTYPE html><html><body>x</body></html>", "page.html", "HTML page"),
        (b'<?xml version="1.0"?><rss><channel/></rss>', "feed.xml", "unknown XML format: root element <rss>"),
        (b'{"header": {}, "esearchresult": {}}', "x.json", "unknown JSON format"),
        (b'{"documents": [', "x.json", "malformed JSON"),
        (b"plain words", "x.xml", "neither XML nor JSON"),
    ],
)
def test_unusable_input_is_refused_with_a_reason(data: bytes, name: str, reason: str):
    with pytest.raises(InputError) as exc:
        parse_bytes(data, name)
    assert str(exc.value).startswith(f"{name}: ")
    assert reason in str(exc.value)
    assert "\n" not in str(exc.value)


def test_id_normalisers():
    assert normalise_doi("https://doi.org/10.1111/BJD.21252") == "10.1111/BJD.21252"
    assert normalise_doi("doi: 10.1111/bjd.21252") == "10.1111/bjd.21252"
    assert normalise_doi("bjd.21252") is None
    assert normalise_pmcid("pmc123") == "PMC123" and normalise_pmcid("123") == "PMC123"
    assert normalise_pmcid("PMCX") is None
    assert license_label("http://creativecommons.org/licenses/by-nc-nd/4.0/") == "CC BY-NC-ND 4.0"
    assert license_label(None, "distributed under CC BY 4.0 licence") == "CC BY 4.0"


# ------------------------------------------------------------------ PubMed XML


def test_pubmed_record_metadata():
    d = one("pubmed-35318646.xml")
    assert d.source_format == "pubmed-xml"
    assert d.pmid == "35318646" and d.doi == "10.1111/bjd.21252"
    # The ReferenceList carries a cited paper's PMC id; it is not this article's.
    assert d.pmcid is None
    assert d.year == 2022 and d.journal == "The British journal of dermatology"
    assert d.authors == ("Fischer K", "Aringer M", "Steininger J", "Heil J", "Beissert S", "Abraham S", "Günther C")
    assert d.title.startswith("Improvement of cutaneous inflammation and panniculitis")


def test_pubmed_structured_abstract_keeps_section_labels():
    d = one("pubmed-35318646.xml")
    assert d.sections == ("Abstract", "BACKGROUND", "OBJECTIVES", "METHODS", "RESULTS", "CONCLUSIONS")
    assert d.text.startswith(d.title + "\n\nAbstract\n\nBACKGROUND\nSkin disease in dermatomyositis")
    assert "\n\nRESULTS\nErythema and panniculitis improved" in d.text
    # Inline markup (<i>) keeps its text; a no-break space stays for kg.text.repair to handle.
    assert "with the Cutaneous Dermatomyositis Disease Area and Severity Index (CDASI)" in d.text
    assert "baricitinib 4\u00a0mg daily" in d.text
    assert "CopyrightInformation" not in d.text and "© 2022" not in d.text
    assert d.raw == (FIX / "pubmed-35318646.xml").read_bytes()


def test_pubmed_plain_abstract_medline_date_and_author_kinds():
    d = one("pubmed-99000001.xml")
    assert d.year == 2021  # from <MedlineDate>2021 Nov-Dec</MedlineDate>
    assert d.pmcid == "PMC9900001"
    assert d.authors == ("Example AM", "Invented Myositis Study Group")  # ValidYN="N" dropped
    assert d.sections == ("Abstract",)
    body = d.text.split("\n\nAbstract\n", 1)[1]
    assert body.startswith("A 48-year-old woman") and "\n\nRituximab was started" in body


def test_pubmed_batch_gives_one_document_per_record_each_reparseable():
    docs = read_path(FIX / "pubmed-batch.xml")
    assert [d.pmid for d in docs] == ["35318646", "99000001"]
    for d in docs:
        again = parse_bytes(d.raw, "stored.xml")
        assert len(again) == 1 and again[0].pmid == d.pmid and again[0].text == d.text


def test_pubmed_failures():
    with pytest.raises(InputError, match="PubmedBookArticle"):
        read_path(FIX / "pubmed-book.xml")
    with pytest.raises(InputError, match="E-utilities error: Empty id list"):
        parse_bytes((FIX / "efetch-error.xml").read_bytes(), "efetch", "pubmed-xml")
    with pytest.raises(InputError, match="no PubmedArticle records"):
        parse_bytes(b"<PubmedArticleSet></PubmedArticleSet>", "empty.xml")
    title_only = (FIX / "pubmed-99000001.xml").read_text()
    start, end = title_only.index("<Abstract>"), title_only.index("</Abstract>") + len("</Abstract>")
    with pytest.raises(InputError, match="no abstract text"):
        parse_bytes((title_only[:start] + title_only[end:]).encode(), "noabs.xml")


def test_truncated_xml_is_reported_with_position(tmp_path: Path):
    data = (FIX / "pubmed-35318646.xml").read_bytes()
    cut = tmp_path / "cut.xml"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as exc:
        read_path(cut)
    msg = str(exc.value)
    assert msg.startswith(f"{cut}: malformed XML: ") and "line" in msg and "truncated" in msg


def test_mismatched_tags_are_malformed():
    with pytest.raises(InputError, match=r"malformed XML: mismatched tag: line 1"):
        parse_bytes(b"<PubmedArticleSet><PubmedArticle></PubmedArticleSet>", "bad.xml")


# ------------------------------------------------------------------ JATS


def test_jats_metadata():
    d = one("jats-PMC9900002.xml")
    assert d.source_format == "jats"
    assert (d.pmid, d.pmcid, d.doi) == ("99000002", "PMC9900002", "10.5555/casekg.0002")
    assert d.journal == "Journal of Invented Case Reports"
    assert d.year == 2023  # the collection (issue) year, as PubMed cites it, not the epub date
    # Initials from given names ("Jan-Peter" -> JP), the initials attribute when present,
    # collaborations kept, editors left out.
    assert d.authors == ("Müller JP", "Rossi MA", "Invented Paediatric Rheumatology Network")
    assert d.license == "CC BY 4.0"


def test_jats_sections_and_order():
    d = one("jats-PMC9900002.xml")
    assert d.sections == (
        "Abstract", "Background", "Case presentation", "Conclusions",
        "Introduction", "Case presentation", "Treatment and outcome", "Discussion",
    )
    t = d.text
    assert t.startswith("Baricitinib for refractory juvenile dermatomyositis with calcinosis: a case report\n\nAbstract\n\nBackground\n")
    order = [t.index(s) for s in ("Background\n", "\nIntroduction\n", "\nCase presentation\nA 9-year-old girl presented",
                                  "\nTreatment and outcome\n", "\nDiscussion\n")]
    assert order == sorted(order)


def test_jats_figures_and_tables_become_paragraphs():
    t = one("jats-PMC9900002.xml").text
    # The figure nested in a <p> follows the paragraph instead of splitting its sentence.
    assert "Creatine kinase was 2400\u2009U/L.\n\nFigure 1. Gottron papules over the metacarpophalangeal joints. Before treatment (a)" in t
    assert "Table 1. Laboratory findings before and after baricitinib.\n\nParameter | Baseline | Month 6\nCreatine kinase (U/L) | 2400 | 160\nCMAS | 31 | 48" in t
    assert "CMAS, Childhood Myositis Assessment Scale." in t  # table footnote
    assert "\n\nGottron papules resolved after six months.\n\nCalcinosis decreased in size." in t  # list items
    assert "Figure 2. Radiograph of the elbow showing calcinosis." in t  # floats-group
    assert "15\u00a0mg/m2 weekly" in t


def test_jats_leaves_out_back_matter_and_duplicates():
    t = one("jats-PMC9900002.xml").text
    for absent in ("must not be read", "We thank", "References", "Supplementary", "graphical abstract", "Department of Paediatrics", "© 2023"):
        assert absent not in t


def test_jats_wrapper_with_two_articles_and_html_entities():
    art = (FIX / "jats-PMC9900002.xml").read_text(encoding="utf-8")
    body = art[art.index("<article ") :]
    second = body.replace("PMC9900002", "PMC9900003").replace("99000002", "99000003").replace(
        "Creatine kinase was", "Creatine&nbsp;kinase&ndash;level was"
    )
    data = ('<?xml version="1.0"?>\n<pmc-articleset>' + body + second + "</pmc-articleset>").encode()
    docs = parse_bytes(data, "efetch-pmc.xml")
    assert [d.pmcid for d in docs] == ["PMC9900002", "PMC9900003"]
    assert "Creatine\u00a0kinase\u2013level was" in docs[1].text
    assert parse_bytes(docs[1].raw, "again.xml")[0].text == docs[1].text


def test_jats_without_body_is_abstract_only_and_without_text_is_refused():
    art = (FIX / "jats-PMC9900002.xml").read_text(encoding="utf-8")
    no_body = art[: art.index("<body>")] + art[art.index("</body>") + 7 :]
    d = parse_bytes(no_body.encode(), "front-only.xml")[0]
    assert d.sections == ("Abstract", "Background", "Case presentation", "Conclusions", )
    nothing = no_body
    while "<abstract" in nothing:
        nothing = nothing[: nothing.index("<abstract")] + nothing[nothing.index("</abstract>") + 11 :]
    nothing = nothing[: nothing.index("<floats-group>")] + nothing[nothing.index("</floats-group>") + 15 :]
    with pytest.raises(InputError, match="neither abstract nor body"):
        parse_bytes(nothing.encode(), "empty-article.xml")


# ------------------------------------------------------------------ BioC


def test_bioc_xml_pmc_passages():
    d = one("bioc-PMC9900002.xml")
    assert d.source_format == "bioc-xml"
    assert (d.pmid, d.pmcid, d.doi, d.year) == ("99000002", "PMC9900002", "10.5555/casekg.0002", 2023)
    assert d.authors == ("Müller JP", "Rossi MA") and d.journal == "J Invent Case Rep"
    assert d.sections == ("Abstract", "Background", "Case presentation", "Introduction", "Case presentation", "Discussion")
    assert d.text.startswith("Baricitinib for refractory juvenile dermatomyositis with calcinosis: a case report\n\nAbstract\n\nBackground\nCalcinosis")
    assert "\n\nGottron papules over the metacarpophalangeal joints." in d.text  # fig caption
    assert "must not be read" not in d.text and "We thank" not in d.text  # ref, ACK_FUND


def test_bioc_json_pubtator_and_pmc_list():
    d = one("bioc-pubtator-35318646.json")
    assert d.source_format == "bioc-json"
    assert (d.pmid, d.doi, d.year, d.journal) == ("35318646", "10.1111/bjd.21252", 2022, "Br J Dermatol")
    assert d.authors[0] == "Fischer K" and d.authors[-1] == "Günther C" and len(d.authors) == 7
    assert d.sections == ("Abstract", "BACKGROUND", "RESULTS")
    assert "\n\nRESULTS\nErythema and panniculitis improved" in d.text
    e = one("bioc-pmc-list.json")
    assert (e.pmid, e.pmcid, e.license) == ("99000003", "PMC9900003", "CC BY 4.0")
    assert e.sections == ("Abstract", "Case report")


@pytest.mark.parametrize(
    "data, reason",
    [
        (b'{"documents": [{"id": "1", "passages": [{"offset": 0, "text": 5}]}]}', "documents[0].passages[0].text must be a string"),
        (b'{"documents": [{"id": "1", "passages": [{"offset": "x", "text": "a"}]}]}', "offset must be an integer"),
        (b'{"documents": []}', "no documents"),
        (b'{"documents": [{"id": "1", "passages": [{"offset": 0, "infons": {"type": "title"}, "text": "Only a title"}]}]}', "nothing to extract"),
        (b'{"documents": "nope"}', 'with a "documents" list'),
    ],
)
def test_bioc_json_malformed(data: bytes, reason: str):
    with pytest.raises(InputError) as exc:
        parse_bytes(data, "x.json")
    assert reason in str(exc.value)


def test_bioc_xml_passage_without_offset():
    data = b"<collection><document><id>1</id><passage><text>A text.</text></passage></document></collection>"
    with pytest.raises(InputError, match="without a numeric <offset>"):
        parse_bytes(data, "b.xml")


# ------------------------------------------------------------------ plain text


def test_plain_text_is_kept_byte_for_byte_with_sidecar_metadata():
    d = one("plain-case.txt")
    assert d.text.encode("utf-8") == (FIX / "plain-case.txt").read_bytes()  # CRLF, ligature untouched
    assert d.source_format == "text" and d.raw is None
    assert d.title.startswith("Hydroxychloroquine-induced rash") and d.year == 2020
    assert d.authors == ("Doe J", "Roe R") and d.extra == {"note": "invented fixture"}


def test_plain_text_errors(tmp_path: Path):
    latin1 = tmp_path / "old.txt"
    latin1.write_bytes("Patient mit Ausschlag, sp\xe4ter besser".encode("latin-1"))
    with pytest.raises(InputError, match=r"old.txt: not valid UTF-8: byte 0xe4"):
        read_path(latin1)
    blank = tmp_path / "blank.txt"
    blank.write_text("\n\n")
    with pytest.raises(InputError, match="blank.txt: file is empty"):
        read_path(blank)
    ok = tmp_path / "case.txt"
    ok.write_text("A 40-year-old man had fever.")
    (tmp_path / "case.json").write_text('{"year": "last year"}')
    with pytest.raises(InputError, match=r'case.json: "year" must be a four-digit integer'):
        read_path(ok)
    with pytest.raises(InputError, match="file not found"):
        read_path(tmp_path / "missing.txt")
    with pytest.raises(InputError, match="is a directory"):
        read_path(tmp_path)


def test_sidecar_can_name_the_id_and_explicit_meta_file(tmp_path: Path):
    case = tmp_path / "case.txt"
    case.write_text("A 40-year-old man had fever.")
    meta = tmp_path / "elsewhere.json"
    meta.write_text('{"id": "fever-case", "title": "Fever"}')
    d = read_path(case, meta_path=meta)[0]
    assert d.id_hint == "fever-case" and d.title == "Fever"
    with pytest.raises(InputError, match="only applies to plain-text"):
        read_path(FIX / "jats-PMC9900002.xml", meta_path=meta)
