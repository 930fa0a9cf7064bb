"""`build(jobs=N)`: the same graph as the in-process build; bounded work in flight;
Ctrl-C leaves a consistent store and a re-run finishes the job."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from kg import synth
from kg.build import build
from kg.parallel import PoolRunner, batched
from kg.store import Store

WHEN = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _quads(store_path: Path) -> set[str]:
    with Store(store_path, read_only=True) as st:
        return {str(q) for q in st.oxigraph}


def _graphs(store_path: Path) -> dict[str, set[str]]:
    with Store(store_path, read_only=True) as st:
        return {a: {str(q) for q in st.graph_quads(a)} for a in st.articles()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("synth") / "corpus"
    synth.write_corpus(root, 6, seed=42)
    (root / "broken.txt").write_bytes(b"\xff\xfe broken \x00\x00")
    return root


@pytest.fixture(scope="module")
def reference(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("ref") / "store"
    summary = build(corpus, store, now=WHEN, jobs=1)
    assert summary.built == 6 and len(summary.failed) == 1
    return store


def test_two_processes_build_the_same_graph(corpus: Path, reference: Path, tmp_path: Path):
    seen = []
    summary = build(corpus, tmp_path / "store", now=WHEN, jobs=2, batch_size=2,
                    on_progress=lambda a, done, total: seen.append((done, total)))
    assert (summary.built, len(summary.failed), summary.interrupted) == (6, 1, False)
    assert _quads(tmp_path / "store") == _quads(reference)
    assert seen[-1] == (7, 7) and [d for d, _ in seen] == list(range(1, 8))
    again = build(corpus, tmp_path / "store", now=WHEN, jobs=2)
    assert (again.built, again.unchanged) == (0, 6)


def test_changed_article_is_replaced_by_the_parallel_build(corpus: Path, reference: Path, tmp_path: Path):
    store = tmp_path / "store"
    build(corpus, store, now=WHEN, jobs=1)
    victim = sorted(p for p in corpus.iterdir() if p.is_dir())[0]
    original = (victim / "article.txt").read_text()
    try:
        (victim / "article.txt").write_text(original + "\nThe patient later developed thrombocytopenia.\n")
        summary = build(corpus, store, now=WHEN, jobs=2)
        assert (summary.built, summary.unchanged) == (1, 5)
        graphs, ref = _graphs(store), _graphs(reference)
        assert graphs[victim.name] != ref[victim.name]
        assert all(graphs[a] == ref[a] for a in ref if a != victim.name)
    finally:
        (victim / "article.txt").write_text(original)
    build(corpus, store, now=WHEN, jobs=2)
    assert _quads(store) == _quads(reference)


@pytest.mark.parametrize("jobs", [1, 2])
def test_fresh_articles_load_in_spools_with_each_vocabulary_quad_once(
        corpus: Path, reference: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int):
    """Concepts recur across articles (every HPO term brings its is_a chain up to the root),
    so the vocabulary graph lines of a build are mostly repeats; the writer sends each once."""
    import pyoxigraph as ox

    import kg.build
    from kg.rdf import VOCAB_GRAPH

    loads = []
    original = Store.bulk_add_articles

    def spy(self, ids, quads=(), *, nquads=b"", **kw):  # noqa: ANN001, ANN003, ANN202
        quads = list(quads)
        loads.append((sorted(ids), [*quads, *ox.parse(nquads, format=ox.RdfFormat.N_QUADS)]))
        return original(self, ids, quads, nquads=nquads, **kw)

    monkeypatch.setattr(Store, "bulk_add_articles", spy)
    monkeypatch.setattr(kg.build, "LOAD_ARTICLES", 4)
    summary = build(corpus, tmp_path / "store", now=WHEN, jobs=jobs, batch_size=1)
    assert summary.built == summary.bulk_loaded == 6
    assert _quads(tmp_path / "store") == _quads(reference)
    assert [len(ids) for ids, _ in loads] == [4, 2]  # spooled 4 at a time, the rest at the end
    vocab = [q for _, quads in loads for q in quads if q.graph_name == ox.NamedNode(VOCAB_GRAPH)]
    assert vocab and len(vocab) == len(set(vocab))
    assert summary.triples_written > sum(len(quads) for _, quads in loads)  # repeats were dropped


def test_pool_keeps_few_batches_in_flight():
    pulled = []

    def batches():
        for i, b in enumerate(batched(range(100), 1)):
            pulled.append(i)
            yield []  # empty batches: no extraction needed

    runner = PoolRunner(2)
    try:
        it = runner.run(batches(), WHEN)
        next(it)
        assert len(pulled) <= 2 * 2 + 1  # the corpus is read as workers free up, not up front
        assert sum(1 for _ in it) == 99
    finally:
        runner.close()


_CHILD = """
import os, signal, sys
from datetime import datetime, timezone
from kg.build import build
# a shell starting this test in the background (nohup, `&` in a CI script) hands it SIGINT
# ignored, and Python then never raises KeyboardInterrupt; a terminal's kg has the default
signal.signal(signal.SIGINT, signal.default_int_handler)
def hook(article, done, total):
    print(done, flush=True)
    if done == 3:  # the broken file and two articles are done: Ctrl-C, as a terminal sends it
        os.killpg(os.getpgid(0), signal.SIGINT)
s = build(sys.argv[1], sys.argv[2], now=datetime(2026, 1, 1, tzinfo=timezone.utc), jobs=int(sys.argv[3]),
          batch_size=1, on_progress=hook)
print("INTERRUPTED" if s.interrupted else "COMPLETE", s.built, flush=True)
"""


@pytest.mark.parametrize("jobs", [1, 2])
def test_ctrl_c_leaves_a_consistent_store_and_a_rerun_resumes(corpus: Path, reference: Path, tmp_path: Path, jobs: int):
    store = tmp_path / "store"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(corpus), str(store), str(jobs)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    lines = []
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.strip())
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    lines += out.split()
    assert proc.returncode == 0, err[-2000:]
    # the interrupt comes from inside the build at a fixed point (a pipe to this test was too
    # slow: fast workers finished all six articles before it arrived, and the test skipped)
    assert any(line.startswith("INTERRUPTED") for line in lines), lines
    partial = _graphs(store)
    ref = _graphs(reference)
    assert 0 < len(partial) < len(ref)
    for aid, quads in partial.items():  # every stored article is whole
        assert quads == ref[aid]
    summary = build(corpus, store, now=WHEN, jobs=jobs)
    assert summary.built == len(ref) - len(partial) and summary.unchanged == len(partial)
    assert _quads(store) == _quads(reference)
