"""Plain text, optionally with a metadata sidecar (``case.txt`` + ``case.json``).

The text is stored byte for byte as received, like a hand-made corpus entry: no layout
is imposed and nothing is cleaned (``kg.text.repair`` cleans a copy before NLP).
"""

from __future__ import annotations

import json
import os
from dataclasses import fields
from pathlib import Path

from kg.corpus import decode_text, parse_meta, valid_id
from kg.errors import InputError
from kg.model import ArticleMeta
from kg.sources import SourceDocument

_META_KEYS = {f.name for f in fields(ArticleMeta)}


def parse(data: bytes, name: str) -> SourceDocument:
    text = decode_text(data, name)
    return SourceDocument(
        text=text,
        source_format="text",
        raw=None,  # article.txt already is the received file
        origin=name,
    )


def find_sidecar(path: Path) -> Path | None:
    """``case.json`` or ``case.meta.json`` beside ``case.txt``."""
    for candidate in (path.with_suffix(".json"), path.with_name(path.stem + ".meta.json")):
        if candidate != path and candidate.is_file():
            return candidate
    return None


def apply_sidecar(doc: SourceDocument, sidecar: str | os.PathLike[str]) -> None:
    """Fill ``doc``'s metadata from a meta.json-shaped sidecar (same fields and checks)."""
    path = Path(sidecar)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "metadata file not found") from None
    except OSError as exc:
        raise InputError(path, f"cannot read file: {exc.strerror or exc}") from None
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        data = None  # parse_meta below produces the precise message
    wanted = data.get("id") if isinstance(data, dict) and isinstance(data.get("id"), str) else ""
    if wanted and not valid_id(wanted):
        raise InputError(path, f'"id" {wanted!r} is not a usable article id (letters, digits, ".", "_", "-")')
    meta = parse_meta(path, raw, wanted or "sidecar")
    doc.title, doc.journal, doc.year = meta.title, meta.journal, meta.year
    doc.pmid, doc.pmcid, doc.doi = meta.pmid, meta.pmcid, meta.doi
    doc.authors, doc.license, doc.source_url = meta.authors, meta.license, meta.source_url
    doc.source_format = meta.source_format
    if wanted:
        doc.id_hint = wanted
    if isinstance(data, dict):
        doc.extra = {k: v for k, v in data.items() if k not in _META_KEYS}
