"""Every catalogue query is plain SPARQL 1.1: rdflib's engine (a standards-only engine, not
Oxigraph) gives the same rows as the embedded Oxigraph store on the same quads. And the paged
listings (`# page: N`, `after`): paging through them gives every row once, each page as the
query's own text defines it (what rdflib and a remote endpoint compute), although `kg.query.run`
picks the page itself and runs the query on only that page's graphs.

The store is a small built synthetic corpus. Parameters reach rdflib the way they reach a
remote endpoint (`kg query --endpoint`): a VALUES row at the start of every group
(`kg.remote.inject_values`), with `LIMIT` from `kg.query.query_text`."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from kg.query import Catalogue, _execute, bind, format_result, parse_query, query_text, run
from kg.rdf import PREFIXES
from kg import remote
from kg.errors import QueryError
from kg.remote import inject_values, with_prefixes
from kg.store import Store

QUERIES = Path(__file__).resolve().parents[1] / "queries"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
N_ARTICLES = 30


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, rdflib.Dataset]:
    from kg.build import build
    from kg.synth import write_corpus

    root = tmp_path_factory.mktemp("portable")
    write_corpus(root / "corpus", N_ARTICLES, seed=3)
    build(root / "corpus", root / "store", now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    with Store(root / "store", read_only=True) as st:
        nquads = ox.serialize(st.oxigraph.quads_for_pattern(None, None, None, None), format=ox.RdfFormat.N_QUADS)
    ds = rdflib.Dataset(default_union=True)
    ds.parse(data=nquads, format="nquads")
    return root / "store", ds


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return Catalogue(QUERIES)


def _key(term) -> tuple | None:  # noqa: ANN001
    """An engine-neutral form of a term: kind, lexical value, datatype, language."""
    if term is None:
        return None
    if isinstance(term, (ox.NamedNode, rdflib.URIRef)):
        return ("iri", str(term.value if isinstance(term, ox.NamedNode) else term))
    if isinstance(term, ox.Literal):
        return ("literal", term.value, term.datatype.value if not term.language else None, term.language)
    if isinstance(term, rdflib.Literal):
        lang = term.language
        return ("literal", str(term), (str(term.datatype) if term.datatype else XSD_STRING) if not lang else None, lang)
    raise AssertionError(f"unexpected term {term!r}")


def _rdflib_rows(ds: rdflib.Dataset, cat: Catalogue, name: str, params: dict[str, str]) -> tuple[list[str], list[tuple]]:
    qdef = cat.get(name)
    subs = bind(qdef, params)
    text = with_prefixes(inject_values(query_text(qdef, params), subs))
    res = ds.query(text, initNs=dict(PREFIXES))
    echoes = {v.value for v in subs}
    variables = [str(v) for v in res.vars if str(v) not in echoes]
    return variables, [tuple(_key(row[v]) for v in variables) for row in res]


def _oxigraph_rows(store: Path, cat: Catalogue, name: str, params: dict[str, str]) -> tuple[list[str], list[tuple]]:
    result = run(store, name, params, catalogue=cat)
    return result.variables, [tuple(_key(t) for t in row) for row in result.rows]


def _cases(store: Path) -> list[tuple[str, dict[str, str]]]:
    """Each query with values taken from the data, so that it is compared on a non-empty answer."""
    with Store(store, read_only=True) as st:
        def first(sparql: str) -> str:
            rows = list(st.oxigraph.query(sparql, use_default_graph_as_union=True, prefixes=dict(PREFIXES)))
            assert rows, sparql
            return rows[0][0].value

        drug = first("SELECT ?l WHERE { ?s a ckg:AdverseEvent ; ckg:assertionStatus ckg:Present ; ckg:drug/rdfs:label ?l } ORDER BY ?l LIMIT 1")
        pheno = first("SELECT ?l WHERE { ?s a ckg:TreatmentOutcome ; ckg:assertionStatus ckg:Present ; ckg:concept/rdfs:label ?l } ORDER BY ?l LIMIT 1")
        antibody = first("SELECT ?l WHERE { ?p ckg:hasAutoantibody/rdfs:label ?l } ORDER BY ?l LIMIT 1")
    # rdflib takes seconds to a minute per query on this store (GRAPH ?g over every graph),
    # so one case per query and branch, each with a non-empty answer
    return [
        ("adverse-events", {}),
        ("adverse-events", {"drug": drug}),
        ("article-summary", {}),
        ("discontinuations", {}),
        ("drug-outcome-summary", {}),
        ("drugs-for-manifestation", {"manifestation": pheno}),
        ("drugs-for-manifestation", {"manifestation": "HP:0000118"}),  # a broad term: many classes
        ("evidence", {"entity": drug}),
        ("negated-findings", {}),
        ("patients-with-antibody", {"antibody": antibody}),
    ]


def test_every_catalogue_query_same_rows_on_rdflib(built, cat):
    store, ds = built
    cases = _cases(store)
    assert {name for name, _ in cases} == set(cat.names()), "a catalogue query has no portability case"
    for name, params in cases:
        ox_vars, ox_rows = _oxigraph_rows(store, cat, name, params)
        rl_vars, rl_rows = _rdflib_rows(ds, cat, name, params)
        assert rl_vars == ox_vars, (name, params)
        assert rl_rows == ox_rows, (name, params, len(ox_rows), len(rl_rows))
        assert ox_rows, (name, params)  # an empty comparison would prove nothing


PAGED = ("article-summary", "discontinuations", "negated-findings")
SMALL_PAGE = 7  # 30 articles: pages of 7, 7, 7, 7, 2


def _small_pages(tmp_path: Path, names: tuple[str, ...] = PAGED, size: int = SMALL_PAGE) -> Catalogue:
    """The shipped paged queries `names` with pages of `size` articles instead of 100."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    for name in names:
        text = (QUERIES / f"{name}.rq").read_text(encoding="utf-8")
        assert "# page: 100\n" in text and text.count("LIMIT 100\n") == 1, name
        text = text.replace("# page: 100\n", f"# page: {size}\n").replace("LIMIT 100\n", f"LIMIT {size}\n")
        (tmp_path / f"{name}.rq").write_text(text, encoding="utf-8")
    return Catalogue(tmp_path)


