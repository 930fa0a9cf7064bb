"""kg dump / kg load: round trips in N-Quads and TriG (plain and gzip), atomic writes, refusal of
bad input before anything is written, per-graph replacement, and the click commands."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from test_rdf import WHEN, sample
from test_server import sample_store

import kg.dump
from kg.cli_serve import dump as dump_cmd
from kg.cli_serve import load as load_cmd
from kg.cli_serve import serve as serve_cmd
from kg.dump import dump, format_for, load
from kg.errors import CaseKGError, InputError
from kg.rdf import VOCAB_GRAPH, article_quads, graph_iri
from kg.store import Store


def _quads(path: Path) -> set[str]:
    with Store(path, read_only=True) as st:
        return {str(q) for q in st.oxigraph}


@pytest.fixture()
def store(tmp_path) -> Path:
    return sample_store(tmp_path / "store")


@pytest.mark.parametrize("name", ["g.nq", "g.trig", "g.nq.gz", "g.trig.gz"])
def test_round_trip(store, tmp_path, name):
    out = tmp_path / name
    n = dump(store, out)
    assert n == len(_quads(store)) > 0
    if name.endswith(".gz"):
        assert gzip.decompress(out.read_bytes())
    if ".trig" in name:
        assert b"@prefix ckg: <https://w3id.org/casekg/vocab#>" in (gzip.decompress(out.read_bytes()) if name.endswith(".gz") else out.read_bytes())
    summary = load(tmp_path / "copy", out)
    assert summary.new_store and summary.graphs == 3 and summary.quads == n  # two articles + vocabulary
    assert _quads(tmp_path / "copy") == _quads(store)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files or dirs left


def test_gzip_dump_is_reproducible(store, tmp_path):
    dump(store, tmp_path / "a.nq.gz")
    dump(store, tmp_path / "b.nq.gz")
    assert (tmp_path / "a.nq.gz").read_bytes() == (tmp_path / "b.nq.gz").read_bytes()


def test_dump_is_atomic(store, tmp_path, monkeypatch):
    out = tmp_path / "g.nq"
    out.write_text("the previous release\n")

    def broken(ox_store, stream, fmt):  # noqa: ANN001
        stream.write(b"<http://half> <http://written> ")
        raise OSError("disk full")

    monkeypatch.setattr(kg.dump, "_write", broken)
    with pytest.raises(OSError, match="disk full"):
        dump(store, out)
    assert out.read_text() == "the previous release\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".g.nq")] == []


def test_load_into_existing_store_replaces_graphs_in_the_file_only(store, tmp_path):
    # a release with a changed PMC1 and a new PMC3; PMC2 is not in it and must stay
    other = tmp_path / "other"
    with Store(other) as st:
        for aid, title in (("PMC1", "Changed title"), ("PMC3", "Third")):
            article, extraction = sample(aid, title=title)
            st.replace_article(aid, article_quads(article, extraction, generated_at=WHEN))
    dump(other, tmp_path / "rel.nq")
    before_pmc2 = {q for q in _quads(store) if graph_iri("PMC2") in q}
    before_vocab = {q for q in _quads(store) if f"<{VOCAB_GRAPH}>" in q}
    summary = load(store, tmp_path / "rel.nq")
    assert not summary.new_store and summary.graphs == 3  # PMC1, PMC3 and the vocabulary graph
    assert before_vocab <= {q for q in _quads(store) if f"<{VOCAB_GRAPH}>" in q}  # merged, not replaced
    with Store(store, read_only=True) as st:
        assert st.articles() == ["PMC1", "PMC2", "PMC3"]
        titles = [r["t"].value for r in st.query(f"SELECT ?t WHERE {{ GRAPH <{graph_iri('PMC1')}> {{ ?a dct:title ?t }} }}")]
    assert titles == ["Changed title"]
    assert {q for q in _quads(store) if graph_iri("PMC2") in q} == before_pmc2
    again = _quads(store)
    load(store, tmp_path / "rel.nq")
    assert _quads(store) == again  # idempotent


def test_interleaved_graphs_and_streams(store, tmp_path):
    with Store(store, read_only=True) as st:
        quads = list(st.oxigraph)
    interleaved = quads[::2] + quads[1::2]  # graphs appear, stop, and appear again
    data = ox.serialize(interleaved, format=ox.RdfFormat.N_QUADS)
    summary = load(tmp_path / "fresh", io.BytesIO(data))
    assert summary.quads == len(quads)
    assert _quads(tmp_path / "fresh") == _quads(store)
    existing = sample_store(tmp_path / "existing", ("PMC1",))
    (tmp_path / "inter.nq").write_bytes(data)
    load(existing, tmp_path / "inter.nq")
    assert _quads(existing) == _quads(store)


@pytest.mark.parametrize(
    "content,message",
    [
        (b"<http://a> <http://b> <http://c> <http://g> .\n<http://a> <http://b> .\n", "not valid N-Quads: Parser error at line 2"),
        (b"<http://a> <http://b> <http://c> <http://g> .\n<http://a> <http://b> <http://c> .\n", "default graph"),
        (b"<http://a> <http://b> <http://c> _:g .\n", "blank-node graph"),
    ],
)
def test_bad_input_changes_nothing(store, tmp_path, content, message):
    bad = tmp_path / "bad.nq"
    bad.write_bytes(content)
    before = _quads(store)
    with pytest.raises(InputError, match=message):
        load(store, bad)
    assert _quads(store) == before
    with pytest.raises(InputError, match=message):
        load(tmp_path / "new", bad)
    assert not (tmp_path / "new").exists()


def test_format_for():
    assert format_for("x.trig.gz") == (ox.RdfFormat.TRIG, True)
    assert format_for("x.nq") == (ox.RdfFormat.N_QUADS, False)
    assert format_for("x.dat", "trig") == (ox.RdfFormat.TRIG, False)
    with pytest.raises(CaseKGError, match="cannot tell the format"):
        format_for("x.ttl")
    with pytest.raises(CaseKGError, match="no store here"):
        dump("/nonexistent/store", "/tmp/x.nq")


def test_load_into_a_remote_store(store, tmp_path, oxigraph_server):
    from kg import remote

    dump(store, tmp_path / "g.trig")
    summary = load(oxigraph_server + "/store", tmp_path / "g.trig")
    assert summary.graphs == 3
    with remote.RemoteStore(oxigraph_server + "/store") as rs:
        assert rs.articles() == ["PMC1", "PMC2"]
        assert rs.stats()["triples"] == summary.quads
    load(oxigraph_server + "/store", tmp_path / "g.trig")
    assert remote.RemoteStore(oxigraph_server + "/store").stats()["triples"] == summary.quads


# ----------------------------------------------------------------------------- the commands


def test_dump_and_load_commands(store, tmp_path):
    runner = CliRunner()
    res = runner.invoke(dump_cmd, [str(tmp_path / "g.nq.gz"), "--store", str(store)])
    assert res.exit_code == 0, res.output
    assert "quads written" in res.output
    res = runner.invoke(load_cmd, [str(tmp_path / "g.nq.gz"), "--store", str(tmp_path / "copy")])
    assert res.exit_code == 0, res.output
    assert "into a new store" in res.output
    assert _quads(tmp_path / "copy") == _quads(store)
    res = runner.invoke(dump_cmd, ["-", "--store", str(store), "-f", "nquads"])
    assert res.exit_code == 0 and res.stdout_bytes.count(b"\n") >= len(_quads(store))
    (tmp_path / "bad.nq").write_text("nonsense\n")
    res = runner.invoke(load_cmd, [str(tmp_path / "bad.nq"), "--store", str(store)])
    assert res.exit_code == 1 and "kg: error:" in res.output and "bad.nq" in res.output
    res = runner.invoke(dump_cmd, [str(tmp_path / "x.nq"), "--store", str(tmp_path / "missing")])
    assert res.exit_code == 1 and "no store here" in res.output


@pytest.mark.parametrize("cmd", [serve_cmd, dump_cmd, load_cmd])
def test_help_has_an_example(cmd):
    res = CliRunner().invoke(cmd, ["--help"])
    assert res.exit_code == 0 and "Example" in res.output


def test_serve_binds_loopback_by_default():
    host = next(p for p in serve_cmd.params if p.name == "host")
    port = next(p for p in serve_cmd.params if p.name == "port")
    timeout = next(p for p in serve_cmd.params if p.name == "timeout")
    assert host.default == "127.0.0.1" and port.default == 7878 and timeout.default == 30.0


from test_remote import needs_oxigraph, oxigraph_server  # noqa: E402,F401 - shared fixture

test_load_into_a_remote_store = needs_oxigraph(test_load_into_a_remote_store)
