"""The E-utilities / Europe PMC client against a real local HTTP server.

The network is never used: `FakeServices` is an HTTP server on 127.0.0.1 inside the test
process that answers like efetch, esearch, the PMC ID converter and Europe PMC's
fullTextXML, from the fixtures in tests/fixtures/sources (documented response shapes,
invented records). Tests queue failures in front of the normal answers: 429 with the
NCBI JSON body, 500/503, slow answers, bodies cut off mid-transfer, garbage.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from kg.sources.pubmed import Client, FetchConfig, FetchError, check_doi, check_pmcid, check_pmid

FIX = Path(__file__).parent / "fixtures" / "sources"
PUBMED_DOCTYPE = (
    '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/xml; charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line: a slow server
    truncate: bool = False  # announce the full length, send half, hang up


def _record(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return text[text.index("<PubmedArticle>") : text.rindex("</PubmedArticle>") + len("</PubmedArticle>")]


class FakeServices:
    """E-utilities, the PMC ID converter and Europe PMC REST on one local port."""

    def __init__(self) -> None:
        self.records = {p.stem.split("-")[1]: _record(p) for p in FIX.glob("pubmed-99*.xml")}
        self.records["35318646"] = _record(FIX / "pubmed-35318646.xml")
        self.full_texts = {"PMC9900002": (FIX / "jats-PMC9900002.xml").read_bytes()}
        self.dois = {"10.1111/bjd.21252": ["35318646"], "10.5555/casekg.0002": ["99000002"], "10.5555/twice": ["1", "2"]}
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
            read_timeout=0.25,
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
        records = "\n".join(self.records[i] for i in ids if i in self.records)
        return Reply(body=f"{PUBMED_DOCTYPE}<PubmedArticleSet>\n{records}\n</PubmedArticleSet>\n".encode())

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


def test_pmid_with_structured_abstract_and_no_pmc(client: Client, fake: FakeServices):
    doc = client.fetch_pmid("35318646")
    assert doc.source_format == "pubmed-xml" and doc.pmid == "35318646" and doc.doi == "10.1111/bjd.21252"
    assert doc.sections[:2] == ("Abstract", "BACKGROUND")
    (call,) = fake.calls("efetch")
    assert {k: call[k] for k in ("db", "id", "rettype", "retmode", "tool", "email")} == {
        "db": "pubmed", "id": "35318646", "rettype": "xml", "retmode": "xml", "tool": "casekg", "email": "curator@example.org"}
    assert "api_key" not in call
    assert fake.calls("fulltext") == []  # PubMed lists no PMC id: no full-text request
    assert doc.source_url.endswith("efetch.fcgi?db=pubmed&id=35318646&rettype=xml&retmode=xml")
    assert "tool=" not in doc.source_url and "email=" not in doc.source_url


def test_pmid_with_open_access_full_text_uses_jats_and_pubmed_metadata(client: Client, fake: FakeServices):
    doc = client.fetch_pmid("99000002")
    assert doc.source_format == "jats" and doc.pmcid == "PMC9900002"
    assert "Treatment and outcome" in doc.sections and "Table 1." in doc.text
    assert doc.authors == ("Example AM", "Invented Myositis Study Group")  # PubMed's author list wins
    assert doc.title == "Baricitinib for refractory juvenile dermatomyositis with calcinosis: a case report"
    assert doc.source_url.endswith("/europepmc/webservices/rest/PMC9900002/fullTextXML")
    assert [c["_path"] for c in fake.calls("fulltext")] == ["/europepmc/webservices/rest/PMC9900002/fullTextXML"]


def test_pmc_article_without_full_text_falls_back_to_the_abstract(client: Client, fake: FakeServices):
    doc = client.fetch_pmid("99000001")  # PubMed lists PMC9900001, Europe PMC answers 404
    assert doc.source_format == "pubmed-xml" and doc.pmcid == "PMC9900001"
    assert len(fake.calls("fulltext")) == 1


def test_abstract_only_skips_the_full_text(client: Client, fake: FakeServices):
    doc = client.fetch_pmid("99000002", full_text=False)
    assert doc.source_format == "pubmed-xml" and fake.calls("fulltext") == []


def test_doi_goes_through_esearch(client: Client, fake: FakeServices):
    doc = client.fetch_doi("https://doi.org/10.1111/bjd.21252")
    assert doc.pmid == "35318646"
    (call,) = fake.calls("esearch")
    assert call["term"] == "10.1111/bjd.21252[doi]" and call["retmode"] == "json" and call["db"] == "pubmed"
    with pytest.raises(FetchError, match=r"^DOI 10.5555/nothing.here: no PubMed record has this DOI$"):
        client.fetch_doi("10.5555/nothing.here")
    with pytest.raises(FetchError, match="several PubMed records"):
        client.fetch_doi("10.5555/twice")


def test_pmcid_full_text_and_pmcid_via_id_converter(client: Client, fake: FakeServices):
    doc = client.fetch_pmcid("PMC9900002")
    assert doc.source_format == "jats" and doc.pmid == "99000002"
    other = client.fetch_pmcid("PMC9900003")  # not in Europe PMC: idconv -> PMID -> abstract
    assert other.source_format == "pubmed-xml" and other.pmid == "99000003" and other.pmcid == "PMC9900003"
    assert fake.calls("idconv")[0]["ids"] == "PMC9900003" and fake.calls("idconv")[0]["tool"] == "casekg"
    with pytest.raises(FetchError, match=r"^PMCID PMC9999999: not found by the PMC ID converter \(invalid article id\)$"):
        client.fetch_pmcid("PMC9999999")


def test_batch_efetch_groups_ids_and_reports_missing_ones(fake: FakeServices, tmp_path: Path):
    with Client(fake.config(tmp_path / "c", batch_size=2)) as c:
        results = dict(c.fetch_pmids(["35318646", "99000001", "99000003", "98765432"], full_text=False))
    assert [c["id"] for c in fake.calls("efetch")] == ["35318646,99000001", "99000003,98765432"]
    assert results["99000003"].pmid == "99000003"
    missing = results["98765432"]
    assert isinstance(missing, FetchError) and str(missing) == "PMID 98765432: not found in PubMed (unknown or withdrawn PMID)"


# ------------------------------------------------------------------ failures and retries


def test_429_and_5xx_are_retried_then_succeed(client: Client, fake: FakeServices):
    fake.queue(
        "efetch",
        Reply(429, (FIX / "ncbi-429.json").read_bytes(), "application/json", {"Retry-After": "0"}),
        Reply(503, b"<html>Service Unavailable</html>", "text/html"),
    )
    doc = client.fetch_pmid("35318646")
    assert doc.pmid == "35318646" and len(fake.calls("efetch")) == 3 and client.requests_made == 3


def test_persistent_500_gives_one_line_error(client: Client, fake: FakeServices):
    fake.queue("efetch", *[Reply(500, b"Internal Server Error", "text/plain")] * 3)
    with pytest.raises(FetchError) as exc:
        client.fetch_pmid("35318646")
    assert str(exc.value) == f"PMID 35318646: HTTP 500 from 127.0.0.1:{fake.httpd.server_address[1]}; gave up after 3 attempts"


def test_backoff_doubles_and_honours_retry_after(fake: FakeServices, tmp_path: Path):
    slept: list[float] = []
    cfg = fake.config(None, retries=3, backoff=0.01, max_backoff=5.0)
    fake.queue("efetch", Reply(500), Reply(502), Reply(429, b"{}", "application/json", {"Retry-After": "2"}))
    with Client(cfg, sleep=slept.append) as c:
        c.fetch_pmid("35318646")
    waits = [s for s in slept if s > 0.001]  # the rate limiter may add tiny sleeps
    assert len(waits) == 3
    assert 0.01 <= waits[0] <= 0.0125 and 0.02 <= waits[1] <= 0.025 and waits[2] == 2.0


def test_http_404_and_other_client_errors_are_not_retried(client: Client, fake: FakeServices):
    fake.queue("efetch", Reply(404, b"Not Found", "text/plain"))
    with pytest.raises(FetchError, match=r"^PMID 35318646: not found \(HTTP 404 from 127.0.0.1:\d+\)$"):
        client.fetch_pmid("35318646")
    fake.queue("esearch", Reply(400, b'{"error":"Invalid query"}', "application/json"))
    with pytest.raises(FetchError, match=r'HTTP 400 from .*: \{"error":"Invalid query"\}'):
        client.fetch_doi("10.1111/bjd.21252")
    assert len(fake.calls("efetch")) == 1 and len(fake.calls("esearch")) == 1


def test_slow_answer_times_out_and_is_retried(client: Client, fake: FakeServices):
    fake.queue("efetch", Reply(delay=0.5, body=b"late"))  # read_timeout is 0.25 s
    doc = client.fetch_pmid("35318646")
    assert doc.pmid == "35318646" and len(fake.calls("efetch")) == 2


def test_always_slow_gives_timeout_error(client: Client, fake: FakeServices):
    fake.queue("efetch", *[Reply(delay=0.4, body=b"late")] * 3)
    with pytest.raises(FetchError, match=r"^PMID 35318646: no answer from 127.0.0.1:\d+ within 0.25 s; gave up after 3 attempts$"):
        client.fetch_pmid("35318646")


def test_body_cut_off_mid_transfer_is_retried(client: Client, fake: FakeServices):
    good = fake._efetch({"id": "35318646"}, "").body
    fake.queue("efetch", Reply(body=good, truncate=True))
    assert client.fetch_pmid("35318646").pmid == "35318646"
    assert len(fake.calls("efetch")) == 2


def test_malformed_bodies_are_errors_and_never_cached(client: Client, fake: FakeServices, tmp_path: Path):
    good = fake._efetch({"id": "35318646"}, "").body
    fake.queue("efetch", Reply(body=good[: len(good) // 2]))  # complete HTTP answer, truncated XML
    with pytest.raises(FetchError, match=r"^PMID 35318646: malformed XML: .*truncated"):
        client.fetch_pmid("35318646")
    fake.queue("esearch", Reply(body=b"<html>oops</html>", content_type="text/html"))
    with pytest.raises(FetchError, match="malformed esearch answer"):
        client.fetch_doi("10.1111/bjd.21252")
    fake.queue("fulltext", Reply(body=b"<article><front><article-meta></article-meta></front></article>"))
    with pytest.raises(FetchError, match=r"^PMCID PMC9900002 \(Europe PMC full text\): JATS article has neither"):
        client.fetch_pmcid("PMC9900002")
    fake.queue("efetch", Reply(body=(FIX / "efetch-error.xml").read_bytes()))
    with pytest.raises(FetchError, match="E-utilities error: Empty id list - nothing todo"):
        client.fetch_pmid("35318646")
    # None of the bad answers was cached: the next call asks again and succeeds.
    assert client.fetch_pmid("35318646").pmid == "35318646"


def test_network_failure_is_one_line(tmp_path: Path):
    import socket

    with socket.socket() as s:  # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = FetchConfig(eutils_url=f"http://127.0.0.1:{port}/", cache_dir=None, retries=1, backoff=0.001)
    with Client(cfg) as c, pytest.raises(FetchError) as exc:
        c.fetch_pmid("35318646")
    msg = str(exc.value)
    assert msg.startswith(f"PMID 35318646: cannot connect to 127.0.0.1:{port} (") and msg.endswith("gave up after 2 attempts")
    assert "\n" not in msg


# ------------------------------------------------------------------ cache and rate limit


def test_cache_answers_repeat_requests_and_ignores_caller_params(fake: FakeServices, tmp_path: Path):
    cache = tmp_path / "cache"
    with Client(fake.config(cache)) as c:
        c.fetch_pmid("99000002")
    n = len(fake.log)
    with Client(fake.config(cache, api_key="SECRET", email="other@example.org")) as c:
        doc = c.fetch_pmid("99000002")
        assert c.requests_made == 0 and c.cache_hits == 2
    assert len(fake.log) == n and doc.source_format == "jats"
    stored = b"".join(p.read_bytes() for p in cache.rglob("*.body"))
    assert b"SECRET" not in stored
    with Client(fake.config(cache, cache_max_age=0)) as c:  # stale entries are fetched again
        c.fetch_pmid("99000002")
        assert c.requests_made == 2


def test_api_key_is_sent_and_raises_the_rate(fake: FakeServices):
    cfg = fake.config(None, api_key="k123", requests_per_second=None)
    assert cfg.ncbi_interval == pytest.approx(0.1)
    assert fake.config(None, requests_per_second=None).ncbi_interval == pytest.approx(1 / 3)
    with Client(cfg) as c:
        c.fetch_pmid("35318646")
    assert fake.calls("efetch")[0]["api_key"] == "k123"


def test_rate_limit_spaces_ncbi_requests(fake: FakeServices):
    started = time.monotonic()
    with Client(fake.config(None, requests_per_second=20.0)) as c:
        for pmid in ("35318646", "99000001", "99000003"):
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