def _all_rows(store: Path, name: str) -> list[tuple]:
    """Every row of a paged listing in one query: its text with a page larger than the corpus."""
    text = (QUERIES / f"{name}.rq").read_text(encoding="utf-8").replace("# page: 100\n", "").replace("LIMIT 100\n", "LIMIT 100000\n")
    qdef = parse_query(text, name)
    with Store(store, read_only=True) as st:
        rows = _execute(st.oxigraph, qdef, bind(qdef, {}), query_text(qdef, {})).rows
    return [tuple(_key(t) for t in row) for row in rows]


def test_paging_gives_every_row_once_in_order(built, tmp_path):
    store, ds = built
    cat = _small_pages(tmp_path)
    with Store(store, read_only=True) as st:
        articles = sorted(a.value for a in (r[0] for r in st.oxigraph.query(
            "SELECT DISTINCT ?a WHERE { GRAPH ?g { ?a a ckg:Article } }", prefixes=dict(PREFIXES))))
    assert len(articles) == N_ARTICLES
    for name in PAGED:
        rows, after, nexts = [], "", []
        while True:
            params = {"after": f"<{after}>"} if after else {}
            _, page = _oxigraph_rows(store, cat, name, params)
            # the page as the query's own text defines it, on a standards-only engine
            assert _rdflib_rows(ds, cat, name, params)[1] == page, (name, after)
            rows += page
            result = run(store, name, params, catalogue=cat)
            if result.next_after is None:
                break
            nexts.append(result.next_after)
            after = result.next_after
        assert nexts == articles[SMALL_PAGE - 1 :: SMALL_PAGE][: len(nexts)], name
        assert len(nexts) == (N_ARTICLES - 1) // SMALL_PAGE, name  # no empty last page
        assert rows == _all_rows(store, name), name
        assert rows, name


def test_page_after_an_iri_that_is_not_an_article(built, tmp_path):
    store, _ = built
    cat = _small_pages(tmp_path)
    first = run(store, "article-summary", {}, catalogue=cat)
    # any IRI or string works as a keyset bound: the page starts at the next article after it
    between = first.rows[2][0].value + "~"  # sorts after the third article, before the fourth
    page = run(store, "article-summary", {"after": between}, catalogue=cat)
    assert [r[0] for r in page.rows[: SMALL_PAGE - 3]] == [r[0] for r in first.rows[3:]]
    past = run(store, "article-summary", {"after": "<https://w3id.org/casekg/article/~>"}, catalogue=cat)
    assert past.rows == [] and past.next_after is None


def test_next_page_hint_in_the_table(built, tmp_path):
    store, _ = built
    cat = _small_pages(tmp_path)
    result = run(store, "negated-findings", {}, catalogue=cat)
    assert result.next_after
    table = format_result(result, "table")
    assert table.rstrip().endswith(f"next page: --param after='<{result.next_after}>'")
    assert "next page" not in format_result(result, "csv")  # data formats stay plain results


