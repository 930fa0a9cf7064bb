"""The catalogue index (kg.store_index): paged listings pick their page from it and
drug-outcome-summary reads its summary rows, with the same answers as the queries' own text,
after `kg build`, `kg add`, `kg remove`, raw writes, crashes and on stores without it.

The reference answers never come from the index: pages from `page_of_articles` (every
article IRI read out of Oxigraph) and the queries' text run on the whole store (their own
page sub-SELECT, as any other engine runs them)."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.query import Catalogue, _execute, bind, choose_page, page_of_articles, parse_query, query_text, run
from kg.rdf import PREFIXES, VOCAB_GRAPH, graph_iri
from kg.store import Store
from kg.store_index import INDEX_FILE, open_reader

QUERIES = Path(__file__).resolve().parents[1] / "queries"
N_ARTICLES = 24
PAGE = 5
PAGED = ("adverse-events", "article-summary", "discontinuations", "negated-findings")
TERMS = ("evidence", "drugs-for-manifestation", "patients-with-antibody")  # term pages (kg.term_pages)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A built synthetic corpus (corpus/ and store/ under one folder), copied per test."""
    from kg.build import build
    from kg.synth import write_corpus

    root = tmp_path_factory.mktemp("index")
    write_corpus(root / "corpus", N_ARTICLES, seed=5)
    build(root / "corpus", root / "store", now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    return root


@pytest.fixture()
def site(built, tmp_path) -> Path:
    shutil.copytree(built, tmp_path / "site")
    return tmp_path / "site"


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Catalogue:
    """The shipped catalogue with pages of PAGE articles instead of 100."""
    d = tmp_path_factory.mktemp("cat")
    for p in QUERIES.glob("*.rq"):
        text = p.read_text(encoding="utf-8")
        if p.stem in PAGED + TERMS:
            assert text.count("LIMIT 100\n") >= 1 and "# page: 100" in text, p.stem  # adverse-events: one per branch
            text = text.replace("# page: 100", f"# page: {PAGE}").replace("LIMIT 100\n", f"LIMIT {PAGE}\n")
        (d / p.name).write_text(text, encoding="utf-8")
    return Catalogue(d)


def _text_rows(store: Path, cat: Catalogue, name: str, params: dict[str, str]) -> list[tuple]:
    """The query's own text over the whole store: what another engine answers."""
    qdef = cat.get(name)
    with Store(store, read_only=True) as st:
        return _execute(st.reader, qdef, bind(qdef, params), query_text(qdef, params)).rows


def _clean(store: Path) -> bool:
    idx = open_reader(store)
    if idx is None:
        return False
    idx.close()
    return True


def _check_all(store: Path, cat: Catalogue) -> int:
    """Every page of every paged listing and the whole summary: index answers == reference
    answers. Returns the number of pages compared."""
    assert _clean(store)
    pages = 0
    with Store(store, read_only=True) as st:
        after = ""
        while True:
            with open_reader(store) as idx:
                got = choose_page(st.reader, after, PAGE, index=idx)
            assert got == choose_page(st.reader, after, PAGE), after  # the SPARQL pick
            pages += 1
            if got[1] is None:
                break
            after = got[1]
    for name in PAGED:
        after = ""
        while True:
            params = {"after": f"<{after}>"} if after else {}
            result = run(store, name, params, catalogue=cat)
            assert result.rows == _text_rows(store, cat, name, params), (name, after)
            if result.next_after is None:
                break
            after = result.next_after
    fast = run(store, "drug-outcome-summary", {"limit": "0"}, catalogue=cat)
    assert fast.rows and fast.rows == _text_rows(store, cat, "drug-outcome-summary", {"limit": "0"})
    assert fast.variables == ["drugLabel", "manifestationLabel", "outcome", "patients", "articles", "drug", "manifestation"]
    _check_terms(store, cat)
    return pages


def _check_terms(store: Path, cat: Catalogue) -> None:
    """The index's term table holds exactly the (graph, concept) pairs of each source pattern
    in the store, and term pages (picked from it) are the pages the queries' text defines."""
    from kg.store_index import TERM_SOURCES

    conn = sqlite3.connect(f"{(store / INDEX_FILE).resolve().as_uri()}?mode=ro", uri=True)
    try:
        got = set(conn.execute("SELECT t.source, t.graph, c.term FROM term t JOIN concept c ON c.id = t.concept"))
        closure = set(conn.execute("SELECT c.term, l.ancestor FROM closure l JOIN concept c ON c.id = l.concept"))
        numbered = [r[0] for r in conn.execute("SELECT term FROM concept")]
    finally:
        conn.close()
    with Store(store, read_only=True) as st:
        want = {(i, r[0].value, str(r[1])) for i, pattern in enumerate(TERM_SOURCES)
                for r in st.reader.query(f"SELECT DISTINCT ?g ?c WHERE {{ GRAPH ?g {{ {pattern} }} }}")}
        # every numbered concept with each node it reaches by rdfs:subClassOf* in the vocabulary
        # graph; Oxigraph's zero-length path gives nothing for a node absent from the graph (a
        # concept pruned with its last article), the table its own row: a resolution starts from
        # a term of the graph (its lookup key), so that row is never reached
        walked = set()
        for c in numbered:
            walked |= {(c, str(r[0])) for r in st.reader.query(
                f"SELECT ?a WHERE {{ GRAPH <{VOCAB_GRAPH}> {{ {c} <http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?a }} }}")} or {(c, c)}
    assert got == want and {s for s, _, _ in want} == {0, 1, 2, 3}
    assert closure == walked and len(walked) > 2 * len(numbered)  # (HPO classes have ancestors)
    for name, params in _term_cases(store):
        after = ""
        while True:
            p = {**params, "after": f"<{after}>"} if after else params
            result = run(store, name, p, catalogue=cat)
            assert result.rows == _text_rows(store, cat, name, p), (name, p)
            if result.next_after is None:
                break
            after = result.next_after


def _term_cases(store: Path) -> list[tuple[str, dict[str, str]]]:
    """A drug in many articles, a broad HPO term, an autoantibody."""
    with Store(store, read_only=True) as st:
        def most(pattern: str) -> str:
            rows = list(st.reader.query(
                f"SELECT ?l (COUNT(DISTINCT ?g) AS ?n) WHERE {{ GRAPH ?g {{ {pattern} }} }} GROUP BY ?l ORDER BY DESC(?n) ?l LIMIT 1",
                prefixes=dict(PREFIXES)))
            return rows[0][0].value if rows else "nothing"

        drug = most("?s ckg:drug ?d . ?d rdfs:label ?l")
        antibody = most("?p ckg:hasAutoantibody ?a . ?a rdfs:label ?l")
    return [("evidence", {"entity": drug}), ("evidence", {"entity": "HP:0000118"}),
            ("drugs-for-manifestation", {"manifestation": "HP:0000118"}), ("patients-with-antibody", {"antibody": antibody}),
            ("adverse-events", {"drug": drug})]


def _articles(store: Path) -> list[str]:
    with Store(store, read_only=True) as st:
        return sorted({a for a, _ in page_of_articles(st.reader, "", 10**6)})


def test_build_writes_a_clean_index_that_answers_like_the_queries(site, small):
    store = site / "store"
    assert (store / INDEX_FILE).is_file()
    assert _check_all(store, small) == (N_ARTICLES + PAGE - 1) // PAGE
    # limit cuts the precomputed rows as it cuts the query's
    two = run(store, "drug-outcome-summary", {"limit": "2"}, catalogue=small)
    assert two.rows == _text_rows(store, small, "drug-outcome-summary", {"limit": "2"}) and len(two.rows) == 2


def test_the_index_is_what_answers(site, small):
    """Not a hollow equality: a row put into the index by hand shows up in the page (so the
    page comes from the index), and a summary count changed by hand shows up in the summary."""
    store = site / "store"
    first = _articles(store)[0]
    fake = first[:-1] + "\u0000"  # sorts just before the first article
    with sqlite3.connect(store / INDEX_FILE) as conn:
        conn.execute("INSERT INTO article VALUES (?, ?)", (fake, "https://example.org/g"))
        conn.execute("UPDATE outcome_total SET patients = patients + 1000")
    with Store(store, read_only=True) as st, open_reader(store) as idx:
        graphs, _ = choose_page(st.reader, "", PAGE, index=idx)
    assert "https://example.org/g" in graphs
    assert int(run(store, "drug-outcome-summary", {}, catalogue=small).rows[0][3].value) > 1000


def test_term_pages_come_from_the_index(site, small):
    """Not hollow either: a graph's term rows deleted by hand drop its article from the term
    page; once the file is marked dirty the page is read from the store again."""
    store = site / "store"
    name, params = _term_cases(store)[0]
    before = run(store, name, params, catalogue=small)
    first = before.rows[0][before.variables.index("article")].value
    with sqlite3.connect(store / INDEX_FILE) as conn:
        gone = conn.execute("DELETE FROM term WHERE source = 0 AND graph = ?", (graph_iri(first.rsplit("/", 1)[1]),)).rowcount
    assert gone > 0
    after = run(store, name, params, catalogue=small)
    assert after.rows and first not in {r[after.variables.index("article")].value for r in after.rows}
    with sqlite3.connect(store / INDEX_FILE) as conn:
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'dirty'")
    assert run(store, name, params, catalogue=small).rows == before.rows == _text_rows(store, small, name, params)


def test_add_and_remove_one_article_keep_the_index_right(site, small):
    """`kg add` of an article that sorts into the middle, then `kg remove` of another: the
    pages and the summary stay those of the queries' own text."""
    from kg.cli import main
    from kg.synth import write_corpus

    corpus, store = site / "corpus", site / "store"
    before = _articles(store)
    extra = site / "extra"
    write_corpus(extra, 1, seed=77)
    text = next(extra.glob("*/article.txt"))
    new_id = before[7].rsplit("/", 1)[1] + "-b"  # between the 8th and 9th article
    res = CliRunner().invoke(main, ["add", str(text), "--id", new_id, "--corpus", str(corpus), "--store", str(store)])
    assert res.exit_code == 0, res.output
    after_add = _articles(store)
    assert len(after_add) == len(before) + 1 and after_add[8].endswith("/" + new_id)
    assert _check_all(store, small)
    with open_reader(store) as idx:
        assert graph_iri(new_id) in [g for _, g in idx.page(before[7], 1)]

    gone = before[2].rsplit("/", 1)[1]
    res = CliRunner().invoke(main, ["remove", gone, "--corpus", str(corpus), "--store", str(store)])
    assert res.exit_code == 0, res.output
    assert len(_articles(store)) == len(before)
    assert _check_all(store, small)
    with open_reader(store) as idx:
        assert all(not a.endswith("/" + gone) for a, _ in idx.page("", 10**6))


def test_incremental_build_keeps_the_index_right(site, small):
    """`kg build` after the corpus changed: one article edited (its graph replaced), one
    deleted (its graph dropped by the build's prune)."""
    from kg.build import build

    corpus, store = site / "corpus", site / "store"
    ids = sorted(p.name for p in corpus.iterdir())
    edited = corpus / ids[4] / "article.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nThe patient was given methotrexate, with improvement of the rash.\n", encoding="utf-8")
    shutil.rmtree(corpus / ids[9])
    summary = build(corpus, store, now=datetime(2026, 1, 2, tzinfo=timezone.utc))
    assert summary.built == 1 and summary.removed == 1
    assert len(_articles(store)) == N_ARTICLES - 1
    assert _check_all(store, small)


