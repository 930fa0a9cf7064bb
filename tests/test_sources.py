"""Readers for kg add: format detection, PubMed XML, JATS, BioC XML/JSON, plain text.

PubMed and JATS tests read REAL recorded service responses (tests/fixtures/sources/recorded,
provenance in tests/fixtures/sources/README.md) and check what the record itself says,
read from it with ElementTree, not guessed. BioC and plain-text fixtures are still
hand-written in the documented shapes (no recording could be found; see the README);
every assertion is about what a curator would find in article.txt/meta.json.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.sources import parse_bytes, read_path
from kg.sources.detect import detect_format, license_label, normalise_doi, normalise_pmcid

FIX = Path(__file__).parent / "fixtures" / "sources"
REC = FIX / "recorded"
XLINK = "{http://www.w3.org/1999/xlink}"


def one(name: str):
    docs = read_path((REC if (REC / name).is_file() else FIX) / name)
    assert len(docs) == 1
    return docs[0]


# ------------------------------------------------------------------ detection


@pytest.mark.parametrize(
    "name, fmt",
    [
        ("recorded/efetch-pubmed-22351513.xml", "pubmed-xml"),
        ("recorded/efetch-pubmed-11748933-11700088.xml", "pubmed-xml"),
        ("recorded/efetch-pubmed-37909814-none.xml", "pubmed-xml"),
        ("recorded/efetch-pmc-3299399.xml", "jats"),
        ("recorded/pmc-oa-PMC3166277.nxml", "jats"),
        ("bioc-PMC9900002.xml", "bioc-xml"),
        ("bioc-pubtator-35318646.json", "bioc-json"),
        ("bioc-pmc-list.json", "bioc-json"),
        ("plain-case.txt", "text"),
    ],
)
def test_detects_fixture_formats(name: str, fmt: str):
    assert detect_format((FIX / name).read_bytes(), name) == fmt


def test_detection_is_by_content_not_name():
    jats = (REC / "pmc-oa-PMC3166277.nxml").read_bytes()
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


@pytest.mark.parametrize(
    "text, label",
    [
        ("This is an open-access article distributed under the terms of the Creative Commons Attribution License, "
         "which permits unrestricted use.", "CC BY"),
        ("Published under the Creative Commons Attribution-NonCommercial-NoDerivatives 4.0 International License.", "CC BY-NC-ND 4.0"),
        ("Reused under the Creative Commons Attribution ShareAlike Licence, version 3.0, with credit.", "CC BY-SA 3.0"),
        ("Creative Commons Attribution Non Commercial License, which permits non-commercial use.", "CC BY-NC"),
        ("All rights reserved by the society.", "All rights reserved by the society."),
    ],
)
def test_license_spelled_out_without_a_link(text: str, label: str):
    assert license_label(None, text) == label


def test_public_domain_mark():
    assert license_label("http://creativecommons.org/publicdomain/mark/1.0/") == "Public Domain Mark 1.0"
    assert license_label("https://creativecommons.org/publicdomain/zero/1.0/") == "CC0 1.0"


# ------------------------------------------------------------------ PubMed XML


def _citation(name: str, index: int = 0) -> ET.Element:
    art = ET.parse(REC / name).getroot().findall("PubmedArticle")[index]
    return art


def _authors(art: ET.Element) -> tuple[str, ...]:
    """'LastName Initials' or the CollectiveName, for valid authors: the record's own list."""
    out = []
    for a in art.findall("MedlineCitation/Article/AuthorList/Author"):
        if a.get("ValidYN") == "N":
            continue
        # A mononym ("Mahmooduzzafar" in 22351513) has a LastName and no Initials.
        out.append(a.findtext("CollectiveName") or " ".join(filter(None, (a.findtext("LastName"), a.findtext("Initials")))))
    return tuple(out)


def _all_text(el: ET.Element | None) -> str:
    return "".join(el.itertext()) if el is not None else ""