def test_page_header_is_checked():
    with pytest.raises(QueryError, match="bad page header"):
        parse_query("# title: t\n# param: after (optional) - a [default: ]\n# page: none\nSELECT * WHERE { ?s ?p ?o }")
    with pytest.raises(QueryError, match="needs an optional 'after' parameter"):
        parse_query("# title: t\n# page: 10\nSELECT * WHERE { ?s ?p ?o }")


def test_paging_through_an_endpoint(built, tmp_path):
    """`kg query --endpoint`: the endpoint runs the query's own page sub-SELECT; the client
    asks for the next `after` value in a second standard query."""
    from test_server import running_server

    from kg.server import create_app

    store, _ = built
    cat = _small_pages(tmp_path)
    with running_server(create_app(store, workers=1)) as base:
        params: dict[str, str] = {}
        for _ in range(2):  # the first page, then the second
            got = remote.run(base + "/sparql", "discontinuations", params, catalogue=cat)
            want = run(store, "discontinuations", params, catalogue=cat)
            assert [tuple(map(_key, r)) for r in got.rows] == [tuple(map(_key, r)) for r in want.rows]
            assert got.next_after == want.next_after and want.next_after
            params = {"after": f"<{want.next_after}>"}


def test_cli_pages(built, tmp_path):
    """`kg query NAME -p after=...`: the table ends with the next page's value; csv output
    stays plain CSV and the value goes to stderr."""
    from click.testing import CliRunner

    from kg.cli import main

    store, _ = built
    _small_pages(tmp_path)
    base = ["query", "discontinuations", "--queries", str(tmp_path), "--store", str(store)]
    first = CliRunner().invoke(main, base)
    assert first.exit_code == 0, first.output
    hint = first.stdout.rstrip().splitlines()[-1]
    assert hint.startswith("next page: --param after='<https://")
    after = hint.split("'")[1]
    second = CliRunner().invoke(main, [*base, "-f", "csv", "--param", f"after={after}"])
    assert second.exit_code == 0, second.output
    assert "next page" not in second.stdout and second.stderr.startswith("next page: --param after='<")
    csv_rows = second.stdout.splitlines()[1:]
    want = run(store, "discontinuations", {"after": after}, catalogue=Catalogue(tmp_path))
    assert len(csv_rows) == len(want.rows) and second.stderr.split("'")[1] == f"<{want.next_after}>"


def test_serve_catalogue_pages_follow_link_next(built, tmp_path):
    """`kg serve`'s /queries/NAME picks the page as `kg query` does and links the next page
    (RFC 8288 `Link: <...>; rel="next"`): following the links gives every row once, in order."""
    import requests
    from test_server import running_server

    from kg.server import create_app

    store, _ = built
    cat = _small_pages(tmp_path)
    with running_server(create_app(store, workers=1, catalogue=cat)) as base:
        url, rows, pages = f"{base}/queries/negated-findings?format=json", [], 0
        while url:
            resp = requests.get(url, timeout=30)
            assert resp.status_code == 200, resp.text
            page = resp.json()
            variables = page["head"]["vars"]
            rows += [tuple(b.get(v, {}).get("value") for v in variables) for b in page["results"]["bindings"]]
            url = resp.links.get("next", {}).get("url")
            pages += 1
            assert pages <= 10, "the links do not end"
    assert pages == 5  # 30 articles, pages of 7
    every = _all_rows(store, "negated-findings")
    assert [tuple(None if t is None else t[1] for t in r) for r in every] == rows


# --------------------------------------------------------------------------- paged term queries

TERM_PAGED = {"evidence": "entity", "drugs-for-manifestation": "manifestation", "patients-with-antibody": "antibody"}
TERM_PAGE = 2  # a few articles per term: pages of 2 give several pages and a short last one


def _term_pages(tmp_path: Path, size: int = TERM_PAGE) -> Catalogue:
    """The shipped paged term queries with pages of `size` articles instead of 100."""
    return _small_pages(tmp_path, tuple(TERM_PAGED), size)


def _term_cases(store: Path) -> list[tuple[str, dict[str, str]]]:
    """For each term query, the value found in the most articles (several pages of TERM_PAGE),
    plus a broad HPO term whose descendants the query must follow."""
    with Store(store, read_only=True) as st:
        def most(pattern: str) -> str:
            rows = list(st.oxigraph.query(
                f"SELECT ?l (COUNT(DISTINCT ?g) AS ?n) WHERE {{ GRAPH ?g {{ {pattern} }} }} GROUP BY ?l ORDER BY DESC(?n) ?l LIMIT 1",
                prefixes=dict(PREFIXES)))
            assert rows and int(rows[0][1].value) > TERM_PAGE, pattern  # two pages at least
            return rows[0][0].value

        drug = most("?s ckg:drug ?d . ?d rdfs:label ?l")
        antibody = most("?p ckg:hasAutoantibody ?a . ?a rdfs:label ?l")
    return [
        ("evidence", {"entity": drug}),
        ("evidence", {"entity": "HP:0000118"}),
        ("drugs-for-manifestation", {"manifestation": "HP:0000118"}),
        ("patients-with-antibody", {"antibody": antibody}),
    ]


