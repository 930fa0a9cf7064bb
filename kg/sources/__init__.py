"""Readers that turn received documents into corpus articles.

Every reader returns :class:`SourceDocument` objects: the article text laid out as plain
text with its section names kept ("Title\\n\\nAbstract\\n...\\n\\nCase presentation\\n..."),
plus the bibliographic metadata found in the document. Nothing here writes to the corpus;
``kg.curate`` decides ids, refuses duplicates and stores the result.

Formats (``source_format`` in meta.json): ``text``, ``pubmed-xml`` (E-utilities efetch
``rettype=xml``), ``jats`` (PMC / Europe PMC full text), ``bioc-xml``, ``bioc-json``.
Every problem is an :class:`~kg.errors.InputError` naming the input and the reason.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import InputError

FORMATS = ("text", "pubmed-xml", "jats", "bioc-xml", "bioc-json")


@dataclass
class SourceDocument:
    """One article read from a source file or a web service, not yet in the corpus."""

    text: str
    source_format: str
    title: str = ""
    journal: str = ""
    year: int | None = None
    pmid: str | None = None
    pmcid: str | None = None
    doi: str | None = None
    authors: tuple[str, ...] = ()
    license: str | None = None
    source_url: str | None = None
    sections: tuple[str, ...] = ()  # section headings in text order, for summaries and tests
    raw: bytes | None = None  # the received bytes for this document, kept beside article.txt
    raw_suffix: str = ".xml"
    origin: str = ""  # the file or URL it came from, for messages
    id_hint: str = ""  # an article id asked for by a metadata sidecar
    extra: dict[str, str] = field(default_factory=dict)  # curator keys from a sidecar (note, ...)


def parse_bytes(data: bytes, origin: str | os.PathLike[str], fmt: str | None = None) -> list[SourceDocument]:
    """Parse received bytes in format ``fmt`` (detected when None) into documents."""
    from kg.sources import bioc, jats, plaintext, pubmed_xml
    from kg.sources.detect import detect_format

    name = os.fspath(origin)
    fmt = fmt or detect_format(data, name)
    if fmt not in FORMATS:
        raise InputError(name, f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if fmt == "text":
        return [plaintext.parse(data, name)]
    if fmt == "pubmed-xml":
        docs = pubmed_xml.parse(data, name)
    elif fmt == "jats":
        docs = jats.parse(data, name)
    elif fmt == "bioc-xml":
        docs = bioc.parse_xml(data, name)
    else:
        docs = bioc.parse_json(data, name)
    for d in docs:
        d.origin = name
    return docs


def read_path(path: str | os.PathLike[str], fmt: str | None = None, meta_path: str | os.PathLike[str] | None = None) -> list[SourceDocument]:
    """Read a file given to ``kg add``: detect its format and parse it.

    A plain-text file takes its metadata from ``meta_path`` or from a sidecar next to it
    (``case.json`` or ``case.meta.json`` for ``case.txt``).
    """
    from kg.corpus import default_max_bytes, read_bytes_limited
    from kg.sources import plaintext

    p = Path(path)
    if p.is_dir():
        raise InputError(p, "is a directory; give the files to add")
    # XML carries markup around the text, so allow it a few times the text limit.
    data = read_bytes_limited(p, default_max_bytes() * 4)
    docs = parse_bytes(data, p, fmt)
    if docs and docs[0].source_format == "text":
        sidecar = Path(meta_path) if meta_path else plaintext.find_sidecar(p)
        if sidecar is not None:
            plaintext.apply_sidecar(docs[0], sidecar)
    elif meta_path:
        raise InputError(meta_path, "a metadata sidecar only applies to plain-text input")
    return docs


__all__ = ["FORMATS", "SourceDocument", "parse_bytes", "read_path"]