def test_pubmed_record_metadata_ignores_the_reference_lists_pmc_ids():
    art = _citation("efetch-pubmed-32743745.xml")
    ids = {a.get("IdType"): a.text for a in art.findall("PubmedData/ArticleIdList/ArticleId")}
    cited_pmc = [a.text for a in art.findall("PubmedData/ReferenceList/Reference/ArticleIdList/ArticleId") if a.get("IdType") == "pmc"]
    assert "pmc" not in ids and cited_pmc  # the case under test: cited papers in PMC, this one not
    d = one("efetch-pubmed-32743745.xml")
    assert d.source_format == "pubmed-xml"
    assert (d.pmid, d.doi, d.pmcid) == (art.findtext("MedlineCitation/PMID"), ids["doi"], None)
    journal = art.find("MedlineCitation/Article/Journal")
    assert d.journal == journal.findtext("Title")  # type: ignore[union-attr]
    assert d.year == int(journal.findtext("JournalIssue/PubDate/Year"))  # type: ignore[arg-type, union-attr]
    assert d.authors == _authors(art) and len(d.authors) == 3
    assert d.title == _all_text(art.find("MedlineCitation/Article/ArticleTitle"))
    assert "\u03b2" in d.title  # 'Aβ' arrives as the character, not an entity or markup


def test_pubmed_structured_abstract_keeps_section_labels_and_drops_the_copyright():
    art = _citation("efetch-pubmed-22351513.xml")
    parts = art.findall("MedlineCitation/Article/Abstract/AbstractText")
    d = one("efetch-pubmed-22351513.xml")
    assert d.sections == ("Abstract", *[p.get("Label") for p in parts]) == ("Abstract", "BACKGROUND", "RESULTS", "CONCLUSION")
    assert d.text.startswith(f"{d.title}\n\nAbstract\n\nBACKGROUND\n{_all_text(parts[0])}\n\nRESULTS\n")
    for p in parts:  # every labelled part, inline markup (<sup>) included, as its own block
        assert f"\n\n{p.get('Label')}\n{_all_text(p)}" in d.text
    copyright_ = art.findtext("MedlineCitation/Article/Abstract/CopyrightInformation")
    assert copyright_ and copyright_ not in d.text and "Copyright" not in d.text
    assert d.raw == (REC / "efetch-pubmed-22351513.xml").read_bytes()


def test_pubmed_unlabelled_part_gets_no_heading():
    """PubMed marks the untitled first part of an ASM abstract Label="UNLABELLED"."""
    art = _citation("efetch-pubmed-38329942.xml")
    parts = art.findall("MedlineCitation/Article/Abstract/AbstractText")
    assert [p.get("Label") for p in parts] == ["UNLABELLED", "IMPORTANCE"]
    d = one("efetch-pubmed-38329942.xml")
    assert d.sections == ("Abstract", "IMPORTANCE") and "UNLABELLED" not in d.text
    assert d.text.startswith(f"{d.title}\n\nAbstract\n{_all_text(parts[0])}\n\nIMPORTANCE\n{_all_text(parts[1])}")
    # The rule on an abstract written here: lower case, and an unlabelled part that is not first.
    xml = (REC / "efetch-pubmed-22351513.xml").read_text(encoding="utf-8")
    xml = xml.replace('Label="BACKGROUND"', 'Label="unlabelled"').replace('Label="CONCLUSION"', 'Label="UNLABELLED"')
    again = parse_bytes(xml.encode(), "edited.xml")[0]
    assert again.sections == ("Abstract", "RESULTS") and "nlabelled" not in again.text


def test_pubmed_plain_abstract_inline_markup_and_collective_author():
    art = _citation("efetch-pubmed-29915538.xml")
    (part,) = art.findall("MedlineCitation/Article/Abstract/AbstractText")
    assert part.find("b") is not None and part.find("sup") is not None  # markup inside the text
    d = one("efetch-pubmed-29915538.xml")
    assert d.sections == ("Abstract",) and d.pmcid == "PMC5994433"
    assert d.text == f"{d.title}\n\nAbstract\n{_all_text(part)}\n"
    trial = _citation("efetch-pubmed-23121403.xml")
    collective = trial.findtext("MedlineCitation/Article/AuthorList/Author/CollectiveName")
    e = one("efetch-pubmed-23121403.xml")
    assert collective and collective in e.authors and e.authors == _authors(trial)


