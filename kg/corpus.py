"""The corpus on disk: layout, metadata, input checks and content hashes.

Layout (see docs/corpus.md)::

    corpus/
      pmid-35318646/
        article.txt    # the text exactly as received, UTF-8
        meta.json      # ArticleMeta fields; extra keys (e.g. "note") are allowed and ignored
      some-report.txt  # a bare drop-in: id = file stem, no metadata

Every problem with an input file becomes an :class:`~kg.errors.InputError` whose message
is one line naming the file, so ``kg build`` can report it and carry on with the rest.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from kg.atomic import write_bytes_atomic, write_text_atomic
from kg.errors import InputError
from kg.model import Article, ArticleMeta

TEXT_NAME = "article.txt"
META_NAME = "meta.json"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_BYTES_ENV = "KG_MAX_ARTICLE_BYTES"

# Ids become folder names and IRI path segments: keep them boring.
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_META_FIELDS = {f.name for f in fields(ArticleMeta)}
# Above this share of control characters a "text" file is really binary (PDF, image, zip).
_MAX_CONTROL_SHARE = 0.05
_CONTROL_RE = re.compile(r"[\x01-\x08\x0b\x0e-\x1f\x7f-\x9f]")


# --------------------------------------------------------------------------------------
# Ids
# --------------------------------------------------------------------------------------


def slugify(text: str, max_len: int = 60) -> str:
    """A readable, filesystem- and IRI-safe id from a title or file name."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    slug = slug[:max_len].rstrip("-")
    return slug or "article"


def article_id_for(pmid: str | int | None = None, title: str = "", fallback: str = "") -> str:
    """``pmid-<PMID>`` when the PMID is known, else a slug of the title (or ``fallback``)."""
    if pmid is not None and str(pmid).strip().isdigit():
        return f"pmid-{str(pmid).strip()}"
    return slugify(title or fallback)


def valid_id(article_id: str) -> bool:
    return bool(_ID_RE.match(article_id))


# --------------------------------------------------------------------------------------
# Metadata
# --------------------------------------------------------------------------------------


def meta_to_dict(meta: ArticleMeta) -> dict[str, Any]:
    d = asdict(meta)
    d["authors"] = list(meta.authors)
    return d


def canonical_meta_json(meta: ArticleMeta) -> str:
    """Deterministic JSON of the metadata, part of the article hash."""
    return json.dumps(meta_to_dict(meta), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(text_bytes: bytes, meta: ArticleMeta) -> str:
    """sha256 over the stored text bytes and the canonical metadata.

    Metadata is in the hash because it ends up in the graph (title, DOI, authors): fixing
    a typo in meta.json must trigger a rebuild of that article.
    """
    h = hashlib.sha256()
    h.update(text_bytes)
    h.update(b"\x00casekg-meta\x00")
    h.update(canonical_meta_json(meta).encode("utf-8"))
    return h.hexdigest()


def _opt_str(path: Path, data: dict[str, Any], key: str) -> str | None:
    v = data.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (str, int)):
        raise InputError(path, f'"{key}" must be a string or null, got {type(v).__name__}')
    s = str(v).strip()
    return s or None


def parse_meta(path: str | os.PathLike[str], raw: bytes, folder_id: str) -> ArticleMeta:
    """Parse meta.json bytes for article ``folder_id`` (public for sidecar files of ``kg add``)."""
    return _parse_meta(Path(path), raw, folder_id)


