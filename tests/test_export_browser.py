"""The HTML viewer and the report in headless Chromium: nodes are painted, search and the side
panel work, Plotly draws every figure; screenshots go to artifacts/ for a person to look at.

The viewer reads `?search=...&select=...` URL parameters through the same functions as its
controls and mirrors its state in data-* attributes on <body>, so `--dump-dom` is enough:
no DevTools client is needed. Skipped when /usr/bin/chromium is missing (`.ci/run` installs it).
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

import pytest
from test_export import BARI, CICLO_LABEL, build_store

from kg import export as ex
from kg.htmlreport import write_report
from kg.store import Store

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium not installed at /usr/bin/chromium (apt-get install chromium; .ci/run installs it)")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--hide-scrollbars", "--window-size=1500,900",
         # virtual time runs the layout, timers and the paint check to completion before the dump
         "--virtual-time-budget=10000"]


def chromium(url: str, *, dump: bool = False, screenshot: Path | None = None, size: str | None = None) -> str:
    with tempfile.TemporaryDirectory() as profile:
        args = [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}"]
        if size:
            args.append(f"--window-size={size}")
        if dump:
            args.append("--dump-dom")
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            args.append(f"--screenshot={screenshot}")
        res = subprocess.run([*args, url], capture_output=True, text=True, timeout=120)
    if dump:
        assert res.stdout.strip(), res.stderr[-2000:]
    return res.stdout


def body_attrs(dom: str) -> dict[str, str]:
    m = re.search(r"<body([^>]*)>", dom)
    assert m, dom[:500]
    return {k: html.unescape(v) for k, v in re.findall(r'data-([a-z-]+)="([^"]*)"', m.group(1))}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("site")
    store = build_store(root / "store")
    for view in ex.VIEWS:
        ex.export(store, "html", root / f"{view}.html", view=view)
    write_report(store, root / "report.html")
    empty = root / "empty-store"
    Store(empty).close()
    ex.export(empty, "html", root / "empty.html")
    return root


def test_viewer_renders_searches_and_shows_evidence(site):
    url = f"{(site / 'patients.html').as_uri()}?search=baricitinib&select={quote(BARI, safe='')}"
    dom = chromium(url, dump=True)
    attrs = body_attrs(dom)
    assert attrs["ready"] == "true"
    assert int(attrs["painted"]) > 500, "the canvas stayed blank: no nodes drawn"
    assert int(attrs["nodes-visible"]) > 10 and int(attrs["search-count"]) == 1
    assert attrs["selected"] == BARI
    panel = dom.split('id="panel-body"', 1)[1]
    assert "Baricitinib" in panel and "DRUGBANK:DB11817" in panel
    assert "Statements and evidence" in panel
    assert "<mark>Baricitinib</mark> 4 mg daily orally was started" in panel  # the evidence sentence, term highlighted
    assert 'id="search-results"' in dom and f'data-id="{BARI}"' in dom
    chromium(url, screenshot=ARTIFACTS / "export-viewer-patients.png")
    assert (ARTIFACTS / "export-viewer-patients.png").stat().st_size > 20_000


def test_viewer_filters_and_non_ascii_search(site):
    # "ciclosporina a" finds "Ciclosporina α"? no: accents fold, Greek stays; search the Latin part
    dom = chromium(f"{(site / 'patients.html').as_uri()}?search=ERYTHEME&types=Patient,Manifestation", dump=True)
    attrs = body_attrs(dom)
    assert attrs["ready"] == "true" and int(attrs["search-count"]) == 1  # accent- and case-insensitive
    assert "Érythème « papuleux »" in dom
    dom_all = chromium((site / "patients.html").as_uri(), dump=True)
    assert int(attrs["nodes-visible"]) < int(body_attrs(dom_all)["nodes-visible"])
    dom = chromium(f"{(site / 'summary.html').as_uri()}?outcome=resolved&select={quote(CICLO_LABEL)}", dump=True)
    attrs = body_attrs(dom)
    assert attrs["selected"] and CICLO_LABEL in dom.split('id="panel-body"', 1)[1]
    assert int(attrs["edges-visible"]) >= 1


def test_evidence_view_screenshot(site):
    dom = chromium(f"{(site / 'evidence.html').as_uri()}?search=interstitial", dump=True)
    attrs = body_attrs(dom)
    assert attrs["ready"] == "true" and int(attrs["painted"]) > 500
    chromium(f"{(site / 'evidence.html').as_uri()}?search=interstitial", screenshot=ARTIFACTS / "export-viewer-evidence.png")


def test_empty_graph_page_opens(site):
    dom = chromium((site / "empty.html").as_uri(), dump=True)
    assert body_attrs(dom)["ready"] == "true" and "has no nodes" in dom


def test_report_draws_every_figure(site):
    dom = chromium((site / "report.html").as_uri(), dump=True, size="1400,3000")
    for name in ("heatmap", "entities", "antibodies", "statements", "adverse"):
        block = dom.split(f'id="plot-{name}"', 1)[1][:200_000]
        assert "main-svg" in block, f"plot {name} not drawn"
    assert dom.count('class="js-plotly-plot"') + dom.count("js-plotly-plot") >= 5
    chromium((site / "report.html").as_uri(), screenshot=ARTIFACTS / "report.png", size="1400,3000")
    assert (ARTIFACTS / "report.png").stat().st_size > 20_000