def test_pubmed_case_report_with_pmc_id_and_copyright():
    art = _citation("efetch-pubmed-38763967.xml")
    types = [t.text for t in art.iter("PublicationType")]
    ids = {a.get("IdType"): a.text for a in art.findall("PubmedData/ArticleIdList/ArticleId")}
    copyright_ = art.findtext("MedlineCitation/Article/Abstract/CopyrightInformation")
    assert "Case Reports" in types and copyright_
    d = one("efetch-pubmed-38763967.xml")
    assert (d.pmid, d.pmcid, d.doi) == ("38763967", ids["pmc"], ids["doi"])
    assert d.authors == _authors(art) and copyright_ not in d.text
    assert d.text == f"{d.title}\n\nAbstract\n{_all_text(art.find('MedlineCitation/Article/Abstract/AbstractText'))}\n"


def test_pubmed_medline_date_and_invalid_authors():
    """No recording with these; the rules are tested on a recorded record edited here."""
    xml = (REC / "efetch-pubmed-22351513.xml").read_text(encoding="utf-8")
    pub_date = re.search(r"<PubDate>.*?</PubDate>", xml, re.S).group()  # type: ignore[union-attr]
    edited = xml.replace(pub_date, "<PubDate><MedlineDate>1998 Nov-Dec</MedlineDate></PubDate>", 1)
    edited = edited.replace('<Author ValidYN="Y">', '<Author ValidYN="N">', 1)
    d = parse_bytes(edited.encode(), "edited.xml")[0]
    assert d.year == 1998
    assert d.authors == _authors(_citation("efetch-pubmed-22351513.xml"))[1:]


def test_pubmed_batch_gives_one_document_per_record_each_reparseable():
    name = "efetch-pubmed-11748933-11700088.xml"
    docs = read_path(REC / name)
    assert [d.pmid for d in docs] == [a.findtext("MedlineCitation/PMID") for a in ET.parse(REC / name).getroot()] == ["11748933", "11700088"]
    for i, d in enumerate(docs):
        assert d.authors == _authors(_citation(name, i))
        again = parse_bytes(d.raw, "stored.xml")
        assert len(again) == 1 and again[0].pmid == d.pmid and again[0].text == d.text


def test_pubmed_failures():
    with pytest.raises(InputError, match="PubmedBookArticle"):
        read_path(REC / "pubmed-book-20301546.xml")
    with pytest.raises(InputError, match="E-utilities error: Empty id list"):
        parse_bytes((FIX / "efetch-error.xml").read_bytes(), "efetch", "pubmed-xml")
    with pytest.raises(InputError, match="no PubmedArticle records"):
        read_path(REC / "efetch-pubmed-37909814-none.xml")  # efetch's answer for an id it does not have
    with pytest.raises(InputError, match=r"PubMed record 1234567 has no abstract text \(title only\)"):
        read_path(REC / "efetch-pubmed-1234567.xml")  # a real title-only record


def test_truncated_xml_is_reported_with_position(tmp_path: Path):
    data = (REC / "efetch-pubmed-22351513.xml").read_bytes()
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


def _meta(name: str) -> ET.Element:
    root = ET.parse(REC / name).getroot()
    art = root if root.tag == "article" else root.find("article")
    return art  # type: ignore[return-value]


def _initials(given: str) -> str:
    return "".join(p[0] for p in re.split(r"[\s.-]+", given) if p)


def test_jats_metadata_from_efetch_pmc():
    art = _meta("efetch-pmc-3299399.xml")
    meta = art.find("front/article-meta")
    ids = {a.get("pub-id-type"): a.text for a in meta.findall("article-id")}  # type: ignore[union-attr]
    d = one("efetch-pmc-3299399.xml")
    assert d.source_format == "jats"
    assert (d.pmid, d.pmcid, d.doi) == (ids["pmid"], "PMC" + ids["pmc"], ids["doi"])  # type: ignore[operator]
    assert d.journal == art.findtext("front/journal-meta/journal-title-group/journal-title")
    assert d.year == int(meta.find("pub-date[@pub-type='collection']").findtext("year"))  # type: ignore[arg-type, union-attr]
    names = meta.findall("contrib-group/contrib[@contrib-type='author']/name")  # type: ignore[union-attr]
    assert d.authors == tuple(f"{n.findtext('surname')} {_initials(n.findtext('given-names') or '')}" for n in names)
    assert d.authors[2] == "Rose EJ"  # "Emma Jane" -> EJ
    # The licence element points at the publisher's terms page; the Creative Commons licence is
    # the <uri> inside its text.
    lic = meta.find("permissions/license")  # type: ignore[union-attr]
    assert "creativecommons" not in lic.get(XLINK + "href", "")  # type: ignore[union-attr]
    assert lic.find("license-p/uri").get(XLINK + "href") == "http://creativecommons.org/licenses/by-nc/3.0/"  # type: ignore[union-attr]
    assert d.license == "CC BY-NC 3.0"


