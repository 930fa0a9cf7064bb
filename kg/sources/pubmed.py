"""Fetch articles by PMID, PMCID or DOI from NCBI E-utilities and Europe PMC.

What is fetched:

* ``efetch.fcgi?db=pubmed&id=...&rettype=xml&retmode=xml``: the PubMed record (title,
  abstract, metadata), in batches of up to ``batch_size`` ids per request;
* ``esearch.fcgi?db=pubmed&term=<doi>[doi]&retmode=json``: DOI -> PMID;
* the PMC ID converter (``idconv``, ``format=json``): PMCID -> PMID;
* Europe PMC ``/{PMCID}/fullTextXML``: JATS full text where the article is open access
  (HTTP 404 means "no full text there", and the abstract is used instead).

The client is meant to be polite and robust: one shared ``requests.Session``; (connect,
read) timeouts; retries with exponential backoff on connection errors, timeouts, truncated
bodies, 429 and 5xx (honouring ``Retry-After``); NCBI's rate limit (3 requests/s, 10/s with
``NCBI_API_KEY``) enforced across all calls of the client; ``tool``/``email`` on every NCBI
request; and an on-disk cache of good responses, so a re-run (or a resumed batch) does not
ask again. Base URLs are configuration, which is how the tests point the client at a
local server.

Every failure is a :class:`FetchError`: one line naming the identifier and the reason.
"""

from __future__ import annotations

import email.utils
import hashlib
import os
import random
import re
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, TypeVar
from urllib.parse import urlencode, urlsplit

import requests

from kg import __version__
from kg.atomic import write_bytes_atomic
from kg.errors import InputError
from kg.sources import SourceDocument
from kg.sources import jats, pubmed_xml
from kg.sources.detect import load_xml, local, normalise_doi, normalise_pmcid, text_of

EUTILS_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
EUROPEPMC_URL = "https://www.ebi.ac.uk/europepmc/webservices/rest/"
IDCONV_URL = "https://www.ncbi.nlm.nih.gov/pmc/utils/idconv/v1.0/"

_PMID_RE = re.compile(r"^[1-9]\d{0,8}$")
_PMCID_RE = re.compile(r"^PMC[1-9]\d{0,9}$")
_DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
# Parameters that identify the caller, not the resource: kept out of cache keys and URLs we store.
_CALLER_PARAMS = frozenset({"api_key", "tool", "email"})


T = TypeVar("T")


class FetchError(InputError):
    """An identifier that could not be fetched: ``"PMID 123: <reason>"``."""


# ------------------------------------------------------------------------------ identifiers


def check_pmid(value: str) -> str:
    v = str(value).strip()
    if not _PMID_RE.match(v):
        raise FetchError(f"PMID {value!r}" if v else "PMID ''", "invalid PMID: expected 1 to 9 digits, e.g. 35318646")
    return v


def check_pmcid(value: str) -> str:
    v = normalise_pmcid(value)
    if v is None or not _PMCID_RE.match(v):
        raise FetchError(f"PMCID {value!r}", "invalid PMCID: expected PMC followed by digits, e.g. PMC9012345")
    return v


def check_doi(value: str) -> str:
    v = normalise_doi(value)
    if v is None or not _DOI_RE.match(v):
        raise FetchError(f"DOI {value!r}", "invalid DOI: expected 10.<registrant>/<suffix>, e.g. 10.1111/bjd.21252")
    return v


# ------------------------------------------------------------------------------ configuration


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "casekg" / "http"


