"""The E-utilities / Europe PMC client against a real local HTTP server.

The network is never used: `FakeServices` is an HTTP server on 127.0.0.1 inside the test
process that answers like efetch, esearch, the PMC ID converter and Europe PMC's
fullTextXML. Content comes from REAL recorded service responses in
tests/fixtures/sources/recorded (see that folder's README for where each one was recorded):
an efetch request whose id list matches a recording gets that recording byte for byte; other
id lists get the recorded <PubmedArticle> elements they name, in efetch's envelope, or
efetch's recorded empty answer. esearch and idconv answers, and the bodies that go with
injected failures (429, 5xx, garbage), are not recordings: see the README for which and why.
Tests queue failures in front of the normal answers: 429 with the NCBI JSON body, 500/503,
slow answers, bodies cut off mid-transfer, garbage.
"""

from __future__ import annotations

import json
import re
import threading
import time
import xml.etree.ElementTree as ET
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from kg.sources import read_path
from kg.sources.pubmed import Client, FetchConfig, FetchError, check_doi, check_pmcid, check_pmid, merge

FIX = Path(__file__).parent / "fixtures" / "sources"
REC = FIX / "recorded"
# efetch's answer for ids PubMed does not have: a recorded response with no records in it.
EMPTY_EFETCH = REC / "efetch-pubmed-37909814-none.xml"
# Recorded efetch answers, by the exact id list that was asked for.
EFETCH_RECORDINGS = {
    "22351513": REC / "efetch-pubmed-22351513.xml",  # structured abstract, not in PMC
    "23121403": REC / "efetch-pubmed-23121403.xml",  # structured abstract, a collective author
    "29915538": REC / "efetch-pubmed-29915538.xml",  # in PMC (PMC5994433), plain abstract
    "1234567": REC / "efetch-pubmed-1234567.xml",  # title only
    "11748933,11700088": REC / "efetch-pubmed-11748933-11700088.xml",  # a two-record answer
    "37909814": EMPTY_EFETCH,
}
# Europe PMC full texts: no recording of the fullTextXML endpoint ships in any package we
# could use, so the JATS that NCBI's efetch db=pmc returned for the article stands in.
FULL_TEXTS = {"PMC3299399": REC / "efetch-pmc-3299399.xml"}


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/xml; charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line: a slow server
    truncate: bool = False  # announce the full length, send half, hang up


def _records(data: bytes) -> dict[str, bytes]:
    """The <PubmedArticle> elements of an efetch answer, byte for byte, by PMID."""
    out = {}
    for m in re.finditer(rb"<PubmedArticle>.*?</PubmedArticle>", data, re.S):
        pmid = re.search(rb"<PMID[^>]*>(\d+)</PMID>", m.group()).group(1).decode()  # type: ignore[union-attr]
        out[pmid] = m.group()
    return out


