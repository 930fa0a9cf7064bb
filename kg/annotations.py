"""Standard annotation output of an Extraction: PubTator, BioC XML, JSON lines, brat.

The same Extraction that feeds the graph is written here, so `kg extract` and
`kg build` can never disagree about what was found.
"""

from __future__ import annotations

import json
from typing import Iterable
from xml.etree import ElementTree as ET

from kg.model import PRESENT, Extraction, Mention

FORMATS = ("pubtator", "bioc", "jsonl", "brat")


def _one_line(text: str) -> str:
    # Same length, so offsets into the original stay valid.
    return text.replace("\r", " ").replace("\n", " ").replace("\t", " ")


def mention_record(doc_id: str, m: Mention) -> dict:
    return {
        "document": doc_id,
        "id": m.id,
        "start": m.start,
        "end": m.end,
        "text": m.text,
        "type": m.type,
        "identifier": m.concept_id,
        "label": m.label,
        "xrefs": list(m.xrefs),
        "status": m.status,
        "cue": m.cue,
        "patient": m.patient,
        "attributes": dict(m.attrs),
    }


def to_pubtator(docs: Iterable[tuple[str, str, Extraction]]) -> str:
    """PubTator: `ID|t|`, `ID|a|`, then mention lines; only asserted (present) mentions.

    The title is the first line and the abstract the rest with newlines turned into
    spaces, so that title + " " + abstract has the original text's offsets."""
    out: list[str] = []
    for doc_id, text, ex in docs:
        first, sep, rest = text.partition("\n")
        out.append(f"{doc_id}|t|{_one_line(first)}")
        out.append(f"{doc_id}|a|{_one_line(rest) if sep else ''}")
        for m in ex.mentions:
            if m.status != PRESENT:
                continue
            out.append("\t".join([doc_id, str(m.start), str(m.end), _one_line(m.text), m.type, m.concept_id or ""]))
        out.append("")
    return "\n".join(out) + ("\n" if out else "")


def to_jsonl(docs: Iterable[tuple[str, str, Extraction]]) -> str:
    lines = [json.dumps(mention_record(doc_id, m), ensure_ascii=False) for doc_id, _t, ex in docs for m in ex.mentions]
    return "\n".join(lines) + ("\n" if lines else "")


def to_bioc(docs: Iterable[tuple[str, str, Extraction]], source: str = "casekg") -> str:
    """BioC XML collection: one document per input, one passage holding the whole text."""
    coll = ET.Element("collection")
    ET.SubElement(coll, "source").text = source
    ET.SubElement(coll, "date").text = ""
    ET.SubElement(coll, "key").text = "casekg.key"
    for doc_id, text, ex in docs:
        doc = ET.SubElement(coll, "document")
        ET.SubElement(doc, "id").text = doc_id
        passage = ET.SubElement(doc, "passage")
        ET.SubElement(passage, "offset").text = "0"
        ET.SubElement(passage, "text").text = text
        for m in ex.mentions:
            ann = ET.SubElement(passage, "annotation", id=m.id)
            infons = {"type": m.type, "identifier": m.concept_id or "", "status": m.status, "label": m.label}
            if m.cue:
                infons["cue"] = m.cue
            if m.patient:
                infons["patient"] = m.patient
            infons.update({f"attr:{k}": v for k, v in m.attrs.items()})
            for key, value in infons.items():
                ET.SubElement(ann, "infon", key=key).text = value
            ET.SubElement(ann, "location", offset=str(m.start), length=str(m.end - m.start))
            ET.SubElement(ann, "text").text = m.text
    ET.indent(coll)
    return '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE collection SYSTEM "BioC.dtd">\n' + ET.tostring(
        coll, encoding="unicode"
    ) + "\n"


def to_brat(ex: Extraction) -> str:
    """brat standoff `.ann` text for one document: T lines, status as attributes, IDs as notes."""
    lines: list[str] = []
    attr_n = 0
    for n, m in enumerate(ex.mentions, 1):
        lines.append(f"T{n}\t{m.type} {m.start} {m.end}\t{_one_line(m.text)}")
        if m.concept_id:
            lines.append(f"#{n}\tAnnotatorNotes T{n}\t{m.concept_id}")
        if m.status != PRESENT:
            attr_n += 1
            lines.append(f"A{attr_n}\t{m.status.capitalize()} T{n}")
    return "\n".join(lines) + ("\n" if lines else "")
