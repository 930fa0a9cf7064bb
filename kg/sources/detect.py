"""Format detection by content (the file name is only a hint), and safe XML loading.

Detection looks at the first bytes: the XML root element decides between PubMed XML,
JATS and BioC; a JSON collection with ``documents`` is BioC JSON; anything else that is
not binary is plain text. Unknown XML/JSON, HTML, PDF and binary files are refused with
a reason rather than being stored as "text".
"""

from __future__ import annotations

import html.entities
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from kg.errors import InputError

# Root element -> format. "pmc-articleset" wraps JATS in efetch db=pmc responses.
_XML_ROOTS = {
    "PubmedArticleSet": "pubmed-xml",
    "PubmedArticle": "pubmed-xml",
    "article": "jats",
    "pmc-articleset": "jats",
    "collection": "bioc-xml",
}
_PROLOG_RE = re.compile(
    rb"\A(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)*<([A-Za-z_][\w.:-]*)", re.S | re.I
)
_BINARY_MAGIC = {
    b"%PDF": "a PDF file; convert it to text first (e.g. pdftotext) or add it by --pmid/--doi",
    b"PK\x03\x04": "a ZIP archive (DOCX/EPUB?); unpack or convert it to text first",
    b"\x1f\x8b": "a gzip archive; decompress it first",
    b"\xd0\xcf\x11\xe0": "an MS Office document; convert it to text first",
}


def _strip_bom(data: bytes) -> bytes:
    return data[3:] if data.startswith(b"\xef\xbb\xbf") else data


def root_element(data: bytes) -> str | None:
    """Name of the first element of an XML document (after prolog, comments, DOCTYPE), without namespace prefix."""
    m = _PROLOG_RE.match(_strip_bom(data[:65536]))
    if not m:
        return None
    return m.group(1).decode("ascii", "replace").split(":")[-1]


def detect_format(data: bytes, name: str = "") -> str:
    """``text``, ``pubmed-xml``, ``jats``, ``bioc-xml`` or ``bioc-json``; InputError if none fits."""
    body = _strip_bom(data)
    if not body.strip():
        raise InputError(name, "file is empty")
    for magic, what in _BINARY_MAGIC.items():
        if body.startswith(magic):
            raise InputError(name, f"unknown format: {what}")
    nul = body.find(b"\x00", 0, 8192)
    if nul != -1:
        raise InputError(name, f"unknown format: binary content (NUL byte at byte offset {nul})")
    suffix = Path(name).suffix.lower()
    head = body.lstrip()
    if head[:1] in (b"{", b"["):
        try:
            doc = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            if suffix == ".json":
                raise InputError(name, f"malformed JSON: {exc}") from None
            return "text"  # "[Case report] A 45-year-old ..." is prose, not JSON
        if _is_bioc_json(doc):
            return "bioc-json"
        raise InputError(name, "unknown JSON format: expected a BioC collection with \"documents\"")
    if head[:1] == b"<":
        root = root_element(head)
        if root in _XML_ROOTS:
            return _XML_ROOTS[root]
        if root is not None and root.lower() == "html" or head[:14].lower().startswith(b"<!doctype html"):
            raise InputError(name, "unknown format: HTML page; save the article text as .txt, or add it by --pmid/--doi")
        if root is not None and (head.startswith(b"<?xml") or suffix in (".xml", ".nxml") or f"</{root}>".encode() in body):
            raise InputError(
                name,
                f"unknown XML format: root element <{root}>; expected PubMed XML (<PubmedArticleSet>), "
                "JATS (<article>) or BioC (<collection>)",
            )
        if suffix in (".xml", ".nxml"):
            raise InputError(name, "malformed XML: no root element found")
    if suffix in (".xml", ".nxml", ".json"):
        raise InputError(name, f"unknown format: a {suffix} file that is neither XML nor JSON")
    return "text"


def _is_bioc_json(doc: object) -> bool:
    # The PMC BioC API wraps the collection in a one-element list.
    if isinstance(doc, list) and doc and all(isinstance(d, dict) for d in doc):
        return all("documents" in d for d in doc)
    return isinstance(doc, dict) and "documents" in doc


_XML_ENTITIES = frozenset({b"amp", b"lt", b"gt", b"quot", b"apos"})
_ENTITY_RE = re.compile(rb"&([A-Za-z][A-Za-z0-9]*);")


def _numeric_entities(data: bytes) -> bytes:
    def sub(m: re.Match[bytes]) -> bytes:
        name = m.group(1)
        if name in _XML_ENTITIES:
            return m.group(0)
        cp = html.entities.name2codepoint.get(name.decode("ascii"))
        return b"&#%d;" % cp if cp is not None else m.group(0)

    return _ENTITY_RE.sub(sub, data)


def load_xml(data: bytes, name: str) -> ET.Element:
    """Parse XML into an ElementTree element; InputError naming the position on failure.

    Publisher XML sometimes uses HTML named entities (``&nbsp;``, ``&ndash;``) that its DTD
    defines; we never fetch DTDs (no network, no external entities), so those are turned
    into character references first. ElementTree does not expand external entities, and
    expat refuses entity-expansion bombs.
    """
    try:
        return ET.fromstring(_numeric_entities(data))
    except ET.ParseError as exc:
        reason = str(exc)
        if "no element found" in reason or "unclosed token" in reason:
            reason += " (the file looks truncated)"
        raise InputError(name, f"malformed XML: {reason}") from None


