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


def _vocab(store_path: Path) -> set[str]:
    import pyoxigraph as ox

    from kg.rdf import VOCAB_GRAPH

    with Store(store_path, read_only=True) as st:
        return {str(q) for q in st.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(VOCAB_GRAPH))}


def test_vocabulary_graph_is_loaded_and_pruned_with_the_articles(corpus: Path, tmp_path: Path):
    from kg.query import run

    store = tmp_path / "store"
    first = build(corpus, store, now=WHEN)  # new articles: the batch path (Store.oxigraph.extend)
    vocab = _vocab(store)
    assert any("DB00073" in q for q in vocab)  # rituximab, only in case-a
    assert any("lookupKey" in q for q in vocab) and any("subClassOf" in q for q in vocab)
    assert not any("lookupKey" in q or "subClassOf" in q for q in _graph(store, "case-a"))
    assert first.store_graphs == 3  # two articles and the vocabulary graph
    with Store(store, read_only=True) as st:
        assert st.articles() == ["case-a", "case-b"]
        rows = run(st, "evidence", {"entity": "rituximab"}).dicts()
        assert {r["article"].rsplit("/", 1)[1] for r in rows} == {"case-a"}
    # a changed article goes through replace_article: its vocabulary quads are added there
    (corpus / "case-a.txt").write_text(CASE_A.replace("neutropenia", "thrombocytopenia"))
    build(corpus, store, now=WHEN)
    assert any("HP_0001873" in q for q in _vocab(store))
    (corpus / "case-a.txt").unlink()
    summary = build(corpus, store, now=WHEN)
    assert summary.removed == 1
    after = _vocab(store)
    assert after and not any("DB00073" in q for q in after)  # used by no article any more: pruned
    with Store(store, read_only=True) as st:
        assert run(st, "evidence", {"entity": "rituximab"}).dicts() == []
        assert {r["article"].rsplit("/", 1)[1] for r in run(st, "evidence", {"entity": "prednisone"}).dicts()} == {"case-b"}


def test_pool_build_loads_the_same_vocabulary_graph(corpus: Path, tmp_path: Path):
    """--jobs 2 ships N-Quads bytes from the workers: the vocabulary quads must come through."""
    build(corpus, tmp_path / "one", now=WHEN, jobs=1)
    build(corpus, tmp_path / "two", now=WHEN, jobs=2)
    assert _vocab(tmp_path / "one") == _vocab(tmp_path / "two") != set()
    for aid in ("case-a", "case-b"):
        assert _graph(tmp_path / "one", aid) == _graph(tmp_path / "two", aid)


def _all(store_path: Path) -> set[str]:
    with Store(store_path, read_only=True) as st:
        return {str(q) for q in st.oxigraph}


