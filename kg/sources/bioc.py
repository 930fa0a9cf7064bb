"""BioC collections, XML and JSON (PMC BioC API, PubTator exports, NCBI corpora).

Both serialisations are read into the same passage list and rendered alike: passages in
offset order, ``title_N``/``abstract_title_N`` passages as section headings, abstract
passages under an "Abstract" heading, references, acknowledgements and supplementary
material left out. Existing annotations are ignored: casekg extracts its own.

Metadata comes from the infons that PMC BioC puts on the front passage (``article-id_pmid``,
``article-id_pmc``, ``article-id_doi``, ``year``, ``source``, ``name_N``, ``license``) or that
PubTator puts on the title passage (``authors``, ``journal``, ``year``), and from the
document id (a PMID or PMCID).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from kg.errors import InputError
from kg.sources import SourceDocument
from kg.sources.detect import (
    child,
    children,
    license_label,
    load_xml,
    local,
    normalise_doi,
    normalise_pmcid,
    render,
    squash,
    text_of,
    year_from,
)

_SKIP_SECTION_TYPES = frozenset({"REF", "ACK_FUND", "SUPPL", "AUTH_CONT", "ABBR"})
_SKIP_TYPES = frozenset({"ref", "front_ref"})


@dataclass
class _Passage:
    offset: int
    text: str
    infons: dict[str, str] = field(default_factory=dict)


@dataclass
class _Doc:
    id: str
    infons: dict[str, str]
    passages: list[_Passage]


# ------------------------------------------------------------------------------ XML


def _infons(el) -> dict[str, str]:  # noqa: ANN001 - ET.Element
    return {i.get("key") or "": text_of(i) for i in children(el, "infon")}


def parse_xml(data: bytes, name: str) -> list[SourceDocument]:
    root = load_xml(data, name)
    if local(root.tag) != "collection":
        raise InputError(name, f"not BioC XML: root element <{local(root.tag)}>")
    docs = []
    for i, d in enumerate(children(root, "document")):
        where = f"document {i + 1}"
        passages = []
        for p in children(d, "passage"):
            offset_text = text_of(child(p, "offset"))
            if not re.fullmatch(r"\d+", offset_text):
                raise InputError(name, f"malformed BioC XML: {where} has a passage without a numeric <offset>")
            text_el = child(p, "text")
            if text_el is not None:
                text = text_el.text or ""
            else:  # sentence-level BioC keeps the text on <sentence> elements
                text = " ".join((child(s, "text").text or "") for s in children(p, "sentence") if child(s, "text") is not None)
            passages.append(_Passage(int(offset_text), text, _infons(p)))
        docs.append(_Doc(text_of(child(d, "id")), _infons(d), passages))
    return _render_all(docs, name, "bioc-xml", data)


# ------------------------------------------------------------------------------ JSON


def parse_json(data: bytes, name: str) -> list[SourceDocument]:
    try:
        obj = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError(name, f"malformed BioC JSON: not valid UTF-8 (byte offset {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise InputError(name, f"malformed BioC JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    collections = obj if isinstance(obj, list) else [obj]
    docs: list[_Doc] = []
    for c in collections:
        if not isinstance(c, dict) or not isinstance(c.get("documents"), list):
            raise InputError(name, 'malformed BioC JSON: expected a collection object with a "documents" list')
        for i, d in enumerate(c["documents"]):
            where = f"documents[{i}]"
            if not isinstance(d, dict) or not isinstance(d.get("passages", []), list):
                raise InputError(name, f'malformed BioC JSON: {where} must be an object with a "passages" list')
            passages = []
            for j, p in enumerate(d.get("passages", [])):
                pw = f"{where}.passages[{j}]"
                if not isinstance(p, dict):
                    raise InputError(name, f"malformed BioC JSON: {pw} must be an object")
                offset = p.get("offset", 0)
                if isinstance(offset, bool) or not isinstance(offset, int):
                    raise InputError(name, f"malformed BioC JSON: {pw}.offset must be an integer")
                text = p.get("text")
                if text is None and isinstance(p.get("sentences"), list):
                    text = " ".join(str(s.get("text") or "") for s in p["sentences"] if isinstance(s, dict))
                if text is None:
                    text = ""
                if not isinstance(text, str):
                    raise InputError(name, f"malformed BioC JSON: {pw}.text must be a string")
                passages.append(_Passage(offset, text, _json_infons(p.get("infons"), name, pw)))
            docs.append(_Doc(str(d.get("id") or ""), _json_infons(d.get("infons"), name, where), passages))
    return _render_all(docs, name, "bioc-json", data)


def _json_infons(value: object, name: str, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(name, f"malformed BioC JSON: {where}.infons must be an object")
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


# ------------------------------------------------------------------------------ shared


def _render_all(docs: list[_Doc], name: str, fmt: str, data: bytes) -> list[SourceDocument]:
    if not docs:
        raise InputError(name, "BioC collection has no documents")
    out = []
    for i, d in enumerate(docs):
        where = f"{name}#{d.id or i + 1}" if len(docs) > 1 else name
        doc = _render(d, where, fmt)
        if len(docs) == 1:
            doc.raw = data
            doc.raw_suffix = ".json" if fmt == "bioc-json" else ".xml"
        out.append(doc)
    return out


def _ptype(p: _Passage) -> str:
    return (p.infons.get("type") or "").strip().lower()


def _render(d: _Doc, name: str, fmt: str) -> SourceDocument:
    passages = sorted(d.passages, key=lambda p: p.offset)
    title = ""
    meta: dict[str, str] = dict(d.infons)
    sections: list[tuple[str, list[str]]] = []
    heading, paras = "", []
    in_abstract = False

    def start(new_heading: str) -> None:
        nonlocal heading, paras
        if heading or paras:
            sections.append((heading, paras))
        heading, paras = new_heading, []

    for p in passages:
        ptype, section = _ptype(p), (p.infons.get("section_type") or "").strip().upper()
        text = p.text.strip()
        if ptype in ("front", "title") or (section == "TITLE" and not title):
            meta.update(p.infons)  # the front passage's ids and licence are the article's own
            if not title and text:
                title = squash(text)
            continue
        if ptype in _SKIP_TYPES or section in _SKIP_SECTION_TYPES or not text:
            continue
        is_abstract = section == "ABSTRACT" or ptype.startswith("abstract")
        if is_abstract and not in_abstract:
            start("Abstract")
        in_abstract = is_abstract
        if re.fullmatch(r"(abstract_)?title_\d+", ptype):
            start(squash(text))
            continue
        paras.append(text)
    start("")
    sections = [s for s in sections if s[0] or s[1]]
    if not any(p for _, p in sections):
        raise InputError(name, f"BioC document {d.id or '?'} has no text passages besides the title; nothing to extract")

    ids = {k.lower(): v.strip() for k, v in meta.items() if v and v.strip()}
    doc_id = d.id.strip()
    pmid = ids.get("article-id_pmid") or (doc_id if doc_id.isdigit() else None)
    pmcid = normalise_pmcid(ids.get("article-id_pmc") or (doc_id if doc_id.upper().startswith("PMC") else None))
    text, headings = render(title, sections)
    return SourceDocument(
        text=text,
        source_format=fmt,
        title=title,
        journal=_journal(ids),
        year=year_from(ids.get("year")),
        pmid=pmid if pmid and pmid.isdigit() else None,
        pmcid=pmcid,
        doi=normalise_doi(ids.get("article-id_doi") or _doi_in(ids.get("journal"))),
        authors=tuple(_authors(ids)),
        license=license_label(None, ids.get("license")) if ids.get("license") else None,
        sections=headings,
        origin=name,
    )


def _journal(ids: dict[str, str]) -> str:
    if ids.get("source"):
        return squash(ids["source"])
    journal = ids.get("journal") or ""
    # PubTator: "Br J Dermatol. 2022 Sep;187(3):432-435. doi: 10.1111/bjd.21252"
    return squash(re.split(r"\.\s|;", journal, maxsplit=1)[0]).rstrip(".")


def _doi_in(text: str | None) -> str | None:
    m = re.search(r"\b10\.\d{4,9}/\S+", text or "")
    return m.group(0).rstrip(".;,") if m else None


def _authors(ids: dict[str, str]) -> list[str]:
    names = sorted(
        ((int(k[5:]), v) for k, v in ids.items() if re.fullmatch(r"name_\d+", k)),
        key=lambda kv: kv[0],
    )
    out = []
    for _, value in names:  # "surname:Fischer;given-names:Karin"
        parts = dict(p.split(":", 1) for p in value.split(";") if ":" in p)
        surname, given = parts.get("surname", "").strip(), parts.get("given-names", "").strip()
        initials = "".join(w[0] for w in re.split(r"[\s.\-]+", given) if w and w[0].isalpha())
        if surname:
            out.append(f"{surname} {initials}".strip())
    if not out and ids.get("authors"):
        out = [squash(a) for a in ids["authors"].split(",") if a.strip()]
    return out