def test_a_writer_that_has_not_finished_leaves_the_index_unused(site, small):
    """Between a write and the end of the writer's session (or after a crash there) the
    index is dirty: queries read the store instead, and still answer right."""
    store = site / "store"
    victim = _articles(store)[0].rsplit("/", 1)[1]
    st = Store(store)
    try:
        st.remove_article(victim)
        st.reader.flush()
        assert not _clean(store)
        # a reader in another process would see the write; here the writer's own store answers
        page = run(st, "article-summary", {}, catalogue=small)
        assert all(not r[0].value.endswith("/" + victim) for r in page.rows)
        assert page.rows == _execute(st.reader, small.get("article-summary"), bind(small.get("article-summary"), {}),
                                     query_text(small.get("article-summary"), {})).rows
    finally:
        st.close()
    assert _clean(store)
    assert _check_all(store, small)


def test_raw_writes_rebuild_the_index_at_close(site, small):
    """Writes through the raw pyoxigraph store (`kg load` does this) bypass the per-graph
    bookkeeping: the index is dirty from then on and rebuilt in full when the writer closes."""
    store = site / "store"
    victim = _articles(store)[3]
    with Store(store) as st:
        raw = st.oxigraph
        assert not _clean(store)
        raw.update(f"DROP GRAPH <{graph_iri(victim.rsplit('/', 1)[1])}>")
    assert victim not in _articles(store)
    assert _check_all(store, small)