def local(tag: object) -> str:
    """Tag name without namespace: '{http://...}article' -> 'article'."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def children(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el if local(c.tag) == name]


def child(el: ET.Element | None, *path: str) -> ET.Element | None:
    """Follow a path of local names from ``el``; None when any step is missing."""
    cur = el
    for name in path:
        if cur is None:
            return None
        cur = next((c for c in cur if local(c.tag) == name), None)
    return cur


def find_all(el: ET.Element, name: str) -> list[ET.Element]:
    """All descendants with local name ``name``, in document order."""
    return [e for e in el.iter() if local(e.tag) == name]


_LAYOUT_WS = re.compile(r"[ \t\r\n]+")


def squash(text: str) -> str:
    """Collapse the XML's layout whitespace (indentation, line breaks inside a paragraph).

    Only XML whitespace: a no-break or thin space in "4\u00a0mg" is content, kept for
    kg.text.repair like any other character of the stored text.
    """
    return _LAYOUT_WS.sub(" ", text).strip(" ")


def text_of(el: ET.Element | None, skip: frozenset[str] = frozenset()) -> str:
    """All text inside ``el`` with whitespace collapsed, leaving out subtrees named in ``skip``."""
    if el is None:
        return ""
    parts: list[str] = []

    def walk(e: ET.Element) -> None:
        if e.text:
            parts.append(e.text)
        for c in e:
            if local(c.tag) not in skip:
                walk(c)
            if c.tail:
                parts.append(c.tail)

    walk(el)
    return squash("".join(parts))


def year_from(text: str | None) -> int | None:
    m = re.search(r"\b(1[89]\d\d|20\d\d|21\d\d)\b", text or "")
    return int(m.group(1)) if m else None


def normalise_pmcid(value: str | None) -> str | None:
    if not value:
        return None
    v = value.strip().upper()
    if v.isdigit():
        v = "PMC" + v
    return v if re.fullmatch(r"PMC\d+", v) else None


def normalise_doi(value: str | None) -> str | None:
    if not value:
        return None
    v = value.strip()
    v = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", v, flags=re.I)
    return v if v.startswith("10.") else None


def license_label(href: str | None, text: str | None = None) -> str | None:
    """'http://creativecommons.org/licenses/by-nc/4.0/' -> 'CC BY-NC 4.0'; else the text or href."""
    if href:
        m = re.search(r"creativecommons\.org/(licenses|publicdomain)/([a-z-]+)/(\d\.\d)", href, re.I)
        if m:
            if m.group(1).lower() == "publicdomain":
                if m.group(2).lower() == "mark":
                    return f"Public Domain Mark {m.group(3)}"
                return f"CC0 {m.group(3)}" if m.group(2).lower() == "zero" else href
            return f"CC {m.group(2).upper()} {m.group(3)}"
    if text:
        t = squash(text)
        m = re.search(r"\bCC[ -]BY((?:-(?:NC|ND|SA))*)(?:[ -](\d\.\d))?", t)
        if m:
            return " ".join(x for x in ("CC BY" + m.group(1), m.group(2)) if x)
        # Spelled out, as PLoS and many publishers do without a link: "distributed under the
        # terms of the Creative Commons Attribution Non-Commercial License 4.0".
        m = re.search(
            r"\bCreative Commons Attribution((?:[ -]+(?:Non[ -]?Commercial|No[ -]?Deriv(?:ative)?s?|Share[ -]?Alike))*)"
            r"(?:[ -]+Licen[cs]e)?(?:,?[ -]+(?:version[ -]+)?(\d\.\d))?",
            t,
            re.I,
        )
        if m:
            kinds = re.findall(r"non|deriv|share", m.group(1), re.I)
            suffix = "".join({"non": "-NC", "deriv": "-ND", "share": "-SA"}[k.lower()] for k in kinds)
            return " ".join(x for x in ("CC BY" + suffix, m.group(2)) if x)
        return t if len(t) <= 200 else None
    return href or None


def render(title: str, sections: list[tuple[str, list[str]]]) -> tuple[str, tuple[str, ...]]:
    """Lay out an article as plain text: the title, then each section's heading on its own
    line followed by its paragraphs, blank lines between blocks.

    The NLP sentence splitter starts a sentence after a line break, so a heading never fuses
    with the first sentence of its section.
    """
    blocks: list[str] = []
    if title:
        blocks.append(title)
    headings: list[str] = []
    merged: list[tuple[str, list[str]]] = []
    for heading, paras in sections:
        # A heading whose text comes as a separate unheaded run ("Abstract" + its paragraphs).
        if not heading and merged and merged[-1][0] and not merged[-1][1]:
            merged[-1] = (merged[-1][0], list(paras))
        else:
            merged.append((heading, list(paras)))
    for heading, paras in merged:
        paras = [p for p in paras if p.strip()]
        if not paras and not heading:
            continue
        if heading:
            headings.append(heading)
        if heading and paras:
            blocks.append(heading + "\n" + paras[0])
            blocks.extend(paras[1:])
        elif heading:
            blocks.append(heading)
        else:
            blocks.extend(paras)
    return "\n\n".join(blocks) + "\n", tuple(headings)
