"""kg.term_pages: finding a paged term query's page sub-SELECT, and picking its page on small
in-memory stores written here (the catalogue's queries on a built corpus are checked in
tests/test_query_portable.py)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.query import Catalogue, bind, parse_query, query_text, run, _execute
from kg.rdf import VOCAB_GRAPH, article_iri, graph_iri
from kg import term_pages
from kg.term_pages import choose_term_page, is_term_page, page_select, term_page_select

CKG = "https://w3id.org/casekg/vocab#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

# A paged term query of the catalogue's shape over a toy model: ckg:tag links a note to a
# concept; the page is the articles whose graph holds a note tagged with the key's concept.
TERM_QUERY = """# title: Notes tagged with a concept
# param: tag (required) - a lookup key
# param: after (optional) - article IRI [default: ]
# page: 2
PREFIX ckg: <https://w3id.org/casekg/vocab#>

SELECT DISTINCT ?tag ?tag_key ?after ?article ?note
WHERE {
  {
    # a comment with a brace } that must not end the group
    SELECT DISTINCT ?tag_key ?after ?g ?article WHERE {
      {
        SELECT DISTINCT ?tag_key ?g WHERE {
          GRAPH <https://w3id.org/casekg/vocabulary> { ?c ckg:lookupKey ?tag_key }
          GRAPH ?g { ?n ckg:tag ?c FILTER(STR(?n) != "}{") }
        }
      }
      GRAPH ?g { ?article a ckg:Article }
      FILTER(STR(?article) > STR(?after))
    }
    ORDER BY ?article
    LIMIT 2
  }
  GRAPH <https://w3id.org/casekg/vocabulary> { ?concept ckg:lookupKey ?tag_key }
  GRAPH ?g { ?note ckg:tag ?concept ; ckg:inArticle ?article }
}
ORDER BY ?article ?note
"""

LISTING = """# title: t
# param: after (optional) - a [default: ]
# page: 3
SELECT ?after ?article ?x WHERE {
  { SELECT ?after ?g ?article WHERE { GRAPH ?g { ?article a <https://w3id.org/casekg/vocab#Article> }
      FILTER(STR(?article) > STR(?after)) } ORDER BY ?article LIMIT 3 }
  GRAPH ?g { ?article <urn:p> ?x }
}
"""


def _store(tags: dict[str, list[str]], *, article_of=article_iri, graph_of=graph_iri, untyped: frozenset = frozenset(),
           tag: str = CKG + "tag") -> ox.Store:
    """Articles by id, each with notes tagged with the given concepts (`urn:c:NAME`, lookup key NAME)."""
    store = ox.Store()
    vocab = ox.NamedNode(VOCAB_GRAPH)
    for name in {t for ts in tags.values() for t in ts}:
        store.add(ox.Quad(ox.NamedNode(f"urn:c:{name}"), ox.NamedNode(CKG + "lookupKey"), ox.Literal(name), vocab))
    for article_id, names in tags.items():
        g, a = ox.NamedNode(graph_of(article_id)), ox.NamedNode(article_of(article_id))
        if article_id not in untyped:  # a graph without an article node: no page counts it
            store.add(ox.Quad(a, RDF_TYPE, ox.NamedNode(CKG + "Article"), g))
        for i, name in enumerate(names):
            note = ox.NamedNode(f"{a.value}/note/{i}")
            store.add(ox.Quad(note, ox.NamedNode(tag), ox.NamedNode(f"urn:c:{name}"), g))
            store.add(ox.Quad(note, ox.NamedNode(CKG + "inArticle"), a, g))
    return store


def _rows(store: ox.Store, qdef, params: dict[str, str]) -> list[tuple[str, ...]]:  # noqa: ANN001
    return [tuple(t.value for t in r) for r in run(store, qdef.text, params).rows]


def _text_rows(store: ox.Store, qdef, params: dict[str, str]) -> list[tuple[str, ...]]:  # noqa: ANN001
    """The query's text evaluated by Oxigraph as written, over the whole store."""
    return [tuple(t.value for t in r) for r in _execute(store, qdef, bind(qdef, params), query_text(qdef, params)).rows]


def test_page_select_finds_the_page_and_the_candidate_graphs():
    select = page_select(TERM_QUERY)
    assert select is not None and select.size == 2
    assert select.page.variables == {"tag_key", "after", "g", "article"}
    assert select.candidates is not None and select.candidates.variables == {"tag_key", "g"}
    assert "PREFIX ckg:" in select.prologue
    assert select.candidate_graphs_query().rstrip().endswith('FILTER(STR(?n) != "}{") }\n        }')
    rest = select.without_page()
    assert "LIMIT 2" not in rest and "ORDER BY ?article ?note" in rest and "?note ckg:tag ?concept" in rest
    parse_query(rest)  # what is left is still a query with its header


def test_listings_and_plain_queries_are_not_term_pages():
    subs = bind(parse_query(TERM_QUERY), {"tag": "x"})  # ?tag, ?tag_key and ?after
    listing = page_select(LISTING)
    assert listing is not None and listing.size == 3 and listing.candidates is None
    assert not is_term_page(listing, subs)
    assert page_select("SELECT * WHERE { ?s ?p ?o }") is None
    # a page sub-SELECT not ordered by ?article is not a page
    assert page_select(TERM_QUERY.replace("ORDER BY ?article\n    LIMIT 2", "ORDER BY ?g\n    LIMIT 2")) is None
    # the candidate SELECT counts only when a parameter besides `after` drives it
    assert is_term_page(page_select(TERM_QUERY), subs)
    assert not is_term_page(page_select(TERM_QUERY), {ox.Variable("after"): ox.Literal("")})
    with pytest.raises(ValueError, match="disagree"):
        choose_term_page(ox.Store(), TERM_QUERY, {ox.Variable("tag_key"): ox.Literal("x")}, "", 5)


def test_pages_are_the_articles_with_the_term_in_iri_order():
    store = _store({"a1": ["x"], "a2": ["y"], "a3": ["x", "y"], "a4": ["x"], "a5": ["z"], "a6": ["x"]})
    qdef = parse_query(TERM_QUERY)
    pages, after = [], ""
    while True:
        params = {"tag": "x", **({"after": f"<{after}>"} if after else {})}
        result = run(store, TERM_QUERY, params)
        assert _rows(store, qdef, params) == _text_rows(store, qdef, params)
        pages.append(sorted({r[0].value for r in result.rows}))
        if result.next_after is None:
            break
        after = result.next_after
    a = [article_iri(f"a{i}") for i in (1, 3, 4, 6)]
    assert pages == [a[:2], a[2:]]  # a2 and a5 have no note tagged x; no empty third page
    assert run(store, TERM_QUERY, {"tag": "nothing"}).rows == []
    # after an IRI that is no article: the page starts at the next article after it
    between = run(store, TERM_QUERY, {"tag": "x", "after": f"<{a[0]}~>"})
    assert sorted({r[0].value for r in between.rows}) == a[1:3] and between.next_after == a[2]


def test_graphs_named_otherwise_fall_back_to_the_page_pattern(monkeypatch):
    """A store whose graphs are not named as kg names them (or hold another article than the
    name says) gets its page from the page sub-SELECT's own pattern: same pages, slower."""
    calls = []
    by_pattern = term_pages._by_pattern
    monkeypatch.setattr(term_pages, "_by_pattern", lambda *a: calls.append(1) or by_pattern(*a))
    tags = {"b9": ["x"], "b1": ["x"], "b5": ["x"], "b3": ["y"]}
    qdef = parse_query(TERM_QUERY)
    odd_graphs = _store(tags, graph_of=lambda i: f"urn:graph:{i}")
    # names swapped: graph/b1 holds article b9 and so on, so name order is not article order
    swapped = _store(tags, graph_of=lambda i: graph_iri({"b9": "b1", "b1": "b9"}.get(i, i)))
    for store in (odd_graphs, swapped):
        calls.clear()
        first = run(store, TERM_QUERY, {"tag": "x"})
        assert sorted({r[0].value for r in first.rows}) == [article_iri("b1"), article_iri("b5")]
        assert first.next_after == article_iri("b5") and calls
        assert _rows(store, qdef, {"tag": "x"}) == _text_rows(store, qdef, {"tag": "x"})
    # the graph after the page holds no article: the text finds no next page, nor may the pick
    calls.clear()
    last = run(_store({"b1": ["x"], "b5": ["x"], "b9": ["x"]}, untyped=frozenset({"b9"})), TERM_QUERY, {"tag": "x"})
    assert last.next_after is None and calls


def test_the_page_runs_on_the_page_graphs_only():
    store = _store({f"c{i}": ["x"] for i in range(5)})
    subs = bind(parse_query(TERM_QUERY), {"tag": "x"})
    page = choose_term_page(store, TERM_QUERY, subs, "", 2)
    assert page is not None
    assert page.graphs == [graph_iri("c0"), graph_iri("c1"), VOCAB_GRAPH]
    assert page.next_after == article_iri("c1")
    assert page_select(page.text) is None  # the page sub-SELECT is gone from what runs


def test_catalogue_term_queries_are_term_pages():
    """The shipped term queries have the shape kg.term_pages reads, with a page size that
    agrees with their sub-SELECT; the listings do not."""
    cat = Catalogue()
    for name, param in (("evidence", "entity"), ("drugs-for-manifestation", "manifestation"), ("patients-with-antibody", "antibody")):
        qdef = cat.get(name)
        select = page_select(qdef.text)
        assert select is not None and select.candidates is not None and select.size == qdef.page, name
        assert is_term_page(select, bind(qdef, {param: "x"})), name
    for name in ("article-summary", "discontinuations", "negated-findings"):
        qdef = cat.get(name)
        assert not is_term_page(page_select(qdef.text), bind(qdef, {})), name


# Two branches, as `adverse-events`: without a tag every article's notes, one listing page at
# a time; with a tag, pages among the articles with a note tagged with it.
TWO_BRANCHES = """# title: Notes, optionally of one concept
# param: tag (optional) - a lookup key [default: ]
# param: after (optional) - article IRI [default: ]
# page: 2
PREFIX ckg: <https://w3id.org/casekg/vocab#>

SELECT DISTINCT ?tag ?tag_key ?after ?article ?note
WHERE {
  {
    VALUES ?tag_key { "" }
    { SELECT ?after ?g ?article WHERE { GRAPH ?g { ?article a ckg:Article }
        FILTER(STR(?article) > STR(?after)) } ORDER BY ?article LIMIT 2 }
    GRAPH ?g { ?note ckg:inArticle ?article }
  } UNION {
    { SELECT DISTINCT ?tag_key ?after ?g ?article WHERE {
        { SELECT DISTINCT ?tag_key ?g WHERE {
            GRAPH <https://w3id.org/casekg/vocabulary> { ?c ckg:lookupKey ?tag_key }
            GRAPH ?g { ?n ckg:tag ?c } } }
        GRAPH ?g { ?article a ckg:Article }
        FILTER(STR(?article) > STR(?after))
      } ORDER BY ?article LIMIT 2 }
    GRAPH <https://w3id.org/casekg/vocabulary> { ?concept ckg:lookupKey ?tag_key }
    GRAPH ?g { ?note ckg:tag ?concept ; ckg:inArticle ?article }
  }
}
ORDER BY ?article ?note
"""


def test_the_branch_that_answers_gives_the_page():
    qdef = parse_query(TWO_BRANCHES)
    listing, term = term_pages.page_selects(TWO_BRANCHES)
    assert listing.candidates is None and term.candidates is not None
    assert term_pages.term_page_select(TWO_BRANCHES, bind(qdef, {"tag": "x"})) == term
    assert term_pages.term_page_select(TWO_BRANCHES, bind(qdef, {})) is None  # empty tag: the listing
    # what runs on the term page keeps the listing branch (its VALUES row joins no key) and
    # only its page
    assert "VALUES ?tag_key" in term.without_page()
    assert [s.candidates for s in term_pages.page_selects(term.without_page())] == [None]
    store = _store({"a1": ["y"], "a2": ["x"], "a3": ["y"], "a4": ["x", "y"], "a5": ["x"], "a6": ["y"]})
    for tag, want in (("x", [["a2", "a4"], ["a5"]]), ("", [["a1", "a2"], ["a3", "a4"], ["a5", "a6"]])):
        pages, after = [], ""
        while True:
            params = {"tag": tag, **({"after": f"<{after}>"} if after else {})}
            result = run(store, TWO_BRANCHES, params)
            assert _rows(store, qdef, params) == _text_rows(store, qdef, params), (tag, after)
            pages.append(sorted({r[0].value for r in result.rows}))
            if result.next_after is None:
                break
            after = result.next_after
        assert pages == [[article_iri(a) for a in p] for p in want], tag


def test_adverse_events_pages_by_the_drug_branch_when_a_drug_is_given():
    qdef = Catalogue().get("adverse-events")
    listing, drug = term_pages.page_selects(qdef.text)
    assert listing.candidates is None and drug.candidates is not None and listing.size == drug.size == qdef.page
    assert term_pages.term_page_select(qdef.text, bind(qdef, {"drug": "methotrexate"})) == drug
    assert term_pages.term_page_select(qdef.text, bind(qdef, {})) is None


def test_page_concepts_restrict_what_runs_to_the_concepts_the_page_holds():
    """`# page-concepts: ?c as ?concept`: what runs on a page binds ?concept only to the
    candidate concepts its graphs hold; the rows stay those of the text's own pages."""
    declared = TERM_QUERY.replace("# page: 2\n", "# page: 2\n# page-concepts: ?c as ?concept\n")
    tags = {"a1": ["x"], "a2": ["y", "z"], "a3": ["w"], "a4": ["x", "w"], "a5": ["v"]}
    store = _store(tags)
    for name in "vwxyz":  # one key that resolves to every concept, as a broad HPO term does
        store.add(ox.Quad(ox.NamedNode(f"urn:c:{name}"), ox.NamedNode(CKG + "lookupKey"), ox.Literal("any"), ox.NamedNode(VOCAB_GRAPH)))
    qdef, plain = parse_query(declared), parse_query(TERM_QUERY)
    first = choose_term_page(store, declared, bind(qdef, {"tag": "any"}), "", 2)
    assert first is not None and "VALUES ?concept { <urn:c:x> <urn:c:y> <urn:c:z> }" in first.text
    after, pages = "", 0
    while True:
        params = {"tag": "any", **({"after": f"<{after}>"} if after else {})}
        result = run(store, declared, params)
        assert _rows(store, qdef, params) == _text_rows(store, qdef, params) == _rows(store, plain, params), after
        pages += 1
        if result.next_after is None:
            break
        after = result.next_after
    assert pages == 3
    # a declaration whose variable the candidate SELECT does not have changes nothing
    other = TERM_QUERY.replace("# page: 2\n", "# page: 2\n# page-concepts: ?nothing as ?concept\n")
    page = choose_term_page(store, other, bind(parse_query(other), {"tag": "any"}), "", 2)
    assert page is not None and "VALUES" not in page.text


# --------------------------------------------------------------------------- pages from the catalogue index

# TERM_QUERY over statements tagged with ckg:concept: its candidate pattern is the index's
# first source (kg.store_index.TERM_SOURCES), written with other variable names and a prefix
INDEXED = (TERM_QUERY.replace('GRAPH ?g { ?n ckg:tag ?c FILTER(STR(?n) != "}{") }', "GRAPH ?g { ?n ckg:drug|ckg:concept ?c . }")
           .replace("?note ckg:tag ?concept", "?note ckg:concept ?concept"))


def _indexed_store(tags: dict[str, list[str]], tmp_path, **kwargs):  # noqa: ANN001, ANN202
    """The toy store tagged with ckg:concept, a catalogue index of it in tmp_path, and a reader."""
    from kg.store_index import INDEX_FILE, open_reader, rebuild

    store = _store(tags, tag=CKG + "concept", **kwargs)
    for name in {t for ts in tags.values() for t in ts}:  # "any": a key every concept has, as a broad HPO term
        store.add(ox.Quad(ox.NamedNode(f"urn:c:{name}"), ox.NamedNode(CKG + "lookupKey"), ox.Literal("any"), ox.NamedNode(VOCAB_GRAPH)))
    rebuild(tmp_path / INDEX_FILE, store)
    return store, open_reader(tmp_path)


def _page_rows(store: ox.Store, text: str, params: dict[str, str], index) -> tuple[list[tuple[str, ...]], str | None]:  # noqa: ANN001
    """One page as kg.query runs it on an on-disk store: picked with `index`, then the rest."""
    qdef = parse_query(text)
    subs = bind(qdef, params)
    page = choose_term_page(store, text, subs, params.get("after", "").strip("<>"), qdef.page, index=index)
    assert page is not None
    rows = _execute(store, qdef, subs, page.text, graphs=[ox.NamedNode(g) for g in page.graphs]).rows
    return [tuple(t.value for t in r) for r in rows], page.next_after


def test_the_candidate_pattern_is_matched_to_an_index_source_up_to_names():
    from kg.term_pages import _index_source

    cat = Catalogue()
    found = {name: _index_source(page_select(cat.get(name).text)) for name in ("evidence", "drugs-for-manifestation", "patients-with-antibody")}
    assert {k: v[:2] for k, v in found.items()} == {
        "evidence": (0, "concept"), "drugs-for-manifestation": (1, "treated"), "patients-with-antibody": (2, "found")}
    drug_branch = term_page_select(cat.get("adverse-events").text, {ox.Variable("drug_key"): ox.Literal("x")})
    assert _index_source(drug_branch)[:2] == (3, "culprit")
    assert _index_source(page_select(INDEXED))[:2] == (0, "c")
    assert "lookupKey" in _index_source(page_select(INDEXED))[2] and "GRAPH ?g" not in _index_source(page_select(INDEXED))[2]
    # not a source: another predicate, another shape, a prefix the query does not declare,
    # the statement variable also used outside the group, a concept the resolution lacks
    for changed in (TERM_QUERY,
                    INDEXED.replace("?n ckg:drug|ckg:concept ?c .", "?n ckg:concept ?c ; ckg:kind ?k"),
                    INDEXED.replace("?n ckg:drug|ckg:concept ?c .", "?n ckg:drug|other:concept ?c"),
                    INDEXED.replace("{ ?c ckg:lookupKey ?tag_key }", "{ ?c ckg:lookupKey ?tag_key . ?n ckg:about ?c }"),
                    INDEXED.replace("{ ?c ckg:lookupKey ?tag_key }", "{ ?other ckg:lookupKey ?tag_key }")):
        assert _index_source(page_select(changed)) is None, changed


def test_pages_from_the_index_are_the_text_pages(tmp_path, monkeypatch):
    """With a clean index the page comes from its term table (the SPARQL pick is never run),
    and every page equals the text's own page, with and without `# page-concepts:`."""
    tags = {"a1": ["x"], "a2": ["y", "z"], "a3": ["w"], "a4": ["x", "w"], "a5": ["v"], "a6": ["x", "y"], "a7": ["z"]}
    store, index = _indexed_store(tags, tmp_path)
    declared = INDEXED.replace("# page: 2\n", "# page: 2\n# page-concepts: ?c as ?concept\n")
    monkeypatch.setattr(term_pages, "_by_naming", lambda *a, **k: pytest.fail("picked by SPARQL"))
    try:
        for text, pairs_from in ((INDEXED, 100), (declared, 100), (declared, 1)):
            monkeypatch.setattr(term_pages, "PAIRS_FROM", pairs_from)  # 1: (graph, concept) pairs on every page
            for key, want_pages in (("x", 2), ("any", 4), ("nothing", 1)):
                after, pages = "", 0
                while True:
                    params = {"tag": key, **({"after": f"<{after}>"} if after else {})}
                    rows, after = _page_rows(store, text, params, index)
                    assert rows == _text_rows(store, parse_query(text), params), (key, after)
                    pages += 1
                    if after is None:
                        break
                assert pages == want_pages, key
        first = choose_term_page(store, declared, bind(parse_query(declared), {"tag": "any"}), "", 2, index=index)
        a1, a2 = graph_iri("a1"), graph_iri("a2")
        assert first is not None and f"VALUES (?g ?concept) {{ (<{a1}> <urn:c:x>) (<{a2}> <urn:c:y>) (<{a2}> <urn:c:z>) }}" in first.text
        monkeypatch.setattr(term_pages, "PAIRS_FROM", 100)
        first = choose_term_page(store, declared, bind(parse_query(declared), {"tag": "any"}), "", 2, index=index)
        assert first is not None and "VALUES ?concept { <urn:c:x> <urn:c:y> <urn:c:z> }" in first.text
    finally:
        index.close()


def test_the_index_is_not_used_for_graphs_named_otherwise(tmp_path):
    store, index = _indexed_store({"a1": ["x"], "a2": ["x"], "a3": ["x"]}, tmp_path, graph_of=lambda a: f"urn:graph:{a}")
    try:
        params = {"tag": "x"}
        rows, _ = _page_rows(store, INDEXED, params, index)
        assert rows == _text_rows(store, parse_query(INDEXED), params) and rows
    finally:
        index.close()


def test_term_graphs_both_ways_give_the_same_graphs(tmp_path):
    """kg.store_index.IndexReader.term_graphs scans graphs in order or reads per concept; both
    give the first n graphs holding one of the concepts, with the concepts each holds."""
    import random

    rng = random.Random(7)
    names = "abcdefgh"
    tags = {f"a{i:02d}": rng.sample(names, rng.randint(1, 3)) for i in range(40)}
    store, index = _indexed_store(tags, tmp_path)
    try:
        for wanted in ("a", "ab", "cdefgh", names, "z"):
            concepts = [f"<urn:c:{c}>" for c in wanted]
            for after in ("", graph_iri("a07"), graph_iri("a07") + "~", graph_iri("a39")):
                for n in (1, 3, 50):
                    truth = sorted((graph_iri(a), sorted(f"<urn:c:{c}>" for c in ts if c in wanted))
                                   for a, ts in tags.items() if graph_iri(a) > after and set(ts) & set(wanted))[:n]
                    for budget in (None, 0, 10**9):
                        assert index.term_graphs(0, concepts, after, n, budget=budget) == truth, (wanted, after, n, budget)
    finally:
        index.close()


def test_page_concepts_from_n_applies_to_broad_terms_only_without_the_index():
    """`# page-concepts: ... from N`: without an index the concepts per graph are fetched (and
    bound on the page) only for a term that resolves to N concepts or more; rows unchanged."""
    text = INDEXED.replace("# page: 2\n", "# page: 2\n# page-concepts: ?c as ?concept from 3\n")
    tags = {"a1": ["x"], "a2": ["y", "z"], "a3": ["w"], "a4": ["x", "w"]}
    store = _store(tags, tag=CKG + "concept")
    for name in "wxyz":
        store.add(ox.Quad(ox.NamedNode(f"urn:c:{name}"), ox.NamedNode(CKG + "lookupKey"), ox.Literal("any"), ox.NamedNode(VOCAB_GRAPH)))
    qdef = parse_query(text)
    assert page_select(text).page_concepts_from() == 3 and page_select(INDEXED).page_concepts_from() == 0
    narrow = choose_term_page(store, text, bind(qdef, {"tag": "x"}), "", 2)
    broad = choose_term_page(store, text, bind(qdef, {"tag": "any"}), "", 2)
    assert narrow is not None and "VALUES" not in narrow.text
    assert broad is not None and "VALUES ?concept { <urn:c:x> <urn:c:y> <urn:c:z> }" in broad.text
    for key in ("x", "any"):
        assert _rows(store, qdef, {"tag": key}) == _text_rows(store, qdef, {"tag": key}) != []


# --------------------------------------------------------------------------- the closure table and the re-resolution

# INDEXED resolving the key to a concept and its descendants (`rdfs:subClassOf*`), as the
# catalogue's evidence and drugs-for-manifestation do, in the candidate SELECT and in the rest
HIERARCHY = (INDEXED.replace("# page: 2\n", "# page: 2\n# page-concepts: ?c as ?concept\n")
             .replace("PREFIX ckg:", "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nPREFIX ckg:")
             .replace("{ ?c ckg:lookupKey ?tag_key }", "{ ?t ckg:lookupKey ?tag_key . ?c rdfs:subClassOf* ?t }")
             .replace("{ ?concept ckg:lookupKey ?tag_key }", "{ ?top ckg:lookupKey ?tag_key .\n    ?concept rdfs:subClassOf* ?top . }"))
# child -> parents: a DAG under "root", a two-class cycle (v <-> v2) and a class on its own (w)
PARENTS = {"x": ["p"], "y": ["p", "root"], "p": ["root"], "z": ["root"], "v": ["v2"], "v2": ["v"]}


def _hierarchy_store(tmp_path):  # noqa: ANN001, ANN202
    tags = {"a1": ["x"], "a2": ["y", "z"], "a3": ["w"], "a4": ["x", "w"], "a5": ["v"], "a6": ["p"], "a7": ["z"]}
    store, index = _indexed_store(tags, tmp_path)
    index.close()
    vocab, sub = ox.NamedNode(VOCAB_GRAPH), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
    for child, parents in PARENTS.items():
        for p in parents:
            store.add(ox.Quad(ox.NamedNode(f"urn:c:{child}"), sub, ox.NamedNode(f"urn:c:{p}"), vocab))
    for name in ("p", "root", "v2"):  # classes only in the vocabulary graph, as HPO ancestors are
        store.add(ox.Quad(ox.NamedNode(f"urn:c:{name}"), ox.NamedNode(CKG + "lookupKey"), ox.Literal(name), vocab))
    from kg.store_index import INDEX_FILE, open_reader, rebuild

    rebuild(tmp_path / INDEX_FILE, store)
    return store, open_reader(tmp_path)


def test_terms_resolve_by_the_closure_table(tmp_path, monkeypatch):
    """With the index, the term and its descendants come from the closure table (SPARQL's
    resolution is never run) and every page equals the text's own page: a DAG, a cycle, a class
    with no parent, a class only in the vocabulary graph, a key nothing has."""
    store, index = _hierarchy_store(tmp_path)
    monkeypatch.setattr(term_pages, "_by_naming", lambda *a, **k: pytest.fail("picked by SPARQL"))
    monkeypatch.setattr(term_pages, "_resolve", lambda *a, **k: pytest.fail("resolved by SPARQL"))
    try:
        assert index.has_closure
        ids = index.concept_ids([f"<urn:c:{n}>" for n in "pxyz"])
        assert sorted(index.descendants(["<urn:c:p>"]).values()) == ["<urn:c:p>", "<urn:c:x>", "<urn:c:y>"]
        assert sorted(index.descendants(["<urn:c:root>"]).values()) == sorted(ids.values())
        assert sorted(index.descendants(["<urn:c:v2>"]).values()) == ["<urn:c:v>"]  # v2 itself is in no graph
        for key, want_pages in (("root", 3), ("p", 2), ("x", 1), ("v2", 1), ("w", 1), ("nothing", 1)):
            after, pages, seen = "", 0, 0
            while True:
                params = {"tag": key, **({"after": f"<{after}>"} if after else {})}
                rows, after = _page_rows(store, HIERARCHY, params, index)
                assert rows == _text_rows(store, parse_query(HIERARCHY), params), (key, after)
                pages, seen = pages + 1, seen + len(rows)
                if after is None:
                    break
            assert pages == want_pages and (seen > 0) == (key != "nothing"), key
    finally:
        index.close()


def test_the_rest_does_not_resolve_the_term_again(tmp_path, monkeypatch):
    """When the page binds the concepts, the rest's repeat of the candidate SELECT's resolution
    is cut from what runs (the rows stay the text's); kept when it is not a pure repeat."""
    store, index = _hierarchy_store(tmp_path)
    try:
        subs = bind(parse_query(HIERARCHY), {"tag": "root"})
        page = choose_term_page(store, HIERARCHY, subs, "", 2, index=index)
        assert page is not None and "VALUES ?concept" in page.text and "?top" not in page.text
        kept = choose_term_page(store, HIERARCHY.replace("?article ?note\nWHERE", "?article ?note ?top\nWHERE"), subs, "", 2, index=index)
        assert kept is not None and "?top ckg:lookupKey" in kept.text
        # the same rows with the group left in, page after page
        for drop in (True, False):
            if not drop:
                monkeypatch.setattr(term_pages, "_redundant_resolution", lambda *a, **k: None)
            after, got = "", []
            while True:
                params = {"tag": "root", **({"after": f"<{after}>"} if after else {})}
                rows, after = _page_rows(store, HIERARCHY, params, index)
                assert rows == _text_rows(store, parse_query(HIERARCHY), params)
                got += rows
                if after is None:
                    break
            assert len(got) == 6  # x in a1 and a4, y and z in a2, p in a6, z in a7
    finally:
        index.close()


def test_only_a_pure_repeat_of_the_resolution_is_cut():
    """`_redundant_resolution` on the catalogue's texts and on changes that make the group
    matter: no DISTINCT, its term variable used elsewhere, inside OPTIONAL, another path,
    another key, another concept variable."""
    from kg.term_pages import _redundant_resolution

    cat = Catalogue()
    for name, param, concept in (("evidence", "entity", "concept"), ("drugs-for-manifestation", "manifestation", "phenotype")):
        text = cat.get(name).text
        mapping = page_select(text).page_concepts()
        assert mapping is not None and mapping[1] == concept
        subs = bind(cat.get(name), {param: "x"})
        span = _redundant_resolution(page_select(text), mapping, subs)
        assert span is not None and text[span[0]:span[1]].startswith("GRAPH <https://w3id.org/casekg/vocabulary>")
        assert f"?{concept} rdfs:subClassOf* ?term" in text[span[0]:span[1]] and span[0] > page_select(text).page.end
        group = text[span[0]:span[1]]
        head = text[: span[0]]
        for changed in (text.replace("SELECT DISTINCT ?", "SELECT ?", 1),
                        text.replace(f"?{param} ?{param}_key ?after", f"?{param} ?{param}_key ?after ?term", 1),
                        head + "OPTIONAL { " + group + " }" + text[span[1]:],
                        head + group.replace("subClassOf*", "subClassOf+") + text[span[1]:],
                        head + group.replace(f"?{param}_key", "?other_key") + text[span[1]:],
                        head + group + " FILTER(?term != ?article)" + text[span[1]:]):
            assert _redundant_resolution(page_select(changed), mapping, bind(parse_query(changed), {param: "x"})) is None, changed
        assert _redundant_resolution(page_select(text), (mapping[0], "other"), subs) is None


def test_pairs_from_m_lowers_the_pairs_threshold_of_one_query(tmp_path, monkeypatch):
    """`# page-concepts: ... pairs from M`: a page holding M concepts or more binds (graph,
    concept) pairs (never later than PAIRS_FROM); the rows are the text's either way."""
    tags = {"a1": ["x"], "a2": ["y", "z"], "a3": ["w"], "a4": ["x", "w"]}
    store, index = _indexed_store(tags, tmp_path)
    try:
        for m, pairs in ((3, True), (4, False)):
            text = INDEXED.replace("# page: 2\n", f"# page: 2\n# page-concepts: ?c as ?concept from 1000 pairs from {m}\n")
            select = page_select(text)
            assert (select.page_concepts(), select.page_concepts_from(), select.pairs_from()) == (("c", "concept"), 1000, m)
            page = choose_term_page(store, text, bind(parse_query(text), {"tag": "any"}), "", 2, index=index)
            assert page is not None and ("VALUES (?g ?concept)" in page.text) == pairs and ("VALUES ?concept" in page.text) != pairs
            for key in ("any", "x"):
                assert _page_rows(store, text, {"tag": key}, index)[0] == _text_rows(store, parse_query(text), {"tag": key}) != []
        monkeypatch.setattr(term_pages, "PAIRS_FROM", 2)  # the module's threshold still caps it
        assert page_select(INDEXED.replace("# page: 2\n", "# page: 2\n# page-concepts: ?c as ?concept pairs from 50\n")).pairs_from() == 2
    finally:
        index.close()
