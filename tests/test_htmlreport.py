"""kg report: the numbers behind the plots, a self-contained page, empty and non-ASCII corpora."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from test_export import CICLO_LABEL, build_store

from kg.cli_export import report as report_cmd
from kg.htmlreport import collect, render_report, write_report
from kg.store import Store


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("report") / "store")


@pytest.fixture(scope="module")
def page(store_path) -> str:
    return render_report(store_path)


def test_collect_counts(store_path):
    data = collect(store_path)
    assert [a["id"] for a in data.articles] == ["PMC-ü", "PMC1", "PMC2"]
    assert {a["id"]: a["patients"] for a in data.articles} == {"PMC-ü": 1, "PMC1": 2, "PMC2": 2}
    bari = next(r for r in data.treat if r["drug"] == "Baricitinib" and r["manifestation"] == "Panniculitis")
    assert bari["patients"] == 2 and bari["improved"] == 2 and bari["articles"] == 2
    assert dict((label, n) for label, n, _ in data.antibodies) == {"anti-MDA5": 2, "anti-NXP2": 2, "anti-Ro/SSA": 1}
    assert data.statements["phenotype"]["negated"] == 2 and data.statements["phenotype"]["hypothetical"] == 2
    assert data.entities["PMC1"]["Drug"] == 2
    assert any(r["drug"] == "Methotrexate" and r["patients"] == 2 for r in data.adverse)


def test_page_has_every_plot_and_no_network(page):
    for name in ("heatmap", "entities", "antibodies", "statements", "adverse"):
        assert f'id="plot-{name}"' in page, name
    assert page.count("Plotly.newPlot") == 5
    # plotly.js inlined once; nothing loaded from a CDN
    assert not re.search(r"<script[^>]+src=", page)
    assert len(re.findall(r"plotly\.js v\d", page)) >= 1


def test_page_shows_non_ascii_labels(page):
    assert "Sjögren &amp; ciclosporina: «étude» &lt;cas&gt;" in page  # article title, HTML-escaped
    assert CICLO_LABEL in page
    assert "Érythème « papuleux »" in page


def test_empty_store_report(tmp_path):
    path = tmp_path / "store"
    Store(path).close()
    page = render_report(path)
    assert "No articles in the store." in page and "No treatment-outcome statements" in page
    assert "Plotly.newPlot" not in page


def test_cli_report(store_path, tmp_path):
    out = tmp_path / "r" / "report.html"
    res = CliRunner().invoke(report_cmd, ["--store", str(store_path), "-o", str(out), "--title", "Mes cas"])
    assert res.exit_code == 0, res.output
    assert "<title>Mes cas</title>" in out.read_text(encoding="utf-8")
    res = CliRunner().invoke(report_cmd, ["--store", str(tmp_path / "none"), "-o", str(out)])
    assert res.exit_code == 1 and "no store here" in res.output


def test_write_report_returns_path(store_path, tmp_path):
    assert write_report(store_path, tmp_path / "x.html").stat().st_size > 1_000_000  # plotly.js inlined
