"""kg add / list / remove / show through the click commands, on temporary corpora.

Fetching tests point the client at the local FakeServices server from test_fetch (never the
network). Graph updates run the real pipeline on small texts.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg import curate
from kg.atomic import corpus_lock
from kg.cli_curate import add, list_, remove, show
from kg.corpus import load_corpus, read_article
from kg.store import Store
from test_fetch import FakeServices, services  # noqa: F401 - the module-scoped server fixture

FIX = Path(__file__).parent / "fixtures" / "sources"
REC = FIX / "recorded"  # real recorded service responses (see fixtures/sources/README.md)
CASE = "A 52-year-old man with anti-Jo-1 antibody-positive myositis received rituximab. His muscle weakness improved after rituximab.\n"


@pytest.fixture()
def env(corpus_env: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    tmp_path = corpus_env["tmp"]
    monkeypatch.setenv("KG_HTTP_CACHE", str(tmp_path / "http-cache"))
    monkeypatch.setenv("KG_HTTP_BACKOFF", "0.001")
    monkeypatch.setenv("KG_HTTP_RETRIES", "1")
    monkeypatch.setenv("KG_HTTP_TIMEOUT", "0.5")
    return corpus_env


@pytest.fixture()
def fake(services: FakeServices, monkeypatch: pytest.MonkeyPatch) -> FakeServices:  # noqa: F811
    services.queued.clear()
    services.log.clear()
    monkeypatch.setenv("KG_EUTILS_URL", f"{services.base}/entrez/eutils/")
    monkeypatch.setenv("KG_EUROPEPMC_URL", f"{services.base}/europepmc/webservices/rest/")
    monkeypatch.setenv("KG_IDCONV_URL", f"{services.base}/pmc/utils/idconv/v1.0/")
    return services


def run(cmd, *args: str):  # noqa: ANN001, ANN201
    return CliRunner().invoke(cmd, list(args), catch_exceptions=False)


def entries(corpus: Path) -> list[str]:
    """Everything in the corpus folder except the lock file, hidden leftovers included."""
    return sorted(p.name for p in corpus.iterdir() if p.name != ".kg.lock")


# ------------------------------------------------------------------ adding files


def test_help_has_examples():
    for cmd in (add, list_, remove, show):
        out = run(cmd, "--help").output
        assert "Example" in out and "--corpus" in out and "KG_STORE" in out


@pytest.mark.parametrize(
    "fixture, article_id, fmt, source",
    [
        ("recorded/efetch-pubmed-22351513.xml", "pmid-22351513", "pubmed-xml", "source.xml"),
        ("recorded/efetch-pmc-3299399.xml", "pmid-22416237", "jats", "source.xml"),
        ("bioc-PMC9900002.xml", "pmid-99000002", "bioc-xml", "source.xml"),
        ("bioc-pmc-list.json", "pmid-99000003", "bioc-json", "source.json"),
        ("plain-case.txt", "plain-case", "text", None),
    ],
)
def test_add_file_writes_the_documented_layout(env, fixture: str, article_id: str, fmt: str, source: str | None):
    r = run(add, str(FIX / fixture), "--no-build")
    assert r.exit_code == 0, r.output
    assert r.output.startswith(f"added {article_id} from {FIX / fixture} [{fmt}, ")
    folder = env["corpus"] / article_id
    article = read_article(folder)  # the corpus reader accepts what kg add wrote
    assert article.meta.source_format == fmt
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    assert meta["id"] == article_id and meta["original_name"] == Path(fixture).name
    if source:
        assert (folder / source).read_bytes() == (FIX / fixture).read_bytes()
        assert meta["source_file"] == source
    else:  # plain text: article.txt is the file, byte for byte; the sidecar supplied the metadata
        assert (folder / "article.txt").read_bytes() == (FIX / fixture).read_bytes()
        assert meta["doi"] == "10.5555/casekg.0004" and meta["note"] == "invented fixture"
    assert entries(env["corpus"]) == [article_id]


def test_structured_text_keeps_section_names(env):
    run(add, str(REC / "pmc-oa-PMC3166277.nxml"), "--no-build")
    text = (env["corpus"] / "pmid-21810267" / "article.txt").read_text(encoding="utf-8")
    assert text.startswith("Factors influencing lysis time stochasticity in bacteriophage \u03bb\n\nAbstract\n\nBackground\n")
    assert "\n\nMethods\n\nBacterial strains\nAll bacteria and phage strains" in text


def test_batch_file_with_two_records_adds_two_articles(env):
    r = run(add, str(REC / "efetch-pubmed-11748933-11700088.xml"), "--no-build")
    assert r.exit_code == 0 and entries(env["corpus"]) == ["pmid-11700088", "pmid-11748933"]
    assert "2 added" in r.output
    # The stored source of each is its own record.
    again = run(add, str(env["corpus"] / "pmid-11700088" / "source.xml"), "--no-build")
    assert again.exit_code == 1 and "already in the corpus as pmid-11700088 (same PMID 11700088)" in again.output


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("feed.xml", b'<?xml version="1.0"?><rss><channel/></rss>', "unknown XML format: root element <rss>"),
        ("cut.xml", (REC / "efetch-pmc-3299399.xml").read_bytes()[:3000], "malformed XML"),
        ("empty.txt", b"", "file is empty"),
        ("blank.txt", b" \n\t\n", "file is empty"),
        ("latin1.txt", "Fi\xe8vre et \xe9ruption".encode("latin-1"), "not valid UTF-8: byte 0xe8"),
        ("scan.pdf", b"%PDF-1.4\n%\xe2\xe3", "PDF file"),
    ],
)
def test_bad_input_one_line_error_nothing_added(env, name: str, data: bytes, reason: str):
    path = env["tmp"] / name
    path.write_bytes(data)
    r = run(add, str(path))
    assert r.exit_code == 1
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"kg: error: {path}: ") and reason in lines[0]
    assert entries(env["corpus"]) == [] and not env["store"].exists()


def test_one_bad_file_does_not_stop_the_good_ones(env):
    bad = env["tmp"] / "bad.xml"
    bad.write_text("<collection><document>")
    r = run(add, str(bad), str(REC / "efetch-pubmed-22351513.xml"), "--no-build")
    assert r.exit_code == 1 and "kg: error: " in r.output and "added pmid-22351513" in r.output
    assert entries(env["corpus"]) == ["pmid-22351513"]


def test_usage_errors(env):
    assert run(add).exit_code == 2
    assert run(add, str(FIX / "plain-case.txt"), str(REC / "efetch-pubmed-22351513.xml"), "--id", "x").exit_code == 2
    r = run(add, str(FIX / "plain-case.txt"), "--id", "bad id!", "--no-build")
    assert r.exit_code == 1 and "is not a usable article id" in r.output


# ------------------------------------------------------------------ duplicates


def _sidecar_text(env: dict[str, Path], name: str, meta: str) -> Path:
    """A curator's own text file with a metadata sidecar naming an article's identifiers."""
    t = env["tmp"] / f"{name}.txt"
    t.write_text(CASE)
    (env["tmp"] / f"{name}.json").write_text(meta)
    return t


def test_duplicates_by_pmid_doi_pmcid_and_text_are_refused(env):
    assert run(add, str(REC / "efetch-pubmed-22351513.xml"), "--no-build").exit_code == 0
    same_pmid = _sidecar_text(env, "own-copy", '{"pmid": "22351513"}')  # same PMID, other format
    r = run(add, str(same_pmid), "--no-build")
    assert r.exit_code == 1
    assert r.output.strip() == (
        f"kg: error: {same_pmid}: already in the corpus as pmid-22351513 (same PMID 22351513); use --replace to update it"
    )
    # Same DOI (different case, as a URL) in a sidecar of a text without PMID.
    t = _sidecar_text(env, "note", '{"doi": "https://doi.org/10.1002/JSFA.5627"}')
    r = run(add, str(t), "--no-build")
    assert "already in the corpus as pmid-22351513 (same DOI" in r.output and r.exit_code == 1
    # Same text: CRLF, a ligature-free spelling and different spacing are still the same text.
    a, b = env["tmp"] / "a.txt", env["tmp"] / "b.txt"
    a.write_text(CASE)
    b.write_bytes(CASE.replace(" ", "  ").replace("\n", "\r\n").upper().encode())
    assert run(add, str(a), "--no-build").exit_code == 0
    r = run(add, str(b), "--no-build")
    assert r.exit_code == 1 and "already in the corpus as a (same text)" in r.output
    # Same PMCID.
    assert run(add, str(REC / "efetch-pmc-3299399.xml"), "--no-build").exit_code == 0
    j = (REC / "efetch-pmc-3299399.xml").read_text(encoding="utf-8")
    other = env["tmp"] / "v2.xml"
    other.write_text(j.replace('<article-id pub-id-type="pmid">22416237</article-id>', "").replace("10.3389/fpsyt.2012.00018", "10.5555/x"), encoding="utf-8")
    r = run(add, str(other), "--no-build")
    assert r.exit_code == 1 and "(same PMCID PMC3299399)" in r.output
    assert entries(env["corpus"]) == ["a", "pmid-22351513", "pmid-22416237"]


def test_replace_updates_the_entry_and_keeps_its_id(env):
    run(add, str(REC / "efetch-pmc-3299399.xml"), "--no-build")
    own = _sidecar_text(env, "own-copy", '{"pmid": "22416237"}')
    r = run(add, str(own), "--replace", "--no-build")
    assert r.exit_code == 0 and r.output.startswith("replaced pmid-22416237")
    art = read_article(env["corpus"] / "pmid-22416237")
    assert art.meta.source_format == "text"
    assert entries(env["corpus"]) == ["pmid-22416237"]  # no leftovers


def test_same_id_with_other_text_needs_a_new_id_or_replace(env):
    (env["tmp"] / "x").mkdir()
    first, second = env["tmp"] / "case.txt", env["tmp"] / "x" / "case.txt"
    first.write_text(CASE)
    second.write_text("A different report about a 30-year-old woman with fever.\n")
    run(add, str(first), "--no-build")
    r = run(add, str(second), "--no-build")
    assert r.exit_code == 1 and 'an entry with id "case" exists with other content' in r.output
    r = run(add, str(second), "--id", "case-2", "--no-build")
    assert r.exit_code == 0 and entries(env["corpus"]) == ["case", "case-2"]


# ------------------------------------------------------------------ atomicity and the lock


def test_locked_corpus_gives_clear_message(env):
    with corpus_lock(env["corpus"]):
        r = run(add, str(FIX / "plain-case.txt"))
    assert r.exit_code == 1
    assert r.output.strip() == f"kg: error: corpus {env['corpus']} is locked by another kg process (pid {os.getpid()})"
    assert entries(env["corpus"]) == []


def test_interrupted_replace_keeps_the_old_entry(env, monkeypatch: pytest.MonkeyPatch):
    run(add, str(REC / "efetch-pmc-3299399.xml"), "--no-build")
    before = (env["corpus"] / "pmid-22416237" / "article.txt").read_bytes()
    real_rename = os.rename

    def interrupted(src, dst):  # noqa: ANN001
        if Path(src).name.startswith(".adding-"):
            raise KeyboardInterrupt  # Ctrl-C between moving the old entry aside and the new one in
        return real_rename(src, dst)

    monkeypatch.setattr(curate.os, "rename", interrupted)
    r = run(add, str(_sidecar_text(env, "own-copy", '{"pmid": "22416237"}')), "--replace", "--no-build")
    assert r.exit_code == 1 and "Aborted" in r.output  # click turns Ctrl-C into "Aborted!"
    monkeypatch.setattr(curate.os, "rename", real_rename)
    assert (env["corpus"] / "pmid-22416237" / "article.txt").read_bytes() == before
    assert entries(env["corpus"]) == ["pmid-22416237"]


def test_leftovers_of_a_killed_run_are_recovered(env):
    run(add, str(REC / "efetch-pmc-3299399.xml"), "--no-build")
    c = env["corpus"]
    # A kill -9 after moving the old entry aside, before the new one arrived; plus a half-written new folder.
    os.rename(c / "pmid-22416237", c / ".replaced-pmid-22416237-0a1b2c3d")
    (c / ".adding-pmid-22416237-xyz").mkdir()
    (c / ".adding-pmid-22416237-xyz" / "article.txt").write_text("half")
    assert [a.id for a in load_corpus(c)] == []  # readers never see hidden leftovers
    r = run(add, str(FIX / "plain-case.txt"), "--no-build")
    assert r.exit_code == 0
    assert entries(c) == ["plain-case", "pmid-22416237"]
    assert read_article(c / "pmid-22416237").meta.source_format == "jats"


# ------------------------------------------------------------------ graph


def _graph_hash(store: Path, article_id: str) -> str | None:
    with Store(store, read_only=True) as st:
        return st.article_hash(article_id)


def test_add_builds_only_the_new_articles_graph(env):
    from kg.build import build

    (env["corpus"] / "old.txt").write_text(CASE)
    build(env["corpus"], env["store"])
    with Store(env["store"], read_only=True) as st:
        old_graph = {str(q) for q in st.graph_quads("old")}
    (env["corpus"] / "old.txt").write_text(CASE + "He later developed fever.\n")  # changed, but not ours to build
    r = run(add, str(REC / "efetch-pubmed-38763967.xml"))  # a real case report's PubMed record
    built = re.search(r"graph built \((\d+) patients, (\d+) statements\)", r.output)
    assert r.exit_code == 0 and built, r.output
    assert _graph_hash(env["store"], "pmid-38763967") == read_article(env["corpus"] / "pmid-38763967").sha256
    with Store(env["store"], read_only=True) as st:
        assert {str(q) for q in st.graph_quads("old")} == old_graph

    listing = run(list_).output
    assert "old            changed" in listing and "pmid-38763967  built" in listing

    shown = run(show, "pmid-38763967")
    assert shown.exit_code == 0
    assert "Journal:  CEN case reports (2024)" in shown.output  # the record's Journal/Title and PubDate
    # "An effectual treatment was attained with an oral terbinafine tablet."
    assert re.search(r"exposure: terbinafine\n +\"An effectual treatment was attained with an oral terbinafine", shown.output, re.I)
    text = (env["corpus"] / "pmid-38763967" / "article.txt").read_text(encoding="utf-8")
    data = json.loads(run(show, "pmid-38763967", "-f", "json").output)
    assert data["status"] == "built" and data["summary"]["statements"] == len(data["statements"]) == int(built.group(2)) > 0
    assert data["summary"]["patients"] == int(built.group(1)) >= 1  # add and show count the same patients
    for st in data["statements"]:  # evidence offsets point into the stored article.txt
        if st["start"] is not None:
            assert text[st["start"] : st["end"]] == st["sentence"]

    r = run(remove, "pmid-38763967")
    assert r.exit_code == 0 and r.output.strip() == "removed pmid-38763967 (files and graph)"
    assert entries(env["corpus"]) == ["old.txt"]
    with Store(env["store"], read_only=True) as st:
        assert st.articles() == ["old"]


def test_busy_store_keeps_the_corpus_write_and_says_run_build(env):
    with Store(env["store"]):  # another process writing (RocksDB lock)
        r = run(add, str(FIX / "plain-case.txt"))
    assert r.exit_code == 0
    assert "added plain-case" in r.output and "graph not built" in r.output
    assert "kg: warning: " in r.output and "run `kg build`" in r.output
    assert "plain-case  not built" in run(list_).output


def test_list_statuses_and_remove_errors(env):
    c = env["corpus"]
    run(add, str(REC / "efetch-pubmed-22351513.xml"), "--no-build")
    (c / "broken").mkdir()
    (c / "broken" / "article.txt").write_bytes(b"\xff\xfe")
    with Store(env["store"]) as st:  # a graph whose article is gone
        from pyoxigraph import Literal, NamedNode, Quad

        from kg.rdf import CKG, article_iri, graph_iri

        st.replace_article("gone", [Quad(NamedNode(article_iri("gone")), NamedNode(CKG + "contentHash"), Literal("x"), NamedNode(graph_iri("gone")))])
    rows = {r["id"]: r for r in json.loads(run(list_, "-f", "json").output)}
    assert rows["pmid-22351513"]["status"] == "not built" and rows["pmid-22351513"]["pmid"] == "22351513"
    assert rows["broken"]["status"] == "failed" and "not valid UTF-8" in rows["broken"]["error"]
    assert rows["gone"]["status"] == "removed"
    r = run(remove, "22351513")
    assert r.exit_code == 1 and "no such article" in r.output and "did you mean pmid-22351513?" in r.output
    r = run(remove, "gone")  # a graph without an article can be removed too
    assert r.exit_code == 0 and "removed gone (graph)" in r.output
    assert run(show, "nope").exit_code == 1
    assert "No graph for this article yet" in run(show, "pmid-22351513").output


# ------------------------------------------------------------------ fetching


def test_add_by_pmid_pmcid_doi(env, fake: FakeServices):
    r = run(add, "--pmid", "29915538", "--pmcid", "PMC3299399", "--doi", "10.1002/jsfa.5627", "--no-build")
    assert r.exit_code == 0, r.output
    assert entries(env["corpus"]) == ["pmid-22351513", "pmid-22416237", "pmid-29915538"]
    jats_meta = json.loads((env["corpus"] / "pmid-22416237" / "meta.json").read_text(encoding="utf-8"))
    assert jats_meta["source_format"] == "jats" and jats_meta["source_url"].endswith("/PMC3299399/fullTextXML")
    assert "retrieved" in jats_meta and "original_name" not in jats_meta
    assert read_article(env["corpus"] / "pmid-22351513").meta.source_format == "pubmed-xml"
    # In PMC, but Europe PMC has no full text for it: the abstract, with the PMCID kept.
    in_pmc = read_article(env["corpus"] / "pmid-29915538").meta
    assert in_pmc.source_format == "pubmed-xml" and in_pmc.pmcid == "PMC5994433"
    # Already there: refused before any request is made.
    n = len(fake.log)
    r = run(add, "--pmid", "22351513")
    assert r.exit_code == 1 and "PMID 22351513: already in the corpus as pmid-22351513" in r.output
    assert len(fake.log) == n


@pytest.mark.parametrize(
    "args, message",
    [
        (["--pmid", "12x"], "kg: error: PMID '12x': invalid PMID"),
        (["--pmcid", "PMCabc"], "kg: error: PMCID 'PMCabc': invalid PMCID"),
        (["--doi", "nonsense"], "kg: error: DOI 'nonsense': invalid DOI"),
        (["--pmid", "98765432"], "kg: error: PMID 98765432: not found in PubMed"),
        (["--doi", "10.5555/nothing.here"], "kg: error: DOI 10.5555/nothing.here: no PubMed record has this DOI"),
    ],
)
def test_fetch_errors_are_one_line_and_add_nothing(env, fake: FakeServices, args: list[str], message: str):
    r = run(add, *args)
    assert r.exit_code == 1 and r.output.startswith(message) and len(r.output.strip().splitlines()) == 1
    assert entries(env["corpus"]) == []


def test_server_errors_and_network_failure(env, fake: FakeServices, monkeypatch: pytest.MonkeyPatch):
    from test_fetch import Reply

    fake.queue("efetch", Reply(500), Reply(500))  # KG_HTTP_RETRIES=1: two attempts
    r = run(add, "--pmid", "22351513")
    assert r.exit_code == 1 and r.output.startswith("kg: error: PMID 22351513: HTTP 500 from 127.0.0.1:")
    monkeypatch.setenv("KG_EUTILS_URL", "http://127.0.0.1:9/")  # discard port: nothing listens
    r = run(add, "--pmid", "22351513")
    assert r.exit_code == 1 and "PMID 22351513: cannot connect to 127.0.0.1:9" in r.output
    assert entries(env["corpus"]) == []


def test_pmid_file_batch_resumes_after_failures(env, fake: FakeServices):
    from test_fetch import Reply

    ids = env["tmp"] / "ids.txt"
    ids.write_text("# cohort\n22351513\n29915538  # in PMC\n23121403\n22351513\nPMID42\n")
    fake.queue("fulltext", Reply(503), Reply(503))  # Europe PMC down for the first full-text request
    r = run(add, "--pmid-file", str(ids), "--no-build")
    assert r.exit_code == 1
    assert "kg: error: PMID 'PMID42': invalid PMID" in r.output
    assert "kg: error: PMID 29915538: full text PMCID PMC5994433 (Europe PMC full text): HTTP 503" in r.output
    assert "(--abstract-only stores the abstract)" in r.output
    assert "added pmid-22351513" in r.output and "added pmid-23121403" in r.output
    assert [c["id"] for c in fake.calls("efetch")] == ["22351513,29915538,23121403"]  # one batched request
    fake.log.clear()
    ids.write_text(ids.read_text().replace("PMID42", ""))
    r = run(add, "--pmid-file", str(ids), "--no-build")  # the re-run only fetches what is missing
    assert r.exit_code == 0, r.output
    assert "skipped PMID 22351513: already in the corpus as pmid-22351513" in r.output
    assert "added pmid-29915538" in r.output
    assert [c["id"] for c in fake.calls("efetch")] == ["29915538"]
    assert entries(env["corpus"]) == ["pmid-22351513", "pmid-23121403", "pmid-29915538"]
