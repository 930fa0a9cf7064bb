"""kg.build on small corpora written for the test: skip unchanged, replace changed
articles whole, drop removed ones, keep the last good graph of an unreadable file."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from kg.build import build
from kg.store import Store

CASE_A = (
    "Patient 1, a 52-year-old man with anti-Jo-1 antibody-positive myositis, received rituximab. "
    "His muscle weakness improved after rituximab. Rituximab was discontinued because of neutropenia.\n"
)
CASE_B = "A 30-year-old woman presented with fever and a skin rash. She was treated with prednisone 40 mg daily.\n"
WHEN = datetime(2026, 1, 1, tzinfo=timezone.utc)


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "case-a.txt").write_text(CASE_A)
    (root / "case-b.txt").write_text(CASE_B)
    return root


def _graph(store_path: Path, article_id: str) -> set[str]:
    with Store(store_path, read_only=True) as st:
        return {str(q) for q in st.graph_quads(article_id)}


def test_unchanged_articles_are_skipped(corpus: Path, tmp_path: Path):
    store = tmp_path / "store"
    first = build(corpus, store, now=WHEN)
    assert (first.built, first.unchanged, first.failed) == (2, 0, [])
    before = _graph(store, "case-a")
    second = build(corpus, store, now=datetime(2027, 1, 1, tzinfo=timezone.utc))
    assert (second.built, second.unchanged) == (0, 2)
    assert _graph(store, "case-a") == before  # not even the PROV time moved


def test_changed_article_graph_is_replaced_whole(corpus: Path, tmp_path: Path):
    store = tmp_path / "store"
    build(corpus, store, now=WHEN)
    other = _graph(store, "case-b")
    assert any("Neutropenia" in q or "HP_0001875" in q for q in _graph(store, "case-a"))
    (corpus / "case-a.txt").write_text(CASE_A.replace("neutropenia", "thrombocytopenia"))
    summary = build(corpus, store, now=WHEN)
    assert (summary.built, summary.unchanged) == (1, 1)
    after = _graph(store, "case-a")
    assert not any("HP_0001875" in q for q in after)
    assert any("HP_0001873" in q for q in after)  # Thrombocytopenia
    assert _graph(store, "case-b") == other


def test_removed_article_is_dropped_but_unreadable_one_keeps_its_graph(corpus: Path, tmp_path: Path):
    store = tmp_path / "store"
    build(corpus, store, now=WHEN)
    kept = _graph(store, "case-b")
    (corpus / "case-a.txt").unlink()
    (corpus / "case-b.txt").write_bytes(b"\xff\xfe broken \x00\x00")
    summary = build(corpus, store, now=WHEN)
    assert summary.removed == 1 and len(summary.failed) == 1 and "case-b.txt" in summary.failed[0]
    with Store(store, read_only=True) as st:
        assert st.articles() == ["case-b"]
    assert _graph(store, "case-b") == kept