def test_a_store_without_a_usable_index_falls_back_then_gets_one(site, small):
    store = site / "store"
    want = {name: run(store, name, {}, catalogue=small).rows for name in (*PAGED, "drug-outcome-summary")}
    for damage in ("missing", "garbage", "old version", "version 2"):
        if damage == "missing":
            (store / INDEX_FILE).unlink()
        elif damage == "garbage":
            (store / INDEX_FILE).write_bytes(b"not a database" * 100)
        elif damage == "old version":
            with sqlite3.connect(store / INDEX_FILE) as conn:
                conn.execute("UPDATE meta SET value = '0-old' WHERE key = 'version'")
        else:  # a clean file of schema 2, before the closure table
            with sqlite3.connect(store / INDEX_FILE) as conn:
                conn.execute("DROP TABLE closure")
                conn.execute("DELETE FROM meta WHERE key IN ('vocabulary', 'closure_upto')")
                conn.execute("UPDATE meta SET value = '2' WHERE key = 'version'")
        assert open_reader(store) is None
        for name, rows in want.items():
            assert run(store, name, {}, catalogue=small).rows == rows, (damage, name)
        Store(store).close()  # any writer session, even one that writes nothing, rebuilds it
        assert _clean(store)
        assert _check_all(store, small)


def test_replicated_store_gets_an_index(site, small, tmp_path):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from replicate_store import replicate

    target = tmp_path / "rep"
    replicate(site / "store", target, 2)
    assert len(_articles(target)) == 2 * N_ARTICLES
    assert _check_all(target, small)