def _text_rows(store: Path, cat: Catalogue, name: str, params: dict[str, str]) -> list[tuple]:
    """The rows of the query's own text evaluated by Oxigraph over the whole store (its page
    sub-SELECT and all), without kg.term_pages' page pick."""
    qdef = cat.get(name)
    with Store(store, read_only=True) as st:
        rows = _execute(st.oxigraph, qdef, bind(qdef, params), query_text(qdef, params)).rows
    return [tuple(_key(t) for t in row) for row in rows]


def _page_through(store: Path, cat: Catalogue, name: str, params: dict[str, str]) -> tuple[list[list[tuple]], list[str]]:
    pages, nexts, after = [], [], ""
    while True:
        p = {**params, "after": f"<{after}>"} if after else params
        result = run(store, name, p, catalogue=cat)
        rows = [tuple(_key(t) for t in row) for row in result.rows]
        assert rows == _text_rows(store, cat, name, p), (name, params, after)  # the page the text defines
        pages.append(rows)
        if result.next_after is None:
            return pages, nexts
        nexts.append(result.next_after)
        after = result.next_after
        assert len(pages) < 100, "the pages do not end"


@pytest.mark.parametrize("pairs_from", [100, 1])
def test_term_paging_gives_every_row_once_in_order(built, tmp_path, monkeypatch, pairs_from):
    """Paging through a term query: each page is the one its text defines (Oxigraph evaluating
    the text itself over the whole store), the pages together are the whole answer in order,
    next values are the last article of each full page and the last page is not empty.
    pairs_from=1: the pages of `# page-concepts:` queries bind (graph, concept) pairs, as broad
    terms do at 100 concepts and more (kg.term_pages.PAIRS_FROM)."""
    from kg import term_pages

    monkeypatch.setattr(term_pages, "PAIRS_FROM", pairs_from)
    store, _ = built
    small = _term_pages(tmp_path / "small")
    whole = _term_pages(tmp_path / "whole", 100000)
    for name, params in _term_cases(store):
        pages, nexts = _page_through(store, small, name, params)
        variables, every = _term_answer(store, whole, name, params)
        assert [r for page in pages for r in page] == every, (name, params)
        assert len(pages) >= 2 and all(pages), (name, params, [len(p) for p in pages])
        column = variables.index("article")
        articles = sorted({r[column][1] for r in every})
        assert nexts == articles[TERM_PAGE - 1 :: TERM_PAGE][: len(nexts)], (name, params)


def _term_answer(store: Path, whole: Catalogue, name: str, params: dict[str, str]) -> tuple[list[str], list[tuple]]:
    """Every row of a term query in one page (a page larger than the corpus), by the fast path."""
    result = run(store, name, params, catalogue=whole)
    assert result.next_after is None
    return result.variables, [tuple(_key(t) for t in row) for row in result.rows]


def test_term_pages_through_serve_and_an_endpoint(built, tmp_path):
    """`kg serve`'s /queries/NAME picks a term query's page as `kg query` does and links the
    next page; `kg query --endpoint` (the endpoint runs the query's own text) gets the same
    rows and the same next `after` value."""
    import requests
    from test_server import running_server

    from kg.server import create_app

    store, _ = built
    cat = _term_pages(tmp_path)
    name, params = _term_cases(store)[0]  # evidence for the drug in most articles
    pages, _ = _page_through(store, cat, name, params)
    with running_server(create_app(store, workers=1, catalogue=cat)) as base:
        url = f"{base}/queries/{name}?" + "&".join(f"{k}={requests.utils.quote(v)}" for k, v in params.items()) + "&format=json"
        served = []
        while url:
            resp = requests.get(url, timeout=60)
            assert resp.status_code == 200, resp.text
            data = resp.json()
            served.append([tuple(b.get(v, {}).get("value") for v in data["head"]["vars"]) for b in data["results"]["bindings"]])
            url = resp.links.get("next", {}).get("url")
            assert len(served) <= len(pages), "the links do not end"
        assert served == [[tuple(None if t is None else t[1] for t in r) for r in page] for page in pages]
        got = remote.run(base + "/sparql", name, params, catalogue=cat)
        want = run(store, name, params, catalogue=cat)
        assert [tuple(map(_key, r)) for r in got.rows] == [tuple(map(_key, r)) for r in want.rows]
        assert got.next_after == want.next_after and want.next_after