def test_jats_license_link_inside_the_text_on_a_written_example():
    art = (REC / "efetch-pmc-8435807.xml").read_text(encoding="utf-8")
    ref = re.search(r"<ali:license_ref[^>]*>[^<]*</ali:license_ref>", art).group()  # type: ignore[union-attr]
    edited = art.replace(ref, "").replace(
        "<license>", '<license xlink:href="https://example.org/terms">', 1
    ).replace(
        "Creative Commons Attribution Non-Commercial Licence 4.0",
        '<ext-link ext-link-type="uri" xlink:href="https://creativecommons.org/licenses/by-sa/4.0/">CC BY-SA</ext-link>', 1
    )
    assert parse_bytes(edited.encode(), "edited.xml")[0].license == "CC BY-SA 4.0"
    assert one("efetch-pmc-8435807.xml").license == "CC BY-NC 4.0"  # from ali:license_ref


def test_jats_sections_in_order_without_declarations():
    art = _meta("pmc-oa-PMC3166277.nxml")
    d = one("pmc-oa-PMC3166277.nxml")
    assert d.license == "CC BY 2.0" and d.year == 2011
    secs = [*art.find("front/article-meta/abstract").iter("sec"), *art.find("body").iter("sec")]  # type: ignore[union-attr]
    titles = [_all_text(s.find("title")) for s in secs if s.get("sec-type") != "supplementary-material"]
    declarations = ["Competing interests", "Authors' contributions"]
    assert [t for t in titles if t in declarations] == declarations  # body sections in this article
    # Every other section, nested ones included, in document order: "Methods" has no text of
    # its own and starts straight with its subsection "Bacterial strains".
    assert d.sections == ("Abstract", *[t for t in titles if t not in declarations])
    assert "\n\nMethods\n\nBacterial strains\nAll bacteria and phage strains" in d.text
    t = d.text
    assert t.startswith(f"{d.title}\n\nAbstract\n\nBackground\n")
    body_secs = [s for s in art.find("body") if s.tag == "sec" and s.get("sec-type") != "supplementary-material"]  # type: ignore[union-attr]
    for sec in body_secs:
        heading = sec.findtext("title")
        if heading in declarations:  # left out, like acknowledgements: not about the subject
            assert f"\n{heading}\n" not in t and _all_text(sec.find("p")) not in t
        else:
            assert f"\n{heading}\n" in t
    # The body's sections follow the abstract, in the order of the article.
    pos = t.index(_all_text(list(art.find("front/article-meta/abstract").iter("p"))[-1]))  # type: ignore[union-attr]
    for sec in body_secs:
        if sec.findtext("title") not in declarations:
            pos = t.index(f"\n{sec.findtext('title')}\n", pos + 1)  # ValueError if out of order


def test_jats_declarations_and_text_less_sections_on_a_written_article():
    secs = "".join(
        f"<sec><title>{t}</title><p>{p}</p></sec>"
        for t, p in [
            ("Declaration of competing interest", "Dr Roe received fees from Acme Pharma."),
            ("Conflicts of Interest", "None declared."),
            ("Author Contributions", "JD wrote the report."),
            ("Funding.", "Grant 42."),
            ("Disclosure", "The authors have declared no conflicts of interest."),
            ("Funding of home care", "The family paid for nursing at home."),
        ]
    )
    article = (
        "<article><front><article-meta><title-group><article-title>Fever after travel</article-title>"
        "</title-group></article-meta></front><body>"
        "<sec><title>Case</title><sec><title>History</title><p>A 30-year-old man had fever.</p></sec>"
        "<sec><title>Course</title><p>He recovered.</p></sec></sec>"
        f"{secs}</body></article>"
    )
    d = parse_bytes(article.encode(), "written.xml")[0]
    assert d.sections == ("Case", "History", "Course", "Funding of home care")
    assert d.text == (
        "Fever after travel\n\nCase\n\nHistory\nA 30-year-old man had fever.\n\nCourse\nHe recovered."
        "\n\nFunding of home care\nThe family paid for nursing at home.\n"
    )