def test_precomputed_header_is_checked():
    from kg.errors import QueryError

    with pytest.raises(QueryError, match="unknown precomputed answer"):
        parse_query("# title: t\n# precomputed: nothing-like-this\nSELECT * WHERE { ?s ?p ?o }")
    assert parse_query("# precomputed: drug-outcome-summary\nSELECT * WHERE { ?s ?p ?o }").precomputed == "drug-outcome-summary"


def test_in_memory_and_remote_stores_use_the_query_text(small):
    """No directory, no index: the summary query runs as written (here on an empty store)."""
    st = Store(None)
    assert run(st, "drug-outcome-summary", {}, catalogue=small).rows == []
    assert run(ox.Store(), "article-summary", {}, catalogue=small).rows == []


def test_serve_answers_from_the_index(site, small):
    """`kg serve`'s /queries/NAME: the summary and the pages come from the index (a hand-made
    change shows), and agree with the query's text while the index is untouched."""
    import requests
    from test_server import running_server

    from kg.server import create_app

    store = site / "store"
    want = _text_rows(store, small, "drug-outcome-summary", {"limit": "3"})

    def values(rows):  # noqa: ANN001, ANN202
        return [[None if t is None else t.value for t in r] for r in rows]

    with running_server(create_app(store, workers=1, catalogue=small)) as base:
        def summary() -> list[list[str]]:
            body = requests.get(f"{base}/queries/drug-outcome-summary?limit=3&format=json", timeout=30).json()
            return [[b[v]["value"] for v in body["head"]["vars"]] for b in body["results"]["bindings"]]

        assert summary() == values(want)
        first = requests.get(f"{base}/queries/article-summary?format=json", timeout=30)
        assert first.headers["x-kg-next-after"] == _articles(store)[PAGE - 1]
        with sqlite3.connect(store / INDEX_FILE) as conn:
            conn.execute("UPDATE outcome_total SET patients = patients + 1000")
            conn.execute("DELETE FROM article WHERE article = ?", (_articles(store)[0],))
        assert [int(r[3]) for r in summary()] == [int(r[3].value) + 1000 for r in want]
        again = requests.get(f"{base}/queries/article-summary?format=json", timeout=30)
        assert again.headers["x-kg-next-after"] == _articles(store)[PAGE]  # the index skips the first article now


