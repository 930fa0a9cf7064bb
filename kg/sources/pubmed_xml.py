"""PubMed XML (E-utilities ``efetch db=pubmed rettype=xml``, or a saved PubMed "XML" export).

Reads ``PubmedArticleSet/PubmedArticle`` records: title, structured or plain abstract
(``AbstractText/@Label`` becomes a section heading), authors ("Surname Initials"), journal,
year, and the PMID/PMCID/DOI from ``PubmedData/ArticleIdList`` (DOI also from
``ELocationID``). One document per record, so an efetch batch yields many articles.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from kg.errors import InputError
from kg.sources import SourceDocument
from kg.sources.detect import (
    child,
    children,
    load_xml,
    local,
    normalise_doi,
    normalise_pmcid,
    render,
    squash,
    text_of,
    year_from,
)


def parse(data: bytes, name: str) -> list[SourceDocument]:
    root = load_xml(data, name)
    tag = local(root.tag)
    if tag == "PubmedArticle":
        records = [root]
    elif tag == "PubmedArticleSet":
        records = children(root, "PubmedArticle")
    elif tag == "eFetchResult":
        # E-utilities report some failures as a 200 response with an <ERROR> element.
        raise InputError(name, f"E-utilities error: {text_of(child(root, 'ERROR')) or 'empty eFetchResult'}")
    else:
        raise InputError(name, f"not PubMed XML: root element <{tag}>")
    if not records:
        if tag == "PubmedArticleSet" and children(root, "PubmedBookArticle"):
            raise InputError(name, "PubMed book records (PubmedBookArticle) are not supported")
        raise InputError(name, "no PubmedArticle records in the PubMed XML (unknown or withdrawn PMID?)")
    docs = []
    for i, rec in enumerate(records):
        doc = parse_record(rec, f"{name}#{i + 1}" if len(records) > 1 else name)
        require_text(doc)
        doc.raw = data if len(records) == 1 else record_bytes(rec)
        docs.append(doc)
    return docs


def records(root: ET.Element) -> list[ET.Element]:
    """The PubmedArticle elements of an efetch answer (for callers that handle them one by one)."""
    return [root] if local(root.tag) == "PubmedArticle" else children(root, "PubmedArticle")


def record_bytes(rec: ET.Element) -> bytes:
    """One record re-wrapped as a PubmedArticleSet, so the stored copy parses with this reader."""
    record = ET.tostring(rec, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<PubmedArticleSet>{record}</PubmedArticleSet>\n'.encode()


def require_text(doc: SourceDocument) -> None:
    """Refuse a title-only record: there is nothing to extract from it."""
    if not doc.sections:
        raise InputError(doc.origin, f"PubMed record {doc.pmid or '?'} has no abstract text (title only); nothing to extract")


def parse_record(rec: ET.Element, name: str) -> SourceDocument:
    """One ``PubmedArticle`` element."""
    citation = child(rec, "MedlineCitation")
    article = child(citation, "Article")
    if citation is None or article is None:
        raise InputError(name, "PubmedArticle without MedlineCitation/Article")
    pmid = text_of(child(citation, "PMID")) or None
    title = text_of(child(article, "ArticleTitle")) or text_of(child(article, "VernacularTitle"))

    sections: list[tuple[str, list[str]]] = []
    abstract = child(article, "Abstract")
    parts = children(abstract, "AbstractText") if abstract is not None else []
    if parts:
        sections.append(("Abstract", []))
        plain: list[str] = []
        for part in parts:
            label = squash(part.get("Label") or "")
            if label.upper() == "UNLABELLED":
                # PubMed's placeholder for the untitled part of an abstract (ASM journals put
                # it before IMPORTANCE): it is no section name, so it gets no heading.
                label = ""
            body = text_of(part)
            if not body:
                continue
            if label:
                if plain:
                    sections.append(("", plain))
                    plain = []
                sections.append((label, [body]))
            else:
                plain.append(body)
        if plain:
            sections.append(("", plain))
    if not any(p for _, p in sections):
        sections = []  # title only: the caller decides (a fetcher may still find full text)

    journal_el = child(article, "Journal")
    journal = text_of(child(journal_el, "Title")) or text_of(child(journal_el, "ISOAbbreviation"))
    pub_date = child(journal_el, "JournalIssue", "PubDate")
    year = year_from(text_of(child(pub_date, "Year"))) or year_from(text_of(child(pub_date, "MedlineDate")))
    if year is None:
        year = year_from(text_of(child(article, "ArticleDate", "Year")))

    authors: list[str] = []
    author_list = child(article, "AuthorList")
    for author in children(author_list, "Author") if author_list is not None else []:
        if author.get("ValidYN", "Y") != "Y":
            continue
        last = text_of(child(author, "LastName"))
        initials = text_of(child(author, "Initials"))
        if last:
            authors.append(f"{last} {initials}".strip())
        elif (collective := text_of(child(author, "CollectiveName"))):
            authors.append(collective)

    ids: dict[str, str] = {}
    # Only PubmedData's own list: ReferenceList entries carry ArticleIdLists of the cited papers.
    id_list = child(rec, "PubmedData", "ArticleIdList")
    for aid in children(id_list, "ArticleId") if id_list is not None else []:
        kind = (aid.get("IdType") or "").lower()
        if kind and kind not in ids and (value := text_of(aid)):
            ids[kind] = value
    doi = normalise_doi(ids.get("doi"))
    if doi is None:
        for loc in children(article, "ELocationID"):
            if (loc.get("EIdType") or "").lower() == "doi" and loc.get("ValidYN", "Y") == "Y":
                doi = normalise_doi(text_of(loc))
                break

    text, headings = render(title, sections)
    return SourceDocument(
        text=text,
        source_format="pubmed-xml",
        title=title,
        journal=journal,
        year=year,
        pmid=pmid if pmid and pmid.isdigit() else ids.get("pubmed"),
        pmcid=normalise_pmcid(ids.get("pmc")),
        doi=doi,
        authors=tuple(authors),
        sections=headings,
        origin=name,
    )
