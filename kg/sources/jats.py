"""JATS XML full text (PMC OA, Europe PMC ``fullTextXML``, efetch ``db=pmc``).

The stored text is the title, the abstract (with its structured sections), then every body
section with its heading kept. Figures and tables become paragraphs in place: "Figure 1.
<caption>", "Table 1. <caption>" followed by the table's rows (cells joined by " | ").
Reference lists, acknowledgements and supplementary files are left out: they are not
about the patient, and citations would bring in other papers' findings.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from kg.errors import InputError
from kg.sources import SourceDocument
from kg.sources.detect import (
    child,
    children,
    find_all,
    license_label,
    load_xml,
    local,
    normalise_doi,
    normalise_pmcid,
    render,
    text_of,
    year_from,
)

XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# Block-level elements that may sit inside a <p>; their text is emitted after the paragraph
# instead of being spliced into the middle of a sentence.
_NESTED_BLOCKS = frozenset(
    {
        "fig", "fig-group", "table-wrap", "table-wrap-group", "list", "disp-quote", "boxed-text",
        "supplementary-material", "disp-formula", "disp-formula-group", "def-list", "statement",
    }
)
_SKIP_SECTIONS = frozenset(
    {"supplementary-material", "display-objects", "COI-statement", "author-contributions", "funding-information"}
)
# Declarations that older PMC articles (BMC, Frontiers...) put in <body> as ordinary titled
# sections, without a sec-type: like acknowledgements, they are not about the patient, and a
# conflict-of-interest line names companies and drugs that no patient received.
_DECLARATION_TITLE = re.compile(
    r"^(?:competing|conflicts?|declarations?) of (?:competing )?interests?(?: statement)?$"
    r"|^(?:competing|conflicting|financial) interests?(?: statement)?$"
    r"|^conflicts? of interests?(?: statement| disclosures?)?$"
    r"|^authors?[\u2019']?s?[\u2019']? contributions?$"
    r"|^(?:funding|financial support|(?:financial )?disclosures?)$",
    re.I,
)
_PREFERRED_DATES = ("ppub", "collection", "epub-ppub", "epub", "pmc-release")


def parse(data: bytes, name: str) -> list[SourceDocument]:
    root = load_xml(data, name)
    tag = local(root.tag)
    if tag == "article":
        articles = [root]
    elif tag == "pmc-articleset":
        articles = children(root, "article")
    else:
        raise InputError(name, f"not JATS: root element <{tag}>")
    if not articles:
        raise InputError(name, "no <article> in the JATS file")
    docs = []
    for i, art in enumerate(articles):
        doc = parse_article(art, f"{name}#{i + 1}" if len(articles) > 1 else name)
        doc.raw = data if len(articles) == 1 else ET.tostring(art, encoding="unicode").encode()
        docs.append(doc)
    return docs


def parse_article(art: ET.Element, name: str) -> SourceDocument:
    meta = child(art, "front", "article-meta")
    if meta is None:
        raise InputError(name, "JATS article without front/article-meta")
    title = text_of(child(meta, "title-group", "article-title"))
    subtitle = text_of(child(meta, "title-group", "subtitle"))
    if subtitle:
        title = f"{title}: {subtitle}" if title else subtitle

    sections: list[tuple[str, list[str]]] = []
    abstract = _main_abstract(meta)
    if abstract is not None:
        sections.append(("Abstract", []))
        _section_body(abstract, sections, skip_title=True)
    body = child(art, "body")
    if body is not None:
        _section_body(body, sections, skip_title=False)
    floats = child(art, "floats-group")
    if floats is not None:
        paras: list[str] = []
        for el in floats:
            paras.extend(_blocks(el))
        if paras:
            sections.append(("", paras))
    if not any(p for _, p in sections):
        raise InputError(name, "JATS article has neither abstract nor body text; nothing to extract")

    ids: dict[str, str] = {}
    for el in children(meta, "article-id"):
        kind = (el.get("pub-id-type") or "").lower()
        if kind and kind not in ids and (value := text_of(el)):
            ids[kind] = value
    pmid = ids.get("pmid")
    text, headings = render(title, sections)
    return SourceDocument(
        text=text,
        source_format="jats",
        title=title,
        journal=_journal(art),
        year=_year(meta),
        pmid=pmid if pmid and pmid.isdigit() else None,
        pmcid=normalise_pmcid(ids.get("pmc") or ids.get("pmcid")),
        doi=normalise_doi(ids.get("doi")),
        authors=tuple(_authors(meta)),
        license=_license(meta),
        sections=headings,
        origin=name,
    )


def _main_abstract(meta: ET.Element) -> ET.Element | None:
    abstracts = children(meta, "abstract")
    # Graphical abstracts, teasers and "summary for lay readers" repeat the real one.
    for a in abstracts:
        if not a.get("abstract-type"):
            return a
    return abstracts[0] if abstracts else None


def _section_body(container: ET.Element, out: list[tuple[str, list[str]]], *, skip_title: bool) -> None:
    """Append ``container``'s own paragraphs, then each nested <sec> as its own section."""
    paras: list[str] = []
    out.append(("", paras))
    for c in container:
        tag = local(c.tag)
        if tag in ("title", "label", "sec-meta", "object-id"):
            continue
        if tag == "sec":
            if (c.get("sec-type") or "") in _SKIP_SECTIONS:
                continue
            heading = text_of(child(c, "title")) or text_of(child(c, "label"))
            if _DECLARATION_TITLE.match(heading.rstrip(".: ")):
                continue
            sub: list[tuple[str, list[str]]] = []
            _section_body(c, sub, skip_title=True)
            # The section's own text comes first, unheaded; a section with no text of its own
            # ("Methods" holding only subsections) starts with its first subsection, which
            # keeps its heading.
            own = sub.pop(0)[1] if sub and not sub[0][0] else []
            out.append((heading, own))
            out.extend(sub)
            paras = []  # text after a subsection belongs after it, not before it
            out.append(("", paras))
        else:
            paras.extend(_blocks(c))
    # Drop empty unheaded placeholders so render() sees only real blocks.
    out[:] = [s for s in out if s[0] or s[1]]