def _pages(store: Path, cat: Catalogue, name: str, params: dict[str, str]) -> tuple[list[tuple], int]:
    """Every row of `name` page by page, each page checked against the text's own page
    sub-SELECT over the whole store; and the number of pages."""
    rows, after, pages = [], "", 0
    while True:
        page_params = {**params, **({"after": f"<{after}>"} if after else {})}
        result = run(store, name, page_params, catalogue=cat)
        assert result.rows == _text_rows(store, cat, name, page_params)
        rows += result.rows
        pages += 1
        if result.next_after is None:
            return rows, pages
        after = result.next_after


def test_adverse_events_pages_with_and_without_a_drug(site, small):
    """No drug: pages of articles, each as the text's own page sub-SELECT gives it, together
    every adverse event once. A drug: pages among the articles with an adverse event of the
    drug, together every adverse event of the drug once, in the same order as the whole."""
    store = site / "store"
    rows, pages = _pages(store, small, "adverse-events", {})
    assert pages == (N_ARTICLES + PAGE - 1) // PAGE
    # the text with one page bigger than the corpus: every adverse event
    text = (QUERIES / "adverse-events.rq").read_text(encoding="utf-8")
    whole = parse_query(text.replace("LIMIT 100\n", "LIMIT 100000\n"), "whole")
    with Store(store, read_only=True) as st:
        every = _execute(st.reader, whole, bind(whole, {"limit": "0"}), query_text(whole, {"limit": "0"})).rows
        drug = rows[0][0].value  # a drug label from the data
        of_drug = _execute(st.reader, whole, bind(whole, {"drug": drug, "limit": "0"}), query_text(whole, {"limit": "0"})).rows
    assert every and sorted(map(str, rows)) == sorted(map(str, every)) and len(set(rows)) == len(rows)
    drug_rows, drug_pages = _pages(store, small, "adverse-events", {"drug": drug})
    assert drug_rows == of_drug  # ordered by article first, as the pages are
    assert drug_rows and set(drug_rows) < set(rows) and drug_pages == (len({r[3] for r in drug_rows}) + PAGE - 1) // PAGE
    one = run(store, "adverse-events", {"drug": drug, "after": f"<{_articles(store)[-1]}>"}, catalogue=small)
    assert one.next_after is None and one.rows == []  # nothing after the last article


def test_adverse_events_of_a_drug_in_many_articles_page_by_article(site, small):
    """A drug with adverse events in more articles than a page (copies of one article graph
    under new ids, as benchmarks/replicate_store.py makes them): every page is the one the
    text's own page sub-SELECT gives, the pages together are the text's whole answer."""
    from kg.rdf import BASE, BIOLINK

    store = site / "store"
    with Store(store) as st:
        edge = next(st.oxigraph.quads_for_pattern(None, ox.NamedNode(BIOLINK + "has_adverse_event"), None, None))
        label = next(st.oxigraph.quads_for_pattern(edge.subject, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), None, None))
        source = edge.graph_name.value[len(BASE + "graph/") :]
        nquads = ox.serialize(st.oxigraph.quads_for_pattern(None, None, None, edge.graph_name), format=ox.RdfFormat.N_QUADS)
        for k in range(PAGE + 1):
            copy = nquads
            for prefix in (f"<{BASE}graph/", f"<{BASE}article/"):
                copy = copy.replace(prefix.encode(), f"{prefix}r{k}-".encode())
            st.replace_article(f"r{k}-{source}", ox.parse(copy, format=ox.RdfFormat.N_QUADS))
    params = {"drug": label.object.value}
    rows, pages = _pages(store, small, "adverse-events", params)
    text = (QUERIES / "adverse-events.rq").read_text(encoding="utf-8")
    whole = parse_query(text.replace("LIMIT 100\n", "LIMIT 100000\n"), "whole")
    with Store(store, read_only=True) as st:
        every = _execute(st.reader, whole, bind(whole, params), query_text(whole, params)).rows
    articles = {r[3] for r in every}
    assert len(articles) > PAGE + 1 and rows == every and pages == (len(articles) + PAGE - 1) // PAGE
    # kg serve's /queries/NAME: the same pages by its rel=next links; kg query --endpoint (the
    # endpoint runs the text as written) the same first page and next value
    import requests
    from test_server import running_server

    from kg import remote
    from kg.server import create_app

    with running_server(create_app(store, workers=1, catalogue=small)) as base:
        url, served = f"{base}/queries/adverse-events?drug={requests.utils.quote(params['drug'])}&format=json", []
        while url:
            resp = requests.get(url, timeout=60)
            assert resp.status_code == 200, resp.text
            served += [[b.get(v, {}).get("value") for v in resp.json()["head"]["vars"]] for b in resp.json()["results"]["bindings"]]
            url = resp.links.get("next", {}).get("url")
            assert len(served) <= len(rows), "the links do not end"
        assert served == [[None if t is None else t.value for t in r] for r in rows]
        got = remote.run(base + "/sparql", "adverse-events", params, catalogue=small)
        want = run(store, "adverse-events", params, catalogue=small)
        assert got.rows == want.rows and got.next_after == want.next_after and want.next_after