def test_crash_during_a_bulk_load_is_repaired_by_the_next_build(corpus: Path, tmp_path: Path):
    """Fresh articles go through Oxigraph's (non-transactional) bulk loader behind a marker
    file. Simulate a crash half way: marker left, half of the graphs (with the content hash,
    so the hash skip alone would keep them) loaded. The next build drops and rebuilds them:
    the store equals a clean build's, and no marker is left."""
    import json

    import pyoxigraph as ox

    from kg.store import BULK_MARKER

    clean = tmp_path / "clean"
    build(corpus, clean, now=WHEN)
    assert not (clean / BULK_MARKER).exists()
    with Store(clean, read_only=True) as st:
        everything = list(st.oxigraph)
    half = everything[: len(everything) // 2]
    half += [q for q in everything if q.predicate == ox.NamedNode("https://w3id.org/casekg/vocab#contentHash")]
    crashed = tmp_path / "crashed"
    with Store(crashed) as st:
        (crashed / BULK_MARKER).write_text(json.dumps({"articles": ["case-a", "case-b"]}))
        st.oxigraph.bulk_extend(half)
    assert _all(crashed) != _all(clean)
    summary = build(corpus, crashed, now=WHEN)
    assert summary.ok and summary.built == 2 and summary.unchanged == 0
    assert not (crashed / BULK_MARKER).exists()
    assert _all(crashed) == _all(clean)


def test_store_is_compacted_after_bulk_loads_only(corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    calls: list[str] = []
    real = Store.optimize
    monkeypatch.setattr(Store, "optimize", lambda self: (calls.append("optimize"), real(self))[1])
    store = tmp_path / "store"
    first = build(corpus, store, now=WHEN)
    assert first.bulk_loaded == 2 and calls == ["optimize"]
    assert len(_graph(store, "case-a")) > 0  # the compacted store still holds the graphs
    build(corpus, store, now=WHEN)  # nothing new: no compaction
    assert calls == ["optimize"]
    (corpus / "case-a.txt").write_text(CASE_A.replace("neutropenia", "thrombocytopenia"))
    changed = build(corpus, store, now=WHEN)  # a replaced article is one transaction, not a bulk load
    assert changed.built == 1 and changed.bulk_loaded == 0 and calls == ["optimize"]


def test_graphs_made_by_another_casekg_version_are_rebuilt(corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import kg.curate
    import kg.fingerprint
    from kg.curate import list_corpus

    store = tmp_path / "store"
    first = build(corpus, store, now=WHEN)
    assert first.built == 2
    with Store(store, read_only=True) as st:
        assert st.article_fingerprint("case-a") == kg.fingerprint.fingerprint()
    assert {r.id: r.status for r in list_corpus(corpus, store)} == {"case-a": "built", "case-b": "built"}

    # a newer casekg (another lexicon, pipeline or graph model): same texts, other fingerprint
    newer = "casekg 9.9; lexicon 99; pipeline x; graph 99"
    monkeypatch.setattr(kg.fingerprint, "fingerprint", lambda: newer)
    monkeypatch.setattr(kg.curate, "fingerprint", lambda: newer)
    assert {r.status for r in list_corpus(corpus, store)} == {"outdated"}
    second = build(corpus, store, now=WHEN)
    assert (second.built, second.unchanged, second.outdated) == (2, 0, 2)
    with Store(store, read_only=True) as st:
        assert st.article_fingerprint("case-a") == newer
    assert {r.status for r in list_corpus(corpus, store)} == {"built"}
    third = build(corpus, store, now=WHEN)
    assert (third.built, third.unchanged, third.outdated) == (0, 2, 0)


def test_a_failed_bulk_load_stops_the_build_and_loads_nothing_after_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Spools load on a background thread; its failure must surface in the caller, and no
    later spool may load (a later spool leaves out vocabulary the failed one carried)."""
    import kg.build

    root = tmp_path / "corpus"
    root.mkdir()
    texts = [CASE_A, CASE_B, CASE_A.replace("rituximab", "methotrexate"), CASE_B.replace("fever", "arthralgia")]
    for i, text in enumerate(texts):
        (root / f"case-{i}.txt").write_text(text)
    loaded: list[list[str]] = []
    real = Store.bulk_add_articles

    def flaky(self, ids, *args, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
        if loaded:
            raise OSError("disk full")
        loaded.append(sorted(ids))
        return real(self, ids, *args, **kw)

    monkeypatch.setattr(Store, "bulk_add_articles", flaky)
    monkeypatch.setattr(kg.build, "LOAD_ARTICLES", 1)
    with pytest.raises(OSError, match="disk full"):
        build(root, tmp_path / "store", now=WHEN, batch_size=1)
    with Store(tmp_path / "store", read_only=True) as st:
        assert st.articles() == loaded[0]
    monkeypatch.setattr(Store, "bulk_add_articles", real)
    again = build(root, tmp_path / "store", now=WHEN)  # the re-run builds the rest
    assert (again.built, again.unchanged) == (3, 1)


def test_the_loader_thread_ends_with_a_failed_build(corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """An error in the build's own thread (here: the failure record) must not leave the
    bulk-loader thread behind holding the store open."""
    import threading

    import kg.build
    import kg.failures

    def broken(*args, **kw):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("failure record unwritable")

    monkeypatch.setattr(kg.build, "LOAD_ARTICLES", 1)
    monkeypatch.setattr(kg.failures, "update", broken)
    with pytest.raises(RuntimeError, match="unwritable"):
        build(corpus, tmp_path / "store", now=WHEN, batch_size=1)
    assert not [t for t in threading.enumerate() if t.name == "kg-bulk-loader"]
    with Store(tmp_path / "store") as st:  # not locked by a leftover thread
        assert st.articles() in ([], ["case-a"])