@dataclass(frozen=True)
class FetchConfig:
    """Everything about how the client talks to the services; ``from_env()`` for the CLI."""

    eutils_url: str = EUTILS_URL
    europepmc_url: str = EUROPEPMC_URL
    idconv_url: str = IDCONV_URL
    tool: str = "casekg"
    email: str | None = None
    api_key: str | None = None
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retries: int = 4  # further attempts after the first
    backoff: float = 1.0  # seconds before the first retry; doubles each time
    max_backoff: float = 60.0
    requests_per_second: float | None = None  # NCBI only; None: 3, or 10 with an API key
    cache_dir: Path | None = field(default_factory=_default_cache_dir)  # None: no cache
    cache_max_age: float = 30 * 24 * 3600.0  # seconds
    batch_size: int = 200  # PMIDs per efetch request (NCBI suggests at most 200 for GET)

    @classmethod
    def from_env(cls, **overrides: object) -> "FetchConfig":
        """Defaults, then ``NCBI_API_KEY``, ``NCBI_EMAIL``, ``KG_EUTILS_URL``,
        ``KG_EUROPEPMC_URL``, ``KG_IDCONV_URL``, ``KG_HTTP_CACHE`` (a directory, or ``off``),
        ``KG_HTTP_RETRIES``, ``KG_HTTP_BACKOFF`` and ``KG_HTTP_TIMEOUT`` (seconds)."""
        env = os.environ

        def number(name: str, default: float) -> float:
            try:
                return float(env[name])
            except (KeyError, ValueError):
                return default

        cfg = cls(
            eutils_url=env.get("KG_EUTILS_URL") or EUTILS_URL,
            europepmc_url=env.get("KG_EUROPEPMC_URL") or EUROPEPMC_URL,
            idconv_url=env.get("KG_IDCONV_URL") or IDCONV_URL,
            email=env.get("NCBI_EMAIL") or None,
            api_key=env.get("NCBI_API_KEY") or None,
            retries=int(number("KG_HTTP_RETRIES", cls.retries)),
            backoff=number("KG_HTTP_BACKOFF", cls.backoff),
            read_timeout=number("KG_HTTP_TIMEOUT", cls.read_timeout),
        )
        cache = env.get("KG_HTTP_CACHE")
        if cache:
            cfg = replace(cfg, cache_dir=None if cache.lower() in ("off", "0", "no", "none") else Path(cache))
        return replace(cfg, **overrides)  # type: ignore[arg-type]

    @property
    def ncbi_interval(self) -> float:
        rate = self.requests_per_second or (10.0 if self.api_key else 3.0)
        return 1.0 / rate if rate > 0 else 0.0


def _base(url: str) -> str:
    return url if url.endswith("/") else url + "/"


# ------------------------------------------------------------------------------ client