@pytest.mark.parametrize("full", [False, True])
def test_a_forced_rebuild_of_every_article_keeps_the_index_right(site, small, monkeypatch, full):
    """Every graph replaced in one session (`kg build --force`): re-read graph by graph, or,
    past REBUILD_SHARE of the store, the index rebuilt in full; the answers are the same."""
    import kg.store_index as si
    from kg.build import build

    if full:
        monkeypatch.setattr(si, "REBUILD_MIN", 0)
    calls = []
    monkeypatch.setattr(si, "rebuild", lambda *a, _real=si.rebuild: (calls.append(a), _real(*a)))
    summary = build(site / "corpus", site / "store", force=True, now=datetime(2026, 1, 3, tzinfo=timezone.utc))
    assert summary.built == N_ARTICLES
    assert bool(calls) == full
    assert _check_all(site / "store", small)


def test_cli_with_a_relative_store_path_uses_the_index(site, small, monkeypatch):
    """`kg query NAME --store store` from the store's parent: the index is found and used (a
    hand-made change to it shows in the answer)."""
    from kg.cli import main

    monkeypatch.chdir(site)
    with sqlite3.connect(Path("store") / INDEX_FILE) as conn:
        conn.execute("UPDATE outcome_total SET patients = patients + 1000")
    res = CliRunner().invoke(main, ["query", "drug-outcome-summary", "--store", "store", "-f", "csv", "-p", "limit=1"])
    assert res.exit_code == 0, res.output
    assert int(res.stdout.splitlines()[1].split(",")[3]) > 1000
    res = CliRunner().invoke(main, ["query", "adverse-events", "--store", "store", "--queries", str(small.dir)])
    assert res.exit_code == 0, res.output
    assert res.stdout.rstrip().splitlines()[-1] == f"next page: --param after='<{_articles(Path('store'))[PAGE - 1]}>'"


def test_kg_load_into_a_store_keeps_the_index_right(site, small, tmp_path):
    """`kg load` replaces graphs through the raw pyoxigraph store: the index is rebuilt when it
    closes. A dump of the full store loaded over a store missing two articles restores them."""
    from kg.dump import dump, load

    store = site / "store"
    full = tmp_path / "all.nq"
    dump(store, full)
    gone = [a.rsplit("/", 1)[1] for a in _articles(store)[5:7]]
    with Store(store) as st:
        for aid in gone:
            st.remove_article(aid)
    assert len(_articles(store)) == N_ARTICLES - 2 and _check_all(store, small)
    load(store, full)
    assert len(_articles(store)) == N_ARTICLES
    with open_reader(store) as idx:
        assert len({a for a, _ in idx.page("", 10**6)}) == N_ARTICLES
    assert _check_all(store, small)


# --------------------------------------------------------------------------- the closure table