def _parse_meta(path: Path, raw: bytes, folder_id: str) -> ArticleMeta:
    try:
        src = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(path, f"malformed meta.json: not valid UTF-8 (byte offset {exc.start})") from None
    try:
        data = json.loads(src)
    except json.JSONDecodeError as exc:
        raise InputError(path, f"malformed meta.json: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    if not isinstance(data, dict):
        raise InputError(path, f"malformed meta.json: expected a JSON object, got {type(data).__name__}")

    meta_id = data.get("id", folder_id)
    if meta_id != folder_id:
        raise InputError(path, f'meta.json id "{meta_id}" does not match the folder name "{folder_id}"')

    def text_field(key: str, default: str = "") -> str:
        v = data.get(key, default)
        if v is None:
            return default
        if not isinstance(v, str):
            raise InputError(path, f'"{key}" must be a string, got {type(v).__name__}')
        return v.strip()

    year = data.get("year")
    if year is not None:
        if isinstance(year, str) and year.strip().isdigit():
            year = int(year.strip())
        if isinstance(year, bool) or not isinstance(year, int) or not 1000 <= year <= 9999:
            raise InputError(path, f'"year" must be a four-digit integer or null, got {data.get("year")!r}')

    authors = data.get("authors", [])
    if authors is None:
        authors = []
    if isinstance(authors, str):
        authors = [authors]
    if not isinstance(authors, list) or not all(isinstance(a, str) for a in authors):
        raise InputError(path, '"authors" must be a list of strings')

    pmid = _opt_str(path, data, "pmid")
    if pmid is not None and not pmid.isdigit():
        raise InputError(path, f'"pmid" must be digits only, got "{pmid}"')

    return ArticleMeta(
        id=folder_id,
        title=text_field("title"),
        journal=text_field("journal"),
        year=year,
        pmid=pmid,
        pmcid=_opt_str(path, data, "pmcid"),
        doi=_opt_str(path, data, "doi"),
        authors=tuple(a.strip() for a in authors if a.strip()),
        source_url=_opt_str(path, data, "source_url"),
        source_format=text_field("source_format", "text") or "text",
        license=_opt_str(path, data, "license"),
    )


# --------------------------------------------------------------------------------------
# Text checks
# --------------------------------------------------------------------------------------


def default_max_bytes() -> int:
    """The article size limit: $KG_MAX_ARTICLE_BYTES, else DEFAULT_MAX_BYTES."""
    env = os.environ.get(MAX_BYTES_ENV)
    if env and env.strip().isdigit():
        return int(env.strip())
    return DEFAULT_MAX_BYTES


def _max_bytes(max_bytes: int | None) -> int:
    return max_bytes if max_bytes is not None else default_max_bytes()


def _human(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n} bytes"


def read_bytes_limited(path: str | os.PathLike[str], limit: int) -> bytes:
    """The file's bytes, refusing a missing, unreadable or over-`limit` file with a one-line
    InputError. Shared by the corpus reader and `kg add`'s source reader."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except OSError as exc:
        raise InputError(path, f"cannot read file: {exc.strerror or exc}") from None
    if size > limit:
        raise InputError(
            path,
            f"file is {_human(size)} ({size} bytes), over the {_human(limit)} limit "
            f"(set {MAX_BYTES_ENV} to raise it)",
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read file: {exc.strerror or exc}") from None


def _read_text(path: Path, limit: int) -> tuple[bytes, str]:
    raw = read_bytes_limited(path, limit)
    return raw, decode_text(raw, path)


def decode_text(raw: bytes, path: str | os.PathLike[str]) -> str:
    """The checks every article text passes (non-empty, UTF-8, not binary), for bytes that
    did not come from a corpus file (``kg add`` input); InputError names ``path``."""
    if not raw:
        raise InputError(path, "file is empty")
    nul = raw.find(b"\x00")
    if nul != -1:
        raise InputError(path, f"binary content (NUL byte at byte offset {nul}); expected a UTF-8 text file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(
            path,
            f"not valid UTF-8: byte 0x{raw[exc.start]:02x} at byte offset {exc.start} (line {line}); "
            "re-save the file as UTF-8",
        ) from None
    if not text.strip():
        raise InputError(path, "file contains only whitespace")
    control = len(_CONTROL_RE.findall(text))
    if control > _MAX_CONTROL_SHARE * len(text):
        raise InputError(path, f"binary content ({100 * control / len(text):.0f}% control characters); expected text")
    return text


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------


def read_article(path: str | os.PathLike[str], *, max_bytes: int | None = None) -> Article:
    """Read one corpus entry: an article folder, its ``article.txt``, or a bare ``.txt`` file.

    Raises :class:`InputError` with a one-line message naming the offending file.
    """
    p = Path(path)
    limit = _max_bytes(max_bytes)
    if p.is_dir():
        folder = p
    elif p.name in (TEXT_NAME, META_NAME):
        folder = p.parent
    else:
        folder = None

    if folder is None:
        # A bare drop-in file: no metadata, id from the file name.
        if p.suffix.lower() != ".txt":
            raise InputError(p, "not a corpus entry: expected an article folder or a .txt file")
        aid = p.stem
        if not valid_id(aid):
            raise InputError(p, f'file name "{aid}" is not a usable article id (letters, digits, ".", "_", "-"; rename the file)')
        raw, text = _read_text(p, limit)
        meta = ArticleMeta(id=aid)
        return Article(meta=meta, text=text, sha256=content_hash(raw, meta), path=str(p))

    aid = folder.name
    text_path = folder / TEXT_NAME
    meta_path = folder / META_NAME
    if not valid_id(aid):
        raise InputError(folder, f'folder name "{aid}" is not a usable article id (letters, digits, ".", "_", "-")')
    if not text_path.is_file():
        raise InputError(text_path, f"missing: every article folder needs an {TEXT_NAME}")
    raw, text = _read_text(text_path, limit)
    if meta_path.exists():
        try:
            meta_raw = meta_path.read_bytes()
        except OSError as exc:
            raise InputError(meta_path, f"cannot read file: {exc.strerror or exc}") from None
        meta = _parse_meta(meta_path, meta_raw, aid)
    else:
        meta = ArticleMeta(id=aid)
    return Article(meta=meta, text=text, sha256=content_hash(raw, meta), path=str(text_path))


def _entries(root: Path) -> list[tuple[str, Path]]:
    """(article id, path) for every candidate entry, sorted by id for a stable order."""
    out: list[tuple[str, Path]] = []
    for child in root.iterdir():
        name = child.name
        if name.startswith((".", "_")):
            continue  # .kg.lock, .DS_Store, editor temp files, _drafts
        if child.is_dir():
            out.append((name, child))
        elif child.is_file() and child.suffix.lower() == ".txt":
            out.append((child.stem, child))
        # anything else (README.md, notes) is not an article
    out.sort(key=lambda e: (e[0], e[1].is_file()))
    return out


def load_corpus(root: str | os.PathLike[str], *, max_bytes: int | None = None) -> Iterator[Article | InputError]:
    """Every entry of the corpus, in id order: an Article, or the InputError explaining
    why that entry cannot be used (the caller reports it and carries on)."""
    root_path = Path(root)
    if not root_path.is_dir():
        yield InputError(root_path, "corpus directory not found")
        return
    seen: dict[str, Path] = {}
    for aid, path in _entries(root_path):
        if aid in seen:
            yield InputError(path, f'duplicate article id "{aid}" (also {seen[aid]}); remove or rename one')
            continue
        seen[aid] = path
        try:
            yield read_article(path, max_bytes=max_bytes)
        except InputError as exc:
            yield exc


# --------------------------------------------------------------------------------------
# Writing (importers, curators' helpers)
# --------------------------------------------------------------------------------------


def write_article(root: str | os.PathLike[str], text: str | bytes, meta: ArticleMeta, **extra: Any) -> Path:
    """Store an article as ``<root>/<meta.id>/article.txt`` + ``meta.json``, atomically.

    ``extra`` keys (e.g. ``note``) go into meta.json for curators; the reader ignores them.
    """
    if not valid_id(meta.id):
        raise InputError(meta.id, "not a usable article id")
    folder = Path(root) / meta.id
    data = text.encode("utf-8") if isinstance(text, str) else text
    write_bytes_atomic(folder / TEXT_NAME, data)
    doc = meta_to_dict(meta)
    for k, v in extra.items():
        if k in _META_FIELDS:
            raise ValueError(f"{k} is an ArticleMeta field; set it on meta")
        doc[k] = v
    write_text_atomic(folder / META_NAME, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    return folder