class Client:
    """A polite E-utilities / Europe PMC client. Use as a context manager, or call close()."""

    def __init__(self, config: FetchConfig | None = None, session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.config = config or FetchConfig.from_env()
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", f"casekg/{__version__} (+https://w3id.org/casekg/)")
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_ncbi = 0.0
        self.requests_made = 0  # network requests, retries included (not cache hits)
        self.cache_hits = 0

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    # -------------------------------------------------------------- transport

    def _throttle(self) -> None:
        interval = self.config.ncbi_interval
        if interval <= 0:
            return
        with self._lock:
            now = time.monotonic()
            wait = self._next_ncbi - now
            self._next_ncbi = max(now, self._next_ncbi) + interval
        if wait > 0:
            self._sleep(wait)

    def _cache_path(self, url: str, params: dict[str, str]) -> Path | None:
        if self.config.cache_dir is None:
            return None
        key_params = sorted((k, v) for k, v in params.items() if k not in _CALLER_PARAMS)
        key = hashlib.sha256(f"{url}?{urlencode(key_params)}".encode()).hexdigest()
        return self.config.cache_dir / key[:2] / f"{key}.body"

    def _cached(self, path: Path | None) -> bytes | None:
        if path is None:
            return None
        try:
            if time.time() - path.stat().st_mtime > self.config.cache_max_age:
                return None
            return path.read_bytes()
        except OSError:
            return None

    def _retry_after(self, resp: requests.Response) -> float | None:
        value = resp.headers.get("Retry-After")
        if not value:
            return None
        if value.strip().isdigit():
            return float(value.strip())
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())

    def get(
        self,
        url: str,
        params: dict[str, str],
        parse: Callable[[bytes], T],
        *,
        what: str,
        ncbi: bool,
        allow_404: bool = False,
    ) -> T | None:
        """GET with cache, rate limit and retries; ``parse(body)``, or None for an allowed 404.

        ``parse`` raises InputError for an unusable body. Only bodies that parse are cached,
        so a truncated or garbled answer is never replayed; a cached body that no longer
        parses is dropped and fetched again.
        """
        params = dict(params)
        if ncbi:
            params["tool"] = self.config.tool
            if self.config.email:
                params["email"] = self.config.email
            if self.config.api_key:
                params["api_key"] = self.config.api_key
        cache_path = self._cache_path(url, params)
        cached = self._cached(cache_path)
        if cached is not None:
            try:
                result = parse(cached)
            except InputError:
                assert cache_path is not None
                cache_path.unlink(missing_ok=True)
            else:
                self.cache_hits += 1
                return result
        body = self._fetch(url, params, what=what, ncbi=ncbi, allow_404=allow_404)
        if body is None:
            return None
        try:
            result = parse(body)
        except FetchError:
            raise
        except InputError as exc:
            raise FetchError(what, exc.reason) from None
        if cache_path is not None:
            try:
                write_bytes_atomic(cache_path, body)
            except OSError:
                pass  # a read-only cache must not stop the fetch
        return result

    def _fetch(self, url: str, params: dict[str, str], *, what: str, ncbi: bool, allow_404: bool) -> bytes | None:
        host = urlsplit(url).netloc or url
        cfg = self.config
        last = "no attempt made"
        for attempt in range(cfg.retries + 1):
            if ncbi:
                self._throttle()
            wait: float | None = None
            try:
                self.requests_made += 1
                resp = self.session.get(url, params=params, timeout=(cfg.connect_timeout, cfg.read_timeout))
                body = resp.content  # reading may fail too: a connection dropped mid-body
            except requests.Timeout:
                last = f"no answer from {host} within {cfg.read_timeout:g} s"
            except requests.ConnectionError as exc:
                last = f"cannot connect to {host} ({_short(exc)})"
            except requests.RequestException as exc:  # ChunkedEncodingError, ContentDecodingError
                last = f"broken response from {host} ({_short(exc)})"
            else:
                status = resp.status_code
                if status == 200:
                    return body
                if status == 404 and allow_404:
                    return None
                if status == 404:
                    raise FetchError(what, f"not found (HTTP 404 from {host})")
                if status != 429 and status < 500:
                    raise FetchError(what, f"HTTP {status} from {host}: {_snippet(body)}")
                last = f"HTTP {status} from {host}" + (" (rate limit exceeded)" if status == 429 else "")
                wait = self._retry_after(resp)
            if attempt < cfg.retries:
                delay = wait if wait is not None else cfg.backoff * (2**attempt) * random.uniform(1.0, 1.25)
                self._sleep(min(delay, cfg.max_backoff))
        raise FetchError(what, f"{last}; gave up after {cfg.retries + 1} attempts")

    def public_url(self, url: str, params: dict[str, str]) -> str:
        """A URL to record as ``source_url``: without api_key/tool/email."""
        clean = [(k, v) for k, v in params.items() if k not in _CALLER_PARAMS]
        return f"{url}?{urlencode(clean)}" if clean else url

    # -------------------------------------------------------------- services

    def efetch(self, pmids: list[str]) -> dict[str, SourceDocument | FetchError]:
        """PubMed records for ``pmids`` in one request, by PMID; ids PubMed does not know are absent.

        A title-only record comes back as a document without sections (full text may still exist).
        """
        url = _base(self.config.eutils_url) + "efetch.fcgi"
        params = {"db": "pubmed", "id": ",".join(pmids), "rettype": "xml", "retmode": "xml"}
        what = f"PMID {pmids[0]}" if len(pmids) == 1 else f"PMIDs {pmids[0]}..{pmids[-1]} (batch of {len(pmids)})"

        def parse(body: bytes) -> dict[str, SourceDocument | FetchError]:
            root = load_xml(body, what)
            tag = local(root.tag)
            if tag == "eFetchResult":
                # E-utilities answers some bad requests with 200 and an <ERROR> element.
                raise FetchError(what, f"E-utilities error: {text_of(root) or 'empty eFetchResult'}")
            if tag not in ("PubmedArticleSet", "PubmedArticle"):
                raise FetchError(what, f"unexpected efetch answer: root element <{tag}>")
            out: dict[str, SourceDocument | FetchError] = {}
            for rec in pubmed_xml.records(root):
                pmid = text_of(rec.find("MedlineCitation/PMID"))
                try:
                    doc = pubmed_xml.parse_record(rec, f"PMID {pmid}")
                except InputError as exc:
                    out[pmid] = FetchError(f"PMID {pmid}", exc.reason)
                    continue
                doc.raw = pubmed_xml.record_bytes(rec)
                doc.source_url = self.public_url(url, {**params, "id": pmid})
                out[doc.pmid or pmid] = doc
            return out

        result = self.get(url, params, parse, what=what, ncbi=True)
        assert result is not None
        return result

    def pmid_for_doi(self, doi: str) -> str:
        doi = check_doi(doi)
        what = f"DOI {doi}"
        url = _base(self.config.eutils_url) + "esearch.fcgi"
        params = {"db": "pubmed", "term": f"{doi}[doi]", "retmode": "json"}

        def parse(body: bytes) -> list[str]:
            data = _json(body, what, "esearch")
            result = data.get("esearchresult") if isinstance(data, dict) else None
            if not isinstance(result, dict):
                msg = data.get("error") if isinstance(data, dict) else None
                raise FetchError(what, f"E-utilities error: {msg}" if msg else "unexpected esearch answer: no esearchresult")
            if result.get("ERROR"):
                raise FetchError(what, f"E-utilities error: {result['ERROR']}")
            ids = result.get("idlist")
            if not isinstance(ids, list) or not all(isinstance(i, str) and i.isdigit() for i in ids):
                raise FetchError(what, "unexpected esearch answer: idlist is not a list of PMIDs")
            return ids

        ids = self.get(url, params, parse, what=what, ncbi=True) or []
        if not ids:
            raise FetchError(what, "no PubMed record has this DOI")
        if len(ids) > 1:
            raise FetchError(what, f"several PubMed records have this DOI ({', '.join(ids[:5])}); add one by --pmid")
        return ids[0]

    def ids_for_pmcid(self, pmcid: str) -> dict[str, str]:
        """{"pmid": ..., "doi": ...} for a PMCID from the PMC ID converter (keys only when known)."""
        pmcid = check_pmcid(pmcid)
        what = f"PMCID {pmcid}"
        params = {"ids": pmcid, "format": "json", "idtype": "pmcid"}

        def parse(body: bytes) -> dict[str, str]:
            data = _json(body, what, "PMC ID converter")
            if not isinstance(data, dict):
                raise FetchError(what, "unexpected ID converter answer: not a JSON object")
            if data.get("status") == "error":
                raise FetchError(what, f"PMC ID converter: {data.get('message') or 'error'}")
            records = data.get("records")
            if not isinstance(records, list) or not records or not isinstance(records[0], dict):
                raise FetchError(what, "unexpected ID converter answer: no records")
            rec = records[0]
            if rec.get("status") == "error":
                raise FetchError(what, f"not found by the PMC ID converter ({rec.get('errmsg') or 'error'})")
            return {k: str(rec[k]) for k in ("pmid", "doi") if rec.get(k)}

        result = self.get(self.config.idconv_url, params, parse, what=what, ncbi=True)
        assert result is not None
        return result

    def full_text(self, pmcid: str) -> SourceDocument | None:
        """JATS full text from Europe PMC, or None when it has none (not open access)."""
        pmcid = check_pmcid(pmcid)
        what = f"PMCID {pmcid}"
        url = f"{_base(self.config.europepmc_url)}{pmcid}/fullTextXML"

        def parse(body: bytes) -> SourceDocument:
            docs = jats.parse(body, f"{what}: Europe PMC full text")
            doc = docs[0]
            doc.source_url = url
            return doc

        return self.get(url, {}, parse, what=f"{what} (Europe PMC full text)", ncbi=False, allow_404=True)

    # -------------------------------------------------------------- articles

    def fetch_pmids(self, pmids: Iterable[str], *, full_text: bool = True) -> Iterator[tuple[str, SourceDocument | FetchError]]:
        """(pmid, document or error) for each PMID, in order; efetch in batches of ``batch_size``.

        A transport failure of a whole batch is reported for each of its PMIDs, and the next
        batch is still tried.
        """
        ids = [check_pmid(p) for p in pmids]
        size = max(1, self.config.batch_size)
        for start in range(0, len(ids), size):
            chunk = ids[start : start + size]
            try:
                records = self.efetch(chunk)
            except FetchError as exc:
                for pmid in chunk:
                    yield pmid, exc if len(chunk) == 1 else FetchError(f"PMID {pmid}", exc.reason)
                continue
            for pmid in chunk:
                rec = records.get(pmid)
                if rec is None:
                    yield pmid, FetchError(f"PMID {pmid}", "not found in PubMed (unknown or withdrawn PMID)")
                elif isinstance(rec, FetchError):
                    yield pmid, rec
                else:
                    try:
                        yield pmid, self._complete(rec, full_text=full_text)
                    except FetchError as exc:
                        yield pmid, exc

    def fetch_pmid(self, pmid: str, *, full_text: bool = True) -> SourceDocument:
        _, result = next(self.fetch_pmids([pmid], full_text=full_text))
        if isinstance(result, FetchError):
            raise result
        return result

    def fetch_doi(self, doi: str, *, full_text: bool = True) -> SourceDocument:
        doi = check_doi(doi)
        pmid = self.pmid_for_doi(doi)
        try:
            doc = self.fetch_pmid(pmid, full_text=full_text)
        except FetchError as exc:
            raise FetchError(f"DOI {doi}", f"PMID {pmid}: {exc.reason}") from None
        doc.origin = f"DOI {doi}"
        return doc

    def fetch_pmcid(self, pmcid: str, *, full_text: bool = True) -> SourceDocument:
        pmcid = check_pmcid(pmcid)
        full = self.full_text(pmcid) if full_text else None
        if full is not None:
            if full.pmid:
                # PubMed's record is the reference for citation metadata (authors, year).
                try:
                    rec = self.efetch([full.pmid]).get(full.pmid)
                except FetchError:
                    rec = None
                if isinstance(rec, SourceDocument):
                    doc = merge(rec, full)
                    doc.origin = f"PMCID {pmcid}"
                    return doc
            full.origin = f"PMCID {pmcid}"
            return _stamp(full)
        ids = self.ids_for_pmcid(pmcid)
        if "pmid" not in ids:
            raise FetchError(f"PMCID {pmcid}", "no open-access full text in Europe PMC and no PubMed record to take the abstract from")
        doc = self.fetch_pmid(ids["pmid"], full_text=False)
        doc.pmcid = doc.pmcid or pmcid
        doc.origin = f"PMCID {pmcid}"
        return doc

    def _complete(self, rec: SourceDocument, *, full_text: bool) -> SourceDocument:
        """Swap in the open-access full text where there is one; else keep the abstract."""
        rec.origin = f"PMID {rec.pmid}"
        if full_text and rec.pmcid:
            try:
                full = self.full_text(rec.pmcid)
            except FetchError as exc:
                raise FetchError(rec.origin, f"full text {exc.path}: {exc.reason} (--abstract-only stores the abstract)") from None
            if full is not None:
                doc = merge(rec, full)
                doc.origin = rec.origin
                return doc
        if not rec.sections:
            why = "it has no open-access full text" if rec.pmcid else "it is not in PMC"
            raise FetchError(f"PMID {rec.pmid}", f"PubMed has no abstract for this article and {why}; nothing to extract")
        return _stamp(rec)


def merge(record: SourceDocument, full: SourceDocument) -> SourceDocument:
    """Full text from JATS with PubMed's citation metadata (ids, authors, year) where it has them."""
    doc = replace(
        full,
        pmid=record.pmid or full.pmid,
        pmcid=full.pmcid or record.pmcid,
        doi=record.doi or full.doi,
        authors=record.authors or full.authors,
        year=record.year or full.year,
        title=full.title or record.title,
        journal=full.journal or record.journal,
        extra=dict(full.extra),
    )
    return _stamp(doc)


def _stamp(doc: SourceDocument) -> SourceDocument:
    doc.extra.setdefault("retrieved", datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    return doc


def _json(body: bytes, what: str, service: str) -> object:
    import json

    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FetchError(what, f"malformed {service} answer: {exc}") from None


def _short(exc: Exception) -> str:
    # urllib3 nests reasons several levels deep; the innermost one is the readable one.
    text = str(exc)
    m = re.search(r"\(Caused by (\w+)\(", text)
    if m:
        return m.group(1)
    return " ".join(text.split())[:160]


def _snippet(body: bytes) -> str:
    text = " ".join(body.decode("utf-8", "replace").split())
    return text[:160] or "(empty body)"