def _hpo_classes(store: Path) -> tuple[str, str, str]:
    """A class some statement has as its concept, its parent, and an ancestor of it that is
    in the vocabulary graph only (no statement has it): IRIs."""
    with Store(store, read_only=True) as st:
        rows = list(st.reader.query(f"""PREFIX ckg: <https://w3id.org/casekg/vocab#>
            PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
            SELECT ?c ?p ?a WHERE {{ {{ SELECT DISTINCT ?c WHERE {{ GRAPH ?g {{ ?s ckg:concept ?c }} }} }}
              GRAPH <{VOCAB_GRAPH}> {{ ?c rdfs:subClassOf ?p . ?p rdfs:subClassOf+ ?a }}
              FILTER NOT EXISTS {{ GRAPH ?h {{ ?t ckg:drug|ckg:concept ?a }} }} }} ORDER BY ?c ?p ?a LIMIT 1"""))
    assert rows
    return rows[0][0].value, rows[0][1].value, rows[0][2].value


def _write_into(store: Path, quads: list[ox.Quad], article: int = 0) -> None:
    """One writer session that replaces an article's graph with its quads plus `quads` (those
    in the vocabulary graph go there), as an article built with another ontology snapshot would."""
    aid = _articles(store)[article].rsplit("/", 1)[1]
    with Store(store) as st:
        st.replace_article(aid, [*st.graph_quads(aid), *quads])


def _meta(store: Path) -> dict[str, str]:
    with sqlite3.connect(store / INDEX_FILE) as conn:
        return dict(conn.execute("SELECT key, value FROM meta"))


def test_a_new_parent_of_an_old_class_reaches_the_closure(site, small):
    """An edge added to the vocabulary graph by a later writer session (another ontology
    snapshot) gives a class already in the index a new ancestor: the closure is recomputed, so
    the new ancestor's term page holds the class's articles, as the text says."""
    store = site / "store"
    cls, _, _ = _hpo_classes(store)
    vocab = ox.NamedNode(VOCAB_GRAPH)
    new = ox.NamedNode("https://example.org/NewParent")
    before = _meta(store)["vocabulary"]
    _write_into(store, [ox.Quad(ox.NamedNode(cls), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf"), new, vocab),
                        ox.Quad(new, ox.NamedNode("https://w3id.org/casekg/vocab#lookupKey"), ox.Literal("zznewparent"), vocab)], article=5)
    assert _meta(store)["vocabulary"] != before
    result = run(store, "evidence", {"entity": "zznewparent"}, catalogue=small)
    assert result.rows and result.rows == _text_rows(store, small, "evidence", {"entity": "zznewparent"})
    assert _check_all(store, small)


def test_a_class_numbered_later_gets_its_closure_rows(site, small):
    """A class that was only an ancestor in the vocabulary graph becomes a statement's concept:
    same edges (the digest stays), its rows are added, and its ancestors' pages find it."""
    store = site / "store"
    cls, parent, ancestor = _hpo_classes(store)
    before = _meta(store)
    g = ox.NamedNode(graph_iri(_articles(store)[2].rsplit("/", 1)[1]))
    _write_into(store, [ox.Quad(ox.NamedNode("https://example.org/statement"), ox.NamedNode("https://w3id.org/casekg/vocab#concept"),
                                ox.NamedNode(ancestor), g)], article=2)
    after = _meta(store)
    assert after["vocabulary"] == before["vocabulary"] and int(after["closure_upto"]) > int(before["closure_upto"])
    with open_reader(store) as idx:
        number = idx.concept_ids([f"<{ancestor}>"])
        assert number and set(number) <= set(idx.descendants([f"<{ancestor}>"]))
    assert _check_all(store, small)


def test_a_blank_node_in_the_vocabulary_turns_the_closure_off(site, small):
    """An edge with a blank node cannot be named in the table: no closure rows, and term pages
    resolve in SPARQL again, with the same rows."""
    store = site / "store"
    cls, _, _ = _hpo_classes(store)
    _write_into(store, [ox.Quad(ox.NamedNode(cls), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf"), ox.BlankNode("b"),
                                ox.NamedNode(VOCAB_GRAPH))], article=1)
    assert _meta(store)["vocabulary"] == ""
    with open_reader(store) as idx:
        assert not idx.has_closure
    for name, params in _term_cases(store):
        assert run(store, name, params, catalogue=small).rows == _text_rows(store, small, name, params), name