def test_jats_figures_and_tables_become_paragraphs():
    art = _meta("pmc-oa-PMC3166277.nxml")
    t = one("pmc-oa-PMC3166277.nxml").text
    figs, tables = list(art.iter("fig")), list(art.iter("table-wrap"))
    assert len(figs) == 4 and len(tables) == 3
    for f in figs:
        assert f"\n\n{f.findtext('label')}. {_all_text(f.find('caption/title'))}" in t
    for tw in tables:
        assert f"\n\n{tw.findtext('label')}. {_all_text(tw.find('caption/title'))}" in t
        for row in tw.iter("tr"):  # every row, cells joined by " | "
            assert " | ".join(_all_text(c).strip() for c in row if c.tag in ("td", "th")) in t
    # A figure cited inside a paragraph stays a citation; the figure itself follows as a paragraph.
    assert "\n\nFigure 3A revealed a significant positive relationship" in t


def test_jats_leaves_out_back_matter():
    art = _meta("pmc-oa-PMC3166277.nxml")
    t = one("pmc-oa-PMC3166277.nxml").text
    back = art.find("back")
    ack = [s for s in back if s.tag == "sec" and s.findtext("title") == "Acknowledgements"]  # type: ignore[union-attr]
    assert ack and _all_text(ack[0].find("p"))[:60] not in t
    refs = [_all_text(a) for a in back.iter("article-title")]  # type: ignore[union-attr]
    assert len(refs) > 10 and not any(r in t for r in refs if len(r) > 30)
    supp = art.find(".//supplementary-material")
    assert supp is not None and _all_text(supp.find("caption")).strip()[:40] not in t
    efetch = _meta("efetch-pmc-3299399.xml")
    e = one("efetch-pmc-3299399.xml").text
    assert _all_text(efetch.find("back/ack")).strip() not in e
    assert "Conflict of Interest Statement" not in e  # a declaration as the body's last section


def test_jats_correction_without_abstract_or_sections():
    art = _meta("efetch-pmc-8435807.xml")
    d = one("efetch-pmc-8435807.xml")
    title = _all_text(art.find("front/article-meta/title-group/article-title"))
    assert d.title == title and d.authors == () and d.sections == ()
    assert d.text == f"{title}\n\n{_all_text(art.find('body/p')).strip()}\n"


def test_jats_wrapper_with_two_articles_and_html_entities():
    first = (REC / "efetch-pmc-3299399.xml").read_text(encoding="utf-8")
    second = (REC / "efetch-pmc-8435807.xml").read_text(encoding="utf-8")
    a1 = first[first.index("<article ") : first.rindex("</article>") + 10]
    a2 = second[second.index("<article ") : second.rindex("</article>") + 10]
    a2 = a2.replace("was originally published", "was&nbsp;originally&ndash;published")  # HTML entities
    data = ('<?xml version="1.0"?>\n<pmc-articleset>' + a1 + a2 + "</pmc-articleset>").encode()
    docs = parse_bytes(data, "efetch-pmc.xml")
    assert [d.pmcid for d in docs] == ["PMC3299399", "PMC8435807"]
    assert "was\u00a0originally\u2013published" in docs[1].text
    assert parse_bytes(docs[1].raw, "again.xml")[0].text == docs[1].text
    assert docs[0].text == one("efetch-pmc-3299399.xml").text


def test_jats_without_body_is_abstract_only_and_without_text_is_refused():
    art = (REC / "pmc-oa-PMC3166277.nxml").read_text(encoding="utf-8")
    no_body = art[: art.index("<body>")] + art[art.index("</body>") + 7 :]
    d = parse_bytes(no_body.encode(), "front-only.xml")[0]
    assert d.sections == ("Abstract", "Background", "Results", "Conclusions")
    nothing = no_body
    while "<abstract" in nothing:
        nothing = nothing[: nothing.index("<abstract")] + nothing[nothing.index("</abstract>") + 11 :]
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
        read_path(REC / "pmc-oa-PMC3166277.nxml", meta_path=meta)