class FakeServices:
    """E-utilities, the PMC ID converter and Europe PMC REST on one local port."""

    def __init__(self) -> None:
        self.recordings = {ids: p.read_bytes() for ids, p in EFETCH_RECORDINGS.items()}
        self.records: dict[str, bytes] = {}
        for body in self.recordings.values():
            self.records.update(_records(body))
        self.full_texts = {k: p.read_bytes() for k, p in FULL_TEXTS.items()}
        self.dois = {
            "10.1002/jsfa.5627": ["22351513"],  # the DOI in the recorded record 22351513
            "10.5555/twice": ["1", "2"],
        }
        self.queued: dict[str, deque[Reply]] = defaultdict(deque)
        self.log: list[tuple[str, dict[str, str], float]] = []
        self._lock = threading.Lock()
        services = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                services._serve(self)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def config(self, cache_dir: Path | None, **overrides: object) -> FetchConfig:
        settings: dict[str, object] = dict(
            eutils_url=f"{self.base}/entrez/eutils/",
            europepmc_url=f"{self.base}/europepmc/webservices/rest/",
            idconv_url=f"{self.base}/pmc/utils/idconv/v1.0/",
            email="curator@example.org",
            connect_timeout=1.0,
            # Generous, so that a loaded machine (CI, or the suite beside a build) never turns a
            # normal answer into a retry; the timeout tests below ask for a short one.
            read_timeout=5.0,
            retries=2,
            backoff=0.001,
            max_backoff=0.02,
            requests_per_second=1000.0,
            cache_dir=cache_dir,
        )
        settings.update(overrides)
        return FetchConfig(**settings)  # type: ignore[arg-type]

    def queue(self, endpoint: str, *replies: Reply) -> None:
        self.queued[endpoint].extend(replies)

    def calls(self, endpoint: str) -> list[dict[str, str]]:
        return [q for e, q, _ in self.log if e == endpoint]

    # ---------------------------------------------------------------- answers

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        path = parts.path
        if path.endswith("/entrez/eutils/efetch.fcgi"):
            endpoint = "efetch"
        elif path.endswith("/entrez/eutils/esearch.fcgi"):
            endpoint = "esearch"
        elif path.startswith("/pmc/utils/idconv/v1.0"):
            endpoint = "idconv"
        elif path.endswith("/fullTextXML"):
            endpoint = "fulltext"
        else:
            endpoint = "unknown"
        with self._lock:
            self.log.append((endpoint, query | {"_path": path}, time.monotonic()))
            reply = self.queued[endpoint].popleft() if self.queued[endpoint] else None
        if reply is None:
            reply = getattr(self, f"_{endpoint}")(query, path)
        if reply.delay:
            time.sleep(reply.delay)
        try:
            h.send_response(reply.status)
            h.send_header("Content-Type", reply.content_type)
            h.send_header("Content-Length", str(len(reply.body)))
            for k, v in reply.headers.items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(reply.body[: len(reply.body) // 2] if reply.truncate else reply.body)
            h.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (read timeout): fine
        h.close_connection = True

    def _efetch(self, q: dict[str, str], path: str) -> Reply:
        ids = [i for i in q.get("id", "").split(",") if i]
        if not ids:
            return Reply(body=(FIX / "efetch-error.xml").read_bytes())
        if ",".join(ids) in self.recordings:
            return Reply(body=self.recordings[",".join(ids)])
        found = [self.records[i] for i in ids if i in self.records]
        empty = EMPTY_EFETCH.read_bytes()
        if not found:
            return Reply(body=empty)
        # The recorded records in the envelope (declaration, DOCTYPE) of efetch's recorded answer.
        cut = empty.index(b"</PubmedArticleSet>")
        return Reply(body=empty[:cut] + b"\n".join(found) + b"\n" + empty[cut:])

    def _esearch(self, q: dict[str, str], path: str) -> Reply:
        term = q.get("term", "")
        doi = term[: -len("[doi]")] if term.endswith("[doi]") else None
        ids = self.dois.get(doi or "", [])
        if not ids:
            return Reply(body=(FIX / "esearch-none.json").read_bytes(), content_type="application/json; charset=UTF-8")
        body = json.loads((FIX / "esearch-doi.json").read_text())
        body["esearchresult"].update(count=str(len(ids)), retmax=str(len(ids)), idlist=ids, querytranslation=term)
        return Reply(body=json.dumps(body).encode(), content_type="application/json; charset=UTF-8")

    def _idconv(self, q: dict[str, str], path: str) -> Reply:
        f = FIX / f"idconv-{q.get('ids', '')}.json"
        return Reply(body=(f if f.is_file() else FIX / "idconv-error.json").read_bytes(), content_type="application/json")

    def _fulltext(self, q: dict[str, str], path: str) -> Reply:
        pmcid = unquote(path.rsplit("/", 2)[-2])
        if pmcid in self.full_texts:
            return Reply(body=self.full_texts[pmcid], content_type="application/xml")
        # Europe PMC answers 404 with an empty body for articles it has no full text for.
        return Reply(status=404, body=b"", content_type="application/xml")

    def _unknown(self, q: dict[str, str], path: str) -> Reply:
        return Reply(status=404, body=b"<html><body>Not Found</body></html>", content_type="text/html")


@pytest.fixture(scope="module")
def services():
    s = FakeServices()
    yield s
    s.close()


@pytest.fixture()
def fake(services: FakeServices):
    services.queued.clear()
    services.log.clear()
    return services


@pytest.fixture()
def client(fake: FakeServices, tmp_path: Path):
    with Client(fake.config(tmp_path / "cache")) as c:
        yield c


# ------------------------------------------------------------------ identifiers


def test_identifier_checks():
    assert check_pmid(" 35318646 ") == "35318646"
    assert check_pmcid("pmc9900002") == "PMC9900002" and check_pmcid("9900002") == "PMC9900002"
    assert check_doi("https://doi.org/10.1111/bjd.21252") == "10.1111/bjd.21252"
    for bad, fn, why in [("35318646x", check_pmid, "invalid PMID"), ("0", check_pmid, "invalid PMID"),
                         ("PMC", check_pmcid, "invalid PMCID"), ("bjd.21252", check_doi, "invalid DOI")]:
        with pytest.raises(FetchError, match=why) as exc:
            fn(bad)
        assert repr(bad) in str(exc.value)


# ------------------------------------------------------------------ happy paths


def _pubmed_facts(path: Path) -> dict[str, object]:
    """What a recorded efetch answer says about its first record, read with ElementTree only."""
    art = ET.parse(path).getroot().find("PubmedArticle")
    assert art is not None
    ids = {a.get("IdType"): a.text for a in art.findall("PubmedData/ArticleIdList/ArticleId")}
    labels = [a.get("Label") for a in art.findall("MedlineCitation/Article/Abstract/AbstractText")]
    return {"pmid": art.findtext("MedlineCitation/PMID"), "doi": ids.get("doi"), "pmc": ids.get("pmc"), "labels": labels}


def test_pmid_with_structured_abstract_and_no_pmc(client: Client, fake: FakeServices):
    facts = _pubmed_facts(REC / "efetch-pubmed-22351513.xml")
    assert facts["pmc"] is None and facts["labels"][0] == "BACKGROUND"  # what this case is about
    doc = client.fetch_pmid("22351513")
    assert doc.source_format == "pubmed-xml" and doc.pmid == facts["pmid"] == "22351513" and doc.doi == facts["doi"]
    assert doc.sections == ("Abstract", *facts["labels"])  # type: ignore[misc]
    (call,) = fake.calls("efetch")
    assert {k: call[k] for k in ("db", "id", "rettype", "retmode", "tool", "email")} == {
        "db": "pubmed", "id": "22351513", "rettype": "xml", "retmode": "xml", "tool": "casekg", "email": "curator@example.org"}
    assert "api_key" not in call
    assert fake.calls("fulltext") == []  # PubMed lists no PMC id: no full-text request
    assert doc.source_url.endswith("efetch.fcgi?db=pubmed&id=22351513&rettype=xml&retmode=xml")
    assert "tool=" not in doc.source_url and "email=" not in doc.source_url


def test_pmcid_with_full_text_reads_the_jats(client: Client, fake: FakeServices):
    jats = ET.parse(FULL_TEXTS["PMC3299399"]).getroot().find("article/front/article-meta")
    assert jats is not None
    pmid = jats.findtext("article-id[@pub-id-type='pmid']")
    doc = client.fetch_pmcid("PMC3299399")
    assert doc.source_format == "jats" and doc.pmcid == "PMC3299399" and doc.pmid == pmid
    assert doc.title == "".join(jats.find("title-group/article-title").itertext())  # type: ignore[union-attr]
    assert "Introduction" in doc.sections and "Table 1. " in doc.text
    assert doc.source_url.endswith("/europepmc/webservices/rest/PMC3299399/fullTextXML")
    assert [c["_path"] for c in fake.calls("fulltext")] == ["/europepmc/webservices/rest/PMC3299399/fullTextXML"]
    # PubMed's record is asked for (its citation metadata would win); PubMed has none for
    # it in the recordings, so the JATS metadata stays.
    assert [c["id"] for c in fake.calls("efetch")] == [pmid]
    surnames = [s.text for s in jats.findall("contrib-group/contrib[@contrib-type='author']/name/surname")]
    assert [a.rsplit(" ", 1)[0] for a in doc.authors] == surnames


def test_merge_takes_text_from_jats_and_citation_metadata_from_pubmed():
    record = read_path(REC / "efetch-pubmed-29915538.xml")[0]
    full = read_path(FULL_TEXTS["PMC3299399"])[0]
    doc = merge(record, full)
    assert doc.text == full.text and doc.sections == full.sections and doc.source_format == "jats"
    assert (doc.pmid, doc.doi, doc.authors, doc.year) == (record.pmid, record.doi, record.authors, record.year)
    assert doc.pmcid == full.pmcid and doc.title == full.title and doc.journal == full.journal


def test_pmc_article_without_full_text_falls_back_to_the_abstract(client: Client, fake: FakeServices):
    assert _pubmed_facts(REC / "efetch-pubmed-29915538.xml")["pmc"] == "PMC5994433"
    doc = client.fetch_pmid("29915538")  # PubMed lists PMC5994433, Europe PMC answers 404
    assert doc.source_format == "pubmed-xml" and doc.pmcid == "PMC5994433"
    assert [c["_path"] for c in fake.calls("fulltext")] == ["/europepmc/webservices/rest/PMC5994433/fullTextXML"]


def test_abstract_only_skips_the_full_text(client: Client, fake: FakeServices):
    doc = client.fetch_pmid("29915538", full_text=False)
    assert doc.source_format == "pubmed-xml" and fake.calls("fulltext") == []


def test_title_only_record_without_full_text_is_an_error(client: Client, fake: FakeServices):
    # A real title-only record (no AbstractText, no PMC id): the message must read as a sentence.
    with pytest.raises(FetchError, match=r"^PMID 1234567: PubMed has no abstract for this article and it is not in PMC; nothing to extract$"):
        client.fetch_pmid("1234567")


def test_doi_goes_through_esearch(client: Client, fake: FakeServices):
    doi = _pubmed_facts(REC / "efetch-pubmed-22351513.xml")["doi"]
    doc = client.fetch_doi(f"https://doi.org/{doi}")
    assert doc.pmid == "22351513"
    (call,) = fake.calls("esearch")
    assert call["term"] == f"{doi}[doi]" and call["retmode"] == "json" and call["db"] == "pubmed"
    with pytest.raises(FetchError, match=r"^DOI 10.5555/nothing.here: no PubMed record has this DOI$"):
        client.fetch_doi("10.5555/nothing.here")
    with pytest.raises(FetchError, match="several PubMed records"):
        client.fetch_doi("10.5555/twice")


def test_pmcid_without_full_text_goes_through_the_id_converter(client: Client, fake: FakeServices):
    other = client.fetch_pmcid("PMC5994433")  # not in Europe PMC: idconv -> PMID -> abstract
    assert other.source_format == "pubmed-xml" and other.pmid == "29915538" and other.pmcid == "PMC5994433"
    assert fake.calls("idconv")[0]["ids"] == "PMC5994433" and fake.calls("idconv")[0]["tool"] == "casekg"
    with pytest.raises(FetchError, match=r"^PMCID PMC9999999: not found by the PMC ID converter \(invalid article id\)$"):
        client.fetch_pmcid("PMC9999999")


def test_batch_efetch_groups_ids_and_reports_missing_ones(fake: FakeServices, tmp_path: Path):
    with Client(fake.config(tmp_path / "c", batch_size=2)) as c:
        results = dict(c.fetch_pmids(["11748933", "11700088", "22351513", "98765432"], full_text=False))
    # The first request is answered with the recorded two-record efetch answer as it came.
    assert [c["id"] for c in fake.calls("efetch")] == ["11748933,11700088", "22351513,98765432"]
    assert [results[i].pmid for i in ("11748933", "11700088", "22351513")] == ["11748933", "11700088", "22351513"]  # type: ignore[union-attr]
    assert results["11700088"].title == "".join(  # type: ignore[union-attr]
        ET.parse(REC / "efetch-pubmed-11748933-11700088.xml").getroot()[1].find("MedlineCitation/Article/ArticleTitle").itertext())  # type: ignore[union-attr]
    missing = results["98765432"]
    assert isinstance(missing, FetchError) and str(missing) == "PMID 98765432: not found in PubMed (unknown or withdrawn PMID)"


def test_unknown_pmid_gets_efetchs_empty_answer(client: Client, fake: FakeServices):
    with pytest.raises(FetchError, match=r"^PMID 37909814: not found in PubMed \(unknown or withdrawn PMID\)$"):
        client.fetch_pmid("37909814")  # the recorded answer itself, byte for byte


# ------------------------------------------------------------------ failures and retries


def test_429_and_5xx_are_retried_then_succeed(client: Client, fake: FakeServices):
    fake.queue(
        "efetch",
        Reply(429, (FIX / "ncbi-429.json").read_bytes(), "application/json", {"Retry-After": "0"}),
        Reply(503, b"<html>Service Unavailable</html>", "text/html"),
    )
    doc = client.fetch_pmid("22351513")
    assert doc.pmid == "22351513" and len(fake.calls("efetch")) == 3 and client.requests_made == 3


def test_persistent_500_gives_one_line_error(client: Client, fake: FakeServices):
    fake.queue("efetch", *[Reply(500, b"Internal Server Error", "text/plain")] * 3)
    with pytest.raises(FetchError) as exc:
        client.fetch_pmid("22351513")
    assert str(exc.value) == f"PMID 22351513: HTTP 500 from 127.0.0.1:{fake.httpd.server_address[1]}; gave up after 3 attempts"


def test_backoff_doubles_and_honours_retry_after(fake: FakeServices, tmp_path: Path):
    slept: list[float] = []
    cfg = fake.config(None, retries=3, backoff=0.01, max_backoff=5.0)
    fake.queue("efetch", Reply(500), Reply(502), Reply(429, b"{}", "application/json", {"Retry-After": "2"}))
    with Client(cfg, sleep=slept.append) as c:
        c.fetch_pmid("22351513")
    waits = [s for s in slept if s > 0.001]  # the rate limiter may add tiny sleeps
    assert len(waits) == 3
    assert 0.01 <= waits[0] <= 0.0125 and 0.02 <= waits[1] <= 0.025 and waits[2] == 2.0


def test_http_404_and_other_client_errors_are_not_retried(client: Client, fake: FakeServices):
    fake.queue("efetch", Reply(404, b"Not Found", "text/plain"))
    with pytest.raises(FetchError, match=r"^PMID 22351513: not found \(HTTP 404 from 127.0.0.1:\d+\)$"):
        client.fetch_pmid("22351513")
    fake.queue("esearch", Reply(400, b'{"error":"Invalid query"}', "application/json"))
    with pytest.raises(FetchError, match=r'HTTP 400 from .*: \{"error":"Invalid query"\}'):
        client.fetch_doi("10.1002/jsfa.5627")
    assert len(fake.calls("efetch")) == 1 and len(fake.calls("esearch")) == 1


SHORT_READ = 0.5  # seconds: the slow replies below take three times that


def test_slow_answer_times_out_and_is_retried(fake: FakeServices, tmp_path: Path):
    fake.queue("efetch", Reply(delay=3 * SHORT_READ, body=b"late"))
    with Client(fake.config(tmp_path / "c", read_timeout=SHORT_READ)) as client:
        doc = client.fetch_pmid("22351513")
    assert doc.pmid == "22351513" and len(fake.calls("efetch")) == 2


def test_always_slow_gives_timeout_error(fake: FakeServices, tmp_path: Path):
    fake.queue("efetch", *[Reply(delay=3 * SHORT_READ, body=b"late")] * 3)
    with Client(fake.config(tmp_path / "c", read_timeout=SHORT_READ)) as client:
        with pytest.raises(FetchError, match=rf"^PMID 22351513: no answer from 127.0.0.1:\d+ within {SHORT_READ} s; gave up after 3 attempts$"):
            client.fetch_pmid("22351513")


def test_body_cut_off_mid_transfer_is_retried(client: Client, fake: FakeServices):
    good = fake._efetch({"id": "22351513"}, "").body
    fake.queue("efetch", Reply(body=good, truncate=True))
    assert client.fetch_pmid("22351513").pmid == "22351513"
    assert len(fake.calls("efetch")) == 2


def test_malformed_bodies_are_errors_and_never_cached(client: Client, fake: FakeServices, tmp_path: Path):
    good = fake._efetch({"id": "22351513"}, "").body
    fake.queue("efetch", Reply(body=good[: len(good) // 2]))  # complete HTTP answer, truncated XML
    with pytest.raises(FetchError, match=r"^PMID 22351513: malformed XML: .*truncated"):
        client.fetch_pmid("22351513")
    fake.queue("esearch", Reply(body=b"<html>oops</html>", content_type="text/html"))
    with pytest.raises(FetchError, match="malformed esearch answer"):
        client.fetch_doi("10.1002/jsfa.5627")
    fake.queue("fulltext", Reply(body=b"<article><front><article-meta></article-meta></front></article>"))
    with pytest.raises(FetchError, match=r"^PMCID PMC3299399 \(Europe PMC full text\): JATS article has neither"):
        client.fetch_pmcid("PMC3299399")
    fake.queue("efetch", Reply(body=(FIX / "efetch-error.xml").read_bytes()))
    with pytest.raises(FetchError, match="E-utilities error: Empty id list - nothing todo"):
        client.fetch_pmid("22351513")
    # None of the bad answers was cached: the next call asks again and succeeds.
    assert client.fetch_pmid("22351513").pmid == "22351513"


def test_network_failure_is_one_line(tmp_path: Path):
    import socket

    with socket.socket() as s:  # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = FetchConfig(eutils_url=f"http://127.0.0.1:{port}/", cache_dir=None, retries=1, backoff=0.001)
    with Client(cfg) as c, pytest.raises(FetchError) as exc:
        c.fetch_pmid("22351513")
    msg = str(exc.value)
    assert msg.startswith(f"PMID 22351513: cannot connect to 127.0.0.1:{port} (") and msg.endswith("gave up after 2 attempts")
    assert "\n" not in msg


# ------------------------------------------------------------------ cache and rate limit


def test_cache_answers_repeat_requests_and_ignores_caller_params(fake: FakeServices, tmp_path: Path):
    cache = tmp_path / "cache"
    with Client(fake.config(cache)) as c:
        c.fetch_pmcid("PMC3299399")
    n = len(fake.log)
    with Client(fake.config(cache, api_key="SECRET", email="other@example.org")) as c:
        doc = c.fetch_pmcid("PMC3299399")
        assert c.requests_made == 0 and c.cache_hits == 2
    assert len(fake.log) == n and doc.source_format == "jats"
    stored = b"".join(p.read_bytes() for p in cache.rglob("*.body"))
    assert b"SECRET" not in stored
    with Client(fake.config(cache, cache_max_age=0)) as c:  # stale entries are fetched again
        c.fetch_pmcid("PMC3299399")
        assert c.requests_made == 2


def test_api_key_is_sent_and_raises_the_rate(fake: FakeServices):
    cfg = fake.config(None, api_key="k123", requests_per_second=None)
    assert cfg.ncbi_interval == pytest.approx(0.1)
    assert fake.config(None, requests_per_second=None).ncbi_interval == pytest.approx(1 / 3)
    with Client(cfg) as c:
        c.fetch_pmid("22351513")
    assert fake.calls("efetch")[0]["api_key"] == "k123"


def test_rate_limit_spaces_ncbi_requests(fake: FakeServices):
    started = time.monotonic()
    with Client(fake.config(None, requests_per_second=20.0)) as c:
        for pmid in ("22351513", "23121403", "29915538"):
            c.fetch_pmid(pmid, full_text=False)
    # The client waited two full 50 ms intervals. (Server-side arrival gaps are not checked:
    # on a loaded machine the first request can arrive late and make a gap look short.)
    assert time.monotonic() - started >= 0.1
    assert [e for e, _, _ in fake.log].count("efetch") == 3


def test_config_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("NCBI_API_KEY", "abc")
    monkeypatch.setenv("NCBI_EMAIL", "me@example.org")
    monkeypatch.setenv("KG_EUTILS_URL", "http://127.0.0.1:9/eutils")
    monkeypatch.setenv("KG_HTTP_CACHE", "off")
    cfg = FetchConfig.from_env(retries=7)
    assert (cfg.api_key, cfg.email, cfg.eutils_url, cfg.cache_dir, cfg.retries) == (
        "abc", "me@example.org", "http://127.0.0.1:9/eutils", None, 7)
    monkeypatch.setenv("KG_HTTP_CACHE", str(tmp_path))
    assert FetchConfig.from_env().cache_dir == tmp_path
    assert re.match(r"^https://eutils\.ncbi\.nlm\.nih\.gov/", FetchConfig().eutils_url)
