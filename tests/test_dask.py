"""`build(dask=...)` on a LocalCluster of 2 worker processes gives the same triples as the
single-process build (same PROV time)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from kg import synth
from kg.build import build
from kg.store import Store

distributed = pytest.importorskip("distributed")

WHEN = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _quads(store_path: Path) -> set[str]:
    with Store(store_path, read_only=True) as st:
        return {str(q) for q in st.oxigraph}


def test_dask_build_equals_single_process_build(tmp_path: Path):
    corpus = tmp_path / "corpus"
    synth.write_corpus(corpus, 5, seed=7)
    single = build(corpus, tmp_path / "single", now=WHEN, jobs=1)
    assert single.built == 5 and single.ok

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    try:
        with distributed.Client(cluster) as client:
            by_address = build(corpus, tmp_path / "dask", now=WHEN, dask=cluster.scheduler_address, batch_size=2)
            assert client.scheduler_info()["workers"]  # the cluster is still there for its owner
    finally:
        cluster.close()
    assert by_address.built == 5 and by_address.ok
    assert (by_address.store_triples, by_address.store_patients) == (single.store_triples, single.store_patients)
    assert _quads(tmp_path / "dask") == _quads(tmp_path / "single")