def _blocks(el: ET.Element) -> list[str]:
    """Paragraph strings for one block-level element."""
    tag = local(el.tag)
    if tag in ("supplementary-material", "disp-formula", "disp-formula-group", "graphic", "media", "alternatives"):
        return []
    if tag == "p":
        out = [text_of(el, _NESTED_BLOCKS)]
        _nested(el, out)
        return [p for p in out if p]
    if tag == "fig":
        return [p for p in [_caption(el)] if p]
    if tag == "table-wrap":
        return _table(el)
    if tag in ("fig-group", "table-wrap-group", "disp-quote", "boxed-text", "statement", "sec", "app", "glossary"):
        out: list[str] = []
        for c in el:
            if local(c.tag) in ("title", "label"):
                if (t := text_of(c)) and local(c.tag) == "title":
                    out.append(t)
                continue
            if local(c.tag) == "caption":
                out.extend(p for p in [text_of(c)] if p)
                continue
            out.extend(_blocks(c))
        return out
    if tag == "list":
        return [t for item in children(el, "list-item") if (t := text_of(item))]
    if tag == "def-list":
        return [t for item in children(el, "def-item") if (t := text_of(item))]
    return [p for p in [text_of(el)] if p]


def _nested(el: ET.Element, out: list[str]) -> None:
    for c in el:
        if local(c.tag) in _NESTED_BLOCKS:
            out.extend(_blocks(c))
        else:
            _nested(c, out)


def _caption(el: ET.Element) -> str:
    label = text_of(child(el, "label"))
    caption = child(el, "caption")
    parts = []
    if caption is not None:
        for c in caption:
            if (t := text_of(c)):
                parts.append(t if re.search(r"[.!?:]$", t) else t + ".")
    body = " ".join(parts)
    if label and body:
        return f"{label}{'' if re.search(r'[.:]$', label) else '.'} {body}"
    return label or body


def _table(el: ET.Element) -> list[str]:
    out: list[str] = []
    caption = _caption(el)
    if caption:
        out.append(caption)
    for table in find_all(el, "table"):
        rows = []
        for tr in find_all(table, "tr"):
            cells = [text_of(c) for c in tr if local(c.tag) in ("td", "th")]
            if any(cells):
                rows.append(" | ".join(cells))
        if rows:
            out.append("\n".join(rows))
    foot = child(el, "table-wrap-foot")
    if foot is not None:
        out.extend(t for c in foot if (t := text_of(c)))
    return out


def _journal(art: ET.Element) -> str:
    jm = child(art, "front", "journal-meta")
    if jm is None:
        return ""
    title = text_of(child(jm, "journal-title-group", "journal-title")) or text_of(child(jm, "journal-title"))
    if title:
        return title
    for jid in children(jm, "journal-id"):
        if jid.get("journal-id-type") in ("nlm-ta", "iso-abbrev"):
            return text_of(jid)
    return ""


def _year(meta: ET.Element) -> int | None:
    dates: dict[str, int] = {}
    for d in children(meta, "pub-date"):
        y = year_from(text_of(child(d, "year")))
        if y is None:
            continue
        kind = d.get("pub-type") or d.get("date-type") or ""
        if kind == "pub":  # JATS 1.1+: date-type="pub" with publication-format
            kind = "ppub" if d.get("publication-format") == "print" else "epub"
        dates.setdefault(kind, y)
    for kind in _PREFERRED_DATES:
        if kind in dates:
            return dates[kind]
    return next(iter(dates.values()), None)


def _initials(given: str) -> str:
    return "".join(part[0] for part in re.split(r"[\s.\-]+", given) if part and part[0].isalpha())


def _authors(meta: ET.Element) -> list[str]:
    out: list[str] = []
    for group in children(meta, "contrib-group"):
        for contrib in children(group, "contrib"):
            if (contrib.get("contrib-type") or "author") != "author":
                continue
            name = child(contrib, "name")
            if name is None:
                name = child(contrib, "name-alternatives", "name")
            if name is not None:
                surname = text_of(child(name, "surname"))
                given = child(name, "given-names")
                initials = (given.get("initials") if given is not None else None) or _initials(text_of(given))
                if surname:
                    out.append(f"{surname} {initials}".strip())
                    continue
            if (collab := text_of(child(contrib, "collab"))):
                out.append(collab)
    return out


def _license(meta: ET.Element) -> str | None:
    lic = child(meta, "permissions", "license")
    if lic is None:
        return None
    href = lic.get(XLINK_HREF)
    if not href:
        ref = next((e for e in lic.iter() if local(e.tag) == "license_ref"), None)
        href = text_of(ref) or None
    if not (href and "creativecommons.org" in href):
        # Publishers often point the licence at their own terms page and give the Creative
        # Commons licence as a link inside the licence text (<uri>/<ext-link> in license-p).
        inner = next((h for e in lic.iter() if (h := e.get(XLINK_HREF)) and "creativecommons.org" in h), None)
        href = inner or href
    return license_label(href, text_of(lic))
