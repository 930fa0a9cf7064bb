import json
from xml.etree import ElementTree as ET

from kg.annotations import to_bioc, to_brat, to_jsonl, to_pubtator
from kg.model import Extraction, Mention

TEXT = "Case report\nShe had no fever.\nRituximab caused neutropenia."


def _ex() -> Extraction:
    def m(i, typ, surface, cid, status="present", cue=None):
        start = TEXT.index(surface)
        return Mention(f"m{i}", typ, surface, start, start + len(surface), 0, surface.lower(), cid, status=status, cue=cue)

    return Extraction(
        "doc1",
        mentions=[
            m(0, "Manifestation", "fever", "HP:0001945", "negated", "no"),
            m(1, "Drug", "Rituximab", "DRUGBANK:DB00073"),
            m(2, "Manifestation", "neutropenia", "HP:0001875"),
        ],
    )


def test_pubtator_keeps_offsets_and_drops_negated():
    out = to_pubtator([("doc1", TEXT, _ex())])
    lines = out.splitlines()
    title = lines[0].split("|t|", 1)[1]
    abstract = lines[1].split("|a|", 1)[1]
    joined = title + " " + abstract
    mentions = [line.split("\t") for line in lines[2:] if line]
    assert [m[4] for m in mentions] == ["Drug", "Manifestation"]
    for doc, start, end, text, _type, _id in mentions:
        assert joined[int(start) : int(end)] == text == TEXT[int(start) : int(end)]
    assert "fever" not in {m[3] for m in mentions}


def test_jsonl_keeps_status_and_cue():
    records = [json.loads(line) for line in to_jsonl([("doc1", TEXT, _ex())]).splitlines()]
    fever = next(r for r in records if r["text"] == "fever")
    assert fever["status"] == "negated" and fever["cue"] == "no" and fever["identifier"] == "HP:0001945"


def test_bioc_is_well_formed_with_locations():
    root = ET.fromstring(to_bioc([("doc1", TEXT, _ex())]).split("\n", 2)[2])
    anns = root.findall("./document/passage/annotation")
    assert len(anns) == 3
    for ann in anns:
        loc = ann.find("location")
        start, length = int(loc.get("offset")), int(loc.get("length"))
        assert TEXT[start : start + length] == ann.find("text").text
    statuses = {a.find("text").text: {i.get("key"): i.text for i in a.findall("infon")}["status"] for a in anns}
    assert statuses == {"fever": "negated", "Rituximab": "present", "neutropenia": "present"}


def test_brat_lines():
    ann = to_brat(_ex()).splitlines()
    assert ann[0].startswith("T1\tManifestation ")
    assert "A1\tNegated T1" in ann
    assert any(line == "#2\tAnnotatorNotes T2\tDRUGBANK:DB00073" for line in ann)
