"""The web UI in headless Chromium: the catalogue loads, a query runs into a result table, an
entity page renders its evidence sentences with highlights and article links.

The page renders from URL parameters on load (?example=..&run=1, ?entity=IRI), so Chromium's
`--dump-dom` (after `--virtual-time-budget` lets the fetches finish) and `--screenshot` are
enough: no DevTools driver needed. Screenshots go to artifacts/ for CI."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
from test_server import running_server, sample_store

from kg.server import create_app

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium not installed (/usr/bin/chromium; `apt-get install -y chromium`, which .ci/run does)"
)


def chromium(url: str, *, screenshot: Path | None = None, dump_dom: bool = False) -> str:
    with tempfile.TemporaryDirectory() as profile:
        args = [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile}",
            "--window-size=1400,1000",
            "--virtual-time-budget=15000",  # lets the page's fetches finish before the dump
        ]
        if screenshot is not None:
            args.append(f"--screenshot={screenshot}")
        if dump_dom:
            args.append("--dump-dom")
        proc = subprocess.run([*args, url], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
        return proc.stdout


class Dom(HTMLParser):
    """Just enough of the DOM for assertions: elements with their attributes and text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[dict] = []
        self._stack: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        node = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.elements.append(node)
        if tag not in ("br", "img", "input", "meta", "link", "hr"):
            self._stack.append(node)

    def handle_endtag(self, tag):  # noqa: ANN001
        while self._stack:
            if self._stack.pop()["tag"] == tag:
                break

    def handle_data(self, data):  # noqa: ANN001
        for node in self._stack:
            node["text"] += data

    def find(self, tag: str, **attrs: str) -> list[dict]:
        """Elements by tag and attributes; `class` matches one of the element's classes."""

        def ok(e: dict, k: str, v: str) -> bool:
            got = e["attrs"].get(k)
            return got is not None and (v in got.split() if k == "class" else got == v)

        return [e for e in self.elements if e["tag"] == tag and all(ok(e, k, v) for k, v in attrs.items())]


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    store = sample_store(tmp_path_factory.mktemp("ui") / "store")
    with running_server(create_app(store, timeout=10.0, workers=1)) as url:
        yield url


def test_catalogue_loads_and_a_query_renders_a_table(base):
    ARTIFACTS.mkdir(exist_ok=True)
    url = f"{base}/?example=drugs-for-manifestation&param.manifestation=panniculitis&run=1"
    dom = Dom(chromium(url, dump_dom=True))
    assert dom.find("body")[0]["attrs"]["data-state"] == "ready"
    names = [li["attrs"]["data-name"] for li in dom.find("li") if "data-name" in li["attrs"]]
    assert {"drugs-for-manifestation", "patients-with-antibody", "evidence"} <= set(names)
    assert dom.find("li", **{"class": "active"})[0]["attrs"]["data-name"] == "drugs-for-manifestation"
    headers = [th["text"] for th in dom.find("th")]
    assert headers[:3] == ["drugLabel", "phenotypeLabel", "outcome"]
    rows = dom.find("tr")
    assert len(rows) == 3  # header + two answers
    assert "Baricitinib" in rows[1]["text"]
    links = [a["attrs"]["href"] for a in dom.find("a") if a["attrs"].get("href", "").startswith("/?entity=")]
    assert "/?entity=" + quote("https://go.drugbank.com/drugs/DB11817", safe="") in links
    assert "2 rows" in dom.find("span", id="status")[0]["text"]
    chromium(url, screenshot=ARTIFACTS / "web-ui-query.png")
    assert (ARTIFACTS / "web-ui-query.png").stat().st_size > 10_000


def test_sparql_text_and_error_display(base):
    dom = Dom(chromium(f"{base}/?sparql={quote('SELECT (COUNT(*) AS ?n) WHERE { ?p a ckg:Patient }')}&run=1", dump_dom=True))
    cells = [td["text"] for td in dom.find("td")]
    assert cells == ["4"]
    dom = Dom(chromium(f"{base}/?sparql={quote('SELEC nothing')}&run=1", dump_dom=True))
    err = dom.find("div", id="error")[0]
    assert "hidden" not in err["attrs"] and "SPARQL syntax error" in err["text"]


def test_entity_page_with_highlighted_evidence(base):
    url = f"{base}/?entity={quote('http://purl.obolibrary.org/obo/HP_0012490', safe='')}"
    dom = Dom(chromium(url, dump_dom=True))
    assert dom.find("h1")[-1]["text"] == "Panniculitis"
    statements = dom.find("div", **{"class": "statement"})
    assert len(statements) == 4
    marks = [m["text"] for m in dom.find("mark")]
    assert marks.count("panniculitis") == 4 and "Baricitinib" in marks
    hrefs = [a["attrs"].get("href") for a in dom.find("a")]
    assert "https://pubmed.ncbi.nlm.nih.gov/12345678/" in hrefs and "https://doi.org/10.1000/xyz123" in hrefs
    chromium(url, screenshot=ARTIFACTS / "web-ui-entity.png")
    assert (ARTIFACTS / "web-ui-entity.png").stat().st_size > 10_000


def test_patient_page_shows_negated_finding(base):
    url = f"{base}/?entity={quote('https://w3id.org/casekg/article/PMC1/patient/P1', safe='')}"
    dom = Dom(chromium(url, dump_dom=True))
    negated = [s for s in dom.find("div", **{"class": "statement"}) if s["attrs"].get("data-status") == "negated"]
    assert negated and "no interstitial lung disease" in negated[0]["text"]


def test_no_external_assets():
    web = Path(__file__).resolve().parents[1] / "kg" / "web"
    for f in web.iterdir():
        text = f.read_text(encoding="utf-8")
        for needle in ("<script src=\"http", "<link rel=\"stylesheet\" href=\"http", "cdn.", "import(\"http", "@import url(http"):
            assert needle not in text, f"{f.name} loads {needle!r} from the network"
